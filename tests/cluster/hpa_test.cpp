// The metrics-server and the HPA controller end to end: a Deployment, its ReplicaSet and pods
// (made Running and Ready by a kubelet stand-in), CPU load fed to the metrics-server as the
// request path would, and the HPA scaling the Deployment through /scale.
#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include "controller/deployment.hpp"
#include "controller/hpa.hpp"
#include "controller/manager.hpp"
#include "controller/pod_util.hpp"
#include "controller/replicaset.hpp"
#include "sim/cluster/metrics_server.hpp"
#include "sim/kube/object_meta.hpp"
#include "sim/kube/quantity.hpp"

namespace {

using json = sim::Json;
using sim::kernel::kMillisecond;
using sim::kernel::kMinute;
using sim::kernel::kSecond;
using sim::kernel::Nanos;
namespace refs = sim::kube::refs;
namespace meta = sim::kube::meta;

struct Cluster {
    explicit Cluster(std::uint64_t seed = 7)
        : streams(seed),
          server(loop, streams, options(seed)),
          client(server, "test"),
          manager(client),
          metrics(server) {
        manager.add(std::make_unique<sim::controller::ReplicaSetController>());
        manager.add(std::make_unique<sim::controller::DeploymentController>());
        auto hpa = std::make_unique<sim::controller::HorizontalPodAutoscalerController>(&metrics);
        hpa->on_sync([this](const sim::controller::HpaSync& s) {
            syncs.push_back({loop.now(), s});
        });
        manager.add(std::move(hpa));
        manager.start();
        settle(kSecond);
    }
    static sim::kube::ServerOptions options(std::uint64_t seed) {
        sim::kube::ServerOptions o;
        o.seed = seed;
        return o;
    }

    void settle(Nanos span) {
        bool reached = false;
        loop.schedule_after(span, [&reached] { reached = true; });
        while (!reached && loop.step()) {
        }
    }

    std::vector<json> pods() {
        std::vector<json> out;
        const json list = client.list(refs::kPods.in("default")).value();
        for (const json& p : list["items"])
            if (sim::controller::is_pod_active(p)) out.push_back(p);
        return out;
    }

    // The kubelet stand-in: every pending pod starts now, its container running and Ready.
    void start_pods() {
        for (json p : pods()) {
            if (sim::controller::pod_phase(p) == "Running") continue;
            const std::string now = client.now_rfc3339();
            p["status"]["phase"] = "Running";
            p["status"]["startTime"] = now;
            p["status"]["containerStatuses"] =
                json::array({{{"name", "main"},
                              {"ready", true},
                              {"state", {{"running", {{"startedAt", now}}}}}}});
            p["status"]["conditions"] =
                json::array({{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", now}}});
            client.update_status(p).value();
        }
    }

    // Runs `span` second by second: pods start, and `total_millicores` of load is spread
    // evenly over the running pods (what the request path reports as CPU time), plus
    // `rps_per_pod` requests per second each.
    void run(Nanos span, std::int64_t total_millicores, std::uint64_t rps_per_pod = 0,
             Nanos step = kSecond) {
        const std::int64_t seconds = step / kSecond;
        for (Nanos t = 0; t < span; t += step) {
            start_pods();
            std::vector<json> running;
            for (const json& p : pods())
                if (sim::controller::pod_phase(p) == "Running") running.push_back(p);
            for (const json& p : running) {
                const auto n = static_cast<std::int64_t>(running.size());
                // m millicores for one second = m milliseconds of CPU time.
                metrics.add_cpu("default", meta::name(p), "main",
                                seconds * total_millicores * kMillisecond / n);
                metrics.add_requests("default", meta::name(p), seconds * rps_per_pod);
            }
            settle(step);
        }
    }

    std::int64_t replicas() {
        return client.get(refs::kDeployments.in("default"), "web").value()["spec"]["replicas"];
    }
    json hpa() { return client.get(refs::kHpas.in("default"), "web").value(); }
    std::vector<json> events(const std::string& reason) {
        std::vector<json> out;
        const json list = client.list(refs::kEvents.in("default")).value();
        for (const json& e : list["items"])
            if (e.value("reason", "") == reason) out.push_back(e);
        return out;
    }

    sim::kernel::EventLoop loop;
    sim::kernel::RandomStreams streams;
    sim::kube::ApiServer server;
    sim::kube::Client client;
    sim::controller::Manager manager;
    sim::cluster::MetricsServer metrics;
    std::vector<std::pair<Nanos, sim::controller::HpaSync>> syncs;
};

json deployment(int replicas, const std::string& cpu_request = "200m") {
    json d = json::parse(R"({"apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": {"name": "web", "namespace": "default"},
      "spec": {"selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}},
          "spec": {"containers": [{"name": "main", "image": "nginx:1.27",
            "resources": {"requests": {"cpu": ""}}}]}}}})");
    d["spec"]["replicas"] = replicas;
    d["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"] = cpu_request;
    return d;
}

json cpu_hpa(int min, int max, int utilization) {
    json h = json::parse(R"({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
      "metadata": {"name": "web", "namespace": "default"},
      "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "metrics": [{"type": "Resource", "resource": {"name": "cpu",
          "target": {"type": "Utilization", "averageUtilization": 0}}}]}})");
    h["spec"]["minReplicas"] = min;
    h["spec"]["maxReplicas"] = max;
    h["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] = utilization;
    return h;
}

