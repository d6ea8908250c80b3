// The request path on hand-made objects: a SeldonDeployment, Endpoints and pods written
// straight to the API server, so each test controls readiness and timings exactly.
#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include <map>
#include <sstream>

#include "components/executor.hpp"
#include "components/model/csv.hpp"
#include "components/model/model.hpp"
#include "controller/seldon/objects.hpp"
#include "fixtures.hpp"
#include "sim/cluster/latency_histogram.hpp"
#include "sim/cluster/request_path.hpp"

using cluster_test::json;
using cluster_test::World;
using sim::cluster::ContainerProfile;
using sim::cluster::LatencyHistogram;
using sim::cluster::RequestPath;
using sim::cluster::TrafficSourceSpec;
using sim::kernel::kMillisecond;
using sim::kernel::kSecond;
using sim::kernel::Nanos;

namespace {

constexpr const char* kNs = "seldon";

json graph() {
    return json::parse(R"({"name": "classifier", "type": "MODEL", "children": []})");
}

json sdep(const std::vector<std::pair<std::string, int>>& predictors,
          const std::string& shadow = "") {
    json preds = json::array();
    for (const auto& [name, traffic] : predictors)
        preds.push_back({{"name", name}, {"traffic", traffic}, {"graph", graph()}});
    if (!shadow.empty()) preds.push_back({{"name", shadow}, {"shadow", true}, {"graph", graph()}});
    return {{"apiVersion", "machinelearning.seldon.io/v1"},
            {"kind", "SeldonDeployment"},
            {"metadata", {{"name", "sd"}, {"namespace", kNs}}},
            {"spec", {{"predictors", preds}}}};
}

// A predictor pod as the operator builds it: the executor with ENGINE_PREDICTOR, and the model.
json seldon_pod(const std::string& name, const std::string& node) {
    const json predictor = {{"name", "p"}, {"graph", graph()}};
    json engine = {{"name", "seldon-container-engine"},
                   {"image", "executor:1"},
                   {"env",
                    {{{"name", "ENGINE_PREDICTOR"},
                      {"value", sim::controller::seldon::base64_encode(predictor.dump())}}}}};
    json model = {{"name", "classifier"}, {"image", "model:1"}};
    return {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", name}, {"namespace", kNs}}},
            {"spec", {{"nodeName", node}, {"containers", {engine, model}}}}};
}

json running_status() {
    json statuses = json::array();
    for (const char* c : {"seldon-container-engine", "classifier"})
        statuses.push_back(
            {{"name", c}, {"ready", true}, {"state", {{"running", json::object()}}}});
    return {{"phase", "Running"}, {"containerStatuses", statuses}};
}

json endpoints(const std::string& service, const std::vector<std::string>& pods) {
    json addresses = json::array();
    for (const std::string& p : pods)
        addresses.push_back({{"ip", "10.0.0.1"}, {"targetRef", {{"kind", "Pod"}, {"name", p}}}});
    json subsets = json::array();
    if (!pods.empty()) subsets.push_back({{"addresses", addresses}});
    return {{"apiVersion", "v1"},
            {"kind", "Endpoints"},
            {"metadata", {{"name", service}, {"namespace", kNs}}},
            {"subsets", subsets}};
}

struct Harness {
    explicit Harness(std::uint64_t seed = 7) : world(seed) {
        (void)world.client
            .create(
                sim::kube::refs::kNamespaces,
                json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kNs}}}})
            .value();
    }

    void add_pod(const std::string& name, const std::string& node = "node-1") {
        json p =
            world.client.create(sim::kube::refs::kPods.in(kNs), seldon_pod(name, node)).value();
        p["status"] = running_status();
        (void)world.client.update_status(sim::kube::refs::kPods.in(kNs), p).value();
    }
    void set_endpoints(const std::string& service, const std::vector<std::string>& pods) {
        (void)world.client.create(sim::kube::refs::kEndpoints.in(kNs), endpoints(service, pods))
            .value();
    }
    void apply_sdep(const json& s) {
        (void)world.client.create(sim::kube::refs::kSeldonDeployments.in(kNs), s).value();
    }

    // Starts the path with `profile` for the model and `executor` for the executor image.
    void start(ContainerProfile model, ContainerProfile executor, Nanos end) {
        sim::cluster::RequestPathOptions options;
        options.profiles = [=](const std::string& image) {
            return image == "executor:1" ? executor : model;
        };
        options.trace = &trace;
        options.trace_requests = true;
        path = std::make_unique<RequestPath>(world.client, world.streams, options);
        path->start(end);
    }

    TrafficSourceSpec source(double rate, Nanos from, Nanos to, bool poisson = false) {
        TrafficSourceSpec s;
        s.name = "users";
        s.sdep_namespace = kNs;
        s.sdep_name = "sd";
        s.from = from;
        s.to = to;
        s.rate = {{from, to, rate, rate}};
        s.poisson = poisson;
        s.texts = {"great product", "awful", "it is fine"};
        s.labels = {"positive", "negative", "neutral"};
        return s;
    }

    // The `request` trace lines written so far.
    std::vector<json> request_lines() const {
        std::vector<json> out;
        std::istringstream in(sink.str());
        for (std::string line; std::getline(in, line);) {
            json j = json::parse(line);
            if (j["kind"] == "request") out.push_back(j);
        }
        return out;
    }

    World world;
    std::ostringstream sink;
    sim::kernel::TraceWriter trace{&sink};
    std::unique_ptr<RequestPath> path;
};

