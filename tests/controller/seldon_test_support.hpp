// A fresh API server with the Seldon admission installed, for the controller tests.
#pragma once

#include "controller/seldon/admission.hpp"
#include "sim/kernel/event_loop.hpp"
#include "sim/kernel/json.hpp"
#include "sim/kernel/random.hpp"
#include "sim/kube/api_server.hpp"
#include "sim/kube/client.hpp"
#include "sim/kube/garbage_collector.hpp"
#include "sim/scenario/loader.hpp"
#include "sim/scenario/runner.hpp"

#include <catch2/catch.hpp>
#include <sstream>

namespace sim::test {

struct SeldonCluster {
    sim::kernel::EventLoop loop;
    sim::kernel::RandomStreams streams{7};
    sim::kube::ApiServer api{loop, streams};
    sim::kube::Client client{api, "test"};
    // The operator deletes old Deployments, HPAs and PDBs in the foreground; the garbage
    // collector (driven by watches on the loop) finishes those deletions.
    sim::kube::Client gc_client{api, "kube-controller-manager"};
    sim::kube::GarbageCollector gc{gc_client};

    SeldonCluster() {
        sim::controller::seldon::install_seldon_admission(api);
        gc.start();
    }

    // Delivers the pending watch events, so the garbage collector finishes what it can.
    void collect_garbage() { loop.run_until_idle(100'000); }

    void ensure_namespace(const std::string& ns) {
        if (client.get(sim::kube::refs::kNamespaces, ns).ok()) return;
        client
            .create(sim::Json{
                {"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}})
            .value();
    }
};

// The smallest valid v1 SeldonDeployment: one predictor, one MODEL node with its container.
inline sim::Json minimal_sdep(const std::string& name = "m") {
    return sim::Json::parse(R"({
      "apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeployment",
      "metadata": {"name": "NAME", "namespace": "default"},
      "spec": {"predictors": [{
        "name": "default",
        "componentSpecs": [{"spec": {"containers": [{"name": "classifier", "image": "img:1"}]}}],
        "graph": {"name": "classifier", "type": "MODEL"}}]}})")
        .patch(
            sim::Json::array({{{"op", "replace"}, {"path", "/metadata/name"}, {"value", name}}}));
}

// Stands in for the Deployment controller and kubelets: every Deployment in `ns` reports all
// its replicas ready and available.
inline void mark_deployments_available(sim::kube::Client& client, const std::string& ns) {
    const auto listed = client.list(sim::kube::refs::kDeployments.in(ns));
    for (sim::Json d : listed.value()["items"]) {
        const std::int64_t replicas = d["spec"].value("replicas", 1);
        d["apiVersion"] = "apps/v1";
        d["kind"] = "Deployment";
        d["status"] = {
            {"observedGeneration", d["metadata"].value("generation", 1)},
            {"replicas", replicas},
            {"updatedReplicas", replicas},
            {"readyReplicas", replicas},
            {"availableReplicas", replicas},
            {"conditions",
             {{{"type", "Available"}, {"status", "True"}, {"reason", "MinimumReplicasAvailable"}},
              {{"type", "Progressing"},
               {"status", "True"},
               {"reason", "NewReplicaSetAvailable"}}}}};
        client.update_status(d).value();
    }
}

// Runs a scenario of tests/scenarios/runs with the given ingress and checks every expectation
// held (each failure shown with what was observed); returns how many there were.
inline std::size_t run_ingress_scenario(const std::string& file, sim::scenario::Ingress ingress) {
    const auto loaded =
        sim::scenario::load_scenario(std::string(SIM_SOURCE_DIR) + "/tests/scenarios/runs/" + file);
    REQUIRE(loaded.diagnostics.empty());
    REQUIRE(loaded.scenario);
    CHECK(loaded.scenario->ingress == ingress);
    sim::scenario::RunOptions options;
    options.progress = false;
    std::ostringstream err;
    const auto result = sim::scenario::run_scenario(*loaded.scenario, options, err);
    for (const auto& e : result.expectations) {
        INFO(e.name << ": " << e.message << " (observed " << e.observed << ")");
        CHECK(e.passed);
    }
    CHECK(result.exit_code == 0);
    return result.expectations.size();
}

}  // namespace sim::test