std::optional<json> condition(const json& hpa, const std::string& type) {
    for (const json& c : hpa["status"].value("conditions", json::array()))
        if (c["type"] == type) return c;
    return std::nullopt;
}

}  // namespace

TEST_CASE("metrics-server: PodMetrics through the API server, usage over the last 15 s window") {
    Cluster c;
    c.client.create(deployment(2)).value();
    c.run(2 * kSecond, 0);
    // No complete window has seen the pods yet: nothing to report.
    CHECK(c.client.list(refs::kPodMetrics.in("default")).value()["items"].empty());
    c.run(30 * kSecond, 300);  // 150m per pod
    const json list = c.client.list(refs::kPodMetrics.in("default")).value();
    REQUIRE(list["items"].size() == 2);
    const json& m = list["items"][0];
    CHECK(m["kind"] == "PodMetrics");
    CHECK(m["apiVersion"] == "metrics.k8s.io/v1beta1");
    CHECK(m["window"] == "15s");
    CHECK(m["metadata"]["labels"]["app"] == "web");
    // 150m of load + the 2m idle baseline, in nanocores; memory the fixed 64Mi working set.
    CHECK(m["containers"][0]["usage"]["cpu"] == "152000000n");
    CHECK(m["containers"][0]["usage"]["memory"] == "65536Ki");
    // get by name, a label selector, and read-only for users.
    const std::string name = m["metadata"]["name"];
    CHECK(c.client.get(refs::kPodMetrics.in("default"), name).value()["metadata"]["name"] == name);
    sim::kube::ListOptions none;
    none.label_selector = "app=other";
    CHECK(c.client.list(refs::kPodMetrics.in("default"), none).value()["items"].empty());
    CHECK(c.client.get(refs::kPodMetrics.in("default"), "nope").code() == 404);
    CHECK(c.client.create(refs::kPodMetrics.in("default"), m).code() == 405);
}

