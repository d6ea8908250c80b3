#include <catch2/catch.hpp>

#include "controller/seldon/admission.hpp"
#include "seldon_test_support.hpp"

using json = sim::Json;
using sim::controller::seldon::validate_seldon_spec;
using sim::test::minimal_sdep;
using sim::test::SeldonCluster;

namespace {

std::vector<std::string> messages(const sim::kube::FieldErrors& errs) {
    std::vector<std::string> out;
    for (const auto& e : errs)
        out.push_back(e.message());
    return out;
}

}  // namespace

TEST_CASE("a minimal SeldonDeployment is admitted in every served version") {
    SeldonCluster c;
    for (const char* version : {"v1", "v1alpha2", "v1alpha3"}) {
        json sdep = minimal_sdep(std::string("m-") + version);
        sdep["apiVersion"] = std::string("machinelearning.seldon.io/") + version;
        const auto created = c.client.create(sdep);
        INFO(version << (created.ok() ? "" : created.error().message()));
        CHECK(created.ok());
    }
}

TEST_CASE("webhook denial: real 422 body, misspelt group, spec.name, webhook prefix, causes") {
    SeldonCluster c;
    json sdep = minimal_sdep("bad");
    sdep["spec"]["name"] = "example";
    sdep["spec"]["predictors"][0]["graph"]["name"] = "classifier_";
    const auto r = c.client.create(sdep);
    REQUIRE_FALSE(r.ok());
    const json& st = r.error().status();
    CHECK(st["code"] == 422);
    CHECK(st["reason"] == "Invalid");
    CHECK(st["message"] ==
          "admission webhook \"v1.vseldondeployment.kb.io\" denied the request: "
          "SeldonDeployment.machinelearing.seldon.io \"example\" is invalid: "
          "spec.predictors[0].graph: Invalid value: \"classifier_\": Can't find container for "
          "Predictive Unit");
    CHECK(st["details"]["group"] == "machinelearing.seldon.io");
    CHECK(st["details"]["kind"] == "SeldonDeployment");
    CHECK(st["details"]["name"] == "example");
    REQUIRE(st["details"]["causes"].size() == 1);
    CHECK(st["details"]["causes"][0]["field"] == "spec.predictors[0].graph");
    CHECK(st["details"]["causes"][0]["reason"] == "FieldValueInvalid");
    CHECK_FALSE(c.client.get(sim::kube::refs::kSeldonDeployments.in("default"), "bad").ok());
}

TEST_CASE("webhook runs on update too, not on the status subresource") {
    SeldonCluster c;
    json stored = c.client.create(minimal_sdep("u")).value();
    json edit = stored;
    edit["spec"]["protocol"] = "http";
    const auto r = c.client.update(edit);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find("spec: Invalid value: \"http\": Invalid protocol") !=
          std::string::npos);

    json status = stored;
    status["spec"]["protocol"] = "http";  // ignored by a status write
    status["status"] = {{"state", "Creating"}};
    CHECK(c.client.update_status(status).ok());
}

TEST_CASE("webhook rules appear in the Go code's order") {
    json spec = minimal_sdep()["spec"];
    spec["protocol"] = "grpc";
    spec["transport"] = "http";
    spec["serverType"] = "kafka";
    json second = spec["predictors"][0];
    spec["predictors"].push_back(second);  // duplicate name, no traffic
    spec["predictors"][0]["annotations"] = {{"seldon.io/no-engine", "false"}};
    spec["predictors"][0]["graph"]["children"] =
        json::array({{{"name", "missing"}, {"logger", {{"url", "x"}}}}});
    const auto got = messages(validate_seldon_spec(spec));
    const std::vector<std::string> want{
        "spec: Invalid value: \"grpc\": Invalid protocol",
        "spec: Invalid value: \"http\": Invalid transport",
        "spec.predictors[0]: Invalid value: \"default\": For kafka please supply svcOrchSpec envs "
        "KAFKA_BROKER, "
        "KAFKA_INPUT_TOPIC, KAFKA_OUTPUT_TOPIC",
        "spec.predictors[1]: Invalid value: \"default\": For kafka please supply svcOrchSpec envs "
        "KAFKA_BROKER, "
        "KAFKA_INPUT_TOPIC, KAFKA_OUTPUT_TOPIC",
        "spec.predictors[0]: Invalid value: \"default\": Running without engine only valid for "
        "single element graphs",
        "spec.predictors[0].graph[0]: Invalid value: \"missing\": Can't find container for "
        "Predictive Unit",
        "spec.predictors[0].graph[0]: Invalid value: \"\": No logger mode specified",
        "spec.predictors[1]: Invalid value: \"default\": Duplicate predictor name",
        "spec: Invalid value: \"default\": Traffic must sum to 100 for multiple predictors",
    };
    CHECK(got == want);
}

