#include "controller/hpa_behavior.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sim::controller::hpa {
namespace {

using sim::kernel::kSecond;
using sim::kernel::Nanos;

ScalingRules parse_rules(const sim::Json& rules, bool up) {
    ScalingRules r;
    if (up) r.stabilization_window_seconds = 0;
    if (!rules.is_object()) {
        r.policies = up ? std::vector<ScalingPolicy>{{"Pods", 4, 15}, {"Percent", 100, 15}}
                        : std::vector<ScalingPolicy>{{"Percent", 100, 15}};
        return r;
    }
    if (rules.contains("stabilizationWindowSeconds") &&
        rules["stabilizationWindowSeconds"].is_number_integer())
        r.stabilization_window_seconds = rules["stabilizationWindowSeconds"].get<std::int32_t>();
    r.select_policy = rules.value("selectPolicy", "Max");
    if (rules.contains("policies") && rules["policies"].is_array()) {
        for (const sim::Json& p : rules["policies"])
            r.policies.push_back(
                {p.value("type", ""), p.value("value", 0), p.value("periodSeconds", 0)});
    } else {
        r.policies = parse_rules(sim::Json(), up).policies;
    }
    return r;
}

// getReplicasChangePerPeriod: the change of the events after now - period.
std::int32_t change_in_period(std::int32_t period_seconds, const std::vector<ScaleEvent>& events,
                              Nanos now) {
    const Nanos cutoff = now - period_seconds * kSecond;
    std::int32_t replicas = 0;
    for (const ScaleEvent& e : events)
        if (e.at > cutoff) replicas += e.change;
    return replicas;
}

std::int32_t longest_period(const ScalingRules& rules) {
    std::int32_t longest = 0;
    for (const ScalingPolicy& p : rules.policies)
        longest = std::max(longest, p.period_seconds);
    return longest;
}

void record(std::vector<ScaleEvent>& events, std::int32_t period_seconds, std::int32_t change,
            Nanos now) {
    // markScaleEventsOutdated, then reuse the first outdated slot.
    const Nanos cutoff = now - period_seconds * kSecond;
    for (ScaleEvent& e : events)
        if (e.at < cutoff) e.outdated = true;
    for (ScaleEvent& e : events)
        if (e.outdated) {
            e = {change, now, false};
            return;
        }
    events.push_back({change, now, false});
}

}  // namespace

Behavior parse_behavior(const sim::Json& behavior) {
    Behavior b;
    const sim::Json none;
    b.scale_up = parse_rules(behavior.is_object() ? behavior.value("scaleUp", none) : none, true);
    b.scale_down =
        parse_rules(behavior.is_object() ? behavior.value("scaleDown", none) : none, false);
    return b;
}

Normalized normalize_legacy(History& history, Nanos now, std::int32_t current,
                            std::int32_t proposed, std::int32_t min_replicas,
                            std::int32_t max_replicas, Nanos window) {
    Normalized out;
    // stabilizeRecommendation: the highest recommendation within the window; the new one
    // replaces one sample older than the window, if any.
    std::int32_t stabilized = proposed;
    const Nanos cutoff = now - window;
    std::optional<std::size_t> old_sample;
    for (std::size_t i = 0; i < history.recommendations.size(); ++i) {
        const Recommendation& r = history.recommendations[i];
        if (r.at < cutoff)
            old_sample = i;
        else
            stabilized = std::max(stabilized, r.replicas);
    }
    if (old_sample)
        history.recommendations[*old_sample] = {proposed, now};
    else
        history.recommendations.push_back({proposed, now});

    if (stabilized != proposed) {
        out.able_reason = "ScaleDownStabilized";
        out.able_message =
            "recent recommendations were higher than current one, applying the highest recent "
            "recommendation";
    } else {
        out.able_reason = "ReadyForNewScale";
        out.able_message = "recommended size matches current size";
    }

    // convertDesiredReplicasWithRules.
    const std::int32_t scale_up_limit = std::max(2 * current, 4);
    std::int32_t maximum = max_replicas;
    std::string limit_reason = "TooManyReplicas";
    std::string limit_message = "the desired replica count is more than the maximum replica count";
    if (max_replicas > scale_up_limit) {
        maximum = scale_up_limit;
        limit_reason = "ScaleUpLimit";
        limit_message =
            "the desired replica count is increasing faster than the maximum scale rate";
    }
    if (stabilized < min_replicas) {
        out.desired = min_replicas;
        out.limited_reason = "TooFewReplicas";
        out.limited_message = "the desired replica count is less than the minimum replica count";
    } else if (stabilized > maximum) {
        out.desired = maximum;
        out.limited_reason = limit_reason;
        out.limited_message = limit_message;
    } else {
        out.desired = stabilized;
        out.limited_reason = "DesiredWithinRange";
        out.limited_message = "the desired count is within the acceptable range";
    }
    out.limited = out.desired != stabilized;
    return out;
}

std::int32_t scale_up_limit(std::int32_t current, const std::vector<ScaleEvent>& ups,
                            const std::vector<ScaleEvent>& downs, const ScalingRules& rules,
                            Nanos now) {
    if (rules.select_policy == "Disabled") return current;
    const bool min_policy = rules.select_policy == "Min";
    std::int32_t result = min_policy ? std::numeric_limits<std::int32_t>::max()
                                     : std::numeric_limits<std::int32_t>::min();
    for (const ScalingPolicy& p : rules.policies) {
        const std::int32_t start = current - change_in_period(p.period_seconds, ups, now) +
                                   change_in_period(p.period_seconds, downs, now);
        std::int32_t proposed = 0;
        if (p.type == "Pods")
            proposed = start + p.value;
        else if (p.type == "Percent")
            proposed = static_cast<std::int32_t>(
                std::ceil(static_cast<double>(start) * (1 + static_cast<double>(p.value) / 100)));
        result = min_policy ? std::min(result, proposed) : std::max(result, proposed);
    }
    return result;
}

