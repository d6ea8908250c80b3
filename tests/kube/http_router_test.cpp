// The HTTP face's router, without sockets: paths, verbs, codes, discovery, OpenAPI, Tables,
// watch streams (k8s-semantics.md §1.1, §2).
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "sim/kube/http_router.hpp"
#include "sim/kube/http_table.hpp"

using kube_test::Cluster;
using sim::kube::HttpRequest;
using sim::kube::HttpResponse;
using sim::kube::HttpRouter;
using sim::kube::Json;

namespace {

HttpRequest request(std::string method, std::string path, std::string body = "",
                    std::string content_type = "application/json") {
    HttpRequest r;
    r.method = std::move(method);
    const auto q = path.find('?');
    r.path = path.substr(0, q);
    if (q != std::string::npos) {
        std::string rest = path.substr(q + 1);
        while (!rest.empty()) {
            const auto amp = rest.find('&');
            const std::string kv = rest.substr(0, amp);
            const auto eq = kv.find('=');
            r.query.emplace(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
            rest = amp == std::string::npos ? "" : rest.substr(amp + 1);
        }
    }
    r.body = std::move(body);
    r.content_type = std::move(content_type);
    return r;
}

Json body_of(const HttpResponse& r) {
    return Json::parse(r.body);
}

const std::string kDeployments = "/apis/apps/v1/namespaces/default/deployments";

}  // namespace

TEST_CASE("http: /version, /api, /apis and per group-version discovery", "[kube][http]") {
    Cluster c;
    HttpRouter router(c.server, {.server_address = "127.0.0.1:9999"});
    const HttpResponse v = router.handle(request("GET", "/version"));
    CHECK(v.status == 200);
    CHECK(body_of(v)["gitVersion"] == "v1.32.4");
    CHECK(body_of(v)["minor"] == "32");

    const Json api = body_of(router.handle(request("GET", "/api")));
    CHECK(api["kind"] == "APIVersions");
    CHECK(api["serverAddressByClientCIDRs"][0]["serverAddress"] == "127.0.0.1:9999");

    const Json apis = body_of(router.handle(request("GET", "/apis")));
    CHECK(apis["kind"] == "APIGroupList");

    const HttpResponse apps = router.handle(request("GET", "/apis/apps/v1"));
    CHECK(apps.status == 200);
    CHECK(body_of(apps)["groupVersion"] == "apps/v1");

    const Json group = body_of(router.handle(request("GET", "/apis/machinelearning.seldon.io")));
    CHECK(group["kind"] == "APIGroup");
    CHECK(group["preferredVersion"]["version"] == "v1");

    const HttpResponse missing = router.handle(request("GET", "/apis/nope.io/v1"));
    CHECK(missing.status == 404);
    CHECK(body_of(missing)["message"] == "the server could not find the requested resource");
}

TEST_CASE("http: minimal OpenAPI v3 names each GVK's patch with fieldValidation", "[kube][http]") {
    Cluster c;
    HttpRouter router(c.server);
    const Json index = body_of(router.handle(request("GET", "/openapi/v3")));
    CHECK(index["paths"]["apis/apps/v1"]["serverRelativeURL"] ==
          "/openapi/v3/apis/apps/v1?hash=sim0");
    CHECK(index["paths"].contains("api/v1"));
    CHECK(index["paths"].contains("apis/machinelearning.seldon.io/v1"));

    const Json doc = body_of(router.handle(request("GET", "/openapi/v3/apis/apps/v1?hash=sim0")));
    const Json& op =
        doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
    CHECK(op["x-kubernetes-group-version-kind"] ==
          Json{{"group", "apps"}, {"version", "v1"}, {"kind", "Deployment"}});
    CHECK(op["parameters"][0]["name"] == "fieldValidation");
    // Left out on purpose, so kubectl builds patches from compiled-in types (§2.3).
    CHECK_FALSE(op["requestBody"]["content"].contains("application/strategic-merge-patch+json"));

    const Json core = body_of(router.handle(request("GET", "/openapi/v3/api/v1")));
    CHECK(core["paths"]["/api/v1/nodes/{name}"]["patch"]["x-kubernetes-group-version-kind"]
              ["group"] == "");
    CHECK(router.handle(request("GET", "/openapi/v3/apis/nope/v9")).status == 404);
    CHECK(router.handle(request("GET", "/openapi/v2")).status == 404);
}

TEST_CASE("http: create 201, get, list with selectors and paging, errors as Status",
          "[kube][http]") {
    Cluster c;
    HttpRouter router(c.server);
    const HttpResponse created =
        router.handle(request("POST", kDeployments, kube_test::deployment("web").dump()));
    REQUIRE(created.status == 201);
    CHECK(body_of(created)["metadata"]["generation"] == 1);
    CHECK(
        router.handle(request("POST", kDeployments, kube_test::deployment("api").dump())).status ==
        201);

    const HttpResponse again =
        router.handle(request("POST", kDeployments, kube_test::deployment("web").dump()));
    CHECK(again.status == 409);
    CHECK(body_of(again)["reason"] == "AlreadyExists");

    CHECK(body_of(router.handle(request("GET", kDeployments + "/web")))["metadata"]["name"] ==
          "web");
    const HttpResponse missing = router.handle(request("GET", kDeployments + "/nope"));
    CHECK(missing.status == 404);
    CHECK(body_of(missing)["message"] == "deployments.apps \"nope\" not found");

    // Query values arrive percent-decoded (httplib decodes them).
    const Json by_label =
        body_of(router.handle(request("GET", kDeployments + "?labelSelector=app=api")));
    CHECK(by_label["items"].size() == 1);
    CHECK(by_label["items"][0]["metadata"]["name"] == "api");

    const Json page = body_of(router.handle(request("GET", kDeployments + "?limit=1")));
    CHECK(page["items"].size() == 1);
    const std::string token = page["metadata"]["continue"];
    const Json page2 =
        body_of(router.handle(request("GET", kDeployments + "?limit=1&continue=" + token)));
    CHECK(page2["items"][0]["metadata"]["name"] == "web");

    const Json all_ns = body_of(router.handle(request("GET", "/apis/apps/v1/deployments")));
    CHECK(all_ns["items"].size() == 2);

    CHECK(router.handle(request("GET", "/api/v1/pods?fieldSelector=spec.foo=x")).status == 400);
    CHECK(router.handle(request("GET", kDeployments + "?limit=x")).status == 400);
    CHECK(router.handle(request("POST", kDeployments, "{not json")).status == 400);
    // Protobuf bodies (kubectl's typed clients) are refused as an unknown format.
    const HttpResponse proto = router.handle(
        request("POST", kDeployments, "k8s\0", "application/vnd.kubernetes.protobuf"));
    CHECK(proto.status == 415);
    CHECK(body_of(proto)["reason"] == "UnsupportedMediaType");
    CHECK(router.handle(request("GET", "/api/v1/namespaces/default/widgets")).status == 404);
    CHECK(router.handle(request("GET", "/api/v1/namespaces/default/nodes")).status == 404);
}

TEST_CASE("http: cluster-scoped paths and namespaces' own paths", "[kube][http]") {
    Cluster c;
    HttpRouter router(c.server);
    const Json ns = body_of(router.handle(request("GET", "/api/v1/namespaces/default")));
    CHECK(ns["kind"] == "Namespace");
    const Json list = body_of(router.handle(request("GET", "/api/v1/namespaces")));
    CHECK(list["items"].size() == 4);
    const Json node{{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "n1"}}}};
    CHECK(router.handle(request("POST", "/api/v1/nodes", node.dump())).status == 201);
    CHECK(router.handle(request("GET", "/api/v1/nodes/n1")).status == 200);
}

