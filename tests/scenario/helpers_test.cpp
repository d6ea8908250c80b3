#include <algorithm>
#include <catch2/catch.hpp>

#include "sim/scenario/scenario.hpp"

using namespace sim::scenario;

TEST_CASE("behaviour names round-trip and unknown names are refused") {
    for (const Behaviour b : {Behaviour::SentimentModel, Behaviour::SklearnServer, Behaviour::Echo,
                              Behaviour::RandomAbTest, Behaviour::EpsilonGreedy,
                              Behaviour::ThompsonSampling, Behaviour::AverageCombiner}) {
        CHECK(parse_behaviour(to_string(b)) == b);
    }
    CHECK(to_string(Behaviour::SentimentModel) == "sentiment-model");
    CHECK(to_string(Behaviour::AverageCombiner) == "average-combiner");
    CHECK_FALSE(parse_behaviour("Sentiment-Model").has_value());
    CHECK_FALSE(parse_behaviour("").has_value());
}

TEST_CASE("enum spellings match the scenario format") {
    CHECK(to_string(TaintEffect::PreferNoSchedule) == "PreferNoSchedule");
    CHECK(to_string(Arrivals::Uniform) == "uniform");
    CHECK(to_string(PayloadEncoding::StrData) == "strData");
    CHECK(to_string(PayloadEncoding::Ndarray) == "ndarray");
}

TEST_CASE("locations print as file:line:col, or the file alone without a position") {
    CHECK(format_location({"a.yaml", 3, 9}) == "a.yaml:3:9");
    CHECK(format_location({"a.yaml", 0, 0}) == "a.yaml");
}

TEST_CASE("node names are the prefix and a 1-based ordinal") {
    NodeGroup group;
    group.name_prefix = "worker-";
    CHECK(group.node_name(1) == "worker-1");
    CHECK(group.node_name(12) == "worker-12");
}

TEST_CASE("every documented metric is known, each with its label keys") {
    const auto& metrics = known_metrics();
    const auto find = [&](std::string_view name) -> const MetricInfo* {
        for (const MetricInfo& m : metrics) {
            if (m.name == name) return &m;
        }
        return nullptr;
    };
    for (const char* name :
         {"requests_total", "responses_total", "errors_total", "error_rate", "requests_lost",
          "latency_p50_ms", "latency_p90_ms", "latency_p99_ms", "traffic_share", "replicas",
          "ready_replicas", "hpa_desired_replicas", "pod_restarts"}) {
        INFO(name);
        CHECK(find(name) != nullptr);
    }
    const auto has_label = [&](std::string_view metric, std::string_view label) {
        const MetricInfo* m = find(metric);
        return m &&
               std::find(m->label_keys.begin(), m->label_keys.end(), label) != m->label_keys.end();
    };
    CHECK(has_label("traffic_share", "predictor"));
    CHECK(has_label("replicas", "deployment"));
    CHECK(has_label("hpa_desired_replicas", "hpa"));
    CHECK(has_label("pod_restarts", "selector"));
    CHECK_FALSE(has_label("replicas", "predictor"));
}

TEST_CASE("short durations drop Go's trailing zero units") {
    using sim::kernel::kHour;
    using sim::kernel::kMillisecond;
    using sim::kernel::kMinute;
    using sim::kernel::kSecond;
    CHECK(format_short_duration(3 * kMinute) == "3m");
    CHECK(format_short_duration(kHour + 30 * kMinute) == "1h30m");
    CHECK(format_short_duration(kHour) == "1h");
    CHECK(format_short_duration(90 * kSecond) == "1m30s");
    CHECK(format_short_duration(250 * kMillisecond) == "250ms");
    CHECK(format_short_duration(0) == "0s");
    CHECK(format_short_duration(10 * kSecond) == "10s");
    CHECK(format_short_duration(kHour + 5 * kSecond) == "1h0m5s");
}

TEST_CASE("when, subject and comparison render in the scenario's words") {
    using sim::kernel::kMinute;
    CHECK(describe(When{ByTime{3 * kMinute}}) == "by 3m");
    CHECK(describe(When{AtTime{9 * kMinute}}) == "at 9m");
    CHECK(describe(When{DuringWindow{10 * kMinute, 20 * kMinute}}) == "during [10m, 20m]");
    CHECK(describe(When{MetricWindow{11 * kMinute, 30 * kMinute}}) == "window [11m, 30m]");

    CHECK(describe(Subject{ObjectFieldSubject{{"Node", "", "node-2"}, {"status.state", {}}}}) ==
          "Node/node-2 status.state");
    CHECK(describe(Subject{CountSubject{"Pod", "seldon", "app=x", "status.phase=Running"}}) ==
          "count Pod in seldon matching app=x with status.phase=Running");
    CHECK(describe(Subject{MetricSubject{"traffic_share", {{"predictor", "canary"}}}}) ==
          "metric traffic_share{predictor=canary}");
    CHECK(describe(Subject{EventSubject{"Killing", std::nullopt, std::nullopt}}) ==
          "events Killing");

    CHECK(describe(Comparison{EqualsComparison{"\"Available\""}}) == "equals \"Available\"");
    CHECK(describe(Comparison{AtMostComparison{13}}) == "atMost 13");
    CHECK(describe(Comparison{AtLeastComparison{0.5}}) == "atLeast 0.5");
    CHECK(describe(Comparison{BetweenComparison{0.08, 0.12}}) == "between [0.08, 0.12]");
    CHECK(describe(Comparison{MatchesComparison{Regex{"^a", std::regex("^a")}}}) == "matches /^a/");
}
