// The HPA replica calculator against numbers derived by hand from replica_calculator.go.
// Every case: target 50% of a 1000m cpu request unless said otherwise.
#include <catch2/catch.hpp>

#include "controller/hpa_replicas.hpp"
#include "sim/kernel/time.hpp"

namespace {

using sim::controller::hpa::CalculatorConfig;
using sim::controller::hpa::PodMetric;
using sim::controller::hpa::PodMetrics;
using sim::kernel::kMinute;
using sim::kernel::kSecond;
using Json = sim::Json;

const std::int64_t kNow = 1'735'689'600LL * kSecond + 3600 * kSecond;  // an hour after origin

std::string at(std::int64_t unix_nanos) {
    return sim::kernel::format_rfc3339(unix_nanos);
}

struct PodSpec {
    std::string name;
    std::string phase = "Running";
    std::string ready = "True";
    std::int64_t started = kNow - 10 * kMinute;
    std::int64_t ready_since = kNow - 9 * kMinute;
    std::string cpu_request = "1000m";
    bool deleting = false;
};

Json pod(const PodSpec& p) {
    Json out = {{"metadata", {{"name", p.name}, {"namespace", "default"}}},
                {"spec",
                 {{"containers",
                   Json::array({{{"name", "main"},
                                 {"resources", {{"requests", {{"cpu", p.cpu_request}}}}}}})}}},
                {"status",
                 {{"phase", p.phase},
                  {"startTime", at(p.started)},
                  {"conditions", Json::array({{{"type", "Ready"},
                                               {"status", p.ready},
                                               {"lastTransitionTime", at(p.ready_since)}}})}}}};
    if (p.cpu_request.empty()) out["spec"]["containers"][0]["resources"] = Json::object();
    if (p.deleting) out["metadata"]["deletionTimestamp"] = at(kNow);
    return out;
}

std::vector<Json> ready_pods(int n) {
    std::vector<Json> out;
    for (int i = 0; i < n; ++i)
        out.push_back(pod({.name = "p" + std::to_string(i)}));
    return out;
}

PodMetric sample(std::int64_t milli) {
    return {milli, kNow, 15 * kSecond};
}

PodMetrics metrics_of(std::initializer_list<std::pair<std::string, std::int64_t>> values) {
    PodMetrics m;
    for (const auto& [name, milli] : values)
        m[name] = sample(milli);
    return m;
}

std::int32_t cpu_replicas(std::int32_t current, const PodMetrics& m, const std::vector<Json>& pods,
                          std::int32_t target = 50) {
    const auto p = sim::controller::hpa::resource_utilization_replicas(current, target, "cpu", m,
                                                                       pods, kNow, {});
    REQUIRE(p.error.empty());
    return p.replicas;
}

}  // namespace

TEST_CASE("hpa calculator: utilization to replicas, all pods ready") {
    struct Row {
        std::int32_t current;
        std::int64_t usage_milli;  // per pod
        std::int32_t expected;
        const char* why;
    };
    const std::vector<Row> rows = {
        {3, 800, 5, "80%/50% = 1.6; ceil(1.6 x 3) = 5"},
        {3, 540, 3, "54%/50% = 1.08 is within the 0.1 tolerance"},
        {3, 460, 3, "46%/50% = 0.92 is within the tolerance"},
        {3, 560, 4, "56%/50% = 1.12; ceil(3.36) = 4"},
        {3, 555, 4, "int(55.5) = 55%; 1.1 in float64 is just outside the tolerance; ceil(3.3) = 4"},
        {4, 200, 2, "20%/50% = 0.4; ceil(1.6) = 2"},
        {4, 0, 0, "0% proposes 0 (min replicas clamps later)"},
        {2, 2500, 10, "250%/50% = 5; ceil(5 x 2) = 10 (the scale-up limit comes later)"},
    };
    for (const Row& r : rows) {
        INFO(r.why);
        PodMetrics m;
        const auto pods = ready_pods(r.current);
        for (const Json& p : pods)
            m[p["metadata"]["name"]] = sample(r.usage_milli);
        CHECK(cpu_replicas(r.current, m, pods) == r.expected);
    }
}

TEST_CASE("hpa calculator: status values truncate the utilization and average the usage") {
    const auto p = sim::controller::hpa::resource_utilization_replicas(
        3, 50, "cpu", metrics_of({{"p0", 555}, {"p1", 555}, {"p2", 556}}), ready_pods(3), kNow, {});
    CHECK(p.utilization_percent == 55);  // 1666 x 100 / 3000 = 55.53
    CHECK(p.usage_milli == 555);         // 1666 / 3
}

