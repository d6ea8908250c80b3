// Node lifecycle: NotReady after the grace period, the unreachable taints, taint-based
// eviction after the tolerations' seconds, pods stuck Terminating, recovery (k8s-semantics.md
// §3f). Expected instants worked out from the real algorithm:
//   the kubelet renews its Lease at 0, 10, 20, ... s; stopped at 60 s, its last renewal is at
//   50 s; the monitor (every 5 s from 0) sees it at its 50 s pass or, when the watch delivers
//   after that pass, at 55 s; Ready goes Unknown 50 s later: at 100 s or 105 s, a monitor
//   instant; the NoExecute taint comes in the same pass and the eviction exactly
//   tolerationSeconds (default 300 s) after it.
#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include "controller/manager.hpp"
#include "controller/nodelifecycle.hpp"
#include "fixtures.hpp"
#include "sim/cluster/kubelet.hpp"

using cluster_test::json;
using cluster_test::pod;
using cluster_test::World;
using sim::kernel::kSecond;
using sim::kernel::Nanos;

namespace {

struct Cluster {
    World w;
    sim::controller::Manager manager{w.client};
    sim::controller::TaintEvictionController* eviction = nullptr;
    std::vector<std::unique_ptr<sim::cluster::Kubelet>> kubelets;

    Cluster() {
        for (int i = 1; i <= 3; ++i)
            w.add_node("node-" + std::to_string(i), i, "4", "8Gi");
        manager.add(std::make_unique<sim::controller::NodeLifecycleController>());
        eviction = static_cast<sim::controller::TaintEvictionController*>(
            &manager.add(std::make_unique<sim::controller::TaintEvictionController>()));
        manager.start();
        for (int i = 1; i <= 3; ++i) {
            kubelets.push_back(
                std::make_unique<sim::cluster::Kubelet>(w.client, "node-" + std::to_string(i)));
            kubelets.back()->start();
        }
    }
    // A pod bound to `node` (created with spec.nodeName, as a static assignment).
    void bound_pod(const std::string& name, const std::string& node, json tolerations = nullptr) {
        json p = pod(name);
        p["spec"]["nodeName"] = node;
        if (!tolerations.is_null()) p["spec"]["tolerations"] = tolerations;
        w.create_pod(p);
    }
    json node(const std::string& name) {
        return w.client.get(sim::kube::refs::kNodes, name).value();
    }
    static std::string condition(const json& object, const std::string& type) {
        for (const json& c : object["status"].value("conditions", json::array()))
            if (c["type"] == type) return c["status"];
        return "";
    }
    std::optional<json> find_pod(const std::string& name) {
        auto p = w.client.get(sim::kube::refs::kPods.in("default"), name);
        if (!p) return std::nullopt;
        return p.value();
    }
    bool has_taint(const std::string& node_name, const std::string& key,
                   const std::string& effect) {
        for (const json& t : node(node_name)["spec"].value("taints", json::array()))
            if (t["key"] == key && t["effect"] == effect) return true;
        return false;
    }
    std::vector<json> node_events(const std::string& reason) {
        std::vector<json> out;
        const json list = w.client.list(sim::kube::refs::kEvents.in("default")).value();
        for (const json& e : list["items"])
            if (e["reason"] == reason && e["involvedObject"]["kind"] == "Node") out.push_back(e);
        return out;
    }
};

// Virtual instant `t` as the API server writes it (origin 2025-01-01T00:00:00Z).
Nanos instant_of(const json& stamp) {
    return *sim::kernel::parse_rfc3339_unix_nanos(stamp.get<std::string>()) -
           1'735'689'600LL * 1'000'000'000LL;
}

}  // namespace