TEST_CASE("http: PUT, PATCH media types, 415, scale and status subresources", "[kube][http]") {
    Cluster c;
    HttpRouter router(c.server);
    REQUIRE(
        router.handle(request("POST", kDeployments, kube_test::deployment("web").dump())).status ==
        201);

    const HttpResponse merged =
        router.handle(request("PATCH", kDeployments + "/web", R"({"spec":{"replicas":4}})",
                              "application/merge-patch+json"));
    CHECK(merged.status == 200);
    CHECK(body_of(merged)["spec"]["replicas"] == 4);
    CHECK(body_of(merged)["metadata"]["generation"] == 2);

    const HttpResponse smp = router.handle(request("PATCH", kDeployments + "/web",
                                                   R"({"metadata":{"labels":{"tier":"front"}}})",
                                                   "application/strategic-merge-patch+json"));
    CHECK(body_of(smp)["metadata"]["labels"]["tier"] == "front");

    const HttpResponse jp = router.handle(request(
        "PATCH", kDeployments + "/web", R"([{"op":"replace","path":"/spec/replicas","value":1}])",
        "application/json-patch+json"));
    CHECK(body_of(jp)["spec"]["replicas"] == 1);

    const HttpResponse unknown =
        router.handle(request("PATCH", kDeployments + "/web", "{}", "text/plain"));
    CHECK(unknown.status == 415);
    CHECK(body_of(unknown)["reason"] == "UnsupportedMediaType");

    const HttpResponse scale =
        router.handle(request("PATCH", kDeployments + "/web/scale", R"({"spec":{"replicas":5}})",
                              "application/merge-patch+json"));
    CHECK(scale.status == 200);
    CHECK(body_of(scale)["kind"] == "Scale");
    CHECK(body_of(router.handle(request("GET", kDeployments + "/web/scale")))["spec"]["replicas"] ==
          5);

    Json obj = body_of(router.handle(request("GET", kDeployments + "/web")));
    obj["status"] = {{"replicas", 5}, {"readyReplicas", 3}};
    CHECK(body_of(router.handle(request("PUT", kDeployments + "/web/status",
                                        obj.dump())))["status"]["readyReplicas"] == 3);
    Json stale = obj;
    stale["metadata"]["resourceVersion"] = "1";
    CHECK(router.handle(request("PUT", kDeployments + "/web", stale.dump())).status == 409);
    CHECK(router.handle(request("GET", kDeployments + "/web/exec")).status == 404);

    const HttpResponse apply_new = router.handle(
        request("PATCH", kDeployments + "/other?fieldManager=kubectl",
                kube_test::deployment("other").dump(), "application/apply-patch+yaml"));
    CHECK(apply_new.status == 201);
    CHECK(
        router
            .handle(request("PATCH", kDeployments + "/other", "{}", "application/apply-patch+yaml"))
            .status == 400);
}

