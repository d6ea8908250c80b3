// Server-side apply (k8s-semantics.md §2.6): managedFields, conflicts and their message,
// force, and fields a manager stops applying.
#include <catch2/catch.hpp>

#include "fixtures.hpp"

using namespace sim::kube;
using namespace kube_test;

namespace {

const ResourceRef kMaps = refs::kConfigMaps.in("default");

Result<Json> apply(Cluster& c, const Json& data, const std::string& manager, bool force = false) {
    Json config = config_map("cm");
    config["data"] = data;
    return c.server.patch(kMaps, "cm", PatchType::Apply, config, "", {manager, force});
}

Json managers(const Json& object) {
    Json out = Json::object();
    for (const Json& e : object["metadata"]["managedFields"])
        out[e["manager"].get<std::string>()] = e["fieldsV1"];
    return out;
}

}  // namespace

TEST_CASE("apply creates the object with the manager's Apply entry") {
    Cluster c;
    const Json created = apply(c, {{"k", "1"}}, "kubectl").value();
    const Json& entry = created["metadata"]["managedFields"].at(0);
    CHECK(entry["manager"] == "kubectl");
    CHECK(entry["operation"] == "Apply");
    CHECK(entry["apiVersion"] == "v1");
    CHECK(entry["fieldsType"] == "FieldsV1");
    CHECK(entry["time"] == "2025-01-01T00:00:00Z");
    CHECK(entry["fieldsV1"] == Json::parse(R"({"f:data":{"f:k":{}}})"));
}

TEST_CASE("a second apply changes fields and drops the ones it no longer sets") {
    Cluster c;
    apply(c, {{"k", "1"}, {"gone", "x"}}, "kubectl").value();
    const Json second = apply(c, {{"k", "2"}}, "kubectl").value();
    CHECK(second["data"] == Json{{"k", "2"}});
    CHECK(managers(second) == Json::parse(R"({"kubectl":{"f:data":{"f:k":{}}}})"));
    // An ordinary update keeps managedFields when it leaves them out.
    Json replaced = second;
    replaced["metadata"].erase("managedFields");
    replaced["data"]["extra"] = "y";
    CHECK(c.server.update(kMaps, "cm", replaced).value()["metadata"]["managedFields"] ==
          second["metadata"]["managedFields"]);
}

TEST_CASE("another manager changing an owned field conflicts unless forced") {
    Cluster c;
    apply(c, {{"k", "1"}, {"j", "1"}}, "kubectl").value();
    const Result<Json> refused = apply(c, {{"k", "2"}}, "other");
    REQUIRE(refused.code() == 409);
    const Json status = refused.error().status();
    CHECK(status["reason"] == "Conflict");
    CHECK(status["message"] == "Apply failed with 1 conflict: conflict with \"kubectl\": .data.k");
    CHECK(status["details"]["causes"] ==
          Json::parse(R"([{"reason":"FieldManagerConflict","message":"conflict with \"kubectl\"",
                           "field":".data.k"}])"));
    CHECK(c.server.get(kMaps, "cm").value()["data"]["k"] == "1");

    const Result<Json> two = apply(c, {{"k", "2"}, {"j", "2"}}, "other");
    CHECK(two.error().status()["message"] ==
          "Apply failed with 2 conflicts: conflicts with \"kubectl\":\n- .data.j\n- .data.k");

    const Json forced = apply(c, {{"k", "2"}}, "other", true).value();
    CHECK(forced["data"] == Json({{"k", "2"}, {"j", "1"}}));
    CHECK(managers(forced) == Json::parse(R"({"kubectl":{"f:data":{"f:j":{}}},
                                              "other":{"f:data":{"f:k":{}}}})"));
}

TEST_CASE("the same value is shared, and a shared field stays when one manager drops it") {
    Cluster c;
    apply(c, {{"k", "1"}}, "kubectl").value();
    CHECK(apply(c, {{"k", "1"}}, "other").ok());
    const Json after = apply(c, {{"j", "1"}}, "kubectl").value();
    CHECK(after["data"] == Json({{"k", "1"}, {"j", "1"}}));  // "other" still owns k
    CHECK(managers(after)["other"] == Json::parse(R"({"f:data":{"f:k":{}}})"));
}