TEST_CASE(
    "node lifecycle: NodeStatusUnknown 50 s after the last heartbeat, eviction 300 s after the "
    "taint",
    "[nodelifecycle]") {
    Cluster c;
    c.bound_pod("web-1", "node-2");
    c.bound_pod("web-3", "node-3");
    c.w.at(60 * kSecond, [&] { c.kubelets[1]->stop(); });
    json node_at_120;
    c.w.at(120 * kSecond, [&] { node_at_120 = c.node("node-2"); });
    c.w.loop.run_until(700 * kSecond);

    // The conditions as the controller writes them; the heartbeat stays the kubelet's.
    std::optional<Nanos> unknown;
    for (const char* type : {"Ready", "MemoryPressure", "DiskPressure", "PIDPressure"}) {
        for (const json& cond : node_at_120["status"]["conditions"]) {
            if (cond["type"] != type) continue;
            CHECK(cond["status"] == "Unknown");
            CHECK(cond["reason"] == "NodeStatusUnknown");
            CHECK(cond["message"] == "Kubelet stopped posting node status.");
            CHECK(cond["lastHeartbeatTime"] == "2025-01-01T00:00:00Z");
            if (cond["type"] == "Ready") unknown = instant_of(cond["lastTransitionTime"]);
        }
    }
    REQUIRE(unknown);
    CHECK((*unknown == 100 * kSecond || *unknown == 105 * kSecond));
    // Both unreachable taints, the NoExecute one stamped with the same instant.
    int taints = 0;
    for (const json& t : node_at_120["spec"]["taints"]) {
        CHECK(t["key"] == "node.kubernetes.io/unreachable");
        if (t["effect"] == "NoExecute") CHECK(instant_of(t["timeAdded"]) == *unknown);
        ++taints;
    }
    CHECK(taints == 2);

    const auto not_ready = c.node_events("NodeNotReady");
    REQUIRE(not_ready.size() == 1);
    CHECK(not_ready[0]["message"] == "Node node-2 status is now: NodeNotReady");
    CHECK(not_ready[0]["source"]["component"] == "node-controller");
    CHECK(instant_of(not_ready[0]["firstTimestamp"]) == *unknown);
    const auto all_not_ready = c.w.events("NodeNotReady");  // the Node's and the pod's
    REQUIRE(all_not_ready.size() == 2);
    for (const json& e : all_not_ready)
        if (e["involvedObject"]["kind"] == "Pod") {
            CHECK(e["type"] == "Warning");
            CHECK(e["message"] == "Node is not ready");
            CHECK(e["involvedObject"]["name"] == "web-1");
        }
    const auto marking = c.w.events("TaintManagerEviction");
    REQUIRE(marking.size() == 1);
    CHECK(marking[0]["message"] == "Marking for deletion Pod default/web-1");
    CHECK(marking[0]["source"]["component"] == "taint-eviction-controller");
    CHECK(instant_of(marking[0]["firstTimestamp"]) == *unknown + 300 * kSecond);

    // Stuck Terminating: nobody confirms the kill while the node is away.
    const auto stuck = c.find_pod("web-1");
    REQUIRE(stuck);
    CHECK(Cluster::condition(*stuck, "Ready") == "False");
    CHECK(instant_of((*stuck)["metadata"]["deletionTimestamp"]) ==
          *unknown + 300 * kSecond + 30 * kSecond);  // the pod's 30 s grace period
    bool disruption_target = false;
    for (const json& cond : (*stuck)["status"]["conditions"])
        if (cond["type"] == "DisruptionTarget")
            disruption_target = cond["reason"] == "DeletionByTaintManager";
    CHECK(disruption_target);
    // The pod on a healthy node is untouched.
    CHECK(Cluster::condition(*c.find_pod("web-3"), "Ready") == "True");
    CHECK_FALSE((*c.find_pod("web-3"))["metadata"].contains("deletionTimestamp"));
}