TEST_CASE("hpa calculator: unready pods hold back a scale-up") {
    // 2 ready at 800m (80%), 1 Pending: ratio 1.6 would give ceil(1.6 x 2) = 4, but the
    // pending pod counts as 0: 1600/3000 = 53% -> 1.06, within tolerance -> stay at 3.
    std::vector<Json> pods = ready_pods(2);
    pods.push_back(pod({.name = "pending", .phase = "Pending", .ready = "False"}));
    CHECK(cpu_replicas(3, metrics_of({{"p0", 800}, {"p1", 800}}), pods) == 3);

    // 2 ready at 1000m (100%), 1 Pending: 2000/3000 = 66% -> 1.32; ceil(1.32 x 3) = 4.
    CHECK(cpu_replicas(3, metrics_of({{"p0", 1000}, {"p1", 1000}}), pods) == 4);

    // Scaling down, unready pods are simply left out: 10% -> 0.2; ceil(0.2 x 2) = 1.
    CHECK(cpu_replicas(3, metrics_of({{"p0", 100}, {"p1", 100}}), pods) == 1);
}

TEST_CASE("hpa calculator: missing metrics, scale-up and scale-down rules") {
    std::vector<Json> pods = ready_pods(3);
    pods.push_back(pod({.name = "new"}));  // running, no sample yet
    // Down: 3 at 100m (10%) -> 0.2; the missing pod counts as 100% of its request:
    // (300 + 1000) / 4000 = 32% -> 0.64; ceil(0.64 x 4) = 3 (not 1).
    CHECK(cpu_replicas(4, metrics_of({{"p0", 100}, {"p1", 100}, {"p2", 100}}), pods) == 3);
    // Down with target 120%: the missing pod counts as max(100, 120) = 120%:
    // (300 + 1200) / 4000 = 37% -> 37/120 = 0.308; ceil(1.23) = 2.
    CHECK(cpu_replicas(4, metrics_of({{"p0", 100}, {"p1", 100}, {"p2", 100}}), pods, 120) == 2);
    // Up: 3 at 1000m (100%) -> 2.0; the missing pod counts as 0: 3000/4000 = 75% -> 1.5;
    // ceil(1.5 x 4) = 6.
    CHECK(cpu_replicas(4, metrics_of({{"p0", 1000}, {"p1", 1000}, {"p2", 1000}}), pods) == 6);
    // Flip: 3 at 400m (40%) -> 0.8 says down; with the missing pod at 100%:
    // 2200/4000 = 55% -> 1.1 says up: the direction flipped, stay at 4.
    CHECK(cpu_replicas(4, metrics_of({{"p0", 400}, {"p1", 400}, {"p2", 400}}), pods) == 4);
}

TEST_CASE("hpa calculator: the cpu initialization period and the initial readiness delay") {
    const CalculatorConfig config;
    // Started 1 min ago, Ready since 10 s ago: a 15 s sample taken now does not cover a whole
    // window after the transition -> unready.
    const Json fresh =
        pod({.name = "fresh", .started = kNow - kMinute, .ready_since = kNow - 10 * kSecond});
    // Started 1 min ago, Ready since 20 s ago: the sample covers 15 s after it -> ready.
    const Json settled =
        pod({.name = "settled", .started = kNow - kMinute, .ready_since = kNow - 20 * kSecond});
    // Past the initialization period, Ready False, last transition 10 s after start (within
    // the 30 s initial readiness delay): never became ready -> unready.
    const Json never =
        pod({.name = "never", .ready = "False", .ready_since = kNow - 10 * kMinute + 10 * kSecond});
    // Past the period, Ready False since 60 s after start: it was ready once -> its sample counts.
    const Json lapsed =
        pod({.name = "lapsed", .ready = "False", .ready_since = kNow - 9 * kMinute});
    const PodMetrics m = metrics_of({{"fresh", 1}, {"settled", 1}, {"never", 1}, {"lapsed", 1}});
    const auto g =
        sim::controller::hpa::group_pods({fresh, settled, never, lapsed}, m, true, kNow, config);
    CHECK(g.ready == 2);
    CHECK(g.unready == std::set<std::string>{"fresh", "never"});
    // The readiness rules are cpu-only: for memory all four are ready.
    CHECK(sim::controller::hpa::group_pods({fresh, settled, never, lapsed}, m, false, kNow, config)
              .ready == 4);
}