TEST_CASE("metrics-server: many cores of load do not overflow") {
    Cluster c;
    c.client.create(deployment(1)).value();
    c.run(32 * kSecond, 64'000, 0, 5 * kSecond);  // 64 cores on one pod, fed 5 s at a time
    const json list = c.client.list(refs::kPodMetrics.in("default")).value();
    REQUIRE(list["items"].size() == 1);
    CHECK(list["items"][0]["containers"][0]["usage"]["cpu"] == "64002000000n");
}

TEST_CASE("metrics-server: requests_per_second for pods and for a Deployment") {
    Cluster c;
    c.client.create(deployment(2)).value();
    c.run(32 * kSecond, 0, 12);
    const auto answer = c.metrics.pod_metric("default", "requests_per_second",
                                             sim::kube::LabelSelector::parse("app=web"));
    REQUIRE(answer.error.empty());
    REQUIRE(answer.metrics.size() == 2);
    CHECK(answer.metrics.begin()->second.milli == 12'000);
    const auto object = c.metrics.object_metric(
        "default", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "web"}},
        "requests_per_second");
    REQUIRE(object.error.empty());
    CHECK(object.milli == 24'000);
    CHECK_FALSE(c.metrics.pod_metric("default", "latency", {}).error.empty());
}

TEST_CASE("hpa: scales a Deployment up under cpu load, with status, conditions and events") {
    Cluster c;
    c.client.create(deployment(1)).value();
    c.run(kSecond, 0);
    c.client.create(cpu_hpa(1, 10, 50)).value();
    c.run(14 * kSecond, 500);
    CHECK(c.syncs.empty());  // the first sync comes ~15 s after creation
    c.run(2 * kSecond, 500);
    REQUIRE(c.syncs.size() == 1);
    // The pod started at 1 s: the window [0 s, 15 s) did not see it whole, so no metrics yet.
    json h = c.hpa();
    CHECK(condition(h, "ScalingActive").value()["reason"] == "FailedGetResourceMetric");
    CHECK(c.events("FailedGetResourceMetric").size() == 1);
    CHECK(c.events("FailedComputeMetricsReplicas").size() == 1);
    CHECK(c.replicas() == 1);

    c.run(15 * kSecond, 500);
    // 500m on one pod + 2m idle = 502m of 200m = 251% -> 5.02 -> 6, limited to max(2, 4) = 4.
    REQUIRE(c.syncs.size() == 2);
    CHECK(c.syncs.back().second.metrics == "cpu: 251%/50%");
    CHECK(c.syncs.back().second.desired == 4);
    CHECK(c.replicas() == 4);
    h = c.hpa();
    CHECK(h["status"]["currentReplicas"] == 1);
    CHECK(h["status"]["desiredReplicas"] == 4);
    CHECK(h["status"].contains("lastScaleTime"));
    CHECK(h["status"]["currentMetrics"][0]["resource"]["current"]["averageUtilization"] == 251);
    CHECK(h["status"]["currentMetrics"][0]["resource"]["current"]["averageValue"] == "502m");
    CHECK(condition(h, "AbleToScale").value()["reason"] == "SucceededRescale");
    CHECK(condition(h, "ScalingActive").value()["reason"] == "ValidMetricFound");
    CHECK(condition(h, "ScalingActive").value()["message"] ==
          "the HPA was able to successfully calculate a replica count from cpu resource "
          "utilization (percentage of request)");
    CHECK(condition(h, "ScalingLimited").value()["status"] == "True");
    CHECK(condition(h, "ScalingLimited").value()["reason"] == "ScaleUpLimit");
    const auto rescaled = c.events("SuccessfulRescale");
    REQUIRE(rescaled.size() == 1);
    CHECK(rescaled[0]["message"] ==
          "New size: 4; reason: cpu resource utilization (percentage of request) above target");
    CHECK(rescaled[0]["source"]["component"] == "horizontal-pod-autoscaler");

    // It settles where 500m / n + 2m stays within 10% of 50% of 200m: n = 6 (43% is outside
    // the band but ceil(0.86 x 6) = 6).
    c.run(3 * kMinute, 500);
    CHECK(c.replicas() == 6);
    CHECK(c.hpa()["status"]["desiredReplicas"] == 6);
}

TEST_CASE("hpa: scales back down only after the 5-minute stabilization window") {
    Cluster c;
    c.client.create(deployment(1)).value();
    c.run(kSecond, 0);
    c.client.create(cpu_hpa(1, 10, 50)).value();
    c.run(4 * kMinute, 500);
    REQUIRE(c.replicas() == 6);
    const Nanos quiet_from = c.loop.now();
    c.run(4 * kMinute + 50 * kSecond, 0);  // idle: 2m of 200m = 1%
    CHECK(c.replicas() == 6);
    c.run(80 * kSecond, 0);
    CHECK(c.replicas() == 1);
    // The scale-down came at least 300 s after the load went.
    const auto down = std::find_if(c.syncs.begin(), c.syncs.end(), [](const auto& s) {
        return s.second.desired < s.second.current;
    });
    REQUIRE(down != c.syncs.end());
    CHECK(down->first - quiet_from >= 5 * kMinute);
    CHECK(down->second.reason == "All metrics below target");
}

TEST_CASE("hpa: autoscaling/v1 objects work through conversion, errors are reported") {
    Cluster c;
    c.client.create(deployment(2)).value();
    json v1 = json::parse(R"({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
      "metadata": {"name": "web", "namespace": "default"},
      "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "minReplicas": 1, "maxReplicas": 3, "targetCPUUtilizationPercentage": 50}})");
    c.client.create(refs::kHpasV1.in("default"), v1).value();
    json missing = cpu_hpa(1, 5, 50);
    missing["metadata"]["name"] = "ghost";
    missing["spec"]["scaleTargetRef"]["name"] = "ghost";
    c.client.create(missing).value();
    c.run(2 * kMinute, 1000);
    CHECK(c.replicas() == 3);  // capped at maxReplicas
    const json h1 = c.client.get(refs::kHpasV1.in("default"), "web").value();
    CHECK(h1["status"]["desiredReplicas"] == 3);
    CHECK(h1["status"].contains("currentCPUUtilizationPercentage"));
    const json ghost = c.client.get(refs::kHpas.in("default"), "ghost").value();
    CHECK(condition(ghost, "AbleToScale").value()["reason"] == "FailedGetScale");
    CHECK(c.events("FailedGetScale").size() >= 1);
}

TEST_CASE("hpa: Pods metric requests_per_second") {
    Cluster c;
    c.client.create(deployment(2)).value();
    c.run(kSecond, 0);
    json h = cpu_hpa(1, 10, 50);
    h["spec"]["metrics"] = json::parse(R"([{"type": "Pods", "pods": {
        "metric": {"name": "requests_per_second"},
        "target": {"type": "AverageValue", "averageValue": "10"}}}])");
    c.client.create(h).value();
    c.run(35 * kSecond, 0, 25);  // 25 rps per pod for a target of 10: 2.5 x 2 = 5
    CHECK(c.replicas() == 4);    // legacy scale-up limit max(2 x 2, 4)
    CHECK(c.events("SuccessfulRescale")[0]["message"] ==
          "New size: 4; reason: pods metric requests_per_second above target");
}

