#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include "controller/seldon/defaults.hpp"
#include "controller/seldon/names.hpp"
#include "controller/seldon/objects.hpp"
#include "controller/seldon/reconciler.hpp"
#include "controller/seldon/routing.hpp"
#include "seldon_test_support.hpp"
#include "sim/kube/object_meta.hpp"
#include "sim/scenario/manifest.hpp"

namespace fs = std::filesystem;
namespace kube = sim::kube;
namespace seldon = sim::controller::seldon;
using json = sim::Json;
using sim::test::mark_deployments_available;
using sim::test::SeldonCluster;

namespace {

const fs::path kGolden = fs::path(SIM_SOURCE_DIR) / "tests/controller/golden";

std::vector<json> load(const fs::path& path) {
    const auto l = sim::scenario::load_manifest(path);
    REQUIRE(l.ok());
    std::vector<json> out;
    for (const auto& o : l.objects)
        out.push_back(o.object);
    return out;
}

struct Fixture : SeldonCluster {
    kube::Client operator_client{api, "seldon-controller-manager"};
    seldon::SeldonReconciler reconciler{operator_client};

    json apply(json sdep) {
        std::string ns = sdep["metadata"].value("namespace", "default");
        sdep["metadata"]["namespace"] = ns;
        ensure_namespace(ns);
        return client.create(sdep).value();
    }
    json get(const kube::ResourceRef& ref, const std::string& ns, const std::string& name) {
        const auto r = client.get(ref.in(ns), name);
        return r.ok() ? r.value() : json();
    }
    bool exists(const kube::ResourceRef& ref, const std::string& ns, const std::string& name) {
        return client.get(ref.in(ns), name).ok();
    }
    // Reconcile, let the Deployments become available, reconcile until nothing changes.
    seldon::ReconcileResult settle(const std::string& ns, const std::string& name) {
        auto r = reconciler.reconcile(ns, name);
        for (int i = 0; i < 4; ++i) {
            collect_garbage();
            mark_deployments_available(client, ns);
            r = reconciler.reconcile(ns, name);
        }
        collect_garbage();
        return r;
    }
    std::vector<std::string> event_reasons(const std::string& ns) {
        std::vector<std::string> out;
        const json events = client.list(kube::refs::kEvents.in(ns)).value();
        for (const json& e : events["items"])
            out.push_back(e["reason"]);
        return out;
    }
};

std::string base64_decode(const std::string& in) {
    static const std::string kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (const char c : in) {
        if (c == '=') break;
        buffer = (buffer << 6) | static_cast<unsigned>(kAlphabet.find(c));
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

json& env_named(json& container, const std::string& name) {
    for (json& e : container["env"])
        if (e["name"] == name) return e;
    FAIL("no env " << name);
    throw std::logic_error("unreachable");
}

// The golden comparison: every field of `want` equals `have`'s, and (exact=true) nothing more.
void check_equal(const json& have, const json& want) {
    const json diff = json::diff(want, have);
    INFO("diff (fixture -> generated): " << diff.dump(2));
    CHECK(diff.empty());
}

json strip_server_fields(json o) {
    for (const char* k : {"uid", "resourceVersion", "creationTimestamp", "generation"})
        o["metadata"].erase(k);
    o.erase("status");
    return o;
}

// Drops from `have` what `want` does not set (server defaults), recursively.
json restrict_to(const json& have, const json& want) {
    if (want.is_object() && have.is_object()) {
        json out = json::object();
        for (const auto& [k, v] : want.items())
            if (have.contains(k)) out[k] = restrict_to(have[k], v);
        return out;
    }
    if (want.is_array() && have.is_array() && want.size() == have.size()) {
        json out = json::array();
        for (std::size_t i = 0; i < want.size(); ++i)
            out.push_back(restrict_to(have[i], want[i]));
        return out;
    }
    return have;
}

// Every graph node is served by a container the executor reaches: on localhost inside the
// executor's own pod, or through a Service selecting a pod that runs a container of its name.
void check_graph_reachable(Fixture& f, const std::string& ns, const std::string& name,
                           const json& deployments) {
    json sdep = f.get(kube::refs::kSeldonDeployments, ns, name);
    seldon::default_seldon_deployment(sdep);
    const auto pod_runs = [](const json& d, const std::string& container) {
        for (const json& c : d["spec"]["template"]["spec"]["containers"])
            if (c["name"] == container) return true;
        return false;
    };
    for (const json& p : sdep["spec"]["predictors"]) {
        std::vector<const json*> stack{&p["graph"]};
        while (!stack.empty()) {
            const json& node = *stack.back();
            stack.pop_back();
            if (node.contains("children"))
                for (const json& child : node["children"])
                    stack.push_back(&child);
            const std::string unit = node["name"];
            // RANDOM_ABTEST, AVERAGE_COMBINER, ... run inside the executor: no container.
            const std::string impl = node.value("implementation", "");
            if (impl != "UNKNOWN_IMPLEMENTATION" && !seldon::is_prepack(node)) continue;
            REQUIRE(node.contains("endpoint"));
            const std::string host = node["endpoint"].value("service_host", "");
            INFO("predictor " << p["name"] << " node " << unit << " host " << host);
            bool reachable = false;
            if (host == "localhost") {
                for (const json& d : deployments)
                    reachable =
                        reachable ||
                        (pod_runs(d, unit) &&
                         (pod_runs(d, "seldon-container-engine") ||
                          p.value("annotations", json::object()).value("seldon.io/no-engine", "") ==
                              "true"));
            } else {
                const json svc = f.get(kube::refs::kServices, ns, host.substr(0, host.find('.')));
                REQUIRE_FALSE(svc.is_null());
                for (const json& d : deployments) {
                    bool selected = true;
                    for (const auto& [k, v] : svc["spec"]["selector"].items())
                        selected = selected &&
                                   d["spec"]["template"]["metadata"]["labels"].value(k, "") == v;
                    reachable = reachable || (selected && pod_runs(d, unit));
                }
            }
            CHECK(reachable);
        }
    }
}

}  // namespace

TEST_CASE("names: seldon id, deployment and service names, the 63-character MD5 rule") {
    CHECK(seldon::md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(seldon::deployment_name("sentiment-classifier", "default", 0, "classifier") ==
          "sentiment-classifier-default-0-classifier");
    const std::string long_name(70, 'a');
    CHECK(seldon::seldon_id(long_name) == "seldon-" + seldon::md5_hex(long_name));
    CHECK(seldon::container_service_name("s", "p", "c") == "s-p-c");
    CHECK(seldon::predictor_service_name("s", "p", "custom") == "custom");
    CHECK(seldon::base64_encode("ab") == "YWI=");
    CHECK(seldon::base64_encode("abc") == "YWJj");
    CHECK(seldon::base64_encode("a") == "YQ==");
}

TEST_CASE("golden: the reference project's SeldonDeployment, field by field") {
    Fixture f;
    const json input = load(kGolden / "learn-seldon-core-v1.input.yaml").at(0);
    const std::vector<json> golden = load(kGolden / "learn-seldon-core-v1.yaml");
    REQUIRE(golden.size() == 3);
    const json stored = f.apply(input);
    const std::string uid = stored["metadata"]["uid"];

    // First pass: Deployment and container Service; the entry Service waits for readiness.
    const auto first = f.reconciler.reconcile("seldon", "sentiment-classifier");
    CHECK(first.state == "Creating");
    for (const auto& d : first.decisions)
        CHECK(d.action != "error");
    for (const auto& d : first.decisions)
        UNSCOPED_INFO(d.action << " " << d.object << ": " << d.reason);
    CHECK(
        f.exists(kube::refs::kDeployments, "seldon", "sentiment-classifier-default-0-classifier"));
    CHECK(f.exists(kube::refs::kServices, "seldon", "sentiment-classifier-default-classifier"));
    CHECK_FALSE(f.exists(kube::refs::kServices, "seldon", "sentiment-classifier-default"));
    const std::vector<std::string> reasons = f.event_reasons("seldon");
    CHECK(std::count(reasons.begin(), reasons.end(), "CreateDeployment") == 1);
    CHECK(std::count(reasons.begin(), reasons.end(), "CreateService") == 1);
    CHECK(std::count(reasons.begin(), reasons.end(), "Updated") == 1);

    const auto last = f.settle("seldon", "sentiment-classifier");
    CHECK(last.state == "Available");

    for (json want : golden) {
        const std::string kind = want["kind"];
        const std::string name = want["metadata"]["name"];
        INFO(kind << " " << name);
        want["metadata"]["ownerReferences"][0]["uid"] = uid;
        const auto& ref = kind == "Deployment" ? kube::refs::kDeployments : kube::refs::kServices;
        json have = strip_server_fields(f.get(ref, "seldon", name));
        REQUIRE_FALSE(have.is_null());
        have["apiVersion"] = want["apiVersion"];
        have["kind"] = kind;
        if (kind == "Deployment") {
            json& engine = have["spec"]["template"]["spec"]["containers"][1];
            REQUIRE(engine["name"] == "seldon-container-engine");
            json& env = env_named(engine, "ENGINE_PREDICTOR");
            const json predictor = json::parse(base64_decode(env["value"]));
            CHECK(predictor["name"] == "default");
            CHECK(predictor["replicas"] == 0);
            CHECK_FALSE(predictor.contains("traffic"));
            CHECK(predictor["labels"] == json{{"version", "default"}});
            CHECK(predictor["graph"]["endpoint"] == json{{"service_host", "localhost"},
                                                         {"service_port", 9000},
                                                         {"httpPort", 9000},
                                                         {"grpcPort", 9500},
                                                         {"type", "REST"}});
            CHECK(predictor["graph"]["type"] == "MODEL");
            CHECK(predictor["graph"]["implementation"] == "UNKNOWN_IMPLEMENTATION");
            env["value"] = "CHECKED-SEPARATELY";
        }
        // Stored = fixture + only the API server's own defaults (clusterIP, revisionHistoryLimit,
        // ...).
        check_equal(restrict_to(have, want), want);
    }

    // What the operator sends, exactly (no server defaults in between).
    json defaulted = f.get(kube::refs::kSeldonDeployments, "seldon", "sentiment-classifier");
    seldon::default_seldon_deployment(defaulted);
    seldon::DesiredObjects desired = seldon::build_desired_objects(defaulted);
    REQUIRE(desired.deployments.size() == 1);
    REQUIRE(desired.container_services.size() == 1);
    REQUIRE(desired.predictor_services.size() == 1);
    env_named(desired.deployments[0]["spec"]["template"]["spec"]["containers"][1],
              "ENGINE_PREDICTOR")["value"] = "CHECKED-SEPARATELY";
    json want_dep = golden[0];
    json want_csvc = golden[1];
    json want_psvc = golden[2];
    for (json* w : {&want_dep, &want_csvc, &want_psvc})
        (*w)["metadata"]["ownerReferences"][0]["uid"] = uid;
    check_equal(desired.deployments[0], want_dep);
    check_equal(desired.container_services[0], want_csvc);
    check_equal(desired.predictor_services[0], want_psvc);

    // Status when ready (seldon-v1.md §1.6).
    const json status =
        f.get(kube::refs::kSeldonDeployments, "seldon", "sentiment-classifier")["status"];
    CHECK(status["state"] == "Available");
    CHECK(status["replicas"] == 1);
    CHECK(status["address"]["url"] ==
          "http://sentiment-classifier-default.seldon.svc.cluster.local:8000/api/v1.0/predictions");
    CHECK(status["deploymentStatus"]["sentiment-classifier-default-0-classifier"] ==
          json{{"replicas", 1}, {"availableReplicas", 1}});
    CHECK(status["serviceStatus"]["sentiment-classifier-default"]["httpEndpoint"] ==
          "sentiment-classifier-default.seldon:8000");
    CHECK(status["serviceStatus"]["sentiment-classifier-default-classifier"]["httpEndpoint"] ==
          "sentiment-classifier-default-classifier.seldon:9000");
    CHECK(status["observedGeneration"] == 1);
    std::set<std::string> true_conditions;
    for (const json& c : status["conditions"])
        if (c["status"] == "True") true_conditions.insert(c["type"]);
    CHECK(true_conditions.count("Ready") == 1);
    CHECK(true_conditions.count("DeploymentsReady") == 1);
    CHECK(true_conditions.count("ServicesReady") == 1);
}

TEST_CASE("reconcile is idempotent once Available: no writes, no decisions") {
    Fixture f;
    f.apply(sim::test::minimal_sdep("m"));
    CHECK(f.settle("default", "m").state == "Available");
    const auto rv = f.api.revision();
    const auto again = f.reconciler.reconcile("default", "m");
    CHECK(again.state == "Available");
    CHECK(again.decisions.empty());
    CHECK(f.api.revision() == rv);
}

TEST_CASE("a missing SeldonDeployment is a no-op with a reason") {
    Fixture f;
    const auto r = f.reconciler.reconcile("default", "ghost");
    CHECK_FALSE(r.requeue);
    REQUIRE(r.decisions.size() == 1);
    CHECK(r.decisions[0].action == "skip");
}

TEST_CASE("replicas precedence: componentSpec > predictor > spec, an HPA owns them otherwise") {
    Fixture f;
    json sdep = sim::test::minimal_sdep("r");
    sdep["spec"]["replicas"] = 4;
    f.apply(sdep);
    f.reconciler.reconcile("default", "r");
    CHECK(f.get(kube::refs::kDeployments, "default",
                "r-default-0-classifier")["spec"]["replicas"] == 4);

    json s2 = sim::test::minimal_sdep("r2");
    s2["spec"]["replicas"] = 4;
    s2["spec"]["predictors"][0]["replicas"] = 3;
    s2["spec"]["predictors"][0]["componentSpecs"][0]["replicas"] = 2;
    f.apply(s2);
    f.reconciler.reconcile("default", "r2");
    CHECK(f.get(kube::refs::kDeployments, "default",
                "r2-default-0-classifier")["spec"]["replicas"] == 2);

    json s3 = sim::test::minimal_sdep("h");
    s3["spec"]["predictors"][0]["componentSpecs"][0]["replicas"] = 2;
    s3["spec"]["predictors"][0]["componentSpecs"][0]["hpaSpec"] = json::parse(R"({
        "minReplicas": 1, "maxReplicas": 3,
        "metrics": [{"type": "Resource", "resource": {"name": "cpu", "targetAverageUtilization": 70}}]})");
    s3["spec"]["predictors"][0]["componentSpecs"][0]["pdbSpec"] = {{"minAvailable", 1}};
    f.apply(s3);
    f.reconciler.reconcile("default", "h");
    const json hpa = f.get(kube::refs::kHpas, "default", "h-default-0-classifier");
    REQUIRE_FALSE(hpa.is_null());
    CHECK(hpa["spec"]["scaleTargetRef"] == json{{"apiVersion", "apps/v1"},
                                                {"kind", "Deployment"},
                                                {"name", "h-default-0-classifier"}});
    CHECK(hpa["spec"]["maxReplicas"] == 3);
    CHECK(hpa["spec"]["metrics"][0]["resource"] ==
          json{{"name", "cpu"}, {"target", {{"type", "Utilization"}, {"averageUtilization", 70}}}});
    const json pdb = f.get(kube::refs::kPodDisruptionBudgets, "default", "h-default-0-classifier");
    REQUIRE_FALSE(pdb.is_null());
    CHECK(pdb["spec"]["minAvailable"] == 1);
    CHECK(pdb["spec"]["selector"]["matchLabels"] == json{{"seldon-deployment-id", "h"}});
    // The HPA owns the replicas: the operator leaves them alone even after someone scales.
    const auto settled = f.settle("default", "h");
    CHECK(settled.state == "Available");
    json dep = f.get(kube::refs::kDeployments, "default", "h-default-0-classifier");
    dep["spec"]["replicas"] = 3;
    f.client.update(dep).value();
    mark_deployments_available(f.client, "default");
    f.reconciler.reconcile("default", "h");
    CHECK(f.get(kube::refs::kDeployments, "default",
                "h-default-0-classifier")["spec"]["replicas"] == 3);
}

TEST_CASE("canary promoted: the removed predictor's objects are deleted once the rest is ready") {
    Fixture f;
    json sdep = sim::test::minimal_sdep("c");
    json canary = sdep["spec"]["predictors"][0];
    canary["name"] = "canary";
    canary["componentSpecs"][0]["spec"]["containers"][0]["image"] = "img:2";
    sdep["spec"]["predictors"][0]["traffic"] = 75;
    canary["traffic"] = 25;
    sdep["spec"]["predictors"].push_back(canary);
    f.apply(sdep);
    CHECK(f.settle("default", "c").state == "Available");
    CHECK(f.exists(kube::refs::kDeployments, "default", "c-canary-0-classifier"));
    CHECK(f.exists(kube::refs::kServices, "default", "c-canary"));
    CHECK(f.exists(kube::refs::kServices, "default", "c-canary-classifier"));

    json current = f.get(kube::refs::kSeldonDeployments, "default", "c");
    current["spec"]["predictors"].erase(1);
    current["spec"]["predictors"][0].erase("traffic");
    f.client.update(current).value();
    const auto r = f.reconciler.reconcile("default", "c");
    CHECK(r.state == "Available");
    // Deleted in the foreground: the Deployment waits for the garbage collector.
    CHECK(f.get(kube::refs::kDeployments, "default",
                "c-canary-0-classifier")["metadata"]["finalizers"] ==
          json::array({"foregroundDeletion"}));
    f.collect_garbage();
    CHECK_FALSE(f.exists(kube::refs::kDeployments, "default", "c-canary-0-classifier"));
    CHECK_FALSE(f.exists(kube::refs::kServices, "default", "c-canary"));
    CHECK_FALSE(f.exists(kube::refs::kServices, "default", "c-canary-classifier"));
    CHECK(f.exists(kube::refs::kDeployments, "default", "c-default-0-classifier"));
    const auto deleted =
        std::count_if(r.decisions.begin(), r.decisions.end(),
                      [](const seldon::Decision& d) { return d.action == "delete"; });
    CHECK(deleted == 3);
    const json status = f.get(kube::refs::kSeldonDeployments, "default", "c")["status"];
    CHECK(status["observedGeneration"] == 2);
    CHECK_FALSE(status["deploymentStatus"].contains("c-canary-0-classifier"));
}

TEST_CASE("an image change updates the Deployment and waits for it again") {
    Fixture f;
    f.apply(sim::test::minimal_sdep("u"));
    CHECK(f.settle("default", "u").state == "Available");
    json current = f.get(kube::refs::kSeldonDeployments, "default", "u");
    current["spec"]["predictors"][0]["componentSpecs"][0]["spec"]["containers"][0]["image"] =
        "img:2";
    f.client.update(current).value();
    const auto r = f.reconciler.reconcile("default", "u");
    CHECK(r.state == "Creating");
    CHECK(f.get(kube::refs::kDeployments, "default",
                "u-default-0-classifier")["spec"]["template"]["spec"]["containers"][0]["image"] ==
          "img:2");
    const auto reasons = f.event_reasons("default");
    CHECK(std::count(reasons.begin(), reasons.end(), "UpdateDeployment") == 1);
}

TEST_CASE("separate engine pod: the executor gets its own -svc-orch Deployment") {
    Fixture f;
    json sdep = sim::test::minimal_sdep("s");
    sdep["spec"]["annotations"] = {{"seldon.io/engine-separate-pod", "true"}};
    f.apply(sdep);
    f.reconciler.reconcile("default", "s");
    const json orch = f.get(kube::refs::kDeployments, "default", "s-default-svc-orch");
    REQUIRE_FALSE(orch.is_null());
    CHECK(orch["spec"]["template"]["spec"]["containers"][0]["name"] == "seldon-container-engine");
    CHECK(orch["spec"]["selector"]["matchLabels"]["seldon-app"] == "s-default");
    const json model = f.get(kube::refs::kDeployments, "default", "s-default-0-classifier");
    CHECK(model["spec"]["template"]["spec"]["containers"].size() == 1);
    json defaulted = f.get(kube::refs::kSeldonDeployments, "default", "s");
    seldon::default_seldon_deployment(defaulted);
    CHECK(defaulted["spec"]["predictors"][0]["graph"]["endpoint"]["service_host"] ==
          "s-default-classifier.default.svc.cluster.local");
}

TEST_CASE("operator errors: state Failed with the message and a Warning InternalError") {
    Fixture f;
    seldon::OperatorConfig broken;
    broken.executor_image.clear();
    seldon::SeldonReconciler reconciler(f.operator_client, broken);
    f.apply(sim::test::minimal_sdep("x"));
    const auto r = reconciler.reconcile("default", "x");
    CHECK(r.requeue);
    CHECK(r.state == "Failed");
    const json status = f.get(kube::refs::kSeldonDeployments, "default", "x")["status"];
    CHECK(status["state"] == "Failed");
    CHECK(status["description"].get<std::string>().find("EXECUTOR_CONTAINER_IMAGE_AND_VERSION") !=
          std::string::npos);
    const auto reasons = f.event_reasons("default");
    CHECK(std::count(reasons.begin(), reasons.end(), "InternalError") == 1);
}

TEST_CASE("a Deployment that stopped progressing makes the SeldonDeployment Failed") {
    Fixture f;
    f.apply(sim::test::minimal_sdep("p"));
    f.reconciler.reconcile("default", "p");
    json d = f.get(kube::refs::kDeployments, "default", "p-default-0-classifier");
    d["status"] = {
        {"replicas", 1},
        {"unavailableReplicas", 1},
        {"conditions",
         {{{"type", "Available"}, {"status", "False"}, {"reason", "MinimumReplicasUnavailable"}},
          {{"type", "Progressing"}, {"status", "False"}, {"reason", "ProgressDeadlineExceeded"}}}}};
    f.client.update_status(d).value();
    const auto r = f.reconciler.reconcile("default", "p");
    CHECK(r.state == "Failed");
    CHECK(f.get(kube::refs::kSeldonDeployments, "default", "p")["status"]["description"] ==
          "Deployment is no longer progressing and not available.");
}

TEST_CASE("corpus: every admitted SeldonDeployment reconciles to Available with sane objects") {
    const fs::path corpus = fs::path(SIM_CORPUS_DIR);
    if (!fs::is_directory(corpus)) {
        WARN("skipped: corpus folder " << corpus.string() << " is absent");
        return;
    }
    int available = 0;
    std::vector<fs::path> files;
    for (const char* folder : {"learn-seldon-core-v1", "seldon-core"})
        for (const auto& e : fs::directory_iterator(corpus / folder))
            if (e.path().extension() != ".md") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
        const auto l = sim::scenario::load_manifest(path);
        if (!l.ok()) continue;
        Fixture f;
        std::string ns, name;
        bool admitted = false;
        for (const auto& o : l.objects) {
            if (o.kind != "SeldonDeployment") continue;
            json sdep = o.object;
            ns = o.namespace_.empty() ? "default" : o.namespace_;
            sdep["metadata"]["namespace"] = ns;
            name = o.name;
            f.ensure_namespace(ns);
            admitted = f.client.create(sdep).ok();
        }
        if (!admitted) continue;
        INFO(path.filename().string());
        if (path.filename() == "notebooks__resources__model_controller_id.yaml") {
            // Labelled seldon.io/controller-id: only an operator started with that CONTROLLER_ID
            // reconciles it; the cluster-wide one skips it.
            const auto r = f.reconciler.reconcile(ns, name);
            CHECK(r.state.empty());
            REQUIRE(r.decisions.size() == 1);
            CHECK(r.decisions[0].action == "skip");
            continue;
        }
        const auto r = f.settle(ns, name);
        CHECK(r.state == "Available");
        const auto deployments = f.client.list(kube::refs::kDeployments.in(ns)).value()["items"];
        CHECK_FALSE(deployments.empty());
        for (const json& d : deployments) {
            CHECK(d["metadata"]["name"].get<std::string>().size() <= 63);
            for (const auto& [k, v] : d["spec"]["selector"]["matchLabels"].items())
                CHECK(d["spec"]["template"]["metadata"]["labels"][k] == v);
        }
        const json services = f.client.list(kube::refs::kServices.in(ns)).value()["items"];
        for (const json& s : services) {
            CHECK(s["metadata"]["name"].get<std::string>().size() <= 63);
            bool selects = false;
            for (const json& d : deployments) {
                bool all = true;
                for (const auto& [k, v] : s["spec"]["selector"].items())
                    all = all && d["spec"]["template"]["metadata"]["labels"].value(k, "") == v;
                selects = selects || all;
            }
            CHECK(selects);
        }
        check_graph_reachable(f, ns, name, deployments);
        ++available;
    }
    CHECK(available == 94);  // 95 admitted, one for another controller-id
}

TEST_CASE("routing table: traffic weights, the lone predictor's 100 %, a mirrored shadow") {
    json sdep = sim::test::minimal_sdep("r");
    auto routes = seldon::routing_table(sdep);
    REQUIRE(routes.size() == 1);
    CHECK(routes[0].service == "r-default");
    CHECK(routes[0].weight_percent == 100);
    CHECK_FALSE(routes[0].shadow);

    json canary = sdep["spec"]["predictors"][0];
    canary["name"] = "canary";
    canary["traffic"] = 25;
    sdep["spec"]["predictors"][0]["traffic"] = 75;
    sdep["spec"]["predictors"].push_back(canary);
    json shadow = canary;
    shadow["name"] = "shadow";
    shadow["shadow"] = true;
    shadow.erase("traffic");
    shadow["annotations"] = {{"seldon.io/svc-name", "mirror-svc"}};
    sdep["spec"]["predictors"].push_back(shadow);
    routes = seldon::routing_table(sdep);
    REQUIRE(routes.size() == 3);
    CHECK(routes[0].weight_percent == 75);
    CHECK(routes[1].weight_percent == 25);
    CHECK(routes[1].service == "r-canary");
    CHECK(routes[2].shadow);
    CHECK(routes[2].weight_percent == 0);
    CHECK(routes[2].mirror_percent == 100);
    CHECK(routes[2].service == "mirror-svc");
}

TEST_CASE("removing hpaSpec deletes the HPA and gives the replicas back to the spec") {
    Fixture f;
    json sdep = sim::test::minimal_sdep("a");
    sdep["spec"]["predictors"][0]["replicas"] = 2;
    sdep["spec"]["predictors"][0]["componentSpecs"][0]["hpaSpec"] = {{"maxReplicas", 4}};
    f.apply(sdep);
    CHECK(f.settle("default", "a").state == "Available");
    CHECK(f.exists(kube::refs::kHpas, "default", "a-default-0-classifier"));
    json current = f.get(kube::refs::kSeldonDeployments, "default", "a");
    current["spec"]["predictors"][0]["componentSpecs"][0].erase("hpaSpec");
    f.client.update(current).value();
    // createHpas deletes it in the first pass, before the Deployment is ready again: left
    // alive it would keep scaling the Deployment against the replicas now in the spec.
    const auto first = f.reconciler.reconcile("default", "a");
    CHECK(first.state == "Creating");
    CHECK(
        std::any_of(first.decisions.begin(), first.decisions.end(), [](const seldon::Decision& d) {
            return d.action == "delete" &&
                   d.object == "HorizontalPodAutoscaler/default/a-default-0-classifier";
        }));
    f.collect_garbage();
    CHECK_FALSE(f.exists(kube::refs::kHpas, "default", "a-default-0-classifier"));
    CHECK(f.settle("default", "a").state == "Available");
    CHECK(f.get(kube::refs::kDeployments, "default",
                "a-default-0-classifier")["spec"]["replicas"] == 2);
}

TEST_CASE("kedaSpec: accepted, reported in the decisions, replicas left alone") {
    Fixture f;
    json sdep = sim::test::minimal_sdep("k");
    sdep["spec"]["predictors"][0]["replicas"] = 2;
    sdep["spec"]["predictors"][0]["componentSpecs"][0]["kedaSpec"] = {
        {"triggers", json::array({{{"type", "prometheus"}, {"metadata", {{"threshold", "1"}}}}})}};
    f.apply(sdep);
    const auto r = f.reconciler.reconcile("default", "k");
    const bool reported =
        std::any_of(r.decisions.begin(), r.decisions.end(), [](const seldon::Decision& d) {
            return d.reason.find("kedaSpec accepted") != std::string::npos;
        });
    CHECK(reported);
    const json d = f.get(kube::refs::kDeployments, "default", "k-default-0-classifier");
    CHECK(d["spec"]["replicas"] == 1);  // the API server's default, not the predictor's 2
    CHECK_FALSE(f.exists(kube::refs::kHpas, "default", "k-default-0-classifier"));
}
