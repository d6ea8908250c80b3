#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "sim/kube/patch.hpp"

using namespace sim::kube;
using namespace kube_test;

TEST_CASE("JSON merge patch follows RFC 7386") {
    const Json target = Json::parse(R"({"a":"b","c":{"d":"e","f":"g"},"l":[1,2]})");
    const Json patch = Json::parse(R"({"a":"z","c":{"f":null},"l":[3]})");
    CHECK(apply_merge_patch(target, patch) == Json::parse(R"({"a":"z","c":{"d":"e"},"l":[3]})"));
}

TEST_CASE("JSON patch follows RFC 6902 and a failed test is 422") {
    const Json target = Json::parse(R"({"spec":{"replicas":1,"list":["a"]}})");
    const Json ops = Json::parse(R"([{"op":"replace","path":"/spec/replicas","value":3},
                                     {"op":"add","path":"/spec/list/-","value":"b"}])");
    CHECK(apply_json_patch(target, ops) ==
          Json::parse(R"({"spec":{"replicas":3,"list":["a","b"]}})"));
    try {
        apply_json_patch(target,
                         Json::parse(R"([{"op":"test","path":"/spec/replicas","value":9}])"));
        FAIL("expected 422");
    } catch (const ApiError& e) {
        CHECK(e.code() == 422);
        CHECK(e.reason() == "Invalid");
    }
    CHECK_THROWS_AS(apply_json_patch(target, Json::object()), ApiError);
}

TEST_CASE("strategic merge patch merges containers by name, ports by containerPort, env by name") {
    const Json target = Json::parse(R"({"spec":{"containers":[
        {"name":"a","image":"a:1","env":[{"name":"X","value":"1"}],"ports":[{"containerPort":80,"protocol":"TCP"}]},
        {"name":"b","image":"b:1"}],"tolerations":[{"key":"k1"}]}})");
    const Json patch = Json::parse(R"({"spec":{"containers":[
        {"name":"b","image":"b:2"},
        {"name":"a","env":[{"name":"Y","value":"2"}],"ports":[{"containerPort":80,"name":"http"}]},
        {"name":"c","image":"c:1"}],"tolerations":[{"key":"k2"}]}})");
    const Json out = apply_strategic_merge_patch(target, patch, "Pod");
    CHECK(out == Json::parse(R"({"spec":{"containers":[
        {"name":"a","image":"a:1","env":[{"name":"X","value":"1"},{"name":"Y","value":"2"}],
         "ports":[{"containerPort":80,"protocol":"TCP","name":"http"}]},
        {"name":"b","image":"b:2"},
        {"name":"c","image":"c:1"}],"tolerations":[{"key":"k2"}]}})"));
}

TEST_CASE("strategic merge patch directives") {
    const Json target = Json::parse(R"({"metadata":{"finalizers":["a","b"]},
        "spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}],
                "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%"}}}})");
    const Json patch =
        Json::parse(R"({"metadata":{"finalizers":["c"],"$deleteFromPrimitiveList/finalizers":["a"]},
        "spec":{"containers":[{"name":"a","$patch":"delete"}],
                "strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":null}}})");
    const Json out = apply_strategic_merge_patch(target, patch, "Deployment");
    CHECK(out["metadata"]["finalizers"] == Json::parse(R"(["b","c"])"));
    CHECK(out["spec"]["containers"] == Json::parse(R"([{"name":"b","image":"y"}])"));
    CHECK(out["spec"]["strategy"] == Json::parse(R"({"type":"Recreate"})"));
    const Json ordered = apply_strategic_merge_patch(
        target,
        Json::parse(R"({"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}]}})"),
        "Pod");
    CHECK(ordered["spec"]["containers"][0]["name"] == "b");
    CHECK(strategic_merge_key("Service", "spec.ports") == "port");
    CHECK(strategic_merge_key("Pod", "spec.containers.ports") == "containerPort");
    CHECK(strategic_merge_key("Deployment", "status.conditions") == "type");
}

TEST_CASE("PATCH through the server: each type, SMP refused for CRs with 415") {
    Cluster c;
    REQUIRE(c.client.create(deployment("web")).ok());
    const auto ref = refs::kDeployments.in("default");
    const auto merged =
        c.client.patch(ref, "web", PatchType::Merge, Json::parse(R"({"spec":{"replicas":5}})"));
    REQUIRE(merged.ok());
    CHECK(merged.value()["spec"]["replicas"] == 5);
    CHECK(merged.value()["metadata"]["generation"] == 2);
    const auto smp = c.client.patch(
        ref, "web", PatchType::Strategic,
        Json::parse(
            R"({"spec":{"template":{"spec":{"containers":[{"name":"main","image":"nginx:1.28"}]}}}})"));
    REQUIRE(smp.ok());
    const Json container = smp.value()["spec"]["template"]["spec"]["containers"][0];
    CHECK(container["image"] == "nginx:1.28");
    CHECK(container["ports"][0]["containerPort"] == 80);  // kept by the merge
    const auto jp =
        c.client.patch(ref, "web", PatchType::Json,
                       Json::parse(R"([{"op":"replace","path":"/spec/replicas","value":1}])"));
    REQUIRE(jp.ok());
    CHECK(jp.value()["spec"]["replicas"] == 1);
    CHECK(jp.value()["metadata"]["generation"] == 4);

    REQUIRE(c.client.create(seldon_deployment("iris")).ok());
    const auto refused =
        c.client.patch(refs::kSeldonDeployments.in("default"), "iris", PatchType::Strategic,
                       Json::parse(R"({"spec":{"replicas":2}})"));
    CHECK(refused.error().status() ==
          Json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
        "message":"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
        "reason":"UnsupportedMediaType","code":415})"));
}

TEST_CASE("a patch carrying a stale resourceVersion conflicts") {
    Cluster c;
    const Json d = c.client.create(deployment("web")).value();
    REQUIRE(c.client
                .patch(refs::kDeployments.in("default"), "web", PatchType::Merge,
                       Json::parse(R"({"spec":{"replicas":3}})"))
                .ok());
    Json p = Json::parse(R"({"spec":{"replicas":4}})");
    p["metadata"]["resourceVersion"] = d["metadata"]["resourceVersion"];
    CHECK(
        c.client.patch(refs::kDeployments.in("default"), "web", PatchType::Merge, p).is_conflict());
}
