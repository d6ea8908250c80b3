#include <catch2/catch.hpp>

#include <regex>

#include "fixtures.hpp"
#include "sim/kube/object_meta.hpp"

using namespace sim::kube;
using namespace kube_test;
using sim::kernel::kSecond;

namespace {
std::uint64_t rv_of(const Json& o) {
    return std::stoull(o["metadata"]["resourceVersion"].get<std::string>());
}
}  // namespace

TEST_CASE("create assigns uid, creationTimestamp, resourceVersion and generation per kind") {
    Cluster c;
    c.loop.run_until(90 * kSecond);
    const std::uint64_t before = c.server.revision();
    const Json d = c.client.create(deployment("web")).value();
    const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    CHECK(std::regex_match(d["metadata"]["uid"].get<std::string>(), uuid));
    CHECK(d["metadata"]["creationTimestamp"] == "2025-01-01T00:01:30Z");
    CHECK(rv_of(d) == before + 1);
    CHECK(d["metadata"]["generation"] == 1);
    CHECK(d["apiVersion"] == "apps/v1");
    CHECK_FALSE(d.contains("status"));
    const Json p = c.client.create(pod("p")).value();
    CHECK_FALSE(p["metadata"].contains("generation"));
    CHECK(rv_of(p) == before + 2);  // one counter for every resource
    CHECK(p["status"] == Json::parse(R"({"phase":"Pending","qosClass":"BestEffort"})"));
    const Json s = c.client.create(seldon_deployment("iris")).value();
    CHECK(s["metadata"]["generation"] == 1);
    const auto got = c.client.get(refs::kDeployments.in("default"), "web");
    CHECK(got.value() == d);
}