TEST_CASE("node lifecycle: the node comes back, taints go, the stuck pod finishes",
          "[nodelifecycle]") {
    Cluster c;
    c.bound_pod("web-1", "node-2");
    c.w.at(60 * kSecond, [&] { c.kubelets[1]->stop(); });
    c.w.at(600 * kSecond, [&] { c.kubelets[1]->start(); });
    bool gone_at_601 = false, ready_at_610 = false, untainted_at_610 = false;
    c.w.at(601 * kSecond, [&] { gone_at_601 = !c.find_pod("web-1"); });
    c.w.at(610 * kSecond, [&] {
        ready_at_610 = Cluster::condition(c.node("node-2"), "Ready") == "True";
        untainted_at_610 = !c.node("node-2")["spec"].contains("taints");
    });
    c.w.loop.run_until(620 * kSecond);
    CHECK(gone_at_601);
    CHECK(ready_at_610);
    CHECK(untainted_at_610);
    const auto ready = c.node_events("NodeReady");
    REQUIRE(ready.size() == 1);
    CHECK(ready[0]["message"] == "Node node-2 status is now: NodeReady");
}

TEST_CASE("node lifecycle: back before the tolerations run out, the pod restarts in place",
          "[nodelifecycle]") {
    Cluster c;
    c.bound_pod("web-1", "node-2");
    c.w.at(60 * kSecond, [&] { c.kubelets[1]->stop(); });
    c.w.at(200 * kSecond, [&] { c.kubelets[1]->start(); });
    std::map<std::string, Nanos> scheduled_at_150;
    c.w.at(150 * kSecond, [&] { scheduled_at_150 = c.eviction->scheduled(); });
    c.w.loop.run_until(700 * kSecond);
    REQUIRE(scheduled_at_150.contains("default/web-1"));
    const auto p = c.find_pod("web-1");
    REQUIRE(p);
    CHECK_FALSE((*p)["metadata"].contains("deletionTimestamp"));
    CHECK(Cluster::condition(*p, "Ready") == "True");
    const json cs = (*p)["status"]["containerStatuses"][0];
    CHECK(cs["restartCount"] == 1);
    CHECK(cs["lastState"]["terminated"]["reason"] == "Unknown");
    CHECK(cs["lastState"]["terminated"]["exitCode"] == 255);
    CHECK(cs["lastState"]["terminated"]["finishedAt"] == "2025-01-01T00:01:00Z");
    CHECK(c.w.events("SandboxChanged").size() == 1);
    const auto eviction = c.w.events("TaintManagerEviction");
    REQUIRE(eviction.size() == 1);
    CHECK(eviction[0]["message"] == "Cancelling deletion of Pod default/web-1");
    CHECK(c.eviction->scheduled().empty());
}

TEST_CASE("taint eviction: the instant follows the pod's tolerationSeconds", "[nodelifecycle]") {
    struct Row {
        const char* name;
        json tolerations;
        std::optional<Nanos> after_taint;  // nullopt: never evicted
    };
    const json unreachable = {
        {"key", "node.kubernetes.io/unreachable"}, {"operator", "Exists"}, {"effect", "NoExecute"}};
    const auto with_seconds = [&](int s) {
        json t = unreachable;
        t["tolerationSeconds"] = s;
        return json::array({t});
    };
    const std::vector<Row> rows = {
        {"defaulted", nullptr, 300 * kSecond},
        {"sixty", with_seconds(60), 60 * kSecond},
        {"zero", with_seconds(0), 0},
        {"forever", json::array({unreachable}), std::nullopt},
        // Tolerates only not-ready: the unreachable taint is not tolerated, so at once.
        {"other-key",
         json::array({{{"key", "node.kubernetes.io/not-ready"},
                       {"operator", "Exists"},
                       {"effect", "NoExecute"},
                       {"tolerationSeconds", 300}},
                      {{"key", "node.kubernetes.io/unreachable"},
                       {"operator", "Equal"},
                       {"value", "x"},
                       {"effect", "NoExecute"}}}),
         0},
    };
    for (const Row& row : rows) {
        DYNAMIC_SECTION(row.name) {
            Cluster c;
            c.bound_pod("p", "node-2", row.tolerations);
            c.w.at(60 * kSecond, [&] { c.kubelets[1]->stop(); });
            c.w.loop.run_until(600 * kSecond);
            std::optional<Nanos> tainted;
            const json node2 = c.node("node-2");
            for (const json& t : node2["spec"]["taints"])
                if (t["effect"] == "NoExecute") tainted = instant_of(t["timeAdded"]);
            REQUIRE(tainted);
            const auto p = c.find_pod("p");
            REQUIRE(p);  // stuck Terminating, or never deleted
            if (row.after_taint) {
                REQUIRE((*p)["metadata"].contains("deletionTimestamp"));
                CHECK(instant_of((*p)["metadata"]["deletionTimestamp"]) - 30 * kSecond - *tainted ==
                      *row.after_taint);
            } else {
                CHECK_FALSE((*p)["metadata"].contains("deletionTimestamp"));
            }
        }
    }
}

