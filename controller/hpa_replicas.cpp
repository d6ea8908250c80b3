#include "controller/hpa_replicas.hpp"

#include <cmath>
#include <optional>

#include "controller/pod_util.hpp"
#include "sim/kube/quantity.hpp"

namespace sim::controller::hpa {
namespace {

const Json* ready_condition(const Json& pod) {
    const auto it = pod.find("status");
    if (it == pod.end() || !it->is_object() || !it->contains("conditions")) return nullptr;
    for (const Json& c : (*it)["conditions"])
        if (c.value("type", "") == "Ready") return &c;
    return nullptr;
}

std::string pod_name(const Json& pod) {
    return pod.value("metadata", Json::object()).value("name", "");
}

bool being_deleted(const Json& pod) {
    const Json m = pod.value("metadata", Json::object());
    return m.contains("deletionTimestamp") && !m["deletionTimestamp"].is_null();
}

// The cpu-only readiness rule of groupPods.
bool cpu_unready(const Json& pod, const PodMetric& metric, std::int64_t now,
                 const CalculatorConfig& config) {
    const Json* ready = ready_condition(pod);
    const auto start = parse_time(pod.value("status", Json::object()).value("startTime", Json()));
    if (ready == nullptr || !start) return true;
    const bool ready_false = ready->value("status", "") == "False";
    const std::int64_t transition =
        parse_time(ready->value("lastTransitionTime", Json())).value_or(0);
    if (*start + config.cpu_initialization_period > now) {
        // Still initializing: ignore the sample unless it was taken over a whole window after
        // the pod's last readiness change.
        return ready_false || metric.timestamp_unix_nanos < transition + metric.window;
    }
    // Unready and never ready since it started (within the initial readiness delay).
    return ready_false && *start + config.initial_readiness_delay > transition;
}

// calculatePodRequests: milli requests per pod; every container must request `resource`.
std::optional<std::map<std::string, std::int64_t>> pod_requests(const std::vector<Json>& pods,
                                                                const std::string& resource,
                                                                std::string& error) {
    std::map<std::string, std::int64_t> out;
    for (const Json& pod : pods) {
        std::int64_t sum = 0;
        const Json containers =
            pod.value("spec", Json::object()).value("containers", Json::array());
        for (const Json& c : containers) {
            const Json requests =
                c.value("resources", Json::object()).value("requests", Json::object());
            const auto it = requests.find(resource);
            std::optional<sim::kube::Quantity> q;
            if (it != requests.end() && it->is_string())
                q = sim::kube::parse_quantity(it->get<std::string>());
            if (it != requests.end() && it->is_number())
                q = sim::kube::Quantity{static_cast<std::int64_t>(it->get<double>() * 1000)};
            if (!q) {
                error = "missing request for " + resource + " in container " + c.value("name", "") +
                        " of Pod " + pod_name(pod);
                return std::nullopt;
            }
            sum += q->milli;
        }
        out[pod_name(pod)] = sum;
    }
    return out;
}

struct Ratio {
    double ratio = 0;
    std::int64_t utilization = 0;
    std::int64_t raw_average = 0;
    std::string error;
};

// GetResourceUtilizationRatio: the utilization is an int32 percent (truncated), and the ratio
// is taken from that integer.
Ratio utilization_ratio(const PodMetrics& metrics,
                        const std::map<std::string, std::int64_t>& requests, std::int32_t target) {
    std::int64_t metrics_total = 0, requests_total = 0, entries = 0;
    for (const auto& [name, m] : metrics) {
        const auto r = requests.find(name);
        if (r == requests.end()) continue;
        metrics_total += m.milli;
        requests_total += r->second;
        ++entries;
    }
    if (requests_total == 0) return {0, 0, 0, "no metrics returned matched known pods"};
    const auto utilization = static_cast<std::int32_t>(metrics_total * 100 / requests_total);
    return {static_cast<double>(utilization) / target, utilization, metrics_total / entries, {}};
}

// GetMetricUsageRatio: the average is an integer division of milli-values.
Ratio usage_ratio(const PodMetrics& metrics, std::int64_t target) {
    std::int64_t total = 0;
    for (const auto& [name, m] : metrics)
        total += m.milli;
    const std::int64_t average = total / static_cast<std::int64_t>(metrics.size());
    return {static_cast<double>(average) / static_cast<double>(target), 0, average, {}};
}

void remove(PodMetrics& metrics, const std::set<std::string>& pods) {
    for (const std::string& p : pods)
        metrics.erase(p);
}

std::int64_t first_timestamp(const PodMetrics& metrics) {
    return metrics.empty() ? 0 : metrics.begin()->second.timestamp_unix_nanos;
}

bool within_tolerance(double ratio, const CalculatorConfig& config) {
    return std::abs(1.0 - ratio) <= config.tolerance;
}

// The shared tail of GetResourceReplicas and calcPlainMetricReplicas: given the first ratio,
// fill in missing and unready pods, recompute, and refuse a flip or a move against the ratio.
template <typename Recompute, typename Fallback>
std::int32_t rebalance(std::int32_t current, double ratio, std::int64_t ready_count,
                       const PodGroups& groups, PodMetrics& metrics, Fallback fallback_for,
                       Recompute recompute, const CalculatorConfig& config) {
    const bool scale_up_with_unready = !groups.unready.empty() && ratio > 1.0;
    if (!scale_up_with_unready && groups.missing.empty()) {
        if (within_tolerance(ratio, config)) return current;
        return static_cast<std::int32_t>(std::ceil(ratio * static_cast<double>(ready_count)));
    }
    // At a ratio of exactly 1 the real code fills in neither branch: missing pods stay out.
    if (ratio < 1.0 || ratio > 1.0)
        for (const std::string& p : groups.missing)
            metrics[p] = PodMetric{ratio < 1.0 ? fallback_for(p) : 0, 0, 0};
    if (scale_up_with_unready)
        for (const std::string& p : groups.unready)
            metrics[p] = PodMetric{0, 0, 0};
    const double new_ratio = recompute(metrics);
    if (within_tolerance(new_ratio, config) || (ratio < 1.0 && new_ratio > 1.0) ||
        (ratio > 1.0 && new_ratio < 1.0))
        return current;
    const auto replicas =
        static_cast<std::int32_t>(std::ceil(new_ratio * static_cast<double>(metrics.size())));
    if ((new_ratio < 1.0 && replicas > current) || (new_ratio > 1.0 && replicas < current))
        return current;
    return replicas;
}

}  // namespace

PodGroups group_pods(const std::vector<Json>& pods, const PodMetrics& metrics, bool cpu,
                     std::int64_t now, const CalculatorConfig& config) {
    PodGroups g;
    for (const Json& pod : pods) {
        const std::string name = pod_name(pod);
        const std::string phase = pod_phase(pod);
        if (being_deleted(pod) || phase == "Failed") {
            g.ignored.insert(name);
            continue;
        }
        if (phase == "Pending") {
            g.unready.insert(name);
            continue;
        }
        const auto m = metrics.find(name);
        if (m == metrics.end()) {
            g.missing.insert(name);
            continue;
        }
        if (cpu && cpu_unready(pod, m->second, now, config)) {
            g.unready.insert(name);
            continue;
        }
        ++g.ready;
    }
    return g;
}

namespace {

// The common start of GetResourceReplicas and calcPlainMetricReplicas: group the pods, drop
// the metrics of ignored and unready ones; nullopt (with `error` set) when nothing is left.
std::optional<PodGroups> usable_metrics(const std::vector<Json>& pods, PodMetrics& metrics,
                                        bool cpu, std::int64_t now, const CalculatorConfig& config,
                                        std::string& error) {
    if (pods.empty()) {
        error = "no pods returned by selector while calculating replica count";
        return std::nullopt;
    }
    PodGroups groups = group_pods(pods, metrics, cpu, now, config);
    remove(metrics, groups.ignored);
    remove(metrics, groups.unready);
    if (metrics.empty()) {
        error = "did not receive metrics for targeted pods (pods might be unready)";
        return std::nullopt;
    }
    return groups;
}

}  // namespace

Proposal resource_utilization_replicas(std::int32_t current, std::int32_t target,
                                       const std::string& resource, PodMetrics metrics,
                                       const std::vector<Json>& pods, std::int64_t now,
                                       const CalculatorConfig& config) {
    Proposal out;
    const auto groups = usable_metrics(pods, metrics, resource == "cpu", now, config, out.error);
    if (!groups) return out;
    std::string error;
    const auto requests = pod_requests(pods, resource, error);
    if (!requests) {
        out.error = error;
        return out;
    }
    const Ratio first = utilization_ratio(metrics, *requests, target);
    if (!first.error.empty()) {
        out.error = first.error;
        return out;
    }
    out.utilization_percent = first.utilization;
    out.usage_milli = first.raw_average;
    out.timestamp_unix_nanos = first_timestamp(metrics);
    // Missing pods are assumed at max(100, target)% of their request when scaling down.
    const std::int64_t fallback_percent = std::max<std::int64_t>(100, target);
    out.replicas = rebalance(
        current, first.ratio, groups->ready, *groups, metrics,
        [&](const std::string& p) { return requests->at(p) * fallback_percent / 100; },
        [&](const PodMetrics& m) { return utilization_ratio(m, *requests, target).ratio; }, config);
    return out;
}

Proposal plain_metric_replicas(std::int32_t current, std::int64_t target,
                               const std::string& resource, PodMetrics metrics,
                               const std::vector<Json>& pods, std::int64_t now,
                               const CalculatorConfig& config) {
    Proposal out;
    const auto groups = usable_metrics(pods, metrics, resource == "cpu", now, config, out.error);
    if (!groups) return out;
    const Ratio first = usage_ratio(metrics, target);
    out.usage_milli = first.raw_average;
    out.timestamp_unix_nanos = first_timestamp(metrics);
    // Missing pods are assumed at the target when scaling down.
    out.replicas = rebalance(
        current, first.ratio, groups->ready, *groups, metrics,
        [&](const std::string&) { return target; },
        [&](const PodMetrics& m) { return usage_ratio(m, target).ratio; }, config);
    return out;
}

Proposal object_value_replicas(std::int32_t current, std::int64_t usage, std::int64_t target,
                               const std::vector<Json>& pods, const CalculatorConfig& config) {
    Proposal out;
    out.usage_milli = usage;
    const double ratio = static_cast<double>(usage) / static_cast<double>(target);
    if (current == 0) {
        out.replicas = static_cast<std::int32_t>(std::ceil(ratio));
        return out;
    }
    if (within_tolerance(ratio, config)) {
        out.replicas = current;
        return out;
    }
    if (pods.empty()) {
        out.error =
            "unable to calculate ready pods: no pods returned by selector while "
            "calculating replica count";
        return out;
    }
    std::int64_t ready = 0;
    for (const Json& p : pods)
        if (pod_phase(p) == "Running" && is_pod_ready(p)) ++ready;
    out.replicas = static_cast<std::int32_t>(std::ceil(ratio * static_cast<double>(ready)));
    return out;
}

Proposal object_average_replicas(std::int32_t status_replicas, std::int64_t usage,
                                 std::int64_t target_average, const CalculatorConfig& config) {
    Proposal out;
    out.replicas = status_replicas;
    const double ratio = static_cast<double>(usage) / (static_cast<double>(target_average) *
                                                       static_cast<double>(status_replicas));
    if (std::abs(1.0 - ratio) > config.tolerance)
        out.replicas = static_cast<std::int32_t>(
            std::ceil(static_cast<double>(usage) / static_cast<double>(target_average)));
    out.usage_milli = status_replicas == 0
                          ? usage
                          : static_cast<std::int64_t>(std::ceil(
                                static_cast<double>(usage) / static_cast<double>(status_replicas)));
    return out;
}

}  // namespace sim::controller::hpa