TEST_CASE("traffic, shadow and transport rules") {
    json spec = minimal_sdep()["spec"];
    SECTION("single predictor with partial traffic") {
        spec["predictors"][0]["traffic"] = 50;
        CHECK(messages(validate_seldon_spec(spec)) ==
              std::vector<std::string>{"spec: Invalid value: \"default\": Traffic must sum be 100 "
                                       "for a single predictor when set"});
    }
    SECTION("single shadow predictor") {
        spec["predictors"][0]["shadow"] = true;
        CHECK(messages(validate_seldon_spec(spec)) ==
              std::vector<std::string>{"spec.predictors[0]: Invalid value: \"default\": Shadow can "
                                       "not exist as only predictor"});
    }
    SECTION("main + shadow with any traffic is fine; two shadows are not") {
        json shadow = spec["predictors"][0];
        shadow["name"] = "shadow";
        shadow["shadow"] = true;
        spec["predictors"].push_back(shadow);
        CHECK(validate_seldon_spec(spec).empty());
        shadow["name"] = "shadow2";
        shadow["traffic"] = 101;
        spec["predictors"].push_back(shadow);
        CHECK(messages(validate_seldon_spec(spec)) ==
              std::vector<std::string>{
                  "spec: Invalid value: \"shadow2\": Multiple shadows are not allowed",
                  "spec: Invalid value: \"shadow2\": shadow traffic is illegal, the traffic number "
                  "should be "
                  "between [0, 100]"});
    }
    SECTION("mixed endpoint types") {
        spec["predictors"][0]["graph"]["endpoint"] = {{"type", "GRPC"}};
        spec["transport"] = "rest";
        CHECK(messages(validate_seldon_spec(spec)) ==
              std::vector<std::string>{
                  "spec: Invalid value: \"\": Mixed transport types found. Remove graph "
                  "endpoint.types if transport set at deployment level"});
    }
    SECTION("no predictors") {
        spec["predictors"] = json::array();
        CHECK(messages(validate_seldon_spec(spec)) ==
              std::vector<std::string>{"spec: Invalid value: \"\": Graph contains no predictors"});
    }
}

TEST_CASE("prepackaged servers need a modelUri and a known server") {
    json spec = minimal_sdep()["spec"];
    spec["predictors"][0]["componentSpecs"] = json::array();
    spec["predictors"][0]["graph"] = {{"name", "clf"}, {"implementation", "SKLEARN_SERVER"}};
    spec["protocol"] = "tensorflow";
    CHECK(messages(validate_seldon_spec(spec)) ==
          std::vector<std::string>{"spec.predictors[0].graph: Invalid value: \"clf\": Predictive "
                                   "unit modelUri required when using "
                                   "standalone servers",
                                   "spec.predictors[0].graph: Invalid value: \"clf\": Prepackaged "
                                   "server does not handle tensorflow "
                                   "protocol SKLEARN_SERVER"});
    spec.erase("protocol");
    spec["predictors"][0]["graph"] = {
        {"name", "clf"}, {"implementation", "MY_SERVER"}, {"modelUri", "gs://x"}};
    CHECK(messages(validate_seldon_spec(spec)) ==
          std::vector<std::string>{"spec.predictors[0].graph: Invalid value: \"clf\": No entry in "
                                   "predictors map for MY_SERVER"});
    spec["predictors"][0]["graph"]["implementation"] = "RANDOM_ABTEST";  // not prepack: no checks
    CHECK(validate_seldon_spec(spec).empty());
}

TEST_CASE("CRD schema: nested required fields and types, under the real group") {
    SeldonCluster c;
    json sdep = minimal_sdep("schema");
    sdep["spec"]["predictors"][0]["graph"]["children"] = json::array({{{"type", "MODEL"}}});
    sdep["spec"]["predictors"][0]["componentSpecs"][0]["spec"]["containers"][0]["imagePullPolicy"] =
        1;
    const auto r = c.client.create(sdep);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == 422);
    CHECK(r.error().message() ==
          "SeldonDeployment.machinelearning.seldon.io \"schema\" is invalid: ["
          "spec.predictors[0].graph.children[0].name: Required value, "
          "spec.predictors[0].componentSpecs[0].spec.containers[0].imagePullPolicy: Invalid value: "
          "\"integer\": "
          "spec.predictors[0].componentSpecs[0].spec.containers[0].imagePullPolicy in body must be "
          "of type "
          "string: \"integer\"]");
}

TEST_CASE("CRD schema: an error the API server also finds is reported once") {
    SeldonCluster c;
    json sdep = minimal_sdep("once");
    sdep["spec"]["predictors"][0]["graph"].erase("name");
    sdep["spec"]["predictors"][0]["graph"]["children"] = json::array({json::object()});
    const auto r = c.client.create(sdep);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() ==
          "SeldonDeployment.machinelearning.seldon.io \"once\" is invalid: ["
          "spec.predictors[0].graph.name: Required value, "
          "spec.predictors[0].graph.children[0].name: Required value]");
    CHECK(r.error().status()["details"]["causes"].size() == 2);
}