ContainerProfile fixed(Nanos service, int concurrency) {
    ContainerProfile p;
    p.component = "echo";
    p.service_median = service;
    p.service_p99 = service;
    p.concurrency = concurrency;
    return p;
}

}  // namespace

TEST_CASE("latency histogram buckets stay within 1/128 above the value") {
    for (const Nanos v : {Nanos{0}, Nanos{1}, Nanos{127}, Nanos{128}, Nanos{1000}, 3 * kMillisecond,
                          Nanos{12'345'678}, 7 * kSecond}) {
        const Nanos up = LatencyHistogram::upper_bound(LatencyHistogram::bucket_of(v));
        CHECK(up >= v);
        CHECK(static_cast<double>(up - v) <= static_cast<double>(v) / 128.0);
    }
    LatencyHistogram h;
    for (int i = 1; i <= 100; ++i)
        h.add(i * kMillisecond);
    // Nearest rank: p50 of 1..100 ms is 50 ms, p99 is 99 ms (up to the bucket's width).
    CHECK(h.percentile(50) >= 50 * kMillisecond);
    CHECK(h.percentile(50) < 50 * kMillisecond + 50 * kMillisecond / 128);
    CHECK(h.percentile(99) >= 99 * kMillisecond);
    CHECK(h.percentile(99) < 99 * kMillisecond + 99 * kMillisecond / 128);
}

TEST_CASE("a container queues requests beyond its concurrency (latency table)") {
    // Five requests 1 ms apart to a model that takes exactly 10 ms; the executor costs nothing.
    struct Row {
        int concurrency;
        std::vector<double> latency_ms;
    };
    const std::vector<Row> table{
        {1, {10, 19, 28, 37, 46}},  // each waits for the one before it
        {2, {10, 10, 18, 18, 26}},  // two at a time
        {5, {10, 10, 10, 10, 10}},  // nobody waits
    };
    for (const Row& row : table) {
        Harness h;
        h.apply_sdep(sdep({{"default", 100}}));
        h.add_pod("pod-a");
        h.set_endpoints("sd-default", {"pod-a"});
        h.start(fixed(10 * kMillisecond, row.concurrency), fixed(0, 100), 3 * kSecond);
        h.path->add_source(h.source(1000, kSecond, kSecond + 5 * kMillisecond));
        h.world.loop.run_until(3 * kSecond);
        const auto lines = h.request_lines();
        REQUIRE(lines.size() == row.latency_ms.size());
        for (std::size_t i = 0; i < lines.size(); ++i) {
            INFO("concurrency " << row.concurrency << ", request " << i);
            CHECK(lines[i]["code"] == 200);
            CHECK(lines[i]["latency_ms"].get<double>() == Approx(row.latency_ms[i]));
        }
        CHECK(h.path->counts().answered == 5);
    }
}

