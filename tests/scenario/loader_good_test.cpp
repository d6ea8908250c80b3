// A scenario using every field of the contract loads into the expected typed values.
#include <catch2/catch.hpp>

#include "sim/kernel/json.hpp"
#include "sim/scenario/loader.hpp"

namespace fs = std::filesystem;
using namespace sim::scenario;
using sim::kernel::kMillisecond;
using sim::kernel::kMinute;
using sim::kernel::kSecond;

namespace {

const fs::path kScenarios = SIM_TEST_SCENARIOS_DIR;

const Scenario& full_scenario() {
    static const LoadResult result = load_scenario(kScenarios / "good" / "full.yaml");
    for (const Diagnostic& d : result.diagnostics)
        UNSCOPED_INFO(format_diagnostic(d));
    REQUIRE(result.ok());
    return *result.scenario;
}

template <typename T, typename V>
const T& as(const V& v) {
    REQUIRE(std::holds_alternative<T>(v));
    return std::get<T>(v);
}

const fs::path fixture(const std::string& relative) {
    return (kScenarios / "fixtures" / relative).lexically_normal();
}

}  // namespace

TEST_CASE("full scenario: metadata and spec scalars") {
    const Scenario& s = full_scenario();
    CHECK(s.metadata.name == "full-contract");
    CHECK(s.metadata.description == "Every field of the scenario contract, once.\n");
    CHECK(s.seed == 42);
    CHECK(s.seed_given);
    CHECK(s.duration == 30 * kMinute);
    // 2025-03-01T12:00:00Z
    CHECK(s.start_time_unix_nanos == std::int64_t{1740830400} * kSecond);
    CHECK(s.folder == kScenarios / "good");
}

TEST_CASE("full scenario: cluster nodes") {
    const Scenario& s = full_scenario();
    REQUIRE(s.cluster.nodes.size() == 2);
    const NodeGroup& workers = s.cluster.nodes[0];
    CHECK(workers.name_prefix == "node-");
    CHECK(workers.count == 3);
    CHECK(workers.node_name(3) == "node-3");
    CHECK(workers.capacity.cpu.milli == 4000);
    CHECK(workers.capacity.memory.value() == 16LL * 1024 * 1024 * 1024);
    CHECK(workers.capacity.pods.value() == 110);
    REQUIRE(workers.labels.size() == 1);
    CHECK(workers.labels[0] ==
          std::pair<std::string, std::string>{"topology.kubernetes.io/zone", "zone-a"});
    CHECK(workers.taints.empty());
    CHECK(workers.where.line == 16);
    CHECK(workers.where.column == 9);

    const NodeGroup& gpu = s.cluster.nodes[1];
    CHECK(gpu.capacity.cpu.milli == 8000);
    CHECK(gpu.capacity.pods.value() == 110);  // the default
    REQUIRE(gpu.taints.size() == 2);
    CHECK(gpu.taints[0].key == "nvidia.com/gpu");
    CHECK(gpu.taints[0].value == "true");
    CHECK(gpu.taints[0].effect == TaintEffect::NoSchedule);
    CHECK(gpu.taints[1].value.empty());
    CHECK(gpu.taints[1].effect == TaintEffect::PreferNoSchedule);
}

TEST_CASE("full scenario: images and models") {
    const Scenario& s = full_scenario();
    REQUIRE(s.images.size() == 3);
    const ImageRule& sentiment = s.images[0];
    CHECK(sentiment.pattern == "sentiment-seldon:*");
    CHECK(sentiment.run == Behaviour::SentimentModel);
    CHECK(sentiment.model == fixture("models/sentiment-v1.json"));
    CHECK(sentiment.pull_time == 15 * kSecond);
    CHECK(sentiment.startup_time == 5 * kSecond);
    REQUIRE(sentiment.service_time.has_value());
    CHECK(sentiment.service_time->median == 3 * kMillisecond);
    CHECK(sentiment.service_time->p99 == 12 * kMillisecond);
    CHECK(sentiment.cpu_per_request == 4 * kMillisecond);
    CHECK(sentiment.concurrency == 1);
    CHECK(sentiment.where.line == 29);

    const ImageRule& executor = s.images[1];
    CHECK(executor.pattern == "seldonio/seldon-core-executor:*");
    CHECK_FALSE(executor.run.has_value());
    CHECK(executor.pull_time == 2 * kSecond);
    CHECK_FALSE(executor.startup_time.has_value());
    CHECK(executor.service_time->median == 500 * sim::kernel::kMicrosecond);
    const ImageTimings timings = effective_timings(&executor);
    CHECK(timings.startup_time == kDefaultImageTimings.startup_time);
    CHECK(timings.pull_time == 2 * kSecond);

    CHECK(s.images[2].run == Behaviour::SklearnServer);
    CHECK(s.images[2].concurrency == 4);
    CHECK(find_image_rule(s.images, "seldonio/sklearnserver:1.7.0") == &s.images[2]);
    CHECK(find_image_rule(s.images, "seldonio/sklearnserver:2.0.0") == nullptr);
    CHECK(find_image_rule(s.images, "sentiment-seldon:v2") == &s.images[0]);

    REQUIRE(s.models.size() == 1);
    CHECK(s.models[0].model_uri == "gs://sentiment/v2");
    CHECK(s.models[0].path == fixture("models/sentiment-v2.json"));
    CHECK(find_model(s.models, "gs://sentiment/v2") == &s.models[0]);
    CHECK(find_model(s.models, "gs://other") == nullptr);
}