TEST_CASE("node lifecycle: a force delete removes a pod stuck Terminating", "[nodelifecycle]") {
    Cluster c;
    c.bound_pod("web-1", "node-2");
    c.w.at(60 * kSecond, [&] { c.kubelets[1]->stop(); });
    bool stuck_at_500 = false;
    c.w.at(500 * kSecond, [&] {
        const auto p = c.find_pod("web-1");
        stuck_at_500 = p && (*p)["metadata"].contains("deletionTimestamp");
        sim::kube::DeleteOptions force;
        force.grace_period_seconds = 0;
        (void)c.w.client.remove(sim::kube::refs::kPods.in("default"), "web-1", force);
    });
    c.w.at(600 * kSecond, [&] { c.kubelets[1]->start(); });
    c.w.loop.run_until(620 * kSecond);
    CHECK(stuck_at_500);
    CHECK_FALSE(c.find_pod("web-1"));
    CHECK(c.kubelets[1]->pod_count() == 0);
}

TEST_CASE("property: NotReady 50 to 55 s after the last renewal, eviction exactly the "
          "toleration after the taint",
          "[nodelifecycle]") {
    rc::prop("node lifecycle timing", [] {
        const int stop_s = *rc::gen::inRange(1, 200);
        const int toleration_s = *rc::gen::inRange(0, 400);
        Cluster c;
        json toleration = {{"key", "node.kubernetes.io/unreachable"},
                           {"operator", "Exists"},
                           {"effect", "NoExecute"},
                           {"tolerationSeconds", toleration_s}};
        c.bound_pod("p", "node-2", json::array({toleration}));
        // Half a second past a whole second: never the same instant as a renewal or a pass.
        c.w.at(stop_s * kSecond + kSecond / 2, [&] { c.kubelets[1]->stop(); });
        c.w.loop.run_until((stop_s + 60 + toleration_s + 10) * kSecond);
        const json lease =
            c.w.client.get(sim::kube::refs::kLeases.in("kube-node-lease"), "node-2").value();
        const Nanos renewed = instant_of(lease["spec"]["renewTime"]);
        RC_ASSERT(renewed == (stop_s / 10) * 10 * kSecond);
        const json node = c.node("node-2");
        std::optional<Nanos> unknown, tainted;
        for (const json& cond : node["status"]["conditions"])
            if (cond["type"] == "Ready" && cond["status"] == "Unknown")
                unknown = instant_of(cond["lastTransitionTime"]);
        for (const json& t : node["spec"]["taints"])
            if (t["effect"] == "NoExecute") tainted = instant_of(t["timeAdded"]);
        RC_ASSERT(unknown.has_value());
        RC_ASSERT(*unknown - renewed >= 50 * kSecond);
        RC_ASSERT(*unknown - renewed <= 55 * kSecond);
        RC_ASSERT(*unknown % (5 * kSecond) == 0);  // a monitor pass
        RC_ASSERT(tainted == unknown);
        const auto p = c.find_pod("p");
        RC_ASSERT(p.has_value());
        RC_ASSERT((*p)["metadata"].contains("deletionTimestamp"));
        RC_ASSERT(instant_of((*p)["metadata"]["deletionTimestamp"]) - 30 * kSecond ==
                  *tainted + toleration_s * kSecond);
    });
}
