// The Istio objects of the operator (ISTIO_ENABLED=true): their shape for canary and shadow
// predictors, the reconciler creating them once the Deployments are ready, and a whole scenario
// with `ingress: istio`.
#include <catch2/catch.hpp>

#include <sstream>

#include "controller/seldon/defaults.hpp"
#include "controller/seldon/istio.hpp"
#include "controller/seldon/objects.hpp"
#include "controller/seldon/reconciler.hpp"
#include "seldon_test_support.hpp"
#include "sim/kube/object_meta.hpp"
#include "sim/kube/registry.hpp"
#include "sim/scenario/loader.hpp"
#include "sim/scenario/runner.hpp"

namespace kube = sim::kube;
namespace seldon = sim::controller::seldon;
using json = sim::Json;

namespace {

json predictor(const std::string& name, int traffic, bool shadow = false) {
    json p{{"name", name},
           {"componentSpecs",
            {{{"spec", {{"containers", {{{"name", "m"}, {"image", "img:" + name}}}}}}}}},
           {"graph", {{"name", "m"}, {"type", "MODEL"}}}};
    if (traffic) p["traffic"] = traffic;
    if (shadow) p["shadow"] = true;
    return p;
}

json sdep_with(std::vector<json> predictors) {
    json sdep = sim::test::minimal_sdep("ab");
    sdep["metadata"]["uid"] = "uid-1";
    sdep["spec"]["predictors"] = predictors;
    return sdep;
}

seldon::DesiredObjects desired(json sdep) {
    seldon::OperatorConfig config;
    config.istio_enabled = true;
    seldon::default_seldon_deployment(sdep, config);
    return seldon::build_desired_objects(sdep, config);
}

}  // namespace

TEST_CASE("istio: a canary splits both routes by traffic, one DestinationRule per predictor") {
    const auto d = desired(sdep_with({predictor("main", 75), predictor("canary", 25)}));
    REQUIRE(d.virtual_services.size() == 1);
    const json& vs = d.virtual_services[0];
    CHECK(vs["apiVersion"] == "networking.istio.io/v1alpha3");
    CHECK(vs["metadata"]["name"] == "ab");
    CHECK(vs["metadata"]["ownerReferences"][0]["uid"] == "uid-1");
    CHECK(vs["spec"]["hosts"] == json::array({"*"}));
    CHECK(vs["spec"]["gateways"] == json::array({"istio-system/seldon-gateway"}));
    const json& rest = vs["spec"]["http"][0];
    CHECK(rest["match"][0]["uri"]["prefix"] == "/seldon/default/ab/");
    CHECK(rest["rewrite"]["uri"] == "/");
    REQUIRE(rest["route"].size() == 2);
    CHECK(rest["route"][0] ==
          json{{"destination",
                {{"host", "ab-main"}, {"subset", "main"}, {"port", {{"number", 8000}}}}},
               {"weight", 75}});
    CHECK(rest["route"][1]["weight"] == 25);
    const json& grpc = vs["spec"]["http"][1];
    CHECK(grpc["match"][0]["uri"]["regex"] == ".*tensorflow.*|.*seldon.protos.*|.*inference.*");
    CHECK(grpc["match"][0]["headers"]["seldon"]["exact"] == "ab");
    CHECK(grpc["match"][0]["headers"]["namespace"]["exact"] == "default");
    CHECK(grpc["route"][1]["destination"]["port"]["number"] == 5001);
    CHECK_FALSE(rest.contains("mirror"));

    REQUIRE(d.destination_rules.size() == 2);
    const json& dr = d.destination_rules[1];
    CHECK(dr["metadata"]["name"] == "ab-canary");
    CHECK(dr["spec"]["host"] == "ab-canary");
    CHECK(dr["spec"]["subsets"] ==
          json::array({{{"name", "canary"}, {"labels", {{"version", "canary"}}}}}));
    CHECK(dr["spec"]["trafficPolicy"]["connectionPool"]["http"]["idleTimeout"] == "60s");
}

