// Server-side dry run (dryRun=All): the whole write path runs, nothing is stored, no
// resourceVersion is taken, no watch event is sent, and the seeded streams are not touched, so
// a session with dry runs replays like one without.
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "sim/kube/http_router.hpp"

using namespace sim::kube;
using namespace kube_test;
using sim::kernel::kSecond;

namespace {

// Counts the watch events of every pod, deployment and service after the current revision.
struct EventCounter {
    explicit EventCounter(Cluster& c) {
        ListOptions o;
        o.resource_version = std::to_string(c.server.revision());
        for (const ResourceRef& ref : {refs::kPods, refs::kDeployments, refs::kServices})
            handles.push_back(
                c.server.watch(ref, o, [this](const WatchEvent&) { ++events; }).value());
    }
    int events = 0;
    std::vector<WatchHandle> handles;
};

Json service(const std::string& name) {
    return Json{{"apiVersion", "v1"},
                {"kind", "Service"},
                {"metadata", {{"name", name}, {"namespace", "default"}}},
                {"spec", {{"selector", {{"app", name}}}, {"ports", {{{"port", 80}}}}}}};
}

HttpRequest http(std::string method, std::string path, std::string query, std::string body,
                 std::string content_type = "application/json") {
    HttpRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    const auto eq = query.find('=');
    if (!query.empty()) r.query.emplace(query.substr(0, eq), query.substr(eq + 1));
    r.body = std::move(body);
    r.content_type = std::move(content_type);
    return r;
}

}  // namespace

TEST_CASE("dry-run create: defaulted and validated, not stored, no revision, no event") {
    Cluster c;
    EventCounter counter(c);
    const std::uint64_t before = c.server.revision();
    Json out;
    {
        ApiServer::DryRun dry(c.server);
        CHECK(c.server.dry_run());
        out = c.server.create(refs::kDeployments.in("default"), deployment("web")).value();
    }
    CHECK_FALSE(c.server.dry_run());
    CHECK(out["metadata"]["uid"].is_string());
    CHECK(out["metadata"]["generation"] == 1);
    CHECK_FALSE(out["metadata"].contains("resourceVersion"));
    CHECK(out["spec"]["revisionHistoryLimit"] == 10);  // defaulting ran
    CHECK(c.server.revision() == before);
    CHECK(c.server.get(refs::kDeployments.in("default"), "web").code() == 404);
    c.loop.run_until(10 * kSecond);
    CHECK(counter.events == 0);

    // Validation and conflicts answer as they would for a real create.
    Json bad = deployment("bad");
    bad["spec"]["replicas"] = -1;
    ApiServer::DryRun dry(c.server);
    CHECK(c.server.create(refs::kDeployments.in("default"), bad).code() == 422);
    CHECK(c.server.create(refs::kNamespaces, Json{{"metadata", {{"name", "default"}}}}).code() ==
          409);
}

TEST_CASE("dry runs leave the seeded streams and cluster IPs as they were") {
    // Two servers with the same seed: one does dry runs first. Their real creates agree.
    Cluster plain(7);
    Cluster dried(7);
    Json generated = pod("");
    generated["metadata"].erase("name");
    generated["metadata"]["generateName"] = "web-";
    Json dry_pod, dry_service;
    {
        ApiServer::DryRun dry(dried.server);
        dry_pod = dried.server.create(refs::kPods.in("default"), generated).value();
        dry_service = dried.server.create(refs::kServices.in("default"), service("s")).value();
        // A second dry run in the same request draws on from the copies.
        const Json again = dried.server.create(refs::kPods.in("default"), generated).value();
        CHECK(again["metadata"]["name"] != dry_pod["metadata"]["name"]);
    }
    const Json real_pod = dried.server.create(refs::kPods.in("default"), generated).value();
    const Json real_service =
        dried.server.create(refs::kServices.in("default"), service("s")).value();
    const Json plain_pod = plain.server.create(refs::kPods.in("default"), generated).value();
    const Json plain_service =
        plain.server.create(refs::kServices.in("default"), service("s")).value();
    CHECK(real_pod["metadata"]["uid"] == plain_pod["metadata"]["uid"]);
    CHECK(real_pod["metadata"]["name"] == plain_pod["metadata"]["name"]);
    CHECK(real_service["spec"]["clusterIP"] == plain_service["spec"]["clusterIP"]);
    CHECK(real_pod["metadata"]["resourceVersion"] == plain_pod["metadata"]["resourceVersion"]);
    // The dry run answered what the real create then made.
    CHECK(dry_pod["metadata"]["name"] == real_pod["metadata"]["name"]);
    CHECK(dry_pod["metadata"]["uid"] == real_pod["metadata"]["uid"]);
    CHECK(dry_service["spec"]["clusterIP"] == real_service["spec"]["clusterIP"]);
}

