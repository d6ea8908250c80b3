// PodTopologySpread's system defaults (hostname maxSkew 3, zone maxSkew 5, ScheduleAnyway):
// the scoring formula with values worked out by hand, and replicas spreading where
// LeastAllocated alone would stack them.
#include <catch2/catch.hpp>

#include "controller/manager.hpp"
#include "controller/replicaset.hpp"
#include "fixtures.hpp"
#include "sim/cluster/scheduler.hpp"
#include "sim/cluster/topology_spread.hpp"

using cluster_test::json;
using cluster_test::World;
using sim::kernel::kSecond;

namespace {

sim::cluster::SchedNode node(const std::string& name, const std::string& zone = "") {
    sim::cluster::SchedNode n;
    n.name = name;
    n.labels = {{"kubernetes.io/hostname", name}};
    if (!zone.empty()) n.labels["topology.kubernetes.io/zone"] = zone;
    return n;
}

}  // namespace

TEST_CASE("topology spread: scores by hostname", "[spread]") {
    const auto a = node("a"), b = node("b"), c = node("c");
    const std::vector<const sim::cluster::SchedNode*> nodes{&a, &b, &c};
    // weight log(3 + 2) = 1.609; raw = count x 1.609 + (3 - 1): a 5.22 -> 5, b 2, c 3.61 -> 4;
    // normalized 100 (max + min - raw) / max with max 5, min 2: 40, 100, 60.
    const auto scores = sim::cluster::default_spread_scores(nodes, nodes, {{"a", 2}, {"c", 1}});
    CHECK(scores == std::vector<std::int64_t>{40, 100, 60});
    // Nothing matching anywhere: raw 2 everywhere, all 100 (max + min - raw = max).
    CHECK(sim::cluster::default_spread_scores(nodes, nodes, {}) ==
          std::vector<std::int64_t>{100, 100, 100});
}

TEST_CASE("topology spread: scores by hostname and zone", "[spread]") {
    const auto a1 = node("a1", "a"), a2 = node("a2", "a"), b1 = node("b1", "b");
    const std::vector<const sim::cluster::SchedNode*> nodes{&a1, &a2, &b1};
    // hostname weight log 5 = 1.609, zone weight log(2 + 2) = 1.386; zone a holds 2, b 0.
    // a1 = 1.609 + 2 + 2 x 1.386 + 4 = 10.38 -> 10, a2 the same, b1 = 2 + 4 = 6;
    // normalized with max 10, min 6: 60, 60, 100.
    const auto scores = sim::cluster::default_spread_scores(nodes, nodes, {{"a1", 1}, {"a2", 1}});
    CHECK(scores == std::vector<std::int64_t>{60, 60, 100});
    // A zone's pods count from every counted node, even ones not feasible for this pod.
    const std::vector<const sim::cluster::SchedNode*> feasible{&a2, &b1};
    // hostname weight log 4 = 1.386: a2 = 0 + 2 + 2 x 1.386 + 4 = 8.77 -> 9, b1 = 6;
    // normalized with max 9, min 6: 600 / 9 = 66 (integer division), 100.
    CHECK(sim::cluster::default_spread_scores(feasible, nodes, {{"a1", 2}}) ==
          std::vector<std::int64_t>{66, 100});
}

TEST_CASE("topology spread: a ReplicaSet's pods spread where LeastAllocated would stack them",
          "[spread]") {
    World w;
    w.add_node("node-1", 1, "64", "256Gi");
    w.add_node("node-2", 2, "4", "16Gi");
    sim::cluster::Scheduler scheduler(w.client);
    sim::controller::Manager manager(w.client);
    manager.add(std::make_unique<sim::controller::ReplicaSetController>());
    manager.start();
    scheduler.start();
    const json container = {{"name", "main"},
                            {"image", "nginx:1.27"},
                            {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}}}}};
    w.at(0, [&] {
        // Bare pods (no owner, no Service): nothing to spread over, the big node wins each time.
        for (int i = 0; i < 4; ++i)
            w.create_pod(json{
                {"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", "bare-" + std::to_string(i)}, {"namespace", "default"}}},
                {"spec", {{"containers", json::array({container})}}}});
    });
    w.at(10 * kSecond, [&] {
        (void)w.client
            .create(sim::kube::refs::kReplicaSets.in("default"),
                    json{{"apiVersion", "apps/v1"},
                         {"kind", "ReplicaSet"},
                         {"metadata", {{"name", "web"}, {"namespace", "default"}}},
                         {"spec",
                          {{"replicas", 4},
                           {"selector", {{"matchLabels", {{"app", "web"}}}}},
                           {"template",
                            {{"metadata", {{"labels", {{"app", "web"}}}}},
                             {"spec", {{"containers", json::array({container})}}}}}}}})
            .value();
    });
    w.loop.run_until(30 * kSecond);
    std::map<std::string, int> bare, web;
    const json list = w.client.list(sim::kube::refs::kPods.in("default")).value();
    for (const json& p : list["items"]) {
        const std::string name = p["metadata"]["name"];
        auto& counts = name.rfind("bare-", 0) == 0 ? bare : web;
        ++counts[p["spec"].value("nodeName", "")];
    }
    CHECK(bare == std::map<std::string, int>{{"node-1", 4}});
    CHECK(web == std::map<std::string, int>{{"node-1", 2}, {"node-2", 2}});
}

TEST_CASE("numFeasibleNodesToFind: all below 100 nodes, then the adaptive percentage",
          "[scheduler]") {
    using sim::cluster::feasible_nodes_to_find;
    CHECK(feasible_nodes_to_find(3) == 3);
    CHECK(feasible_nodes_to_find(99) == 99);
    CHECK(feasible_nodes_to_find(100) == 100);  // 50 % of 100 is 50, raised to 100
    CHECK(feasible_nodes_to_find(1000) == 420);  // 50 - 1000/125 = 42 %
    CHECK(feasible_nodes_to_find(5000) == 500);  // 10 %
    CHECK(feasible_nodes_to_find(10000) == 500);  // 50 - 80 < 5: 5 %
}
