#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>

#include "controller/seldon/controller.hpp"
#include "seldon_test_support.hpp"

namespace kube = sim::kube;
namespace seldon = sim::controller::seldon;
using json = sim::Json;

namespace {

std::string state_of(sim::test::SeldonCluster& c, const std::string& name) {
    const auto r = c.client.get(kube::refs::kSeldonDeployments.in("default"), name);
    return r.ok() ? r.value().value("status", json::object()).value("state", "") : "";
}

}  // namespace

TEST_CASE("controller: informers and the work queue drive the reconciler to Available") {
    sim::test::SeldonCluster c;
    kube::Client operator_client(c.api, "seldon-controller-manager");
    std::vector<std::string> trace;
    sim::controller::Manager manager(operator_client);
    auto& controller = static_cast<seldon::SeldonController&>(
        manager.add(std::make_unique<seldon::SeldonController>(
            seldon::OperatorConfig{}, [&](const std::string& key, const auto& result) {
                trace.push_back(key + " " + result.state);
            })));
    manager.start();
    c.client.create(sim::test::minimal_sdep("m")).value();
    c.loop.run_until_idle(10'000);
    CHECK(state_of(c, "m") == "Creating");
    CHECK(c.client.get(kube::refs::kDeployments.in("default"), "m-default-0-classifier").ok());
    REQUIRE_FALSE(trace.empty());
    CHECK(trace.front() == "default/m Creating");

    // The Deployment controller's report arrives through the owned-Deployment informer.
    sim::test::mark_deployments_available(c.client, "default");
    c.loop.run_until_idle(10'000);
    CHECK(state_of(c, "m") == "Available");
    CHECK(c.client.get(kube::refs::kServices.in("default"), "m-default").ok());
    CHECK(trace.back() == "default/m Available");

    // Quiet once converged: no reconcile loop feeding itself.
    const auto before = controller.reconciles();
    c.loop.run_until_idle(10'000);
    CHECK(controller.reconciles() == before);
    CHECK(controller.queue_length() == 0);

    // A spec change is picked up without anyone calling reconcile.
    json sdep = c.client.get(kube::refs::kSeldonDeployments.in("default"), "m").value();
    sdep["spec"]["predictors"][0]["componentSpecs"][0]["spec"]["containers"][0]["image"] = "img:2";
    c.client.update(sdep).value();
    const std::size_t mark = trace.size();
    c.loop.run_until_idle(10'000);
    const json d =
        c.client.get(kube::refs::kDeployments.in("default"), "m-default-0-classifier").value();
    CHECK(d["spec"]["template"]["spec"]["containers"][0]["image"] == "img:2");
    // The pass that updated the Deployment reports Creating; the next one (woken by the
    // Deployment's update) sees the old, still-ready status: with no Deployment controller
    // here nothing marks the new pods unready, and v1.17.1 does not look at observedGeneration.
    REQUIRE(trace.size() >= mark + 2);
    CHECK(trace[mark] == "default/m Creating");
    CHECK(trace.back() == "default/m Available");
}

TEST_CASE(
    "controller: the operator's events come from seldon-controller-manager; a stopped "
    "manager reconciles nothing and a new one resyncs") {
    sim::test::SeldonCluster c;
    kube::Client operator_client(c.api, "seldon-controller-manager");
    std::optional<sim::controller::Manager> manager;
    std::vector<std::string> keys;
    const auto start = [&] {
        manager.emplace(operator_client);
        manager->add(std::make_unique<seldon::SeldonController>(
            seldon::OperatorConfig{},
            [&](const std::string& key, const auto&) { keys.push_back(key); }));
        manager->start();
    };
    start();
    c.client.create(sim::test::minimal_sdep("m")).value();
    c.loop.run_until_idle(10'000);
    REQUIRE_FALSE(keys.empty());
    const json events = c.client.list(kube::refs::kEvents.in("default")).value();
    REQUIRE_FALSE(events["items"].empty());
    for (const json& e : events["items"])
        CHECK(e["source"]["component"] == "seldon-controller-manager");

    manager.reset();  // the operator pod goes away
    keys.clear();
    c.client.create(sim::test::minimal_sdep("n")).value();
    c.loop.run_until_idle(10'000);
    CHECK(keys.empty());
    CHECK(c.client.get(kube::refs::kDeployments.in("default"), "n-default-0-classifier")
              .is_not_found());

    start();  // the operator restarts: every SeldonDeployment is listed and reconciled
    c.loop.run_until_idle(10'000);
    CHECK(std::count(keys.begin(), keys.end(), "default/m") >= 1);
    CHECK(std::count(keys.begin(), keys.end(), "default/n") >= 1);
    CHECK(c.client.get(kube::refs::kDeployments.in("default"), "n-default-0-classifier").ok());
}
