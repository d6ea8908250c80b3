// The Eviction API with PodDisruptionBudgets, the disruption controller's status and the
// drain step (kubectl drain: cordon, evict, retry a refused eviction every 5 s).
#include <catch2/catch.hpp>

#include "controller/disruption.hpp"
#include "controller/manager.hpp"
#include "controller/nodelifecycle.hpp"
#include "controller/replicaset.hpp"
#include "fixtures.hpp"
#include "sim/cluster/kubelet.hpp"
#include "sim/cluster/scheduler.hpp"
#include "sim/scenario/drain.hpp"

using cluster_test::json;
using cluster_test::pod;
using cluster_test::World;
using sim::kernel::kSecond;
using sim::kernel::Nanos;
namespace refs = sim::kube::refs;

namespace {

json pdb(const std::string& name, const json& min_available,
         const json& max_unavailable = nullptr) {
    json p{{"apiVersion", "policy/v1"},
           {"kind", "PodDisruptionBudget"},
           {"metadata", {{"name", name}, {"namespace", "default"}}},
           {"spec", {{"selector", {{"matchLabels", {{"app", "web"}}}}}}}};
    if (!min_available.is_null()) p["spec"]["minAvailable"] = min_available;
    if (!max_unavailable.is_null()) p["spec"]["maxUnavailable"] = max_unavailable;
    return p;
}

json replica_set(const std::string& name, int replicas) {
    return json{{"apiVersion", "apps/v1"},
                {"kind", "ReplicaSet"},
                {"metadata", {{"name", name}, {"namespace", "default"}}},
                {"spec",
                 {{"replicas", replicas},
                  {"selector", {{"matchLabels", {{"app", "web"}}}}},
                  {"template",
                   {{"metadata", {{"labels", {{"app", "web"}}}}},
                    {"spec",
                     {{"containers",
                       json::array({{{"name", "main"},
                                     {"image", "nginx:1.27"},
                                     {"resources", {{"requests", {{"cpu", "100m"}}}}}}})}}}}}}}};
}

struct Cluster {
    World w;
    sim::controller::Manager manager{w.client};
    sim::cluster::Scheduler scheduler{w.client};
    std::vector<std::unique_ptr<sim::cluster::Kubelet>> kubelets;

    explicit Cluster(int nodes) {
        for (int i = 1; i <= nodes; ++i)
            w.add_node("node-" + std::to_string(i), i, "4", "8Gi");
        manager.add(std::make_unique<sim::controller::ReplicaSetController>());
        manager.add(std::make_unique<sim::controller::NodeLifecycleController>());
        manager.add(std::make_unique<sim::controller::DisruptionController>());
        manager.start();
        scheduler.start();
        for (int i = 1; i <= nodes; ++i) {
            kubelets.push_back(
                std::make_unique<sim::cluster::Kubelet>(w.client, "node-" + std::to_string(i)));
            kubelets.back()->start();
        }
    }
    json get_pdb(const std::string& name) {
        return w.client.get(refs::kPodDisruptionBudgets.in("default"), name).value();
    }
    std::vector<json> pods() {
        std::vector<json> out;
        const json list = w.client.list(refs::kPods.in("default")).value();
        for (const json& p : list["items"])
            out.push_back(p);
        return out;
    }
};

}  // namespace

TEST_CASE("disruption controller: status from the pods and the budget", "[disruption]") {
    struct Row {
        const char* name;
        json min_available, max_unavailable;
        std::int64_t desired, allowed;
    };
    // Three Ready replicas of one ReplicaSet.
    const std::vector<Row> rows = {
        {"minAvailable 2", 2, nullptr, 2, 1},         {"minAvailable 3", 3, nullptr, 3, 0},
        {"minAvailable 50%", "50%", nullptr, 2, 1},  // 1.5 rounded up
        {"maxUnavailable 1", nullptr, 1, 2, 1},       {"maxUnavailable 0", nullptr, 0, 3, 0},
        {"maxUnavailable 34%", nullptr, "34%", 1, 2},  // 1.02 rounded up: 2 unavailable
    };
    for (const Row& row : rows) {
        DYNAMIC_SECTION(row.name) {
            Cluster c(3);
            c.w.at(0, [&] {
                (void)c.w.client.create(refs::kReplicaSets.in("default"), replica_set("web", 3))
                    .value();
                (void)c.w.client
                    .create(refs::kPodDisruptionBudgets.in("default"),
                            pdb("web-pdb", row.min_available, row.max_unavailable))
                    .value();
            });
            c.w.loop.run_until(30 * kSecond);
            const json status = c.get_pdb("web-pdb")["status"];
            CHECK(status["currentHealthy"] == 3);
            CHECK(status["expectedPods"] == 3);
            CHECK(status["desiredHealthy"] == row.desired);
            CHECK(status["disruptionsAllowed"] == row.allowed);
            CHECK(status["observedGeneration"] == 1);
            REQUIRE(status["conditions"].size() == 1);
            CHECK(status["conditions"][0]["type"] == "DisruptionAllowed");
            CHECK(status["conditions"][0]["status"] == (row.allowed > 0 ? "True" : "False"));
            CHECK(status["conditions"][0]["reason"] ==
                  (row.allowed > 0 ? "SufficientPods" : "InsufficientPods"));
        }
    }
}