TEST_CASE("http: DELETE with body DeleteOptions and query, deletecollection", "[kube][http]") {
    Cluster c;
    HttpRouter router(c.server);
    REQUIRE(
        router.handle(request("POST", kDeployments, kube_test::deployment("web").dump())).status ==
        201);
    const HttpResponse orphaned = router.handle(
        request("DELETE", kDeployments + "/web", R"({"propagationPolicy":"Orphan"})"));
    CHECK(orphaned.status == 200);
    // The orphan finalizer keeps it, marked.
    CHECK(body_of(orphaned)["metadata"]["finalizers"] == Json::array({"orphan"}));

    REQUIRE(
        router
            .handle(request("POST", "/api/v1/namespaces/default/pods", kube_test::pod("p").dump()))
            .status == 201);
    const HttpResponse graceful =
        router.handle(request("DELETE", "/api/v1/namespaces/default/pods/p"));
    // An unscheduled pod goes at once (grace 0); the body is the deleted pod.
    CHECK(graceful.status == 200);
    CHECK(body_of(graceful)["kind"] == "Pod");
    CHECK(router.handle(request("GET", "/api/v1/namespaces/default/pods/p")).status == 404);
    REQUIRE(router
                .handle(request("POST", "/api/v1/namespaces/default/pods",
                                kube_test::pod("q", "n1").dump()))
                .status == 201);
    const HttpResponse q =
        router.handle(request("DELETE", "/api/v1/namespaces/default/pods/q?gracePeriodSeconds=7"));
    CHECK(body_of(q)["metadata"]["deletionGracePeriodSeconds"] == 7);

    for (const char* n : {"a", "b"})
        REQUIRE(router
                    .handle(request("POST", "/api/v1/namespaces/default/configmaps",
                                    kube_test::config_map(n).dump()))
                    .status == 201);
    const HttpResponse all =
        router.handle(request("DELETE", "/api/v1/namespaces/default/configmaps"));
    CHECK(all.status == 200);
    CHECK(body_of(all)["items"].size() == 2);
    CHECK(body_of(router.handle(request("GET", "/api/v1/namespaces/default/configmaps")))["items"]
              .empty());
    CHECK(router.handle(request("DELETE", "/api/v1/namespaces/default/configmaps/zz")).status ==
          404);
    CHECK(
        router.handle(request("DELETE", kDeployments + "/web?propagationPolicy=Sideways")).status ==
        422);
    // A dry run (dry_run_test.cpp) answers 201 and stores nothing.
    CHECK(router
              .handle(
                  request("POST", kDeployments + "?dryRun=All", kube_test::deployment("d").dump()))
              .status == 201);
    CHECK(router.handle(request("GET", kDeployments + "/d")).status == 404);
}

