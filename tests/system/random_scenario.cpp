#include "random_scenario.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace sim::system_test {
namespace {

namespace fs = std::filesystem;

// Time the cluster gets after the last change (or the end of the last fault) to converge:
// a crash-looping container may wait up to 80 s more before its next start, a returning node
// needs its heartbeats and probes; 8 minutes leaves room for all of it.
constexpr int kConvergeSeconds = 8 * 60;

// Splits 100 into `k` positive parts.
std::vector<int> split_100(int k) {
    if (k == 1) return {*rc::gen::element(0, 100)};  // unset or 100 (Seldon: both valid)
    std::vector<int> cuts;
    for (int i = 0; i < k - 1; ++i)
        cuts.push_back(*rc::gen::inRange(1, 100));
    std::sort(cuts.begin(), cuts.end());
    std::vector<int> parts;
    int previous = 0;
    for (const int c : cuts) {
        parts.push_back(c - previous);
        previous = c;
    }
    parts.push_back(100 - previous);
    // A zero part (two equal cuts) would make a predictor without traffic: fold it into another.
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (parts[i] == 0) {
            const std::size_t donor = static_cast<std::size_t>(
                std::max_element(parts.begin(), parts.end()) - parts.begin());
            parts[donor] -= 1;
            parts[i] = 1;
        }
    }
    return parts;
}

Predictor random_predictor(const std::string& name) {
    Predictor p;
    p.name = name;
    p.replicas = *rc::gen::inRange(1, 3);
    const int shape = *rc::gen::weightedElement<int>({{6, 0}, {2, 1}, {1, 2}});
    p.combiner = shape == 1;
    p.router = shape == 2;
    p.depth = shape != 0 ? 2 : *rc::gen::inRange(1, 4);
    p.model_version = *rc::gen::inRange(1, 3);
    return p;
}

SeldonDeployment random_sdep(const std::string& name) {
    SeldonDeployment d;
    d.name = name;
    const int live = *rc::gen::inRange(1, 3);  // non-shadow predictors
    const bool shadow = *rc::gen::weightedElement<bool>({{3, false}, {1, true}});
    const std::vector<int> weights = split_100(live);
    for (int i = 0; i < live; ++i) {
        Predictor p = random_predictor("p" + std::to_string(i));
        p.traffic = weights[static_cast<std::size_t>(i)];
        d.predictors.push_back(p);
    }
    if (shadow) {
        Predictor p = random_predictor("shadow");
        p.shadow = true;
        d.predictors.push_back(p);
    }
    d.hpa_max_replicas = *rc::gen::weightedElement<int>({{3, 0}, {1, 3}});
    d.pdb = *rc::gen::weightedElement<bool>({{3, false}, {1, true}});
    return d;
}

Change random_fault(int at_s, int nodes, int sdeps, bool may_drain, const Limits& limits) {
    Change c;
    c.at_s = at_s;
    c.is_fault = true;
    std::vector<FaultKind> kinds{FaultKind::PodKill, FaultKind::OomKill, FaultKind::CrashLoop,
                                 FaultKind::OperatorDown};
    if (limits.node_down) kinds.push_back(FaultKind::NodeDown);
    if (may_drain) kinds.push_back(FaultKind::Drain);
    c.fault = *rc::gen::elementOf(kinds);
    const bool instant = c.fault == FaultKind::PodKill || c.fault == FaultKind::OomKill ||
                         c.fault == FaultKind::Drain;
    c.fault_for_s = instant ? 0 : *rc::gen::inRange(20, 91);
    c.node = *rc::gen::inRange(1, nodes + 1);
    c.target = *rc::gen::inRange(0, sdeps);
    return c;
}

std::string indent(int n) {
    return std::string(static_cast<std::size_t>(n), ' ');
}