TEST_CASE("full scenario: traffic sources") {
    const Scenario& s = full_scenario();
    REQUIRE(s.traffic.size() == 3);
    const TrafficSource& users = s.traffic[0];
    CHECK(users.name == "users");
    CHECK(users.target_namespace == "seldon");
    CHECK(users.target_name == "sentiment-classifier");
    CHECK(users.from == 1 * kMinute);
    CHECK(users.to == 30 * kMinute);
    CHECK(as<ConstantRate>(users.rate).per_second == 50);
    CHECK(users.arrivals == Arrivals::Poisson);
    CHECK(users.payload.texts == fixture("data/reviews.csv"));
    CHECK(users.payload.encoding == PayloadEncoding::Ndarray);
    REQUIRE(users.feedback.has_value());
    CHECK(users.feedback->reward == FeedbackReward::Correct);
    CHECK(users.where.line == 47);

    const TrafficSource& ramp = s.traffic[1];
    CHECK(as<RampRate>(ramp.rate).from_per_second == 10);
    CHECK(as<RampRate>(ramp.rate).to_per_second == 200);
    CHECK(ramp.arrivals == Arrivals::Uniform);
    CHECK(ramp.payload.encoding == PayloadEncoding::StrData);
    CHECK_FALSE(ramp.feedback.has_value());

    const TrafficSource& bursts = s.traffic[2];
    CHECK(bursts.from == 0);                                     // default: the scenario start
    CHECK(bursts.to == 30 * kMinute);                            // default: the scenario end
    CHECK(bursts.arrivals == Arrivals::Poisson);                 // default
    CHECK(bursts.payload.encoding == PayloadEncoding::Ndarray);  // default
    const auto& steps = as<StepRates>(bursts.rate).steps;
    REQUIRE(steps.size() == 2);
    CHECK(steps[0].at == 5 * kMinute);
    CHECK(steps[0].per_second == 100);
    CHECK(steps[1].at == 10 * kMinute);
    CHECK(steps[1].per_second == 20.5);
}

TEST_CASE("full scenario: timeline is ordered by at, same-instant steps in file order") {
    const Scenario& s = full_scenario();
    REQUIRE(s.timeline.size() == 16);
    std::vector<std::size_t> order;
    for (const TimelineStep& step : s.timeline)
        order.push_back(step.index);
    CHECK(order == std::vector<std::size_t>{0, 1, 15, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14});
    for (std::size_t i = 1; i < s.timeline.size(); ++i) {
        CHECK(s.timeline[i - 1].at <= s.timeline[i].at);
    }
}