TEST_CASE("hpa calculator: ignored pods and errors") {
    std::vector<Json> pods = ready_pods(2);
    pods.push_back(pod({.name = "failed", .phase = "Failed"}));
    pods.push_back(pod({.name = "going", .deleting = true}));
    const auto g = sim::controller::hpa::group_pods(
        pods, metrics_of({{"p0", 1}, {"p1", 1}, {"failed", 1}, {"going", 1}}), true, kNow, {});
    CHECK(g.ignored == std::set<std::string>{"failed", "going"});
    CHECK(g.ready == 2);

    using sim::controller::hpa::resource_utilization_replicas;
    CHECK(resource_utilization_replicas(2, 50, "cpu", {}, {}, kNow, {}).error ==
          "no pods returned by selector while calculating replica count");
    CHECK(resource_utilization_replicas(1, 50, "cpu", {},
                                        {pod({.name = "x", .phase = "Pending", .ready = "False"})},
                                        kNow, {})
              .error == "did not receive metrics for targeted pods (pods might be unready)");
    CHECK(resource_utilization_replicas(1, 50, "cpu", metrics_of({{"x", 5}}),
                                        {pod({.name = "x", .cpu_request = ""})}, kNow, {})
              .error == "missing request for cpu in container main of Pod x");
}

TEST_CASE("hpa calculator: Pods and AverageValue metrics (calcPlainMetricReplicas)") {
    using sim::controller::hpa::plain_metric_replicas;
    // 3 pods at 15 rps, target 10: 1.5 -> ceil(4.5) = 5.
    CHECK(plain_metric_replicas(3, 10'000, "",
                                metrics_of({{"p0", 15'000}, {"p1", 15'000}, {"p2", 15'000}}),
                                ready_pods(3), kNow, {})
              .replicas == 5);
    // Missing pod while scaling down counts at the target: (5 + 5 + 10) / 3 = 6.666 rps
    // (integer milli 6666) -> 0.6666; ceil(2.0) = 2.
    const auto p = plain_metric_replicas(3, 10'000, "", metrics_of({{"p0", 5'000}, {"p1", 5'000}}),
                                         ready_pods(3), kNow, {});
    CHECK(p.replicas == 2);
    CHECK(p.usage_milli == 5'000);  // the status reports the average before the fill-in
    // Within tolerance: 10.5 rps for a target of 10 -> stay.
    CHECK(plain_metric_replicas(2, 10'000, "", metrics_of({{"p0", 10'500}, {"p1", 10'500}}),
                                ready_pods(2), kNow, {})
              .replicas == 2);
    // A Pending pod is unready for every metric: 2 at 20 rps, 1 pending, target 10:
    // 2.0 with unready -> (20 + 20 + 0) / 3 = 13.333 -> 1.333; ceil(4.0) = 4.
    std::vector<Json> pods = ready_pods(2);
    pods.push_back(pod({.name = "pending", .phase = "Pending", .ready = "False"}));
    CHECK(plain_metric_replicas(3, 10'000, "", metrics_of({{"p0", 20'000}, {"p1", 20'000}}), pods,
                                kNow, {})
              .replicas == 4);
}

TEST_CASE("hpa calculator: Object metrics") {
    using sim::controller::hpa::object_average_replicas;
    using sim::controller::hpa::object_value_replicas;
    std::vector<Json> pods = ready_pods(2);
    pods.push_back(pod({.name = "pending", .phase = "Pending", .ready = "False"}));
    // Value 30 for a target of 10: ratio 3 x 2 ready pods = 6.
    CHECK(object_value_replicas(3, 30'000, 10'000, pods, {}).replicas == 6);
    // Target spec.replicas 0: ceil(ratio).
    CHECK(object_value_replicas(0, 30'000, 10'000, pods, {}).replicas == 3);
    // Within tolerance: stay.
    CHECK(object_value_replicas(3, 10'500, 10'000, pods, {}).replicas == 3);
    // AverageValue 10 per pod, total 30 over 2 status replicas: 30/20 = 1.5 -> ceil(30/10) = 3;
    // the status reports ceil(30/2) = 15.
    const auto a = object_average_replicas(2, 30'000, 10'000, {});
    CHECK(a.replicas == 3);
    CHECK(a.usage_milli == 15'000);
    CHECK(object_average_replicas(3, 31'000, 10'000, {}).replicas == 3);  // 31/30 within 0.1
}