TEST_CASE("the gateway splits by traffic weight and mirrors to the shadow") {
    Harness h(11);
    h.apply_sdep(sdep({{"default", 90}, {"canary", 10}}, "mirror"));
    h.add_pod("pod-a");
    h.add_pod("pod-b");
    h.add_pod("pod-c");
    h.set_endpoints("sd-default", {"pod-a"});
    h.set_endpoints("sd-canary", {"pod-b"});
    h.set_endpoints("sd-mirror", {"pod-c"});
    h.start(fixed(kMillisecond / 10, 8), fixed(0, 100), 12 * kSecond);
    h.path->add_source(h.source(1000, kSecond, 11 * kSecond, true));
    h.world.loop.run_until(12 * kSecond);
    const auto& m = h.path->metrics();
    const auto all = m.totals_so_far({});
    const auto canary = m.totals_so_far({std::nullopt, std::string("canary")});
    const auto mirror = m.totals_so_far({std::nullopt, std::string("mirror")});
    REQUIRE(all.requests > 9000);
    const double n = static_cast<double>(all.requests);
    const double share = static_cast<double>(canary.requests) / n;
    // Binomial(n, 0.1): 4.5 standard deviations either side.
    const double sd = std::sqrt(0.1 * 0.9 / n);
    CHECK(share > 0.1 - 4.5 * sd);
    CHECK(share < 0.1 + 4.5 * sd);
    CHECK(mirror.requests == 0);  // shadows are not part of the live totals
    // Every live request got a mirrored copy, answered and discarded.
    CHECK(h.path->counts().sent == 2 * all.requests);
    CHECK(h.path->counts().failed == 0);
    CHECK(all.responses == all.requests);
}

TEST_CASE("no Ready endpoint: the gateway answers 503 and counts the error") {
    Harness h;
    h.apply_sdep(sdep({{"default", 100}}));
    h.add_pod("pod-a");
    h.set_endpoints("sd-default", {});
    h.start(fixed(kMillisecond, 1), fixed(0, 100), 3 * kSecond);
    h.path->add_source(h.source(100, kSecond, 2 * kSecond));
    h.world.loop.run_until(3 * kSecond);
    const auto lines = h.request_lines();
    REQUIRE(lines.size() == 100);
    for (const json& l : lines)
        CHECK(l["code"] == 503);
    const auto all = h.path->metrics().totals_so_far({});
    CHECK(all.errors == 100);
    CHECK(all.responses == 0);
    CHECK(h.path->lost_now() == 0);
}