TEST_CASE("full scenario: apply, patch, scale, delete, drain steps") {
    const Scenario& s = full_scenario();
    const TimelineStep& first = s.timeline[0];
    CHECK(first.at == 0);
    CHECK(as<ApplyStep>(first.action).manifest == fixture("manifests/sentiment-v1.yaml"));
    CHECK_FALSE(first.expect_error);
    CHECK(first.where.file == (kScenarios / "good" / "full.yaml").string());
    CHECK(first.where.line == 70);
    CHECK(first.where.column == 7);

    const TimelineStep& refused = s.timeline[1];
    CHECK(refused.at == 30 * kSecond);
    CHECK(refused.expect_error);
    REQUIRE(refused.error_matches.has_value());
    CHECK(refused.error_matches->pattern == "Traffic must sum to 100");
    CHECK(refused.error_matches->search("admission webhook: Traffic must sum to 100 for x"));
    CHECK_FALSE(refused.error_matches->search("Traffic must sum to 10"));

    const PatchStep& patch = as<PatchStep>(s.timeline[3].action);
    CHECK(patch.target.kind == "SeldonDeployment");
    CHECK(patch.target.namespace_ == "seldon");
    CHECK(patch.target.name == "sentiment-classifier");
    // Plain scalars keep their YAML type; quoted ones stay strings.
    const auto merge = sim::Json::parse(patch.merge_json);
    CHECK(merge["spec"]["replicas"] == 2);
    CHECK(merge["spec"]["replicas"].is_number_integer());
    CHECK(merge["spec"]["paused"] == false);
    CHECK(merge["spec"]["ratio"] == 1.5);
    CHECK(merge["spec"]["tag"] == "3");
    CHECK(merge["spec"]["none"].is_null());
    CHECK(merge["spec"]["predictors"][0]["name"] == "main");
    CHECK(merge["spec"]["predictors"][0]["traffic"] == 90);

    const ScaleStep& scale = as<ScaleStep>(s.timeline[4].action);
    CHECK(scale.target.kind == "Deployment");
    CHECK(scale.target.name == "x");
    CHECK(scale.replicas == 4);

    const DeleteStep& by_selector = as<DeleteStep>(s.timeline[5].action);
    CHECK(by_selector.kind == "Pod");
    CHECK(by_selector.namespace_ == "seldon");
    CHECK(by_selector.selector == "seldon-app=sentiment-classifier-default");
    CHECK_FALSE(by_selector.name.has_value());
    CHECK(by_selector.count == 1);
    const DeleteStep& by_name = as<DeleteStep>(s.timeline[6].action);
    CHECK(by_name.kind == "Node");
    CHECK(by_name.namespace_.empty());
    CHECK(by_name.name == "gpu-1");
    CHECK_FALSE(by_name.count.has_value());

    CHECK(as<DrainStep>(s.timeline[15].action).node == "node-3");
}

TEST_CASE("full scenario: every kind of fault") {
    const Scenario& s = full_scenario();
    const auto fault = [&](std::size_t i) -> const Fault& {
        return as<FaultStep>(s.timeline[i].action).fault;
    };
    const auto& node_down = as<NodeDownFault>(fault(7));
    CHECK(node_down.node == "node-2");
    CHECK(node_down.for_duration == 5 * kMinute);

    const auto& pod_kill = as<PodKillFault>(fault(8));
    CHECK(pod_kill.namespace_ == "seldon");
    CHECK(pod_kill.selector == "app=a");
    CHECK(pod_kill.count == 2);

    const auto& crash = as<CrashLoopFault>(fault(9));
    CHECK(crash.image == "sentiment-seldon:v2");
    CHECK(crash.for_duration == 10 * kMinute);

    const auto& pull = as<ImagePullErrorFault>(fault(10));
    CHECK(pull.image == "sentiment-seldon:v3");
    CHECK_FALSE(pull.for_duration.has_value());  // until the end of the scenario

    const auto& slow = as<SlowFault>(fault(11));
    CHECK(slow.image == "sentiment-seldon:*");
    CHECK(slow.add_latency == 200 * kMillisecond);
    CHECK(slow.for_duration == 2 * kMinute);

    const auto& errors = as<ErrorsFault>(fault(12));
    CHECK(errors.rate == 0.2);
    CHECK(errors.for_duration == 2 * kMinute);

    const auto& oom = as<OomKillFault>(fault(13));
    CHECK(oom.selector == "app=b");
    CHECK(oom.count == 1);  // the default

    CHECK(as<OperatorDownFault>(fault(14)).for_duration == 3 * kMinute);
}