TEST_CASE("istio: a lone predictor has an unweighted route, a shadow is mirrored") {
    const auto lone = desired(sdep_with({predictor("main", 0)}));
    CHECK_FALSE(lone.virtual_services[0]["spec"]["http"][0]["route"][0].contains("weight"));

    const auto shadowed =
        desired(sdep_with({predictor("main", 100), predictor("shadow", 20, true)}));
    const json& rest = shadowed.virtual_services[0]["spec"]["http"][0];
    CHECK(rest["route"].size() == 1);
    CHECK(rest["mirror"] ==
          json{{"host", "ab-shadow"}, {"subset", "shadow"}, {"port", {{"number", 8000}}}});
    CHECK(rest["mirrorPercentage"]["value"] == 20.0);
    CHECK(shadowed.destination_rules.size() == 2);  // the shadow needs its subset too
}

TEST_CASE("istio: retries from the annotations, a bad number is an operator error") {
    json sdep = sdep_with({predictor("main", 0)});
    sdep["metadata"]["annotations"] = {{"seldon.io/istio-retries", "3"},
                                       {"seldon.io/istio-retries-timeout", "2"}};
    const auto d = desired(sdep);
    CHECK(d.virtual_services[0]["spec"]["http"][1]["retries"] ==
          json{{"attempts", 3},
               {"perTryTimeout", "2s"},
               {"retryOn", "gateway-error,connect-failure,refused-stream"}});
    sdep["metadata"]["annotations"]["seldon.io/istio-retries"] = "three";
    CHECK_THROWS_WITH(desired(sdep), "strconv.Atoi: parsing \"three\": invalid syntax");
}

TEST_CASE("istio: without ISTIO_ENABLED no Istio object is wanted") {
    json sdep = sdep_with({predictor("main", 0)});
    seldon::default_seldon_deployment(sdep);
    const auto d = seldon::build_desired_objects(sdep);
    CHECK(d.virtual_services.empty());
    CHECK(d.destination_rules.empty());
}

TEST_CASE("istio: the reconciler creates them once the Deployments are ready") {
    sim::test::SeldonCluster c;
    kube::add_istio_resources(c.api.registry());
    kube::Client operator_client(c.api, "seldon-controller-manager");
    seldon::OperatorConfig config;
    config.istio_enabled = true;
    seldon::SeldonReconciler reconciler(operator_client, config);
    c.client.create(sim::test::minimal_sdep("m")).value();
    CHECK(reconciler.reconcile("default", "m").state == "Creating");
    CHECK(c.client.get(kube::refs::kVirtualServices.in("default"), "m").is_not_found());

    sim::test::mark_deployments_available(c.client, "default");
    reconciler.reconcile("default", "m");
    const auto vs = c.client.get(kube::refs::kVirtualServices.in("default"), "m");
    REQUIRE(vs.ok());
    CHECK(vs.value()["spec"]["http"][0]["route"][0]["destination"]["host"] == "m-default");
    CHECK(c.client.get(kube::refs::kDestinationRules.in("default"), "m-default").ok());
    const auto result = reconciler.reconcile("default", "m");
    CHECK(result.state == "Available");
    const json sdep = c.client.get(kube::refs::kSeldonDeployments.in("default"), "m").value();
    bool found = false;
    for (const json& cond : sdep["status"]["conditions"]) {
        if (cond["type"] != "istioVirtualServicesReady") continue;
        found = true;
        CHECK(cond["status"] == "True");
        CHECK(cond["reason"] == "All VirtualServices created");
    }
    CHECK(found);
    // Nothing left to change: a further pass writes nothing.
    CHECK(reconciler.reconcile("default", "m").decisions.empty());
}

TEST_CASE("istio: a scenario with ingress: istio gets the VirtualService and DestinationRules") {
    CHECK(sim::test::run_ingress_scenario("istio.yaml", sim::scenario::Ingress::Istio) == 6);
}