TEST_CASE("hpa: Object metric with a Value target, and behavior policies through the controller") {
    Cluster c;
    c.client.create(deployment(1)).value();
    c.run(kSecond, 0);
    json h = cpu_hpa(1, 20, 50);
    h["spec"]["metrics"] = json::parse(R"([{"type": "Object", "object": {
        "describedObject": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "metric": {"name": "requests_per_second"},
        "target": {"type": "Value", "value": "10"}}}])");
    // Scale up by at most 1 pod per 30 s.
    h["spec"]["behavior"] = json::parse(R"({"scaleUp": {"policies": [
        {"type": "Pods", "value": 1, "periodSeconds": 30}]}})");
    c.client.create(h).value();
    // 40 rps on the Deployment's pods: ratio 4, ready pods 1 -> 4, limited to 1 + 1 = 2.
    c.run(35 * kSecond, 0, 40);
    CHECK(c.replicas() == 2);
    CHECK(c.syncs.back().second.metrics == "Deployment/web requests_per_second: 40/10");
    const json hpa = c.hpa();
    CHECK(hpa["status"]["currentMetrics"][0]["object"]["current"]["value"] == "40");
    CHECK(condition(hpa, "ScalingLimited").value()["reason"] == "ScaleUpLimit");
    CHECK(c.events("SuccessfulRescale")[0]["message"] ==
          "New size: 2; reason: Deployment metric requests_per_second above target");
    // 15 s later the +1 still counts within the 30 s period: no change.
    c.run(15 * kSecond, 0, 40);
    CHECK(c.replicas() == 2);
}

TEST_CASE("hpa: a SeldonDeployment target has no scale selector") {
    Cluster c;
    json sdep =
        json::parse(R"({"apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeployment",
      "metadata": {"name": "model", "namespace": "default"},
      "spec": {"replicas": 2, "predictors": [{"name": "default", "graph": {"name": "m"}}]}})");
    c.client.create(sdep).value();
    json h = cpu_hpa(1, 5, 50);
    h["spec"]["scaleTargetRef"] = {{"apiVersion", "machinelearning.seldon.io/v1"},
                                   {"kind", "SeldonDeployment"},
                                   {"name", "model"}};
    c.client.create(h).value();
    c.run(20 * kSecond, 0);
    const json hpa = c.hpa();
    CHECK(condition(hpa, "AbleToScale").value()["reason"] == "SucceededGetScale");
    CHECK(condition(hpa, "ScalingActive").value()["reason"] == "InvalidSelector");
    CHECK(condition(hpa, "ScalingActive").value()["message"] ==
          "the HPA target's scale is missing a selector");
    CHECK(c.events("SelectorRequired").size() == 1);
}

TEST_CASE(
    "property: the HPA keeps the target within [min, max] and settles after the last change") {
    rc::prop("desired within bounds; steady within 7 minutes of the last load change", [] {
        const int min = *rc::gen::inRange(1, 4);
        const int max = *rc::gen::inRange(min, 9);
        const int initial = *rc::gen::inRange(1, 10);
        const auto loads = *rc::gen::container<std::vector<int>>(*rc::gen::inRange(1, 4),
                                                                 rc::gen::inRange(0, 2000));
        const bool with_behavior = *rc::gen::arbitrary<bool>();
        Cluster c(*rc::gen::inRange<std::uint64_t>(1, 1000));
        c.client.create(deployment(initial)).value();
        c.run(kSecond, 0);
        json h = cpu_hpa(min, max, 50);
        if (with_behavior)
            h["spec"]["behavior"] = {{"scaleDown", {{"stabilizationWindowSeconds", 60}}}};
        c.client.create(h).value();
        const Nanos step = 5 * kSecond;
        for (const int load : loads)
            c.run(90 * kSecond, load, 0, step);
        c.run(7 * kMinute, loads.back(), 0, step);
        const std::int64_t settled = c.replicas();
        const std::size_t synced = c.syncs.size();
        c.run(2 * kMinute, loads.back(), 0, step);
        RC_ASSERT(c.replicas() == settled);
        for (std::size_t i = synced; i < c.syncs.size(); ++i)
            RC_ASSERT(c.syncs[i].second.desired == settled);
        for (const auto& [t, s] : c.syncs) {
            RC_ASSERT(s.current > 0);  // the target's /scale was read
            RC_ASSERT(s.desired >= min);
            RC_ASSERT(s.desired <= max);
        }
        RC_ASSERT(settled >= min);
        RC_ASSERT(settled <= max);
    });
}
