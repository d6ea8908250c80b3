// The shared writes (create_shared, update_shared, patch_shared and the Client's) answer what
// the copying writes answer, as the stored object itself; exists() answers what a get would
// find. Each case runs the same requests through both kinds of verb on two servers with the
// same seed and compares the answers (uids, timestamps and resourceVersions included).
#include <catch2/catch.hpp>

#include "fixtures.hpp"

using namespace sim::kube;
using namespace kube_test;

namespace {

const ResourceRef kDefaultPods = refs::kPods.in("default");

Json hpa_v1(const std::string& name) {
    return Json::parse(R"({"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler",
        "metadata":{"name":")" +
                       name + R"(","namespace":"default"},
        "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},
                "maxReplicas":4,"targetCPUUtilizationPercentage":50}})");
}

}  // namespace

TEST_CASE("create_shared answers what create answers, as the stored object", "[shared-writes]") {
    Cluster copying;
    Cluster sharing;
    const Json created = copying.server.create(kDefaultPods, pod("a")).value();
    const ObjectPtr shared = sharing.server.create_shared(kDefaultPods, pod("a")).value();
    CHECK(*shared == created);
    CHECK(created["metadata"]["uid"].is_string());
    CHECK(created["status"]["phase"] == "Pending");
    // The answer is the store's own object, not a copy of it.
    CHECK(sharing.server.get_shared(kDefaultPods, "a").value() == shared);
    CHECK(sharing.server.revision() == copying.server.revision());

    // The Client's, by value: the same again.
    const Json by_client = copying.client.create(kDefaultPods, pod("b")).value();
    Json manifest = pod("b");
    const ObjectPtr shared_by_client =
        sharing.client.create_shared(kDefaultPods, std::move(manifest)).value();
    CHECK(*shared_by_client == by_client);
    CHECK(sharing.client.get_shared(kDefaultPods, "b").value() == shared_by_client);
}

TEST_CASE("create_shared gives create's errors and counts invalid writes", "[shared-writes]") {
    Cluster c;
    REQUIRE(c.server.create_shared(kDefaultPods, pod("a")).ok());
    const auto again = c.server.create_shared(kDefaultPods, pod("a"));
    REQUIRE_FALSE(again.ok());
    CHECK(again.is_already_exists());
    CHECK(again.error().status() == c.server.create(kDefaultPods, pod("a")).error().status());

    Json bad = pod("bad");
    bad["spec"]["containers"] = Json::array();
    const auto invalid = c.client.create_shared(kDefaultPods, bad);
    REQUIRE_FALSE(invalid.ok());
    CHECK(invalid.code() == 422);
    CHECK(invalid.error().status() == c.server.create(kDefaultPods, bad).error().status());
    CHECK(c.client.invalid_writes() == 1);
    CHECK(c.server.invalid_client_writes() == 1);

    const auto wrong_kind = c.server.create_shared(kDefaultPods, config_map("x"));
    REQUIRE_FALSE(wrong_kind.ok());
    CHECK(wrong_kind.code() == 400);
    const auto unknown =
        c.server.create_shared(ResourceRef{"", "v1", "nothings", "default"}, pod("x"));
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.code() == 404);
}

TEST_CASE("create_shared in another version answers a converted copy", "[shared-writes]") {
    Cluster copying;
    Cluster sharing;
    const auto v1 = refs::kHpasV1.in("default");
    const Json created = copying.server.create(v1, hpa_v1("h")).value();
    const ObjectPtr shared = sharing.server.create_shared(v1, hpa_v1("h")).value();
    CHECK(*shared == created);
    CHECK((*shared)["apiVersion"] == "autoscaling/v1");
    // Stored as autoscaling/v2: the answer is a converted copy, not the stored object.
    CHECK(sharing.server.get_shared(refs::kHpas.in("default"), "h").value() != shared);
}

TEST_CASE("update_shared, update_status_shared and patch_shared answer what the copying verbs do",
          "[shared-writes]") {
    Cluster copying;
    Cluster sharing;
    Json a = copying.client.create(kDefaultPods, pod("a")).value();
    const Json a_shared = *sharing.client.create_shared(kDefaultPods, pod("a")).value();
    REQUIRE(a == a_shared);

    a["metadata"]["labels"]["extra"] = "1";
    const Json updated = copying.client.update(kDefaultPods, a).value();
    const ObjectPtr updated_shared = sharing.client.update_shared(kDefaultPods, a).value();
    CHECK(*updated_shared == updated);
    CHECK(sharing.server.get_shared(kDefaultPods, "a").value() == updated_shared);

    Json status = updated;
    status["status"]["phase"] = "Running";
    const Json status_written = copying.client.update_status(kDefaultPods, status).value();
    const ObjectPtr status_shared =
        sharing.client.update_status_shared(kDefaultPods, status).value();
    CHECK(*status_shared == status_written);
    CHECK((*status_shared)["status"]["phase"] == "Running");

    const Json patch = Json{{"metadata", {{"annotations", {{"note", "x"}}}}}};
    const Json patched = copying.client.patch(kDefaultPods, "a", PatchType::Merge, patch).value();
    const ObjectPtr patched_shared =
        sharing.client.patch_shared(kDefaultPods, "a", PatchType::Merge, patch).value();
    CHECK(*patched_shared == patched);
    CHECK(sharing.server.get_shared(kDefaultPods, "a").value() == patched_shared);

    // A no-op update answers the stored object, unchanged, and writes nothing.
    const std::uint64_t revision = sharing.server.revision();
    const ObjectPtr same = sharing.client.update_shared(kDefaultPods, *patched_shared).value();
    CHECK(same == patched_shared);
    CHECK(sharing.server.revision() == revision);

    // A stale resourceVersion: the copying verb's Conflict.
    const auto stale = sharing.client.update_shared(kDefaultPods, a_shared);
    REQUIRE_FALSE(stale.ok());
    CHECK(stale.is_conflict());
    CHECK(stale.error().status() == copying.client.update(kDefaultPods, a_shared).error().status());
    const auto missing = sharing.client.patch_shared(kDefaultPods, "nope", PatchType::Merge, patch);
    CHECK(missing.is_not_found());
}

