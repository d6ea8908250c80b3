// The request path's hot-path helpers: usage meters (one container's CPU and one pod's requests
// reported without naming them on every call) and the memoised feedback bodies.
#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include <map>

#include "fixtures.hpp"
#include "sim/cluster/feedback_body.hpp"
#include "sim/cluster/metrics_server.hpp"
#include "sim/cluster/service_draws.hpp"
#include "sim/kernel/det_math.hpp"

using cluster_test::json;
using cluster_test::World;
using sim::cluster::CachedUsageMeter;
using sim::cluster::FeedbackBodies;
using sim::cluster::MetricsServer;
using sim::kernel::kMillisecond;
using sim::kernel::kSecond;
using sim::kernel::Nanos;

namespace {

// A Running pod whose container has run since the start, so the metrics-server reports it.
void running_pod(World& w, const std::string& name) {
    json p = w.create_pod(cluster_test::pod(name));
    const std::string now = w.client.now_rfc3339();
    p["status"]["phase"] = "Running";
    p["status"]["containerStatuses"] = json::array(
        {{{"name", "main"}, {"ready", true}, {"state", {{"running", {{"startedAt", now}}}}}}});
    (void)w.client.update_status(p).value();
}

std::int64_t nanocores(const json& pod_metrics) {
    const std::string cpu = pod_metrics["containers"][0]["usage"]["cpu"];
    return std::stoll(cpu.substr(0, cpu.size() - 1));
}

}  // namespace

TEST_CASE("metrics-server: a meter reports what the name-based call reports, window by window") {
    rc::prop("random reports over a minute", [] {
        // (time in ms, CPU in ms) reports, in time order.
        auto reports = *rc::gen::container<std::vector<std::pair<int, int>>>(
            rc::gen::pair(rc::gen::inRange(0, 60'000), rc::gen::inRange(0, 50)));
        std::sort(reports.begin(), reports.end());
        World by_name, by_meter;
        running_pod(by_name, "a");
        running_pod(by_meter, "a");
        MetricsServer named(by_name.server), metered(by_meter.server);
        CachedUsageMeter meter;
        std::map<std::int64_t, std::int64_t> per_window;  // the reference: CPU ns per 15 s
        for (const auto& [at_ms, cpu_ms] : reports) {
            const Nanos at = at_ms * kMillisecond, cpu = cpu_ms * kMillisecond;
            by_name.at(at, [&, cpu] { named.add_cpu("default", "a", "main", cpu); });
            by_meter.at(at, [&, cpu] { meter.add_cpu(metered, 0, "default", "a", "main", cpu); });
            per_window[at / (15 * kSecond)] += cpu;
        }
        for (Nanos t = 0; t <= 75 * kSecond; t += 5 * kSecond) {
            by_name.loop.run_until(t);
            by_meter.loop.run_until(t);
            const auto a = named.objects("default"), b = metered.objects("default");
            RC_ASSERT(a == b);
            if (a.empty()) continue;
            const std::int64_t window = t / (15 * kSecond) - 1;
            const std::int64_t expected = per_window[window] * 1000 / 15'000 + 2'000'000;
            RC_ASSERT(nanocores(a.front()) == expected);
        }
    });
}

// A meter resolved by a first report of nothing holds no window yet; reading it must not
// subtract from its "none yet" marker (the lowest int64): UBSan flagged that signed overflow
// in `scripts/test --sanitize`, through the property above with a leading zero report.
TEST_CASE("metrics-server: a meter that has reported nothing yet reads as no usage") {
    World w;
    running_pod(w, "a");
    MetricsServer metrics(w.server);
    CachedUsageMeter meter;
    w.at(kSecond, [&] { meter.add_cpu(metrics, 0, "default", "a", "main", 0); });
    w.loop.run_until(20 * kSecond);
    const auto pods = metrics.objects("default");
    REQUIRE(pods.size() == 1);
    // The property's formula with no CPU in the window: the 2,000,000 nanocore floor alone.
    CHECK(nanocores(pods.front()) == 2'000'000);
}

TEST_CASE("usage meters: a sink without meters is reported to by name; another sink re-resolves") {
    struct Recording final : sim::cluster::PodUsageSink {
        std::vector<std::string> calls;
        void add_cpu(std::string_view, std::string_view pod, std::string_view container,
                     Nanos cpu) override {
            calls.push_back(std::string(pod) + "/" + std::string(container) + " " +
                            std::to_string(cpu));
        }
        void add_requests(std::string_view, std::string_view pod, std::uint64_t n) override {
            calls.push_back(std::string(pod) + " " + std::to_string(n));
        }
    };
    Recording first, second;
    CachedUsageMeter cpu, requests;
    cpu.add_cpu(first, 0, "ns", "p", "c", 5);
    requests.add_requests(first, 0, "ns", "p", 1);
    cpu.add_cpu(second, 1, "ns", "p", "c", 7);
    CHECK(first.calls == std::vector<std::string>{"p/c 5", "p 1"});
    CHECK(second.calls == std::vector<std::string>{"p/c 7"});
}

TEST_CASE("feedback bodies equal the JSON object the request path used to build") {
    FeedbackBodies bodies;
    const std::vector<std::string> requests = {
        R"({"data":{"ndarray":["a <great> film & more"]}})", R"({"strData":"x \"y\" \u00e9"})",
        R"({"data": {"ndarray": [["nested", 1]]}, "meta": {"tags": {"b": 1, "a": 2}}})"};
    const std::vector<std::string> responses = {
        R"({"data":{"names":["t:0"],"ndarray":["positive"]},"meta":{}})",
        R"({"data":{"ndarray":[["negative","0.25"]]},"meta":{"routing":{"r":1}}})",
        R"({"strData":"\u003cb\u003e"})",
        R"({"data":{"ndarray":[]},"strData":"ignored"})",
        R"({"data":{"ndarray":[1.5e3, 2]}})",
        R"([1, 2])",
        R"("text")"};
    for (const std::string& request : requests) {
        for (const std::string& response : responses) {
            for (const double reward : {0.0, 1.0}) {
                const auto& read = bodies.response(response);
                REQUIRE(read);
                const json expected = {{"request", json::parse(request)},
                                       {"response", json::parse(response)},
                                       {"reward", reward}};
                CHECK(FeedbackBodies::body(bodies.request(request), read->canonical, reward) ==
                      expected.dump());
            }
        }
    }
    CHECK(bodies.response(responses[0])->predicted == "positive");
    CHECK(bodies.response(responses[1])->predicted == "negative");
    CHECK(bodies.response(responses[2])->predicted == "<b>");
    CHECK(bodies.response(responses[3])->predicted == "ignored");  // an empty ndarray
    CHECK(bodies.response(responses[5])->predicted.empty());
    CHECK_FALSE(bodies.response("upstream request timeout"));
    CHECK_FALSE(bodies.response("{\"data\":"));
}

TEST_CASE("service draws: a block ahead, the same multipliers as one draw at a time") {
    rc::prop("any sigmas, changing at any draw", [] {
        const auto seed = *rc::gen::arbitrary<std::uint64_t>();
        const auto sigmas =
            *rc::gen::container<std::vector<double>>(rc::gen::element(0.0, 0.25, 0.5596, 1.3));
        sim::kernel::Random one_by_one(seed), ahead(seed);
        sim::cluster::ServiceDraws draws(ahead);
        for (const double sigma : sigmas) {
            const double expected = sim::kernel::det_exp(sigma * one_by_one.normal(0.0, 1.0));
            RC_ASSERT(draws.next_multiplier(sigma) == expected);
        }
    });
}