TEST_CASE("http: oversized bodies get 413 with a Status", "[kube][http]") {
    Cluster c;
    HttpRouter router(c.server, {.server_address = "x", .max_body_bytes = 64});
    const HttpResponse r =
        router.handle(request("POST", kDeployments, kube_test::deployment("web").dump()));
    CHECK(r.status == 413);
    CHECK(body_of(r)["reason"] == "RequestEntityTooLarge");
}

TEST_CASE("http: Table output with the default columns", "[kube][http]") {
    Cluster c;
    HttpRouter router(c.server);
    REQUIRE(router.handle(request("POST", kDeployments, kube_test::deployment("web", 3).dump()))
                .status == 201);
    c.loop.run_until(125 * sim::kernel::kSecond);
    HttpRequest get = request("GET", kDeployments);
    get.accept =
        "application/json;as=Table;v=v1;g=meta.k8s.io,application/"
        "json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    const Json table = body_of(router.handle(get));
    CHECK(table["kind"] == "Table");
    CHECK(table["columnDefinitions"][1]["name"] == "Ready");
    CHECK(table["rows"][0]["cells"] ==
          Json::array({"web", "0/3", 0, 0, "2m5s", "main", "nginx:1.27", "app=web"}));
    CHECK(table["rows"][0]["object"]["kind"] == "PartialObjectMetadata");
    CHECK(table["rows"][0]["object"]["metadata"]["labels"]["app"] == "web");

    REQUIRE(router
                .handle(request("POST", "/api/v1/namespaces/default/pods",
                                kube_test::pod("p", "n1").dump()))
                .status == 201);
    HttpRequest pod = request("GET", "/api/v1/namespaces/default/pods/p");
    pod.accept = get.accept;
    CHECK(body_of(router.handle(pod))["rows"][0]["cells"] ==
          Json::array({"p", "0/1", "Pending", "0", "0s", "<none>", "n1", "<none>", "<none>"}));
}

TEST_CASE("http: HumanDuration", "[kube][http]") {
    using sim::kube::human_duration;
    constexpr std::int64_t s = 1'000'000'000;
    CHECK(human_duration(-2 * s) == "<invalid>");
    CHECK(human_duration(-s / 2) == "0s");
    CHECK(human_duration(119 * s) == "119s");
    CHECK(human_duration(120 * s) == "2m");
    CHECK(human_duration(125 * s) == "2m5s");
    CHECK(human_duration(11 * 60 * s) == "11m");
    CHECK(human_duration(3 * 3600 * s + 60 * s) == "3h1m");
    CHECK(human_duration(10 * 3600 * s) == "10h");
    CHECK(human_duration(50 * 3600 * s) == "2d2h");
    CHECK(human_duration(30 * 24 * 3600 * s) == "30d");
    CHECK(human_duration((3 * 365 + 4) * 24 * 3600 * s) == "3y4d");
}

TEST_CASE("http: watch streams JSON lines, 410 as one ERROR event", "[kube][http]") {
    Cluster c;
    HttpRouter router(c.server);
    const HttpResponse w =
        router.handle(request("GET", kDeployments + "?watch=true&resourceVersion=0"));
    REQUIRE(w.stream);
    CHECK(w.stream_id != 0);
    CHECK(router.open_streams() == 1);
    REQUIRE(
        router.handle(request("POST", kDeployments, kube_test::deployment("web").dump())).status ==
        201);
    c.loop.run_until_idle(100);
    const auto line = w.stream->pop(std::chrono::milliseconds(0));
    REQUIRE(line);
    CHECK(line->back() == '\n');
    const Json event = Json::parse(*line);
    CHECK(event["type"] == "ADDED");
    CHECK(event["object"]["metadata"]["name"] == "web");
    router.close_stream(w.stream_id);
    CHECK(router.open_streams() == 0);
    CHECK(w.stream->closed());
    // ParseBool's spellings: the Python client sends watch=True.
    for (const char* yes : {"True", "TRUE", "t", "1"}) {
        const HttpResponse py =
            router.handle(request("GET", kDeployments + "?watch=" + yes + "&resourceVersion=0"));
        CHECK(py.stream);
        router.close_stream(py.stream_id);
    }
    CHECK_FALSE(router.handle(request("GET", kDeployments + "?watch=False")).stream);

    const HttpResponse bad =
        router.handle(request("GET", kDeployments + "?watch=1&labelSelector=a b c"));
    CHECK(bad.status == 400);
    CHECK_FALSE(bad.stream);
}