TEST_CASE("patch_shared and update_shared through the scale subresource answer a Scale",
          "[shared-writes]") {
    Cluster copying;
    Cluster sharing;
    const auto deployments = refs::kDeployments.in("default");
    REQUIRE(copying.client.create(deployment("web")).ok());
    REQUIRE(sharing.client.create(deployment("web")).ok());
    const Json body = Json{{"spec", {{"replicas", 5}}}};
    const Json scale =
        copying.server.patch(deployments, "web", PatchType::Merge, body, "scale").value();
    const ObjectPtr scale_shared =
        sharing.server.patch_shared(deployments, "web", PatchType::Merge, body, "scale").value();
    CHECK(*scale_shared == scale);
    CHECK((*scale_shared)["kind"] == "Scale");
    CHECK((*scale_shared)["spec"]["replicas"] == 5);

    Json next = scale;
    next["spec"]["replicas"] = 3;
    const Json put = copying.server.update(deployments, "web", next, "scale").value();
    const ObjectPtr put_shared =
        sharing.server.update_shared(deployments, "web", next, "scale").value();
    CHECK(*put_shared == put);
    CHECK(sharing.client.get(deployments, "web").value()["spec"]["replicas"] == 3);
}

TEST_CASE("shared writes in a dry run answer the unstored object, as the copying ones do",
          "[shared-writes]") {
    Cluster copying;
    Cluster sharing;
    Json a = copying.client.create(kDefaultPods, pod("a")).value();
    REQUIRE(a == *sharing.client.create_shared(kDefaultPods, pod("a")).value());
    const std::uint64_t revision = sharing.server.revision();
    {
        ApiServer::DryRun copying_dry(copying.server);
        ApiServer::DryRun sharing_dry(sharing.server);
        const Json created = copying.server.create(kDefaultPods, pod("b")).value();
        const ObjectPtr shared = sharing.server.create_shared(kDefaultPods, pod("b")).value();
        CHECK(*shared == created);
        CHECK_FALSE(shared->at("metadata").contains("resourceVersion"));
        CHECK_FALSE(sharing.server.exists(kDefaultPods, "b"));

        a["metadata"]["labels"]["dry"] = "1";
        const Json updated = copying.client.update(kDefaultPods, a).value();
        const ObjectPtr updated_shared = sharing.client.update_shared(kDefaultPods, a).value();
        CHECK(*updated_shared == updated);
        CHECK((*updated_shared)["metadata"]["labels"]["dry"] == "1");
        CHECK(sharing.server.get_shared(kDefaultPods, "a").value() != updated_shared);
    }
    CHECK(sharing.server.revision() == revision);
    CHECK_FALSE(
        sharing.server.get(kDefaultPods, "a").value()["metadata"]["labels"].contains("dry"));
}

TEST_CASE("exists answers whether a get would find the object", "[shared-writes]") {
    Cluster c;
    CHECK_FALSE(c.server.exists(kDefaultPods, "a"));
    CHECK_FALSE(c.client.exists(kDefaultPods, "a"));
    REQUIRE(c.client.create_shared(kDefaultPods, pod("a")).ok());
    CHECK(c.server.exists(kDefaultPods, "a"));
    CHECK(c.client.exists(kDefaultPods, "a"));
    CHECK_FALSE(c.server.exists(refs::kPods.in("kube-system"), "a"));
    CHECK(c.server.exists(refs::kNamespaces, "default"));
    CHECK_FALSE(c.server.exists(ResourceRef{"", "v1", "nothings", "default"}, "a"));
    CHECK_FALSE(c.server.exists(ResourceRef{"", "v9", "pods", "default"}, "a"));
    // Cluster-scoped: the namespace in the reference is ignored, as get ignores it.
    CHECK(c.server.exists(refs::kNamespaces.in("default"), "kube-system"));
    for (const auto& [ref, name] :
         {std::pair{kDefaultPods, "a"}, std::pair{kDefaultPods, "b"},
          std::pair{refs::kNamespaces, "default"}, std::pair{refs::kNamespaces, "nope"}})
        CHECK(c.server.exists(ref, name) == c.server.get(ref, name).ok());
    REQUIRE(c.client.remove(kDefaultPods, "a").ok());
    CHECK_FALSE(c.server.exists(kDefaultPods, "a"));
}