TEST_CASE("built-in keyed lists are owned item by item") {
    Cluster c;
    const ResourceRef deployments = refs::kDeployments.in("default");
    const Json created =
        c.server.patch(deployments, "web", PatchType::Apply, deployment("web"), "", {"a", false})
            .value();
    const Json fields = created["metadata"]["managedFields"][0]["fieldsV1"];
    const Json& containers = fields["f:spec"]["f:template"]["f:spec"]["f:containers"];
    REQUIRE(containers.contains(R"(k:{"name":"main"})"));
    CHECK(containers[R"(k:{"name":"main"})"].contains("."));
    CHECK(containers[R"(k:{"name":"main"})"].contains("f:image"));

    Json changed = deployment("web");
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28";
    const Result<Json> refused =
        c.server.patch(deployments, "web", PatchType::Apply, changed, "", {"b", false});
    REQUIRE(refused.code() == 409);
    CHECK(refused.error().status()["message"] ==
          "Apply failed with 1 conflict: conflict with \"a\": "
          ".spec.template.spec.containers[name=\"main\"].image");

    // A container the manager stops applying is removed.
    Json two = deployment("web");
    Json sidecar = two["spec"]["template"]["spec"]["containers"][0];
    sidecar["name"] = "sidecar";
    two["spec"]["template"]["spec"]["containers"].push_back(sidecar);
    c.server.patch(deployments, "web", PatchType::Apply, two, "", {"a", false}).value();
    const Json back =
        c.server.patch(deployments, "web", PatchType::Apply, deployment("web"), "", {"a", false})
            .value();
    CHECK(back["spec"]["template"]["spec"]["containers"].size() == 1);
}

TEST_CASE("an ordinary write takes over the fields it changes as an Update manager") {
    Cluster c;
    apply(c, {{"k", "1"}, {"j", "1"}}, "kubectl").value();
    {
        ApiServer::WriteManager manager(c.server, {"kubectl-edit", ""});
        c.server.patch(kMaps, "cm", PatchType::Merge, Json{{"data", {{"k", "5"}}}}).value();
    }
    const Json edited = c.server.get(kMaps, "cm").value();
    CHECK(managers(edited) == Json::parse(R"({"kubectl":{"f:data":{"f:j":{}}},
                                              "kubectl-edit":{"f:data":{"f:k":{}}}})"));
    CHECK(edited["metadata"]["managedFields"][1]["operation"] == "Update");
    const Result<Json> refused = apply(c, {{"k", "1"}, {"j", "1"}}, "kubectl");
    REQUIRE(refused.code() == 409);
    CHECK(refused.error().status()["message"] ==
          "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using v1: .data.k");

    // Without a WriteManager (the in-process controllers) nothing is recorded.
    c.server.patch(kMaps, "cm", PatchType::Merge, Json{{"data", {{"j", "7"}}}}).value();
    CHECK(managers(c.server.get(kMaps, "cm").value()) == managers(edited));
}

TEST_CASE("a write through the scale subresource names it in the conflict") {
    Cluster c;
    const ResourceRef deployments = refs::kDeployments.in("default");
    c.server.patch(deployments, "web", PatchType::Apply, deployment("web"), "", {"a", false})
        .value();
    {
        ApiServer::WriteManager manager(c.server, {"kubectl-scale", "scale"});
        c.server
            .patch(deployments, "web", PatchType::Merge, Json{{"spec", {{"replicas", 5}}}}, "scale")
            .value();
    }
    const Result<Json> refused =
        c.server.patch(deployments, "web", PatchType::Apply, deployment("web"), "", {"a", false});
    REQUIRE(refused.code() == 409);
    CHECK(refused.error().status()["message"] ==
          "Apply failed with 1 conflict: conflict with \"kubectl-scale\" with subresource "
          "\"scale\" using apps/v1: .spec.replicas");
    CHECK(c.server.patch(deployments, "web", PatchType::Apply, deployment("web"), "", {"a", true})
              .value()["spec"]["replicas"] == 2);
}