TEST_CASE("eviction: granted while the budget allows, then 429 with the real message",
          "[disruption]") {
    Cluster c(1);
    c.w.at(0, [&] {
        (void)c.w.client.create(refs::kReplicaSets.in("default"), replica_set("web", 2)).value();
        (void)c.w.client.create(refs::kPodDisruptionBudgets.in("default"), pdb("web-pdb", 1))
            .value();
    });
    sim::kube::Result<json> first = json(), second = json();
    std::vector<std::string> names;
    json pdb_after_first;
    c.w.at(20 * kSecond, [&] {
        for (const json& p : c.pods())
            names.push_back(p["metadata"]["name"]);
        first = c.w.client.evict("default", names.at(0));
        pdb_after_first = c.get_pdb("web-pdb");
        second = c.w.client.evict("default", names.at(1));
    });
    c.w.loop.run_until(21 * kSecond);
    REQUIRE(first.ok());
    CHECK(first.value()["status"] == "Success");
    // The API server takes the disruption off the budget at once and remembers the pod.
    CHECK(pdb_after_first["status"]["disruptionsAllowed"] == 0);
    CHECK(pdb_after_first["status"]["disruptedPods"].contains(names.at(0)));
    REQUIRE_FALSE(second.ok());
    CHECK(second.code() == 429);
    CHECK(second.error().reason() == "TooManyRequests");
    CHECK(second.error().message() ==
          "Cannot evict pod as it would violate the pod's disruption budget.");
    CHECK(second.error().status()["details"]["causes"][0]["message"] ==
          "The disruption budget web-pdb needs 1 healthy pods and has 2 currently");
    // The evicted pod is being deleted gracefully, marked as a disruption target.
    const json evicted = c.w.get_pod(names.at(0));
    CHECK(evicted["metadata"].contains("deletionTimestamp"));
    bool marked = false;
    for (const json& cond : evicted["status"]["conditions"])
        if (cond["type"] == "DisruptionTarget") marked = cond["reason"] == "EvictionByEvictionAPI";
    CHECK(marked);
}

TEST_CASE("eviction: no budget deletes, two budgets are refused", "[disruption]") {
    Cluster c(1);
    sim::kube::Result<json> free = json(), doubled = json();
    c.w.at(0, [&] {
        (void)c.w.client.create(refs::kReplicaSets.in("default"), replica_set("web", 2)).value();
    });
    c.w.at(10 * kSecond, [&] {
        free = c.w.client.evict("default", c.pods().at(0)["metadata"]["name"]);
        (void)c.w.client.create(refs::kPodDisruptionBudgets.in("default"), pdb("a", 1)).value();
        (void)c.w.client.create(refs::kPodDisruptionBudgets.in("default"), pdb("b", 1)).value();
    });
    c.w.at(20 * kSecond, [&] {
        for (const json& p : c.pods())
            if (!p["metadata"].contains("deletionTimestamp"))
                doubled = c.w.client.evict("default", p["metadata"]["name"]);
    });
    c.w.loop.run_until(21 * kSecond);
    CHECK(free.ok());
    REQUIRE_FALSE(doubled.ok());
    CHECK(doubled.code() == 500);
    // errors.NewInternalError's prefix.
    CHECK(doubled.error().message() ==
          "Internal error occurred: This pod has more than one PodDisruptionBudget, which the eviction subresource does "
          "not support.");
}

TEST_CASE("drain: cordon, evict, retry a refused eviction every 5 s until the budget allows",
          "[disruption][drain]") {
    Cluster c(2);
    // Four replicas spread two and two; the budget keeps three.
    c.w.at(0, [&] {
        (void)c.w.client.create(refs::kReplicaSets.in("default"), replica_set("web", 4)).value();
        (void)c.w.client.create(refs::kPodDisruptionBudgets.in("default"), pdb("web-pdb", 3))
            .value();
    });
    std::vector<sim::scenario::ApiCall> later;
    std::unique_ptr<sim::scenario::Drain> drain;
    sim::scenario::StepOutcome outcome;
    std::size_t on_node_1 = 0;
    c.w.at(30 * kSecond, [&] {
        for (const json& p : c.pods())
            on_node_1 += p["spec"].value("nodeName", "") == "node-1";
        drain = std::make_unique<sim::scenario::Drain>(
            c.w.client, "node-1",
            [&](const sim::scenario::ApiCall& call) { later.push_back(call); },
            [](const std::string&) {});
        outcome = drain->start();
    });
    c.w.loop.run_until(120 * kSecond);

    REQUIRE(on_node_1 == 2);
    CHECK_FALSE(outcome.refused);
    REQUIRE(outcome.calls.size() == 3);  // cordon, one granted, one refused
    CHECK(outcome.calls[0].verb == "patch");
    CHECK(outcome.calls[1].code == 201);
    CHECK(outcome.calls[2].code == 429);
    // The refused one is retried 5 s apart until the replacement is Ready.
    REQUIRE_FALSE(later.empty());
    CHECK(later.back().code == 201);
    CHECK(drain->pending() == 0);
    const json node = c.w.client.get(refs::kNodes, "node-1").value();
    CHECK(node["spec"]["unschedulable"] == true);
    bool cordon_taint = false;
    for (const json& t : node["spec"].value("taints", json::array()))
        cordon_taint = cordon_taint || t["key"] == "node.kubernetes.io/unschedulable";
    CHECK(cordon_taint);
    // Everything runs on node-2 now, four pods again.
    std::size_t running_on_2 = 0;
    for (const json& p : c.pods()) {
        CHECK(p["spec"]["nodeName"] == "node-2");
        running_on_2 += !p["metadata"].contains("deletionTimestamp");
    }
    CHECK(running_on_2 == 4);
}