// A graph node (and its children) in a SeldonDeployment manifest, indented by `ind`; `inline_first`
// when the first line follows a list's "- " already written.
void write_graph(std::ostream& out, const Predictor& p, int level, int ind, bool inline_first) {
    const std::string pad = indent(ind);
    const std::string first = inline_first ? "" : pad;
    if (p.combiner && level == 0) {
        out << first << "name: combiner\n" << pad << "type: COMBINER\n" << pad << "children:\n";
        for (int i = 0; i < 2; ++i) {
            out << pad << "- name: model-" << i << "\n"
                << pad << "  type: MODEL\n"
                << pad << "  parameters: [{name: method, value: predict_proba, type: STRING}]\n"
                << pad << "  children: []\n";
        }
        return;
    }
    if (p.router && level == 0) {
        out << first << "name: ab-test\n"
            << pad << "implementation: RANDOM_ABTEST\n"
            << pad << "parameters: [{name: ratioA, value: \"0.5\", type: FLOAT}]\n"
            << pad << "children:\n";
        for (int i = 0; i < 2; ++i)
            out << pad << "- name: model-" << i << "\n"
                << pad << "  type: MODEL\n"
                << pad << "  children: []\n";
        return;
    }
    if (level < p.depth - 1) {
        out << first << "name: transformer-" << level << "\n"
            << pad << "type: TRANSFORMER\n"
            << pad << "children:\n"
            << pad << "- ";
        write_graph(out, p, level + 1, ind + 2, true);
        return;
    }
    out << first << "name: model\n" << pad << "type: MODEL\n" << pad << "children: []\n";
}

std::vector<std::pair<std::string, std::string>> containers(const Predictor& p) {
    const std::string model = "sentiment-seldon:v" + std::to_string(p.model_version);
    std::vector<std::pair<std::string, std::string>> out;
    if (p.router) {
        out.emplace_back("model-0", model);
        out.emplace_back("model-1", "sentiment-seldon:v" + std::to_string(3 - p.model_version));
        return out;
    }
    if (p.combiner) {
        out.emplace_back("combiner", "seldonio/average-combiner:1.0");
        out.emplace_back("model-0", model);
        out.emplace_back("model-1", "sentiment-seldon:v" + std::to_string(3 - p.model_version));
        return out;
    }
    for (int i = 0; i < p.depth - 1; ++i)
        out.emplace_back("transformer-" + std::to_string(i), "text-cleaner:1.0");
    out.emplace_back("model", model);
    return out;
}

std::string manifest(const SeldonDeployment& d) {
    std::ostringstream out;
    out << "apiVersion: machinelearning.seldon.io/v1\n"
           "kind: SeldonDeployment\n"
           "metadata:\n"
           "  name: "
        << d.name
        << "\n"
           "  namespace: seldon\n"
           "spec:\n"
           "  predictors:\n";
    for (std::size_t i = 0; i < d.predictors.size(); ++i) {
        const Predictor& p = d.predictors[i];
        out << "  - name: " << p.name << "\n";
        if (!(i == 0 && d.hpa_max_replicas > 0)) out << "    replicas: " << p.replicas << "\n";
        if (p.shadow) out << "    shadow: true\n";
        if (p.traffic > 0) out << "    traffic: " << p.traffic << "\n";
        out << "    componentSpecs:\n    - spec:\n        containers:\n";
        for (const auto& [name, image] : containers(p)) {
            out << "        - name: " << name << "\n          image: " << image
                << "\n          resources: {requests: {cpu: 100m, memory: 128Mi}}\n";
        }
        if (i == 0 && d.hpa_max_replicas > 0) {
            out << "      hpaSpec:\n        minReplicas: 1\n        maxReplicas: "
                << d.hpa_max_replicas
                << "\n        metrics:\n        - type: Resource\n          resource:\n"
                   "            name: cpu\n            targetAverageUtilization: 80\n";
        }
        if (i + 1 == d.predictors.size() && d.pdb)
            out << "      pdbSpec:\n        minAvailable: 1\n";
        out << "    graph:\n";
        write_graph(out, p, 0, 6, false);
    }
    return out.str();
}

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

const char* fault_name(FaultKind k) {
    switch (k) {
        case FaultKind::PodKill:
            return "podKill";
        case FaultKind::OomKill:
            return "oomKill";
        case FaultKind::CrashLoop:
            return "crashLoop";
        case FaultKind::NodeDown:
            return "nodeDown";
        case FaultKind::OperatorDown:
            return "operatorDown";
        case FaultKind::Drain:
            return "drain";
    }
    return "?";
}

}  // namespace