TEST_CASE("dry-run update, patch and delete change nothing") {
    Cluster c;
    const ResourceRef deployments = refs::kDeployments.in("default");
    const Json stored = c.server.create(deployments, deployment("web", 2)).value();
    const Json pod_stored = c.server.create(refs::kPods.in("default"), pod("p", "node-1")).value();
    EventCounter counter(c);
    const std::uint64_t before = c.server.revision();
    {
        ApiServer::DryRun dry(c.server);
        Json changed = stored;
        changed["spec"]["replicas"] = 5;
        const Json updated = c.server.update(deployments, "web", changed).value();
        CHECK(updated["spec"]["replicas"] == 5);
        CHECK(updated["metadata"]["generation"] == 2);
        CHECK(updated["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]);

        const Json patched =
            c.server.patch(deployments, "web", PatchType::Merge, Json{{"spec", {{"replicas", 7}}}})
                .value();
        CHECK(patched["spec"]["replicas"] == 7);
        const Json scaled = c.server
                                .patch(deployments, "web", PatchType::Merge,
                                       Json{{"spec", {{"replicas", 9}}}}, "scale")
                                .value();
        CHECK(scaled["spec"]["replicas"] == 9);

        Json stale = stored;
        stale["metadata"]["resourceVersion"] = "1";
        CHECK(c.server.update(deployments, "web", stale).code() == 409);

        CHECK(c.server.remove(deployments, "web").ok());
        const Json deleting = c.server.remove(refs::kPods.in("default"), "p").value();
        CHECK(deleting["metadata"].contains("deletionTimestamp"));  // what a real delete does
        CHECK(c.server.remove(refs::kNamespaces, "default").ok());
    }
    CHECK(c.server.revision() == before);
    CHECK(c.server.get(deployments, "web").value() == stored);
    CHECK(c.server.get(refs::kPods.in("default"), "p").value() == pod_stored);
    CHECK(c.server.get(refs::kNamespaces, "default").value()["status"]["phase"] == "Active");
    c.loop.run_until(60 * kSecond);
    CHECK(counter.events == 0);
    CHECK(c.server.get(refs::kPods.in("default"), "p").ok());
}

TEST_CASE("http: dryRun=All on POST, PUT, PATCH and DELETE; other values are 422") {
    Cluster c;
    HttpRouter router(c.server);
    const std::string path = "/apis/apps/v1/namespaces/default/deployments";
    const std::uint64_t before = c.server.revision();
    const HttpResponse created =
        router.handle(http("POST", path, "dryRun=All", deployment("web").dump()));
    CHECK(created.status == 201);
    CHECK(Json::parse(created.body)["metadata"]["name"] == "web");
    CHECK(c.server.revision() == before);
    CHECK(router.handle(http("GET", path + "/web", "", "")).status == 404);
    CHECK_FALSE(c.server.dry_run());  // the scope ends with the request

    const HttpResponse bad =
        router.handle(http("POST", path, "dryRun=Yes", deployment("web").dump()));
    CHECK(bad.status == 422);
    CHECK(Json::parse(bad.body)["message"] ==
          "CreateOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: "
          "[]string{\"Yes\"}: supported values: \"All\"");

    REQUIRE(router.handle(http("POST", path, "", deployment("web").dump())).status == 201);
    const std::uint64_t stored = c.server.revision();
    const HttpResponse patched =
        router.handle(http("PATCH", path + "/web", "dryRun=All", R"({"spec":{"replicas":4}})",
                           "application/merge-patch+json"));
    CHECK(patched.status == 200);
    CHECK(Json::parse(patched.body)["spec"]["replicas"] == 4);
    CHECK(router.handle(http("DELETE", path + "/web", "dryRun=All", "")).status == 200);
    // kubectl puts it in the DeleteOptions body instead.
    CHECK(router.handle(http("DELETE", path + "/web", "", R"({"dryRun":["All"]})")).status == 200);
    CHECK(c.server.revision() == stored);
    CHECK(c.server.get(refs::kDeployments.in("default"), "web").value()["spec"]["replicas"] == 2);
}