TEST_CASE("http: a watch from a compacted resourceVersion is one ERROR event", "[kube][http]") {
    Cluster c(42, {.watch_history = 2});
    HttpRouter router(c.server);
    for (const char* n : {"a", "b", "c", "d"})
        REQUIRE(router
                    .handle(request("POST", "/api/v1/namespaces/default/configmaps",
                                    kube_test::config_map(n).dump()))
                    .status == 201);
    const HttpResponse w = router.handle(
        request("GET", "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1"));
    REQUIRE(w.stream);
    CHECK(w.status == 200);
    CHECK(w.stream->closed());
    const Json event = Json::parse(*w.stream->pop(std::chrono::milliseconds(0)));
    CHECK(event["type"] == "ERROR");
    CHECK(event["object"]["code"] == 410);
    CHECK_FALSE(w.stream->pop(std::chrono::milliseconds(0)));
}

TEST_CASE("http: HPA Table with the Targets column", "[kube][http]") {
    Cluster c;
    HttpRouter router(c.server);
    const Json hpa = Json::parse(R"({"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler",
      "metadata":{"name":"web","namespace":"default"},
      "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},
              "minReplicas":1,"maxReplicas":5,
              "metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}},
                         {"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"200Mi"}}},
                         {"type":"Pods","pods":{"metric":{"name":"rps"},"target":{"type":"AverageValue","averageValue":"10"}}}]}})");
    const std::string path = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers";
    REQUIRE(router.handle(request("POST", path, hpa.dump())).status == 201);
    HttpRequest get = request("GET", path + "/web");
    get.accept = "application/json;as=Table;v=v1;g=meta.k8s.io";
    Json table = body_of(router.handle(get));
    CHECK(
        table["rows"][0]["cells"] ==
        Json::array({"web", "Deployment/web",
                     "cpu: <unknown>/80%, memory: <unknown>/200Mi + 1 more...", "1", 5, 0, "0s"}));

    Json live = body_of(router.handle(request("GET", path + "/web")));
    live["status"] = Json::parse(R"({"currentReplicas":2,"desiredReplicas":2,"currentMetrics":[
        {"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":45}}},
        {"type":"Resource","resource":{"name":"memory","current":{"averageValue":"100Mi"}}}]})");
    REQUIRE(router.handle(request("PUT", path + "/web/status", live.dump())).status == 200);
    table = body_of(router.handle(get));
    CHECK(table["rows"][0]["cells"][2] == "cpu: 45%/80%, memory: 100Mi/200Mi + 1 more...");
    CHECK(table["rows"][0]["cells"][5] == 2);
}

TEST_CASE("http: Event Table: last seen, type, reason, object, message", "[kube][http]") {
    Cluster c;
    HttpRouter router(c.server);
    const Json event = Json::parse(R"({"apiVersion":"v1","kind":"Event",
      "metadata":{"name":"web.1","namespace":"default"},
      "involvedObject":{"kind":"Deployment","name":"web","namespace":"default"},
      "reason":"ScalingReplicaSet","message":"Scaled up replica set web-1 to 3","type":"Normal",
      "source":{"component":"deployment-controller"},
      "firstTimestamp":"2025-01-01T00:00:00Z","lastTimestamp":"2025-01-01T00:00:00Z","count":2})");
    REQUIRE(
        router.handle(request("POST", "/api/v1/namespaces/default/events", event.dump())).status ==
        201);
    c.loop.run_until(90 * sim::kernel::kSecond);
    HttpRequest get = request("GET", "/api/v1/namespaces/default/events");
    get.accept = "application/json;as=Table;v=v1;g=meta.k8s.io";
    const Json table = body_of(router.handle(get));
    CHECK(table["columnDefinitions"].size() == 10);
    CHECK(table["rows"][0]["cells"] ==
          Json::array({"90s", "Normal", "ScalingReplicaSet", "deployment/web", "",
                       "deployment-controller", "Scaled up replica set web-1 to 3", "90s", 2,
                       "web.1"}));
}