rc::Gen<RandomScenario> random_scenario(Limits limits) {
    return rc::gen::exec([limits] {
        RandomScenario s;
        s.nodes = *rc::gen::inRange(2, 5);
        s.rate_per_sdep = *rc::gen::inRange(1, 21);
        s.ingress =
            *rc::gen::weightedElement<std::string>({{2, "none"}, {1, "istio"}, {1, "ambassador"}});
        const int count = *rc::gen::inRange(1, 4);
        for (int i = 0; i < count; ++i)
            s.sdeps.push_back(random_sdep("sdep-" + std::to_string(i)));
        const int changes = *rc::gen::inRange(0, 5);
        bool may_drain = limits.drain && s.nodes >= 3;
        int last_s = 0;
        for (int i = 0; i < changes; ++i) {
            const int at_s = *rc::gen::inRange(30, 601);
            Change c;
            const int kind = *rc::gen::weightedElement<int>({{4, 0}, {4, 1}, {2, 2}});
            if (kind == 0) {
                c = random_fault(at_s, s.nodes, count, may_drain, limits);
                if (c.fault == FaultKind::Drain) may_drain = false;
            } else {
                c.at_s = at_s;
                c.sdep = *rc::gen::inRange(0, count);
                c.is_delete = kind == 2;
                if (!c.is_delete)
                    c.version = random_sdep(s.sdeps[static_cast<std::size_t>(c.sdep)].name);
            }
            last_s = std::max(last_s, c.at_s + c.fault_for_s);
            s.changes.push_back(std::move(c));
        }
        std::stable_sort(s.changes.begin(), s.changes.end(),
                         [](const Change& a, const Change& b) { return a.at_s < b.at_s; });
        // A deletion of what is already gone would be a refused step: drop it.
        std::vector<bool> exists(s.sdeps.size(), true);
        std::erase_if(s.changes, [&](const Change& c) {
            if (c.is_fault) return false;
            const auto i = static_cast<std::size_t>(c.sdep);
            const bool refused = c.is_delete && !exists[i];
            exists[i] = !c.is_delete;
            return refused;
        });
        s.duration_s = last_s + kConvergeSeconds;
        return s;
    });
}

