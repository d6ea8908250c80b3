// The HPA's normalization of a metric proposal (pkg/controller/podautoscaler/horizontal.go,
// Kubernetes 1.32; k8s-semantics.md §3c), as pure functions over a per-HPA history so table
// tests can play decisions over time:
//  - without spec.behavior: stabilizeRecommendation (the highest proposal of the last 5
//    minutes) and convertDesiredReplicasWithRules (scale-up limit max(2 x current, 4), then
//    [min, max]);
//  - with spec.behavior: stabilizeRecommendationWithBehaviors (up and down windows) and
//    convertDesiredReplicasWithBehaviorRate (Pods/Percent policies over their periods,
//    selectPolicy Max/Min/Disabled), with the scale events stored per HPA.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/kernel/json.hpp"
#include "sim/kernel/time.hpp"

namespace sim::controller::hpa {

struct ScalingPolicy {
    std::string type;  // "Pods" or "Percent"
    std::int32_t value = 0;
    std::int32_t period_seconds = 0;
};

struct ScalingRules {
    std::optional<std::int32_t> stabilization_window_seconds;
    std::string select_policy = "Max";  // "Max", "Min" or "Disabled"
    std::vector<ScalingPolicy> policies;
};

struct Behavior {
    ScalingRules scale_up;
    ScalingRules scale_down;
};

// spec.behavior with the API defaults (pkg/apis/autoscaling/v2/defaults.go) filled in where
// absent: scaleUp window 0, Max, Pods 4 / 15 s and Percent 100 / 15 s; scaleDown window nil
// (the controller's 300 s), Max, Percent 100 / 15 s.
Behavior parse_behavior(const sim::Json& behavior);

struct Recommendation {
    std::int32_t replicas = 0;
    sim::kernel::Nanos at = 0;
};
struct ScaleEvent {
    std::int32_t change = 0;
    sim::kernel::Nanos at = 0;
    bool outdated = false;
};
// What the controller remembers per HPA key (recommendations, scaleUpEvents, scaleDownEvents).
struct History {
    std::vector<Recommendation> recommendations;
    std::vector<ScaleEvent> scale_ups;
    std::vector<ScaleEvent> scale_downs;
};

struct Normalized {
    std::int32_t desired = 0;
    std::string able_reason;  // AbleToScale (True): ReadyForNewScale / Scale{Up,Down}Stabilized
    std::string able_message;
    bool limited = false;  // ScalingLimited
    std::string limited_reason;
    std::string limited_message;
};

inline constexpr sim::kernel::Nanos kDownscaleStabilization = 5 * sim::kernel::kMinute;

// normalizeDesiredReplicas (no behavior).
Normalized normalize_legacy(History& history, sim::kernel::Nanos now, std::int32_t current,
                            std::int32_t proposed, std::int32_t min_replicas,
                            std::int32_t max_replicas,
                            sim::kernel::Nanos window = kDownscaleStabilization);

// normalizeDesiredReplicasWithBehaviors.
Normalized normalize_with_behavior(
    History& history, const Behavior& behavior, sim::kernel::Nanos now, std::int32_t current,
    std::int32_t proposed, std::int32_t min_replicas, std::int32_t max_replicas,
    sim::kernel::Nanos default_down_window = kDownscaleStabilization);

// storeScaleEvent: remembers a rescale for the policies' periods (only with a behavior).
void store_scale_event(History& history, const Behavior* behavior, sim::kernel::Nanos now,
                       std::int32_t previous, std::int32_t next);

// calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors.
std::int32_t scale_up_limit(std::int32_t current, const std::vector<ScaleEvent>& ups,
                            const std::vector<ScaleEvent>& downs, const ScalingRules& rules,
                            sim::kernel::Nanos now);
std::int32_t scale_down_limit(std::int32_t current, const std::vector<ScaleEvent>& ups,
                              const std::vector<ScaleEvent>& downs, const ScalingRules& rules,
                              sim::kernel::Nanos now);

}  // namespace sim::controller::hpa
