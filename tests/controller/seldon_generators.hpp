// RapidCheck generators of valid SeldonDeployments, shared by the operator's properties: graphs
// of depth <= 3 with unique node names, 1-3 predictors (one maybe a shadow), traffic over the
// non-shadow predictors summing to 100, an optional hpaSpec and replicas.
#pragma once

#include <rapidcheck.h>

#include <string>
#include <utility>
#include <vector>

#include "sim/kernel/json.hpp"

namespace sim::test::gen {

using json = sim::Json;

inline const std::vector<std::string> kTypes{"MODEL", "TRANSFORMER", "OUTPUT_TRANSFORMER", "ROUTER",
                                             "COMBINER"};

// A random graph of depth <= 3; node names are unique in the predictor.
inline json gen_graph(int depth, int& counter, std::vector<std::string>& names) {
    const std::string name = "n" + std::to_string(counter++);
    names.push_back(name);
    json node{{"name", name}, {"type", kTypes[*rc::gen::inRange<std::size_t>(0, kTypes.size())]}};
    const int children = depth < 3 ? *rc::gen::inRange(0, 3) : 0;
    node["children"] = json::array();
    for (int i = 0; i < children; ++i)
        node["children"].push_back(gen_graph(depth + 1, counter, names));
    return node;
}

inline json gen_predictor(const std::string& name) {
    int counter = 0;
    std::vector<std::string> names;
    json p{{"name", name}, {"graph", gen_graph(1, counter, names)}};
    // The graph's containers split over one or two pods.
    const std::size_t split = names.size() > 1 && *rc::gen::arbitrary<bool>()
                                  ? *rc::gen::inRange<std::size_t>(1, names.size())
                                  : names.size();
    p["componentSpecs"] = json::array();
    for (const auto& [from, to] :
         {std::pair{std::size_t{0}, split}, std::pair{split, names.size()}}) {
        if (from == to) continue;
        json containers = json::array();
        for (std::size_t i = from; i < to; ++i)
            containers.push_back(
                {{"name", names[i]},
                 {"image", "img-" + names[i] + ":" + std::to_string(*rc::gen::inRange(1, 4))}});
        p["componentSpecs"].push_back({{"spec", {{"containers", containers}}}});
    }
    if (*rc::gen::inRange(0, 4) == 0) p["componentSpecs"][0]["hpaSpec"] = {{"maxReplicas", 3}};
    if (*rc::gen::arbitrary<bool>()) p["replicas"] = *rc::gen::inRange(1, 3);
    return p;
}

// Traffic over the non-shadow predictors summing to 100 (left unset for a lone one, sometimes).
inline void gen_traffic(json& spec) {
    std::vector<json*> live;
    for (json& p : spec["predictors"]) {
        p.erase("traffic");
        if (!p.value("shadow", false)) live.push_back(&p);
    }
    if (live.size() == 1) {
        if (*rc::gen::arbitrary<bool>()) (*live[0])["traffic"] = 100;
        return;
    }
    int left = 100;
    for (std::size_t i = 0; i + 1 < live.size(); ++i) {
        const int t = *rc::gen::inRange(0, left + 1);
        (*live[i])["traffic"] = t;
        left -= t;
    }
    (*live.back())["traffic"] = left;
}

inline json gen_sdep() {
    json sdep{{"apiVersion", "machinelearning.seldon.io/v1"},
              {"kind", "SeldonDeployment"},
              {"metadata", {{"name", "prop"}, {"namespace", "default"}}},
              {"spec", {{"predictors", json::array()}}}};
    const int n = *rc::gen::inRange(1, 4);
    for (int i = 0; i < n; ++i)
        sdep["spec"]["predictors"].push_back(gen_predictor("p" + std::to_string(i)));
    if (n > 1 && *rc::gen::arbitrary<bool>()) sdep["spec"]["predictors"][n - 1]["shadow"] = true;
    gen_traffic(sdep["spec"]);
    return sdep;
}

}  // namespace sim::test::gen
