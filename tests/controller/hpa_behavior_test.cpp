// HPA normalization over time: the legacy rules and spec.behavior, with numbers derived by hand
// from horizontal.go. Syncs every 15 s as the controller does.
#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include "controller/hpa_behavior.hpp"

namespace {

using namespace sim::controller::hpa;
using sim::kernel::kSecond;
using Json = sim::Json;

History started_at(std::int32_t current) {
    History h;
    h.recommendations.push_back({current, 0});
    return h;
}

}  // namespace

TEST_CASE("hpa legacy: scale-down waits out the 5-minute stabilization window") {
    History h = started_at(3);
    for (int t = 15; t <= 300; t += 15) {
        const Normalized n = normalize_legacy(h, t * kSecond, 3, 1, 1, 10);
        INFO("t=" << t);
        CHECK(n.desired == 3);
        CHECK(n.able_reason == "ScaleDownStabilized");
    }
    // At 315 s the first recommendation (3 at t=0) is older than 300 s.
    const Normalized n = normalize_legacy(h, 315 * kSecond, 3, 1, 1, 10);
    CHECK(n.desired == 1);
    CHECK(n.able_reason == "ReadyForNewScale");
    CHECK_FALSE(n.limited);
    CHECK(n.limited_reason == "DesiredWithinRange");
}

TEST_CASE("hpa legacy: a higher recommendation within the window wins") {
    History h = started_at(2);
    CHECK(normalize_legacy(h, 15 * kSecond, 2, 6, 1, 10).desired == 4);  // limit max(4, 4)
    // Back to 2 replicas' worth of load: the 6 of 15 s ago keeps the desired size up.
    const Normalized n = normalize_legacy(h, 30 * kSecond, 4, 2, 1, 10);
    CHECK(n.desired == 6);
    CHECK(n.able_reason == "ScaleDownStabilized");
}

TEST_CASE("hpa legacy: scale-up limit max(2 x current, 4) and min/max clamping") {
    struct Row {
        std::int32_t current, proposal, min, max, expected;
        const char* reason;
    };
    const std::vector<Row> rows = {
        {1, 10, 1, 20, 4, "ScaleUpLimit"},      // max(2, 4) = 4
        {2, 10, 1, 20, 4, "ScaleUpLimit"},      // max(4, 4) = 4
        {3, 10, 1, 20, 6, "ScaleUpLimit"},      // max(6, 4) = 6
        {5, 30, 1, 8, 8, "TooManyReplicas"},    // limit 10 >= max 8
        {5, 9, 1, 8, 8, "TooManyReplicas"},     //
        {5, 7, 1, 8, 7, "DesiredWithinRange"},  //
        {3, 1, 2, 8, 2, "TooFewReplicas"},      // with an empty history
    };
    for (const Row& r : rows) {
        History h;  // no earlier recommendations
        const Normalized n = normalize_legacy(h, 0, r.current, r.proposal, r.min, r.max);
        INFO(r.current << " -> " << r.proposal);
        CHECK(n.desired == r.expected);
        CHECK(n.limited_reason == r.reason);
        CHECK(n.limited == (r.expected != r.proposal));
    }
}

TEST_CASE("hpa behavior: the defaults scale up by max(4 pods, 100%) per 15 s") {
    const Behavior b = parse_behavior(Json::object());
    History h = started_at(1);
    std::int32_t current = 1;
    const std::vector<std::int32_t> expected = {5, 10, 20, 40, 50};  // max 50
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const sim::kernel::Nanos now = static_cast<sim::kernel::Nanos>(15 * (i + 1)) * kSecond;
        const Normalized n = normalize_with_behavior(h, b, now, current, 100, 1, 50);
        INFO("sync " << i);
        CHECK(n.desired == expected[i]);
        CHECK(n.limited);
        store_scale_event(h, &b, now, current, n.desired);
        current = n.desired;
    }
}

TEST_CASE("hpa behavior: selectPolicy Min and Disabled") {
    Behavior b = parse_behavior(Json::object());
    b.scale_up.select_policy = "Min";
    History h = started_at(1);
    // min(1 + 4, ceil(1 x 2)) = 2.
    Normalized n = normalize_with_behavior(h, b, 15 * kSecond, 1, 100, 1, 50);
    CHECK(n.desired == 2);
    CHECK(n.limited_reason == "ScaleUpLimit");

    b.scale_up.select_policy = "Disabled";
    History h2 = started_at(3);
    n = normalize_with_behavior(h2, b, 15 * kSecond, 3, 100, 1, 50);
    CHECK(n.desired == 3);
    CHECK(n.limited);
    CHECK(n.limited_reason == "ScaleUpLimit");
}