std::int32_t scale_down_limit(std::int32_t current, const std::vector<ScaleEvent>& ups,
                              const std::vector<ScaleEvent>& downs, const ScalingRules& rules,
                              Nanos now) {
    if (rules.select_policy == "Disabled") return current;
    // For scale-down, Min (the smallest change) is the highest limit, Max the lowest.
    const bool min_policy = rules.select_policy == "Min";
    std::int32_t result = min_policy ? std::numeric_limits<std::int32_t>::min()
                                     : std::numeric_limits<std::int32_t>::max();
    for (const ScalingPolicy& p : rules.policies) {
        const std::int32_t start = current - change_in_period(p.period_seconds, ups, now) +
                                   change_in_period(p.period_seconds, downs, now);
        std::int32_t proposed = 0;
        if (p.type == "Pods")
            proposed = start - p.value;
        else if (p.type == "Percent")
            proposed = static_cast<std::int32_t>(static_cast<double>(start) *
                                                 (1 - static_cast<double>(p.value) / 100));
        result = min_policy ? std::max(result, proposed) : std::min(result, proposed);
    }
    return result;
}

Normalized normalize_with_behavior(History& history, const Behavior& behavior, Nanos now,
                                   std::int32_t current, std::int32_t proposed,
                                   std::int32_t min_replicas, std::int32_t max_replicas,
                                   Nanos default_down_window) {
    Normalized out;
    // stabilizeRecommendationWithBehaviors.
    const Nanos up_window = behavior.scale_up.stabilization_window_seconds.value_or(0) * kSecond;
    const Nanos down_window = behavior.scale_down.stabilization_window_seconds
                                  ? *behavior.scale_down.stabilization_window_seconds * kSecond
                                  : default_down_window;  // maybeInitScaleDownStabilizationWindow
    const Nanos up_cutoff = now - up_window;
    const Nanos down_cutoff = now - down_window;
    std::int32_t up = proposed, down = proposed;
    std::optional<std::size_t> old_sample;
    for (std::size_t i = 0; i < history.recommendations.size(); ++i) {
        const Recommendation& r = history.recommendations[i];
        if (r.at > up_cutoff) up = std::min(up, r.replicas);
        if (r.at > down_cutoff) down = std::max(down, r.replicas);
        if (r.at < up_cutoff && r.at < down_cutoff) old_sample = i;
    }
    std::int32_t stabilized = current;
    if (stabilized < up) stabilized = up;
    if (stabilized > down) stabilized = down;
    if (old_sample)
        history.recommendations[*old_sample] = {proposed, now};
    else
        history.recommendations.push_back({proposed, now});

    if (stabilized != proposed) {
        if (proposed >= current) {
            out.able_reason = "ScaleUpStabilized";
            out.able_message =
                "recent recommendations were lower than current one, applying the lowest recent "
                "recommendation";
        } else {
            out.able_reason = "ScaleDownStabilized";
            out.able_message =
                "recent recommendations were higher than current one, applying the highest "
                "recent recommendation";
        }
    } else {
        out.able_reason = "ReadyForNewScale";
        out.able_message = "recommended size matches current size";
    }

    // convertDesiredReplicasWithBehaviorRate.
    out.desired = stabilized;
    out.limited_reason = "DesiredWithinRange";
    out.limited_message = "the desired count is within the acceptable range";
    if (stabilized > current) {
        const std::int32_t limit = std::max(
            scale_up_limit(current, history.scale_ups, history.scale_downs, behavior.scale_up, now),
            current);
        std::int32_t maximum = max_replicas;
        std::string reason = "TooManyReplicas";
        std::string message = "the desired replica count is more than the maximum replica count";
        if (maximum > limit) {
            maximum = limit;
            reason = "ScaleUpLimit";
            message = "the desired replica count is increasing faster than the maximum scale rate";
        }
        if (stabilized > maximum) {
            out.desired = maximum;
            out.limited_reason = reason;
            out.limited_message = message;
        }
    } else if (stabilized < current) {
        const std::int32_t limit =
            std::min(scale_down_limit(current, history.scale_ups, history.scale_downs,
                                      behavior.scale_down, now),
                     current);
        std::int32_t minimum = min_replicas;
        std::string reason = "TooFewReplicas";
        std::string message = "the desired replica count is less than the minimum replica count";
        if (minimum < limit) {
            minimum = limit;
            reason = "ScaleDownLimit";
            message = "the desired replica count is decreasing faster than the maximum scale rate";
        }
        if (stabilized < minimum) {
            out.desired = minimum;
            out.limited_reason = reason;
            out.limited_message = message;
        }
    }
    out.limited = out.desired != stabilized;
    return out;
}

void store_scale_event(History& history, const Behavior* behavior, Nanos now, std::int32_t previous,
                       std::int32_t next) {
    if (behavior == nullptr || next == previous) return;
    if (next > previous)
        record(history.scale_ups, longest_period(behavior->scale_up), next - previous, now);
    else
        record(history.scale_downs, longest_period(behavior->scale_down), previous - next, now);
}

}  // namespace sim::controller::hpa