TEST_CASE("full scenario: expectations") {
    const Scenario& s = full_scenario();
    REQUIRE(s.expectations.size() == 9);

    const Expectation& available = s.expectations[0];
    CHECK(available.name == "sdep becomes available");
    CHECK(available.name_given);
    CHECK(as<ByTime>(available.when).by == 3 * kMinute);
    const auto& object = as<ObjectFieldSubject>(available.subject);
    CHECK(format_object_ref(object.object) == "SeldonDeployment/seldon/sentiment-classifier");
    CHECK(object.field.text == "status.state");
    CHECK(as<EqualsComparison>(available.comparison).json == "\"Available\"");
    CHECK(available.where.line == 108);

    const Expectation& pods = s.expectations[1];
    CHECK(as<DuringWindow>(pods.when).from == 10 * kMinute);
    CHECK(as<DuringWindow>(pods.when).to == 20 * kMinute);
    const auto& count = as<CountSubject>(pods.subject);
    CHECK(count.kind == "Pod");
    CHECK(count.namespace_ == "seldon");
    CHECK(count.selector == "seldon-deployment-id=sentiment-classifier");
    CHECK(count.field_selector == "status.phase=Running");
    CHECK(as<AtMostComparison>(pods.comparison).value == 13);

    const Expectation& node = s.expectations[2];
    CHECK_FALSE(node.name_given);
    CHECK(node.name == "Node/node-2 status.conditions[type=Ready].status equals Unknown at 9m");
    CHECK(as<AtTime>(node.when).at == 9 * kMinute);
    const auto& node_field = as<ObjectFieldSubject>(node.subject);
    CHECK(node_field.object.namespace_.empty());
    REQUIRE(node_field.field.segments.size() == 4);
    CHECK(node_field.field.segments[2].kind == FieldPathSegment::Kind::Match);
    CHECK(node_field.field.segments[2].match_value == "Ready");

    CHECK(as<AtLeastComparison>(s.expectations[3].comparison).value == 2);

    const Expectation& share = s.expectations[4];
    CHECK(as<MetricWindow>(share.when).from == 11 * kMinute);
    const auto& metric = as<MetricSubject>(share.subject);
    CHECK(metric.name == "traffic_share");
    CHECK(metric.labels ==
          std::vector<std::pair<std::string, std::string>>{{"predictor", "canary"}});
    CHECK(as<BetweenComparison>(share.comparison).lo == 0.08);
    CHECK(as<BetweenComparison>(share.comparison).hi == 0.12);

    CHECK(as<EqualsComparison>(s.expectations[5].comparison).json == "0");
    CHECK(as<MetricSubject>(s.expectations[6].subject).name == "latency_p99_ms");

    const Expectation& scaled = s.expectations[7];
    const auto& event = as<EventSubject>(scaled.subject);
    CHECK(event.reason == "ScalingReplicaSet");
    REQUIRE(event.object.has_value());
    CHECK(event.object->name == "sentiment-classifier-default-0-classifier");
    REQUIRE(event.message.has_value());
    CHECK(event.message->search("Scaled up replica set abc-123 to 3"));
    CHECK_FALSE(event.message->search("Scaled up replica set abc-123 to 30"));
    CHECK(as<AtLeastComparison>(scaled.comparison).value == 1);

    const Expectation& revision = s.expectations[8];
    const auto& revision_field = as<ObjectFieldSubject>(revision.subject);
    CHECK(revision_field.field.segments.back().key == "deployment.kubernetes.io/revision");
    CHECK(as<MatchesComparison>(revision.comparison).regex.search("12"));
}

TEST_CASE("loader: defaults when optional fields are left out or empty") {
    const std::string text = R"(apiVersion: seldon-sim/v1
kind: Scenario
metadata: {name: minimal, description: }
spec:
  duration: 1m
  cluster:
    nodes: [{namePrefix: n-, count: 1, capacity: {cpu: 1, memory: 1Gi}, labels: , taints: }]
  images:
  timeline:
)";
    const LoadResult r = load_scenario_text(text, kScenarios / "good" / "minimal.yaml");
    REQUIRE(r.ok());
    const Scenario& s = *r.scenario;
    CHECK(s.seed == kDefaultSeed);
    CHECK_FALSE(s.seed_given);
    CHECK(s.start_time_unix_nanos == std::int64_t{1735689600} * kSecond);  // 2025-01-01T00:00:00Z
    CHECK(s.metadata.description.empty());
    CHECK(s.images.empty());
    CHECK(s.traffic.empty());
    CHECK(s.timeline.empty());
    CHECK(s.expectations.empty());
}

TEST_CASE("loader: equals keeps YAML scalar types for object fields") {
    const std::string head = R"(apiVersion: seldon-sim/v1
kind: Scenario
metadata: {name: typing}
spec:
  duration: 1m
  cluster:
    nodes: [{namePrefix: n-, count: 1, capacity: {cpu: 1, memory: 1Gi}}]
  expect:
)";
    const auto equals_json = [&](const std::string& value) {
        const std::string text =
            head + "    - {at: 1m, object: Pod/ns/p, field: a.b, equals: " + value + "}\n";
        const LoadResult r = load_scenario_text(text, "typing.yaml");
        for (const Diagnostic& d : r.diagnostics)
            UNSCOPED_INFO(format_diagnostic(d));
        REQUIRE(r.ok());
        return as<EqualsComparison>(r.scenario->expectations[0].comparison).json;
    };
    CHECK(equals_json("1") == "1");
    CHECK(equals_json("\"1\"") == "\"1\"");
    CHECK(equals_json("true") == "true");
    CHECK(equals_json("'true'") == "\"true\"");
    CHECK(equals_json("1.5") == "1.5");
    CHECK(equals_json("null") == "null");
    CHECK(equals_json("~") == "null");
    CHECK(equals_json("Running") == "\"Running\"");
    CHECK(equals_json("-3") == "-3");
    CHECK(equals_json("1e3") == "1000.0");
    CHECK(equals_json("[1, a]") == "[1,\"a\"]");
    CHECK(equals_json("{x: 2}") == "{\"x\":2}");
}
