// The Ambassador Mappings of the operator (AMBASSADOR_ENABLED=true, ambassador/v2.go): their
// names, prefixes, weights and shadow flag, the annotations that tune them, and a whole
// scenario with `ingress: ambassador`.
#include <catch2/catch.hpp>

#include <sstream>

#include "controller/seldon/ambassador.hpp"
#include "controller/seldon/objects.hpp"
#include "seldon_test_support.hpp"
#include "sim/scenario/loader.hpp"
#include "sim/scenario/runner.hpp"

namespace seldon = sim::controller::seldon;
using json = sim::Json;

namespace {

json predictor(const std::string& name, int traffic, bool shadow = false) {
    json p{{"name", name}, {"graph", {{"name", "m"}, {"type", "MODEL"}}}};
    if (traffic) p["traffic"] = traffic;
    if (shadow) p["shadow"] = true;
    return p;
}

json sdep_with(std::vector<json> predictors) {
    json sdep = sim::test::minimal_sdep("ab");
    sdep["metadata"]["namespace"] = "models";
    sdep["spec"]["predictors"] = predictors;
    return sdep;
}

const json owner{{"kind", "SeldonDeployment"}, {"name", "ab"}, {"controller", true}};

const json& by_name(const std::vector<json>& mappings, const std::string& name) {
    for (const json& m : mappings)
        if (m["metadata"]["name"] == name) return m;
    FAIL("no Mapping " << name);
    static const json none;
    return none;
}

}  // namespace

TEST_CASE("ambassador: a REST and a gRPC Mapping per predictor, weights after the first") {
    const auto mappings = seldon::build_ambassador_mappings(
        sdep_with({predictor("main", 75), predictor("canary", 25), predictor("shadow", 0, true)}),
        {}, owner, seldon::OperatorConfig{});
    REQUIRE(mappings.size() == 6);
    const json& rest = by_name(mappings, "seldon-models-ab-main-rest");
    CHECK(rest["apiVersion"] == "getambassador.io/v2");
    CHECK(rest["kind"] == "Mapping");
    CHECK(rest["metadata"]["labels"]["seldon-deployment-id"] == "ab");
    CHECK(rest["metadata"]["ownerReferences"][0] == owner);
    CHECK(rest["spec"]["prefix"] == "/seldon/models/ab/");
    CHECK(rest["spec"]["rewrite"] == "/");
    CHECK(rest["spec"]["service"] == "ab-main.models:8000");
    CHECK(rest["spec"]["timeout_ms"] == 3000);
    CHECK_FALSE(rest["spec"].contains("weight"));  // the first predictor takes the rest
    CHECK_FALSE(rest["spec"].contains("headers"));
    CHECK_FALSE(rest["spec"].contains("idle_timeout_ms"));
    const json& grpc = by_name(mappings, "seldon-models-ab-main-grpc");
    CHECK(grpc["spec"]["grpc"] == true);
    CHECK(grpc["spec"]["prefix_regex"] == true);
    CHECK(grpc["spec"]["prefix"] == seldon::kGrpcRegexAmbassador);
    CHECK(grpc["spec"]["headers"] == json{{"seldon", "ab"}});
    CHECK(grpc["spec"]["service"] == "ab-main.models:5001");
    CHECK(by_name(mappings, "seldon-models-ab-canary-rest")["spec"]["weight"] == 25);
    const json& shadow = by_name(mappings, "seldon-models-ab-shadow-rest");
    CHECK(shadow["spec"]["shadow"] == true);
    CHECK(shadow["spec"]["weight"] == 0);  // a shadow always gets its (zero) weight
}

TEST_CASE("ambassador: annotations tune timeout, retries, service name, header and id") {
    json sdep = sdep_with({predictor("main", 0)});
    sdep["spec"]["annotations"] = {{"seldon.io/rest-timeout", "400000"},
                                   {"seldon.io/ambassador-retries", "3"},
                                   {"seldon.io/ambassador-service-name", "public"},
                                   {"seldon.io/ambassador-header", "location: eu"},
                                   {"seldon.io/ambassador-id", "edge"}};
    const auto mappings =
        seldon::build_ambassador_mappings(sdep, {}, owner, seldon::OperatorConfig{});
    const json& rest = by_name(mappings, "seldon-models-ab-main-rest");
    CHECK(rest["spec"]["prefix"] == "/seldon/models/public/");
    CHECK(rest["spec"]["timeout_ms"] == 400000);
    CHECK(rest["spec"]["idle_timeout_ms"] == 400000);  // above AMBASSADOR_IDLE_TIMEOUT
    CHECK(rest["spec"]["retry_policy"] == json{{"retry_on", "gateway-error"}, {"num_retries", 3}});
    CHECK(rest["spec"]["headers"] == json{{"location", "eu"}});
    CHECK(rest["spec"]["ambassador_id"] == json::array({"edge"}));
    CHECK(by_name(mappings, "seldon-models-ab-main-grpc")["spec"]["headers"] ==
          json{{"seldon", "public"}, {"location", "eu"}});
}

TEST_CASE("ambassador: bad annotations are operator errors with Go's messages") {
    json sdep = sdep_with({predictor("main", 0)});
    sdep["spec"]["annotations"] = {{"seldon.io/rest-timeout", "soon"}};
    CHECK_THROWS_WITH(seldon::build_ambassador_mappings(sdep, {}, owner, seldon::OperatorConfig{}),
                      "strconv.Atoi: parsing \"soon\": invalid syntax");
    sdep["spec"]["annotations"] = {{"seldon.io/ambassador-header", "a:b:c"}};
    CHECK_THROWS_WITH(
        seldon::build_ambassador_mappings(sdep, {}, owner, seldon::OperatorConfig{}),
        "Only a single custom header match is allowed at present but you provided: a:b:c");
}

TEST_CASE("ambassador: a scenario with ingress: ambassador gets the Mappings") {
    CHECK(sim::test::run_ingress_scenario("ambassador.yaml", sim::scenario::Ingress::Ambassador) ==
          8);
}