TEST_CASE("http: pod Table Status and Restarts from container statuses", "[kube][http]") {
    Cluster c;
    HttpRouter router(c.server);
    const std::string pods = "/api/v1/namespaces/default/pods";
    REQUIRE(router.handle(request("POST", pods, kube_test::pod("p", "n1").dump())).status == 201);
    Json live = body_of(router.handle(request("GET", pods + "/p")));
    live["status"] =
        Json::parse(R"({"phase":"Running","containerStatuses":[{"name":"main","ready":false,
        "restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff"}},
        "lastState":{"terminated":{"exitCode":1,"reason":"Error","finishedAt":"2025-01-01T00:00:30Z"}}}]})");
    REQUIRE(router.handle(request("PUT", pods + "/p/status", live.dump())).status == 200);
    c.loop.run_until(90 * sim::kernel::kSecond);
    HttpRequest get = request("GET", pods + "/p");
    get.accept = "application/json;as=Table;v=v1;g=meta.k8s.io";
    const Json cells = body_of(router.handle(get))["rows"][0]["cells"];
    CHECK(cells[1] == "0/1");
    CHECK(cells[2] == "CrashLoopBackOff");
    CHECK(cells[3] == "3 (60s ago)");
}

TEST_CASE("http: pods/eviction honours a PodDisruptionBudget (201, then 429)", "[kube][http]") {
    Cluster c;
    HttpRouter router(c.server);
    const std::string pods = "/api/v1/namespaces/default/pods";
    for (const char* name : {"a", "b"}) {
        Json p = kube_test::pod(name);
        p["metadata"]["labels"] = {{"app", "web"}};
        REQUIRE(router.handle(request("POST", pods, p.dump())).status == 201);
        // Running and Ready, as a kubelet would have written it.
        Json status = c.client.get(sim::kube::refs::kPods.in("default"), name).value();
        status["status"] = {{"phase", "Running"},
                            {"conditions", Json::array({{{"type", "Ready"}, {"status", "True"}}})}};
        REQUIRE(c.client.update_status(status).ok());
    }
    // A budget whose status (as the disruption controller would write it) allows one.
    const Json pdb = {{"apiVersion", "policy/v1"},
                      {"kind", "PodDisruptionBudget"},
                      {"metadata", {{"name", "web"}, {"namespace", "default"}}},
                      {"spec", {{"minAvailable", 1}, {"selector", {{"matchLabels", {{"app", "web"}}}}}}}};
    Json stored = c.client.create(pdb).value();
    stored["status"] = {{"observedGeneration", 1}, {"disruptionsAllowed", 1},
                        {"currentHealthy", 2}, {"desiredHealthy", 1}, {"expectedPods", 2}};
    REQUIRE(c.client.update_status(stored).ok());

    const auto evict = [&](const std::string& name) {
        const Json eviction = {{"apiVersion", "policy/v1"},
                               {"kind", "Eviction"},
                               {"metadata", {{"name", name}, {"namespace", "default"}}}};
        return router.handle(request("POST", pods + "/" + name + "/eviction", eviction.dump()));
    };
    const HttpResponse first = evict("a");
    CHECK(first.status == 201);
    CHECK(body_of(first)["status"] == "Success");
    const HttpResponse second = evict("b");
    CHECK(second.status == 429);
    const Json refusal = body_of(second);
    CHECK(refusal["reason"] == "TooManyRequests");
    CHECK(refusal["message"] == "Cannot evict pod as it would violate the pod's disruption budget.");
    // The URL names the pod; a different name in the body is refused.
    const Json other = {{"apiVersion", "policy/v1"},
                        {"kind", "Eviction"},
                        {"metadata", {{"name", "a"}, {"namespace", "default"}}}};
    CHECK(router.handle(request("POST", pods + "/b/eviction", other.dump())).status == 400);
    CHECK(router.handle(request("GET", pods + "/b/eviction")).status == 405);
}