TEST_CASE("defaults of §1.13 are applied on create") {
    Cluster c;
    Json d = deployment("web");
    d["spec"].erase("replicas");
    const Json out = c.client.create(d).value();
    CHECK(out["spec"]["replicas"] == 1);
    CHECK(
        out["spec"]["strategy"] ==
        Json::parse(
            R"({"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}})"));
    CHECK(out["spec"]["revisionHistoryLimit"] == 10);
    CHECK(out["spec"]["progressDeadlineSeconds"] == 600);
    const Json ps = out["spec"]["template"]["spec"];
    CHECK(ps["restartPolicy"] == "Always");
    CHECK(ps["terminationGracePeriodSeconds"] == 30);
    CHECK(ps["schedulerName"] == "default-scheduler");
    CHECK(ps["containers"][0]["imagePullPolicy"] == "IfNotPresent");
    CHECK(ps["containers"][0]["ports"][0]["protocol"] == "TCP");

    const Json p = c.client.create(pod("p")).value();
    CHECK(p["spec"]["containers"][0]["imagePullPolicy"] == "Always");  // no tag
    CHECK(p["spec"]["tolerations"] == Json::parse(R"([
        {"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},
        {"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}])"));

    const Json svc = c.client
                         .create(Json::parse(R"({"apiVersion":"v1","kind":"Service",
        "metadata":{"name":"web","namespace":"default"},"spec":{"selector":{"app":"web"},"ports":[{"port":80}]}})"))
                         .value();
    CHECK(svc["spec"]["type"] == "ClusterIP");
    CHECK(svc["spec"]["sessionAffinity"] == "None");
    CHECK(svc["spec"]["ports"][0] ==
          Json::parse(R"({"port":80,"protocol":"TCP","targetPort":80})"));
    CHECK(svc["spec"]["clusterIP"] == "10.96.0.10");

    const Json hpa =
        c.client
            .create(Json::parse(R"({"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler",
        "metadata":{"name":"web","namespace":"default"},
        "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"maxReplicas":5}})"))
            .value();
    CHECK(hpa["spec"]["minReplicas"] == 1);
    CHECK(hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 80);
    CHECK_FALSE(hpa["spec"].contains("behavior"));
}

TEST_CASE("HPA is served as autoscaling/v1 too") {
    Cluster c;
    const auto v1 = refs::kHpasV1.in("default");
    const Json created =
        c.server
            .create(v1,
                    Json::parse(R"({"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler",
        "metadata":{"name":"h","namespace":"default"},
        "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},
                "maxReplicas":4,"targetCPUUtilizationPercentage":50}})"))
            .value();
    CHECK(created["apiVersion"] == "autoscaling/v1");
    CHECK(created["spec"]["targetCPUUtilizationPercentage"] == 50);
    const Json v2 = c.client.get(refs::kHpas.in("default"), "h").value();
    CHECK(v2["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 50);
}

TEST_CASE("generation bumps on spec (and Deployment annotations) only, not on status writes") {
    Cluster c;
    Json d = c.client.create(deployment("web")).value();
    Json labelled = d;
    labelled["metadata"]["labels"]["extra"] = "1";
    d = c.client.update(labelled).value();
    CHECK(d["metadata"]["generation"] == 1);
    Json annotated = d;
    annotated["metadata"]["annotations"] = {{"note", "x"}};
    d = c.client.update(annotated).value();
    CHECK(d["metadata"]["generation"] == 2);
    Json with_status = d;
    with_status["status"] = {{"replicas", 2}, {"observedGeneration", 2}};
    const Json s = c.client.update_status(with_status).value();
    CHECK(s["metadata"]["generation"] == 2);
    CHECK(s["status"]["replicas"] == 2);
    CHECK(rv_of(s) > rv_of(d));

    Json rs = Json::parse(
        R"({"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web-1","namespace":"default"},
      "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},
      "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})");
    rs = c.client.create(rs).value();
    rs["metadata"]["annotations"] = {{"a", "b"}};
    CHECK(c.client.update(rs).value()["metadata"]["generation"] == 1);  // RS: spec only
}

TEST_CASE("status subresource ignores spec changes and the main endpoint ignores status") {
    Cluster c;
    Json d = c.client.create(deployment("web")).value();
    Json both = d;
    both["spec"]["replicas"] = 7;
    both["status"] = {{"replicas", 3}};
    const Json via_status = c.client.update_status(both).value();
    CHECK(via_status["spec"]["replicas"] == 2);
    CHECK(via_status["status"]["replicas"] == 3);
    Json again = via_status;
    again["spec"]["replicas"] = 4;
    again["status"]["replicas"] = 99;
    const Json via_main = c.client.update(again).value();
    CHECK(via_main["spec"]["replicas"] == 4);
    CHECK(via_main["status"]["replicas"] == 3);
    CHECK(via_main["metadata"]["generation"] == 2);

    // CRs: create drops status; /status keeps everything but status.
    Json sdep = seldon_deployment("iris");
    sdep["status"] = {{"state", "Available"}};
    Json s = c.client.create(sdep).value();
    CHECK_FALSE(s.contains("status"));
    s["status"] = {{"state", "Creating"}};
    s["spec"]["replicas"] = 3;
    s["metadata"]["labels"] = {{"x", "y"}};
    const Json st = c.client.update_status(s).value();
    CHECK(st["status"]["state"] == "Creating");
    CHECK(st["spec"]["replicas"] == 1);
    CHECK_FALSE(st["metadata"].contains("labels"));
    CHECK(st["metadata"]["generation"] == 1);
}

TEST_CASE("a no-op update writes nothing") {
    Cluster c;
    const Json d = c.client.create(deployment("web")).value();
    const std::uint64_t rv = c.server.revision();
    const Json same = c.client.update(d).value();
    CHECK(c.server.revision() == rv);
    CHECK(same == d);
}

TEST_CASE("scale subresource for Deployment, ReplicaSet and SeldonDeployment") {
    Cluster c;
    const Json d = c.client.create(deployment("web", 3)).value();
    const auto ref = refs::kDeployments.in("default");
    const Json scale = c.client.get_scale(ref, "web").value();
    Json expected = Json::parse(R"({"kind":"Scale","apiVersion":"autoscaling/v1",
        "spec":{"replicas":3},"status":{"replicas":0,"selector":"app=web"}})");
    expected["metadata"] = {{"name", "web"},
                            {"namespace", "default"},
                            {"uid", d["metadata"]["uid"]},
                            {"resourceVersion", d["metadata"]["resourceVersion"]},
                            {"creationTimestamp", d["metadata"]["creationTimestamp"]}};
    CHECK(scale == expected);
    Json up = scale;
    up["spec"]["replicas"] = 5;
    const Json scaled = c.client.update_scale(ref, "web", up).value();
    CHECK(scaled["spec"]["replicas"] == 5);
    const Json after = c.client.get(ref, "web").value();
    CHECK(after["spec"]["replicas"] == 5);
    CHECK(after["metadata"]["generation"] == 2);
    CHECK(c.client.update_scale(ref, "web", up).is_conflict());  // stale RV in the Scale
    const auto patched = c.client.patch(ref, "web", PatchType::Merge,
                                        Json::parse(R"({"spec":{"replicas":1}})"), "scale");
    CHECK(patched.value()["spec"]["replicas"] == 1);
    Json negative = Json::parse(R"({"spec":{"replicas":-1}})");
    CHECK(c.client.update_scale(ref, "web", negative).error().message() ==
          "Scale.autoscaling \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater "
          "than or equal to 0");

    Json rs = Json::parse(
        R"({"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"r","namespace":"default"},
      "spec":{"replicas":2,"selector":{"matchLabels":{"app":"r"}},
      "template":{"metadata":{"labels":{"app":"r"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})");
    REQUIRE(c.client.create(rs).ok());
    CHECK(c.client.get_scale(refs::kReplicaSets.in("default"), "r").value()["status"]["selector"] ==
          "app=r");

    REQUIRE(c.client.create(seldon_deployment("iris")).ok());
    const auto sref = refs::kSeldonDeployments.in("default");
    const Json ss = c.client.get_scale(sref, "iris").value();
    CHECK(ss["spec"]["replicas"] == 1);
    CHECK(ss["status"] == Json::parse(R"({"replicas":0})"));  // no labelSelectorPath
    const auto sp = c.client.patch(sref, "iris", PatchType::Merge,
                                   Json::parse(R"({"spec":{"replicas":4}})"), "scale");
    REQUIRE(sp.ok());
    const Json sdep = c.client.get(sref, "iris").value();
    CHECK(sdep["spec"]["replicas"] == 4);
    CHECK(sdep["metadata"]["generation"] == 2);
}

TEST_CASE("generateName uses the real alphabet and is deterministic by seed") {
    const auto names = [](std::uint64_t seed) {
        Cluster c(seed);
        std::vector<std::string> out;
        for (int i = 0; i < 5; ++i) {
            Json p = pod("");
            p["metadata"]["generateName"] = "web-6f7c9d4b5-";
            out.push_back(c.client.create(p).value()["metadata"]["name"].get<std::string>());
        }
        return out;
    };
    const auto a = names(7);
    CHECK(a == names(7));
    CHECK(a != names(8));
    const std::regex shape("web-6f7c9d4b5-[bcdfghjklmnpqrstvwxz2456789]{5}");
    for (const auto& n : a)
        CHECK(std::regex_match(n, shape));
    Cluster c;
    Json long_prefix = config_map("");
    long_prefix["metadata"]["generateName"] = std::string(70, 'a');
    CHECK(c.client.create(long_prefix).value()["metadata"]["name"].get<std::string>().size() == 63);
}

TEST_CASE("graceful pod deletion sets deletionTimestamp, the kubelet's grace-0 delete removes it") {
    Cluster c;
    REQUIRE(c.client.create(pod("p", "node-1")).ok());
    c.loop.run_until(10 * kSecond);
    const auto ref = refs::kPods.in("default");
    const Json marked = c.client.remove(ref, "p").value();
    CHECK(marked["metadata"]["deletionTimestamp"] == "2025-01-01T00:00:40Z");
    CHECK(marked["metadata"]["deletionGracePeriodSeconds"] == 30);
    CHECK(c.client.get(ref, "p").ok());
    const Json shorter = c.client.remove(ref, "p", {.grace_period_seconds = 5}).value();
    CHECK(shorter["metadata"]["deletionTimestamp"] == "2025-01-01T00:00:15Z");
    const Json longer = c.client.remove(ref, "p", {.grace_period_seconds = 60}).value();
    CHECK(longer["metadata"]["deletionTimestamp"] == "2025-01-01T00:00:15Z");
    const Json gone =
        c.client
            .remove(ref, "p", {.grace_period_seconds = 0, .precondition_uid = meta::uid(marked)})
            .value();
    CHECK(gone["kind"] == "Pod");  // pods return the deleted object
    CHECK(c.client.get(ref, "p").is_not_found());
    // An unscheduled pod goes at once.
    REQUIRE(c.client.create(pod("q")).ok());
    REQUIRE(c.client.remove(ref, "q").ok());
    CHECK(c.client.get(ref, "q").is_not_found());
}

TEST_CASE("delete preconditions conflict with the real message") {
    Cluster c;
    REQUIRE(c.client.create(config_map("a")).ok());
    const auto r =
        c.client.remove(refs::kConfigMaps.in("default"), "a", {.precondition_uid = "nope"});
    REQUIRE(r.is_conflict());
    CHECK(
        r.error().message().rfind("Operation cannot be fulfilled on configmaps \"a\": Precondition "
                                  "failed: UID in precondition: nope, UID in object meta: ",
                                  0) == 0);
}

TEST_CASE("finalizers block deletion until removed, the emptying update deletes") {
    Cluster c;
    Json cm = config_map("a");
    cm["metadata"]["finalizers"] = {"example.com/hold"};
    REQUIRE(c.client.create(cm).ok());
    const auto ref = refs::kConfigMaps.in("default");
    const Json marked = c.client.remove(ref, "a").value();
    CHECK(marked["metadata"]["deletionTimestamp"] == "2025-01-01T00:00:00Z");
    CHECK(marked["metadata"]["deletionGracePeriodSeconds"] == 0);
    Json more = marked;
    more["metadata"]["finalizers"].push_back("example.com/other");
    CHECK(c.client.update(more).error().message() ==
          "ConfigMap \"a\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be "
          "added if the object "
          "is being deleted, found new finalizers []string{\"example.com/other\"}");
    Json released = marked;
    released["metadata"]["finalizers"] = Json::array();
    REQUIRE(c.client.update(released).ok());
    CHECK(c.client.get(ref, "a").is_not_found());

    // Deleting a Deployment without finalizers returns a Success Status.
    const Json d = c.client.create(deployment("web")).value();
    const Json status = c.client.remove(refs::kDeployments.in("default"), "web").value();
    CHECK(status == Json{{"kind", "Status"},
                         {"apiVersion", "v1"},
                         {"metadata", Json::object()},
                         {"status", "Success"},
                         {"details",
                          {{"name", "web"},
                           {"group", "apps"},
                           {"kind", "deployments"},
                           {"uid", meta::uid(d)}}}});
}

TEST_CASE("propagation policies add the GC finalizers, generation bumps on marking") {
    Cluster c;
    const auto ref = refs::kDeployments.in("default");
    REQUIRE(c.client.create(deployment("a")).ok());
    const Json orphaned = c.client.remove(ref, "a", {.propagation_policy = "Orphan"}).value();
    CHECK(orphaned["metadata"]["finalizers"] == Json::array({"orphan"}));
    CHECK(orphaned["metadata"]["generation"] == 2);
    CHECK(meta::is_being_deleted(orphaned));
    REQUIRE(c.client.create(deployment("b")).ok());
    const Json fg = c.client.remove(ref, "b", {.propagation_policy = "Foreground"}).value();
    CHECK(fg["metadata"]["finalizers"] == Json::array({"foregroundDeletion"}));
    // A later delete switches the policy's finalizer.
    const Json switched = c.client.remove(ref, "b", {.propagation_policy = "Orphan"}).value();
    CHECK(switched["metadata"]["finalizers"] == Json::array({"orphan"}));
    REQUIRE(c.client.create(deployment("c")).ok());
    CHECK(c.client.remove(ref, "c", {.propagation_policy = "Background"}).value()["kind"] ==
          "Status");
    CHECK(c.client.remove(ref, "a", {.propagation_policy = "Sideways"}).code() == 422);
}

TEST_CASE("pods/binding assigns the node once") {
    Cluster c;
    REQUIRE(c.client.create(pod("p")).ok());
    const auto bound = c.client.bind("default", "p", "node-1");
    REQUIRE(bound.ok());
    CHECK(bound.value()["code"] == 201);
    const Json p = c.client.get(refs::kPods.in("default"), "p").value();
    CHECK(p["spec"]["nodeName"] == "node-1");
    CHECK(p["status"]["conditions"][0]["type"] == "PodScheduled");
    const auto again = c.client.bind("default", "p", "node-2");
    CHECK(again.error().message() ==
          "Operation cannot be fulfilled on pods/binding \"p\": pod p is already assigned to node "
          "\"node-1\"");
}

TEST_CASE("list is in namespace/name order with paging by limit and continue") {
    Cluster c;
    Json other =
        Json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "alpha"}}}};
    REQUIRE(c.client.create(other).ok());
    for (const char* n : {"e", "b", "d", "a", "c"})
        REQUIRE(c.client.create(config_map(n)).ok());
    Json in_alpha = config_map("z");
    in_alpha["metadata"]["namespace"] = "alpha";
    REQUIRE(c.client.create(in_alpha).ok());
    std::vector<std::string> seen;
    ListOptions options{.limit = 2};
    int pages = 0;
    std::string first_rv;
    while (true) {
        const Json page = c.client.list(refs::kConfigMaps, options).value();
        ++pages;
        if (first_rv.empty()) first_rv = page["metadata"]["resourceVersion"];
        CHECK(page["metadata"]["resourceVersion"] == first_rv);
        CHECK(page["kind"] == "ConfigMapList");
        for (const auto& i : page["items"])
            seen.push_back(meta::key_of(i));
        if (!page["metadata"].contains("continue")) break;
        if (pages == 1) CHECK(page["metadata"]["remainingItemCount"] == 4);
        options.continue_token = page["metadata"]["continue"];
    }
    CHECK(pages == 3);
    CHECK(seen == std::vector<std::string>{"alpha/z", "default/a", "default/b", "default/c",
                                           "default/d", "default/e"});
    CHECK(c.client.list(refs::kConfigMaps, {.continue_token = "!!"}).code() == 400);
}