fs::path write_scenario(const RandomScenario& s, const fs::path& dir, const fs::path& repo,
                        std::uint64_t seed) {
    fs::create_directories(dir / "manifests");
    const std::string models = (repo / "fixtures" / "models").generic_string();
    write_file(dir / "manifests" / "namespace.yaml",
               "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: seldon\n");
    std::ostringstream y;
    y << "# A whole-system property test case (tests/system). Reproduce: sim-run run THIS_FILE\n"
         "apiVersion: seldon-sim/v1\nkind: Scenario\nmetadata:\n  name: random-system\n"
         "  description: A random scenario from the whole-system property test.\n"
         "spec:\n  seed: "
      << seed << "\n  duration: " << s.duration_s << "s\n  ingress: " << s.ingress << "\n"
      << "  cluster:\n    nodes:\n    - namePrefix: node-\n      count: " << s.nodes
      << "\n      capacity: {cpu: \"16\", memory: 64Gi, pods: 110}\n"
      << "  images:\n"
         "    \"sentiment-seldon:v2\": {run: sentiment-model, model: \""
      << models
      << "/sentiment-v2.json\", pullTime: 5s, startupTime: 3s, serviceTime: {median: 3ms, p99: "
         "12ms}, cpuPerRequest: 4ms}\n"
         "    \"sentiment-seldon:*\": {run: sentiment-model, model: \""
      << models
      << "/sentiment-v1.json\", pullTime: 5s, startupTime: 3s, serviceTime: {median: 3ms, p99: "
         "12ms}, cpuPerRequest: 4ms}\n"
         "    \"seldonio/average-combiner:*\": {run: average-combiner, pullTime: 2s, startupTime: "
         "1s}\n"
         "    \"text-cleaner:*\": {run: echo, pullTime: 2s, startupTime: 1s, serviceTime: "
         "{median: 1ms, p99: 3ms}}\n";
    y << "  traffic:\n";
    for (const SeldonDeployment& d : s.sdeps) {
        y << "  - name: to-" << d.name << "\n    target: seldon/" << d.name
          << "\n    from: 1m\n    rate: " << s.rate_per_sdep << "\n    payload: {texts: \""
          << (repo / "fixtures" / "data" / "reviews.csv").generic_string() << "\"}\n";
    }
    y << "  timeline:\n  - {at: 0s, apply: manifests/namespace.yaml}\n";
    for (const SeldonDeployment& d : s.sdeps) {
        const std::string file = "manifests/" + d.name + "-0.yaml";
        write_file(dir / file, manifest(d));
        y << "  - {at: 0s, apply: " << file << "}\n";
    }
    int version = 0;
    for (const Change& c : s.changes) {
        if (c.is_delete) {
            y << "  - {at: " << c.at_s << "s, delete: {kind: SeldonDeployment, namespace: seldon, "
              << "name: " << s.sdeps[static_cast<std::size_t>(c.sdep)].name << "}}\n";
            continue;
        }
        if (!c.is_fault) {
            const std::string file =
                "manifests/" + c.version.name + "-" + std::to_string(++version) + ".yaml";
            write_file(dir / file, manifest(c.version));
            y << "  - {at: " << c.at_s << "s, apply: " << file << "}\n";
            continue;
        }
        if (c.fault == FaultKind::Drain) {  // a step of its own, not a fault
            y << "  - {at: " << c.at_s << "s, drain: {node: node-" << c.node << "}}\n";
            continue;
        }
        y << "  - at: " << c.at_s << "s\n    fault: {" << fault_name(c.fault) << ": {";
        switch (c.fault) {
            case FaultKind::PodKill:
            case FaultKind::OomKill:
                y << "namespace: seldon, selector: \"seldon-deployment-id=sdep-" << c.target
                  << "\", count: 1";
                break;
            case FaultKind::OperatorDown:
                y << "for: " << c.fault_for_s << "s";
                break;
            case FaultKind::Drain:
                break;
            case FaultKind::CrashLoop:
                y << "image: \"sentiment-seldon:v1\", for: " << c.fault_for_s << "s";
                break;
            case FaultKind::NodeDown:
                y << "node: node-" << c.node << ", for: " << c.fault_for_s << "s";
                break;
        }
        y << "}}\n";
    }
    // What the specs ask for, after the last change: every SeldonDeployment Available, one
    // Deployment per predictor of its latest version, and no request lost; nothing left of a
    // deleted one (the garbage collector follows the ownerReferences down to the pods).
    std::vector<SeldonDeployment> latest = s.sdeps;
    std::vector<bool> deleted(s.sdeps.size(), false);
    for (const Change& c : s.changes) {
        if (c.is_fault) continue;
        const auto i = static_cast<std::size_t>(c.sdep);
        deleted[i] = c.is_delete;
        if (!c.is_delete) latest[i] = c.version;
    }
    y << "  expect:\n";
    for (std::size_t i = 0; i < latest.size(); ++i) {
        const SeldonDeployment& d = latest[i];
        if (deleted[i]) {
            for (const char* kind : {"Deployment", "ReplicaSet", "Pod", "Service"})
                y << "  - {name: nothing of " << d.name << " is left (" << kind
                  << "), at: " << s.duration_s << "s, count: {kind: " << kind
                  << ", namespace: seldon, selector: \"seldon-deployment-id=" << d.name
                  << "\"}, equals: 0}\n";
            continue;
        }
        y << "  - {name: " << d.name << " converges, at: " << s.duration_s
          << "s, object: SeldonDeployment/seldon/" << d.name
          << ", field: status.state, equals: Available}\n";
        y << "  - {name: " << d.name << " has no stale Deployment, at: " << s.duration_s
          << "s, count: {kind: Deployment, namespace: seldon, selector: \"seldon-deployment-id="
          << d.name << "\"}, equals: " << d.predictors.size() << "}\n";
    }
    y << "  - {name: no request lost, at: " << s.duration_s
      << "s, metric: requests_lost, equals: 0}\n";

    const fs::path path = dir / "scenario.yaml";
    write_file(path, y.str());
    return path;
}

std::string describe(const RandomScenario& s) {
    std::ostringstream out;
    out << s.nodes << " nodes, " << s.rate_per_sdep << " rps each, " << s.duration_s
        << "s, ingress " << s.ingress << "\n";
    const auto sdep_line = [&](const SeldonDeployment& d) {
        out << d.name << ":";
        for (const Predictor& p : d.predictors) {
            out << " " << p.name << "(x" << p.replicas << (p.shadow ? ", shadow" : "")
                << ", traffic " << p.traffic << ", depth " << p.depth
                << (p.combiner ? ", combiner" : "") << (p.router ? ", RANDOM_ABTEST" : "") << ", v"
                << p.model_version << ")";
        }
        if (d.hpa_max_replicas) out << " hpa max " << d.hpa_max_replicas;
        if (d.pdb) out << " pdb";
        out << "\n";
    };
    for (const SeldonDeployment& d : s.sdeps)
        sdep_line(d);
    for (const Change& c : s.changes) {
        out << "at " << c.at_s << "s: ";
        if (c.is_delete) {
            out << "delete " << s.sdeps[static_cast<std::size_t>(c.sdep)].name << "\n";
        } else if (c.is_fault) {
            out << fault_name(c.fault) << " for " << c.fault_for_s << "s (node-" << c.node
                << ", sdep-" << c.target << ")\n";
        } else {
            sdep_line(c.version);
        }
    }
    return out.str();
}

}  // namespace sim::system_test