TEST_CASE("a pod on a down node hangs until the timeout, a dead container fails at once") {
    Harness h;
    h.apply_sdep(sdep({{"default", 100}}));
    h.add_pod("pod-a");
    h.set_endpoints("sd-default", {"pod-a"});
    h.start(fixed(kMillisecond, 1), fixed(0, 100), 60 * kSecond);
    h.path->set_node_down("node-1", true);
    h.path->add_source(h.source(10, kSecond, 2 * kSecond));
    h.world.loop.run_until(60 * kSecond);
    const auto lines = h.request_lines();
    REQUIRE(lines.size() == 10);
    for (const json& l : lines) {
        CHECK(l["code"] == 504);
        CHECK(l["latency_ms"].get<double>() == Approx(30'000));  // kDefaultRequestTimeout
    }
    CHECK(h.path->counts().in_flight == 0);
}

TEST_CASE("every request ends in one response or one counted error", "[property]") {
    rc::prop("random rates, faults and a container crash", [] {
        const auto seed = *rc::gen::inRange<std::uint64_t>(1, 1'000'000);
        const double rate = *rc::gen::inRange(1, 400);
        const double error_rate = *rc::gen::inRange(0, 101) / 100.0;
        const int concurrency = *rc::gen::inRange(1, 4);
        const Nanos slow = *rc::gen::inRange(0, 50) * kMillisecond;
        const bool crash = *rc::gen::arbitrary<bool>();
        const bool node_down = *rc::gen::arbitrary<bool>();

        Harness h(seed);
        h.apply_sdep(sdep({{"default", 50}, {"canary", 50}}));
        h.add_pod("pod-a", "node-1");
        h.add_pod("pod-b", "node-2");
        h.set_endpoints("sd-default", {"pod-a"});
        h.set_endpoints("sd-canary", {"pod-b"});
        ContainerProfile model = fixed(5 * kMillisecond, concurrency);
        model.service_p99 = 40 * kMillisecond;
        model.error_rate = error_rate;
        model.add_latency = slow;
        h.start(model, fixed(kMillisecond, 2), 60 * kSecond);
        h.path->add_source(h.source(rate, kSecond, 4 * kSecond, true));
        if (crash) {
            h.world.at(2 * kSecond, [&] {
                json p = h.world.client.get(sim::kube::refs::kPods.in(kNs), "pod-b").value();
                p["status"]["containerStatuses"][1]["state"] = {{"terminated", {{"exitCode", 1}}}};
                (void)h.world.client.update_status(sim::kube::refs::kPods.in(kNs), p).value();
            });
        }
        if (node_down) h.world.at(3 * kSecond, [&] { h.path->set_node_down("node-1", true); });
        h.world.loop.run_until(60 * kSecond);
        const auto c = h.path->counts();
        RC_ASSERT(c.in_flight == 0u);
        RC_ASSERT(c.sent == c.answered + c.failed);
        RC_ASSERT(h.path->lost_now() == 0u);
        const auto all = h.path->metrics().totals_so_far({});
        RC_ASSERT(all.requests == all.responses + all.errors);
        RC_ASSERT(all.requests == c.sent);
        if (error_rate >= 1.0) RC_ASSERT(all.responses == 0u);
    });
}

TEST_CASE("the same seed gives the same trace") {
    const auto run = [](std::uint64_t seed) {
        Harness h(seed);
        h.apply_sdep(sdep({{"default", 70}, {"canary", 30}}));
        h.add_pod("pod-a");
        h.add_pod("pod-b");
        h.add_pod("pod-c");
        h.set_endpoints("sd-default", {"pod-a", "pod-c"});
        h.set_endpoints("sd-canary", {"pod-b"});
        ContainerProfile model = fixed(3 * kMillisecond, 1);
        model.service_p99 = 30 * kMillisecond;
        model.error_rate = 0.05;
        h.start(model, fixed(kMillisecond, 4), 8 * kSecond);
        h.path->add_source(h.source(300, kSecond, 6 * kSecond, true));
        h.world.loop.run_until(8 * kSecond);
        return h.trace.sha256_hex();
    };
    CHECK(run(5) == run(5));
    CHECK(run(5) != run(6));
}

namespace {

// A component whose /predict answers what the test says.
class Scripted final : public components::Component {
  public:
    std::optional<components::ComponentOutput> predict(
        const components::ComponentInput& in) override {
        return components::echo_of(in);
    }
};

class ScriptedCaller final : public components::ComponentCaller {
  public:
    explicit ScriptedCaller(components::HttpReply reply) : reply_(std::move(reply)) {}
    void call(const components::PredictiveUnit&, components::Method, std::string,
              std::function<void(components::HttpReply)> done) override {
        done(reply_);
    }

  private:
    components::HttpReply reply_;
};

}  // namespace

TEST_CASE("the one-node MODEL fast path answers as the graph executor does") {
    components::ComponentServer echo("classifier", "model:1", std::make_unique<Scripted>());
    const std::vector<components::HttpReply> replies{
        echo.handle(components::Method::kPredict, R"({"data":{"ndarray":["a <b> & c \u2028"]}})"),
        echo.handle(components::Method::kPredict, "not json"),  // the wrapper's 400
        {500, R"({"status":{"info":"<boom>"}})"},
        {components::kTransportFailure, "dial tcp: connection refused"},
    };
    for (const auto& reply : replies) {
        ScriptedCaller caller(reply);
        components::GraphExecutor executor(components::graph_from_json(graph()), caller, nullptr);
        components::HttpReply via_executor;
        executor.predict("{}", [&](components::HttpReply r) { via_executor = std::move(r); });
        INFO(reply.status << " " << reply.body);
        CHECK(sim::cluster::leaf_model_answer(reply) == via_executor);
    }
}

TEST_CASE("feedback follows every answered request to the predictor that answered") {
    Harness h;
    h.apply_sdep(sdep({{"default", 100}}));
    h.add_pod("pod-a");
    h.set_endpoints("sd-default", {"pod-a"});
    h.start(fixed(kMillisecond, 4), fixed(0, 100), 3 * kSecond);
    TrafficSourceSpec s = h.source(100, kSecond, 2 * kSecond);
    s.feedback = true;
    h.path->add_source(std::move(s));
    h.world.loop.run_until(3 * kSecond);
    const auto c = h.path->counts();
    CHECK(c.answered == 100);
    CHECK(c.feedback_sent == 100);
    CHECK(c.feedback_answered == 100);
    CHECK(c.in_flight == 0);
    // Feedback is not part of the request metrics.
    CHECK(h.path->metrics().totals_so_far({}).requests == 100);
}

TEST_CASE("the model's answers come from really running it") {
    Harness h;
    h.apply_sdep(sdep({{"default", 100}}));
    h.add_pod("pod-a");
    h.set_endpoints("sd-default", {"pod-a"});
    sim::cluster::RequestPathOptions options;
    ContainerProfile model = fixed(kMillisecond, 4);
    model.component = "sentiment-model";
    model.model = std::string(SIM_PROJECT_DIR) + "/fixtures/models/sentiment-v1.json";
    const ContainerProfile executor = fixed(0, 100);
    options.profiles = [=](const std::string& image) {
        return image == "executor:1" ? executor : model;
    };
    options.load_model = [](const std::string& path) {
        return std::make_shared<const components::model::SentimentModel>(
            components::model::load_model_file(path));
    };
    h.path = std::make_unique<RequestPath>(h.world.client, h.world.streams, options);
    h.path->start(5 * kSecond);
    TrafficSourceSpec s = h.source(200, kSecond, 3 * kSecond);
    const auto rows = components::model::read_labelled_csv_file(std::string(SIM_PROJECT_DIR) +
                                                                "/fixtures/data/reviews.csv");
    s.texts.clear();
    s.labels.clear();
    for (const auto& row : rows) {
        s.texts.push_back(row.text);
        s.labels.push_back(row.label);
    }
    s.feedback = true;
    h.path->add_source(std::move(s));
    h.world.loop.run_until(5 * kSecond);
    const auto c = h.path->counts();
    REQUIRE(c.answered == 400);
    // The model is right on most reviews; an echo (the texts themselves) never would be.
    CHECK(c.feedback_correct > 300);
    CHECK(c.feedback_answered == 400);
}

TEST_CASE("traffic metrics: running totals agree with a window over everything") {
    sim::cluster::TrafficMetrics m;
    const auto live = m.series("users", "ns/sd", "default", false);
    const auto shadow = m.series("users", "ns/sd", "mirror", true);
    for (int second = 0; second < 5; ++second) {
        for (int i = 0; i < 10 + second; ++i) {
            m.sent(live);
            m.sent(shadow);
            if (i % 4 == 0)
                m.failed(live);
            else
                m.answered(live, (i + 1) * kMillisecond);
        }
        m.close_second((second + 1) * kSecond, nullptr);
    }
    m.sent(live);  // the open second
    const auto so_far = m.totals_so_far({});
    const auto window = m.totals(0, 10 * kSecond, {}, true);
    CHECK(so_far.requests == 61);
    CHECK(window.requests == so_far.requests);
    CHECK(window.responses == so_far.responses);
    CHECK(window.errors == so_far.errors);
    CHECK(window.latency.percentile(90) == so_far.latency.percentile(90));
    // Seconds 1 and 2 only ([1s, 3s]): 11 + 12 requests.
    CHECK(m.totals(kSecond, 3 * kSecond, {}, false).requests == 23);
    CHECK(m.totals_so_far({std::nullopt, std::nullopt, false}).latency.empty());
}

namespace {
struct RecordingSink final : sim::cluster::PodUsageSink {
    std::map<std::string, Nanos> cpu;  // "pod/container"
    std::map<std::string, std::uint64_t> requests;
    void add_cpu(std::string_view, std::string_view pod, std::string_view container,
                 Nanos used) override {
        cpu[std::string(pod) + "/" + std::string(container)] += used;
    }
    void add_requests(std::string_view, std::string_view pod, std::uint64_t count) override {
        requests[std::string(pod)] += count;
    }
};
}  // namespace

TEST_CASE("every container a request passes reports its cpuPerRequest to the usage sink") {
    Harness h;
    h.apply_sdep(sdep({{"default", 100}}));
    h.add_pod("pod-a");
    h.set_endpoints("sd-default", {"pod-a"});
    ContainerProfile model = fixed(kMillisecond, 2);
    model.cpu_per_request = 4 * kMillisecond;
    ContainerProfile executor = fixed(0, 100);
    executor.cpu_per_request = kMillisecond;
    RecordingSink sink;
    h.start(model, executor, 3 * kSecond);
    h.path->set_usage_sink(&sink);
    h.path->add_source(h.source(50, kSecond, 2 * kSecond));
    h.world.loop.run_until(3 * kSecond);
    CHECK(h.path->counts().answered == 50);
    CHECK(sink.cpu["pod-a/classifier"] == 50 * 4 * kMillisecond);
    CHECK(sink.cpu["pod-a/seldon-container-engine"] == 50 * kMillisecond);
    CHECK(sink.requests["pod-a"] == 50);
}

namespace {

// The Poisson arrivals as ArrivalProcess drew them before it drew a block ahead: one
// exponential gap at the peak rate, then one uniform to keep or thin the candidate, in turn.
std::vector<Nanos> arrivals_one_at_a_time(const TrafficSourceSpec& spec, std::uint64_t seed) {
    sim::kernel::Random random(seed);
    const sim::cluster::ArrivalProcess rates(spec, random);  // for rate_at only
    double peak = 0;
    for (const sim::cluster::RatePiece& p : spec.rate)
        peak = std::max({peak, p.rate_from, p.rate_to});
    std::vector<Nanos> out;
    Nanos t = spec.from;
    for (;;) {
        t += std::max<Nanos>(1, static_cast<Nanos>(random.exponential(1.0 / peak) * 1e9));
        if (t >= spec.to) return out;
        if (random.uniform01() * peak < rates.rate_at(t)) out.push_back(t);
    }
}

}  // namespace

TEST_CASE("Poisson arrivals drawn a block ahead are the arrivals drawn one at a time") {
    TrafficSourceSpec constant;
    constant.from = 60 * kSecond;
    constant.to = 90 * kSecond;
    constant.rate = {{constant.from, constant.to, 2000, 2000}};
    TrafficSourceSpec shaped;  // a ramp, a step down and a gap: the thinning keeps some
    shaped.from = 0;
    shaped.to = 40 * kSecond;
    shaped.rate = {{0, 10 * kSecond, 0, 300},
                   {10 * kSecond, 20 * kSecond, 300, 300},
                   {20 * kSecond, 25 * kSecond, 20, 20},
                   {30 * kSecond, 40 * kSecond, 100, 150}};
    TrafficSourceSpec sparse;  // fewer arrivals than one block
    sparse.from = 0;
    sparse.to = 2 * kSecond;
    sparse.rate = {{0, sparse.to, 3, 3}};
    for (const TrafficSourceSpec* spec : {&constant, &shaped, &sparse}) {
        for (const std::uint64_t seed : {1u, 2u, 77u}) {
            const std::vector<Nanos> expected = arrivals_one_at_a_time(*spec, seed);
            sim::kernel::Random random(seed);
            sim::cluster::ArrivalProcess process(*spec, random);
            std::vector<Nanos> got;
            Nanos after = 0;
            while (const std::optional<Nanos> next = process.next(after)) {
                got.push_back(*next);
                after = *next;
            }
            CHECK(got == expected);
            CHECK_FALSE(process.next(after));  // no more, ever
        }
    }
    CHECK(arrivals_one_at_a_time(constant, 1).size() > 50'000);
    CHECK(arrivals_one_at_a_time(sparse, 1).size() < 16);
}