TEST_CASE("deleting a namespace removes its content") {
    Cluster c;
    REQUIRE(c.client
                .create(Json{
                    {"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "tmp"}}}})
                .ok());
    Json cm = config_map("a");
    cm["metadata"]["namespace"] = "tmp";
    REQUIRE(c.client.create(cm).ok());
    REQUIRE(c.client.remove(refs::kNamespaces, "tmp").ok());
    CHECK(c.client.get(refs::kConfigMaps.in("tmp"), "a").is_not_found());
    CHECK(c.client.get(refs::kNamespaces, "tmp").is_not_found());
}

TEST_CASE("admission hooks mutate and reject") {
    Cluster c;
    c.server.admission().add_mutating(
        {"configmaps", {Operation::Create}, false, [](AdmissionRequest& r) {
             (*r.object)["metadata"]["labels"]["mutated"] = "yes";
         }});
    c.server.admission().add_validating(
        {"configmaps", {}, false, [](AdmissionRequest& r) {
             if (r.name == "forbidden")
                 throw invalid_object(
                     {"", "ConfigMap"}, r.name,
                     {invalid("metadata.name", quote_value(r.name), "not allowed here")});
         }});
    CHECK(c.client.create(config_map("ok")).value()["metadata"]["labels"]["mutated"] == "yes");
    CHECK(c.client.create(config_map("forbidden")).error().message() ==
          "ConfigMap \"forbidden\" is invalid: metadata.name: Invalid value: \"forbidden\": not "
          "allowed here");
    CHECK(c.client.get(refs::kConfigMaps.in("default"), "forbidden").is_not_found());
}

TEST_CASE("uids are deterministic by seed and distinct") {
    const auto uids = [](std::uint64_t seed) {
        Cluster c(seed);
        std::vector<std::string> out;
        for (const char* n : {"a", "b", "c"})
            out.push_back(meta::uid(c.client.create(config_map(n)).value()));
        return out;
    };
    const auto a = uids(3);
    CHECK(a == uids(3));
    CHECK(a != uids(4));
    CHECK(a[0] != a[1]);
}

TEST_CASE("a Deployment's selector is immutable") {
    Cluster c;
    Json d = c.client.create(deployment("web")).value();
    d["spec"]["selector"]["matchLabels"]["app"] = "other";
    d["spec"]["template"]["metadata"]["labels"]["app"] = "other";
    CHECK(c.client.update(d).error().message() ==
          "Deployment.apps \"web\" is invalid: spec.selector: Invalid value: "
          "v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"other\"}, "
          "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable");
}

TEST_CASE("pod QoS class on create") {
    Cluster c;
    Json p = pod("g");
    p["spec"]["containers"][0]["resources"] = {{"limits", {{"cpu", "500m"}, {"memory", "128Mi"}}}};
    const Json created = c.client.create(p).value();
    CHECK(created["status"]["qosClass"] == "Guaranteed");  // requests default to limits
    CHECK(created["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "500m");
    Json b = pod("b");
    b["spec"]["containers"][0]["resources"] = {{"requests", {{"cpu", "100m"}}}};
    CHECK(c.client.create(b).value()["status"]["qosClass"] == "Burstable");
}

TEST_CASE(
    "a pod with a finalizer: graceful mark, grace-0 delete, then the finalizer's removal deletes") {
    Cluster c;
    Json p = pod("p", "node-1");
    p["metadata"]["finalizers"] = {"example.com/hold"};
    REQUIRE(c.client.create(p).ok());
    const auto ref = refs::kPods.in("default");
    REQUIRE(c.client.remove(ref, "p").value()["metadata"]["deletionGracePeriodSeconds"] == 30);
    const Json now = c.client.remove(ref, "p", {.grace_period_seconds = 0}).value();
    CHECK(now["metadata"]["deletionGracePeriodSeconds"] == 0);
    CHECK(now["metadata"]["deletionTimestamp"] == "2025-01-01T00:00:00Z");
    Json released = now;
    released["metadata"].erase("finalizers");
    REQUIRE(c.client.update(released).ok());
    CHECK(c.client.get(ref, "p").is_not_found());
}

TEST_CASE("nodes keep their status on create, pod status writes keep spec and ownerReferences") {
    Cluster c;
    const Json node =
        c.client
            .create(Json::parse(
                R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","namespace":"x"},
        "status":{"capacity":{"cpu":"4"},"conditions":[{"type":"Ready","status":"True"}]}})"))
            .value();
    CHECK(node["status"]["capacity"]["cpu"] == "4");
    CHECK_FALSE(node["metadata"].contains("namespace"));  // cluster-scoped
    CHECK(c.client.get(refs::kNodes, "n1").ok());

    Json p = pod("p", "n1");
    p["metadata"]["ownerReferences"] = Json::array({Json{{"apiVersion", "apps/v1"},
                                                         {"kind", "ReplicaSet"},
                                                         {"name", "rs"},
                                                         {"uid", "u-1"},
                                                         {"controller", true}}});
    Json created = c.client.create(p).value();
    created["status"]["phase"] = "Running";
    created["spec"]["containers"][0]["image"] = "changed";
    created["metadata"].erase("ownerReferences");
    const Json after = c.client.update_status(created).value();
    CHECK(after["status"]["phase"] == "Running");
    CHECK(after["spec"]["containers"][0]["image"] == "nginx");
    CHECK(after["metadata"]["ownerReferences"][0]["uid"] == "u-1");
}

TEST_CASE("invalid labels are 422 on metadata.labels") {
    Cluster c;
    Json cm = config_map("a");
    cm["metadata"]["labels"] = {{"app", "-bad"}};
    const auto r = c.client.create(cm);
    REQUIRE(r.code() == 422);
    CHECK(r.error().status()["details"]["causes"][0]["field"] == "metadata.labels");
}

TEST_CASE("deletecollection deletes the matches only") {
    Cluster c;
    for (const char* n : {"a", "b", "c"}) {
        Json cm = config_map(n);
        cm["metadata"]["labels"] = {{"batch", std::string(n) == "c" ? "2" : "1"}};
        REQUIRE(c.client.create(cm).ok());
    }
    const auto r =
        c.client.remove_collection(refs::kConfigMaps.in("default"), {.label_selector = "batch=1"});
    REQUIRE(r.ok());
    CHECK(r.value()["items"].size() == 2);
    CHECK(c.client.list(refs::kConfigMaps.in("default")).value()["items"].size() == 1);
}

TEST_CASE("a binding to a deleting pod conflicts, a delete of a missing object is 404") {
    Cluster c;
    Json p = pod("p");
    p["metadata"]["finalizers"] = {"x/y"};
    REQUIRE(c.client.create(p).ok());
    REQUIRE(c.client.remove(refs::kPods.in("default"), "p").ok());
    CHECK(c.client.bind("default", "p", "n").error().message() ==
          "Operation cannot be fulfilled on pods/binding \"p\": pod p is being deleted, cannot be "
          "assigned to a host");
    CHECK(c.client.remove(refs::kPods.in("default"), "nope").is_not_found());
}

TEST_CASE("pod spec updates may change only images and a few fields") {
    Cluster c;
    Json p = c.client.create(pod("p")).value();
    Json image = p;
    image["spec"]["containers"][0]["image"] = "nginx:1.28";
    p = c.client.update(image).value();
    CHECK(p["spec"]["containers"][0]["image"] == "nginx:1.28");
    Json policy = p;
    policy["spec"]["restartPolicy"] = "Never";
    const auto r = c.client.update(policy);
    REQUIRE(r.code() == 422);
    CHECK(r.error().message().rfind(
              "Pod \"p\" is invalid: spec: Forbidden: pod updates may not change fields other "
              "than `spec.containers[*].image`",
              0) == 0);
    Json toleration = p;
    toleration["spec"]["tolerations"].push_back(Json{{"key", "k"}, {"operator", "Exists"}});
    CHECK(c.client.update(toleration).ok());
}

TEST_CASE("clients count the writes refused as invalid, each its own and the server all") {
    Cluster c;
    Client controller(c.server, "some-controller");
    Json bad = deployment("web");
    bad["spec"]["replicas"] = -1;  // 422 Invalid
    CHECK(controller.create(bad).code() == 422);
    CHECK(controller.create(deployment("web")).ok());
    CHECK(controller.create(deployment("web")).code() == 409);  // a conflict is not invalid
    Json nameless = pod("");
    CHECK_FALSE(c.client.create(nameless).ok());
    CHECK(controller.invalid_writes() == 1);
    CHECK(c.client.invalid_writes() == 1);
    CHECK(c.server.invalid_client_writes() == 2);
}