TEST_CASE("hpa behavior: scale-down policies count the changes within their period") {
    // scaleDown: window 0, Pods 1 per 60 s and Percent 50 per 60 s, selectPolicy Max (the
    // larger change, i.e. the lower limit) then Min.
    Behavior b = parse_behavior(Json::parse(R"({"scaleDown": {"stabilizationWindowSeconds": 0,
        "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60},
                     {"type": "Percent", "value": 50, "periodSeconds": 60}]}})"));
    History h = started_at(8);
    // Max: min(8 - 1, int(8 x 0.5)) = 4.
    Normalized n = normalize_with_behavior(h, b, 15 * kSecond, 8, 1, 1, 10);
    CHECK(n.desired == 4);
    CHECK(n.limited_reason == "ScaleDownLimit");
    store_scale_event(h, &b, 15 * kSecond, 8, 4);
    // 15 s later the 4 removed still count: period start 8 -> limit 4 again -> no change.
    n = normalize_with_behavior(h, b, 30 * kSecond, 4, 1, 1, 10);
    CHECK(n.desired == 4);
    // 60 s after the event (75 s) it is outside the period: start 4 -> min(3, 2) = 2.
    n = normalize_with_behavior(h, b, 75 * kSecond, 4, 1, 1, 10);
    CHECK(n.desired == 2);

    b.scale_down.select_policy = "Min";  // the smaller change: max(8 - 1, 4) = 7
    History h2 = started_at(8);
    CHECK(normalize_with_behavior(h2, b, 15 * kSecond, 8, 1, 1, 10).desired == 7);

    b.scale_down.select_policy = "Disabled";
    History h3 = started_at(8);
    n = normalize_with_behavior(h3, b, 15 * kSecond, 8, 1, 1, 10);
    CHECK(n.desired == 8);
    CHECK(n.limited_reason == "ScaleDownLimit");
}

TEST_CASE("hpa behavior: stabilization windows up and down") {
    // scaleUp window 60 s: the lowest recommendation of the last minute wins.
    const Behavior b =
        parse_behavior(Json::parse(R"({"scaleUp": {"stabilizationWindowSeconds": 60}})"));
    History h = started_at(2);
    for (int t = 15; t <= 45; t += 15) {
        const Normalized n = normalize_with_behavior(h, b, t * kSecond, 2, 6, 1, 10);
        INFO("t=" << t);
        CHECK(n.desired == 2);
        CHECK(n.able_reason == "ScaleUpStabilized");
    }
    // At 60 s the initial 2 (t=0) is no longer after the cutoff: every recommendation within
    // the window is 6.
    Normalized n = normalize_with_behavior(h, b, 60 * kSecond, 2, 6, 1, 10);
    CHECK(n.desired == 6);  // limit max(2 + 4, 4) = 6
    CHECK(n.able_reason == "ReadyForNewScale");

    // scaleDown without a window uses the controller's 300 s.
    const Behavior d = parse_behavior(Json::object());
    History h2 = started_at(5);
    n = normalize_with_behavior(h2, d, 15 * kSecond, 5, 1, 1, 10);
    CHECK(n.desired == 5);
    CHECK(n.able_reason == "ScaleDownStabilized");
    n = normalize_with_behavior(h2, d, 301 * kSecond, 5, 1, 1, 10);
    CHECK(n.desired == 1);  // Percent 100 per 15 s allows going straight to min
}

TEST_CASE("hpa behavior: scale events are recorded only with a behavior") {
    History h;
    store_scale_event(h, nullptr, 0, 1, 4);
    CHECK(h.scale_ups.empty());
    const Behavior b = parse_behavior(Json::object());
    store_scale_event(h, &b, 0, 1, 4);
    store_scale_event(h, &b, 20 * kSecond, 4, 6);  // the first is outdated (period 15 s): reused
    REQUIRE(h.scale_ups.size() == 1);
    CHECK(h.scale_ups[0].change == 2);
}

TEST_CASE("property: normalization keeps desired within [min, max]") {
    rc::prop("legacy and behavior rules, random policies and proposals", [] {
        const std::int32_t min = *rc::gen::inRange(1, 5);
        const std::int32_t max = *rc::gen::inRange(min, 30);
        std::int32_t current = *rc::gen::inRange(min, max + 1);
        const bool legacy = *rc::gen::arbitrary<bool>();
        Behavior b = parse_behavior(Json::object());
        const auto rules = [](ScalingRules& r) {
            r.select_policy = *rc::gen::element<std::string>("Max", "Min", "Disabled");
            r.stabilization_window_seconds = *rc::gen::inRange(0, 301);
            r.policies.clear();
            const int n = *rc::gen::inRange(0, 3);
            for (int i = 0; i < n; ++i)
                r.policies.push_back({*rc::gen::element<std::string>("Pods", "Percent"),
                                      *rc::gen::inRange(1, 200), *rc::gen::inRange(1, 120)});
        };
        rules(b.scale_up);
        rules(b.scale_down);
        History h = started_at(current);
        const auto proposals = *rc::gen::container<std::vector<std::int32_t>>(
            *rc::gen::inRange(1, 40), rc::gen::inRange(0, 100));
        sim::kernel::Nanos now = 0;
        for (const std::int32_t proposal : proposals) {
            now += 15 * kSecond;
            const Normalized n =
                legacy ? normalize_legacy(h, now, current, proposal, min, max)
                       : normalize_with_behavior(h, b, now, current, proposal, min, max);
            RC_ASSERT(n.desired >= min);
            RC_ASSERT(n.desired <= max);
            if (!legacy) store_scale_event(h, &b, now, current, n.desired);
            current = n.desired;
        }
    });
}
