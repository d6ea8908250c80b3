// The HPA's replica calculator (pkg/controller/podautoscaler/replica_calculator.go and
// metrics/utilization.go, Kubernetes 1.32; k8s-semantics.md §3c), as pure functions over
// unstructured pods and per-pod metric samples, so table tests can check every rule:
// pod grouping (ignored / unready / missing / ready), the tolerance band, the missing-metric
// fallbacks and the unready-pod rule on scale-up.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/kernel/json.hpp"
#include "sim/kernel/time.hpp"

namespace sim::controller::hpa {

using Json = sim::Json;

// One pod's sample: the metric in milli-units (millicores, milli-bytes, milli-requests per
// second), when it was taken and over which window (PodMetrics timestamp and window).
struct PodMetric {
    std::int64_t milli = 0;
    std::int64_t timestamp_unix_nanos = 0;
    sim::kernel::Nanos window = 0;
};
using PodMetrics = std::map<std::string, PodMetric>;  // by pod name

// kube-controller-manager flags (podautoscaler/config/v1alpha1/defaults.go).
struct CalculatorConfig {
    double tolerance = 0.1;  // --horizontal-pod-autoscaler-tolerance
    sim::kernel::Nanos cpu_initialization_period =
        5 * sim::kernel::kMinute;  // ...-cpu-initialization-period
    sim::kernel::Nanos initial_readiness_delay =
        30 * sim::kernel::kSecond;  // ...-initial-readiness-delay
};

struct PodGroups {
    std::int64_t ready = 0;
    std::set<std::string> unready;
    std::set<std::string> missing;
    std::set<std::string> ignored;
};

// groupPods: being deleted or Failed -> ignored; Pending -> unready; no sample -> missing;
// for cpu only, the readiness rules of the initialization period; everything else ready.
PodGroups group_pods(const std::vector<Json>& pods, const PodMetrics& metrics, bool cpu,
                     std::int64_t now_unix_nanos, const CalculatorConfig& config);

// A metric's proposal: replicas, plus what the status reports. `error` set: no proposal.
struct Proposal {
    std::int32_t replicas = 0;
    std::int64_t utilization_percent = 0;  // Resource Utilization only
    std::int64_t usage_milli = 0;          // average (or object) value in milli-units
    std::int64_t timestamp_unix_nanos = 0;
    std::string error;
};

// GetResourceReplicas: a Resource metric with a Utilization target (percent of request).
Proposal resource_utilization_replicas(std::int32_t current_replicas,
                                       std::int32_t target_utilization, const std::string& resource,
                                       PodMetrics metrics, const std::vector<Json>& pods,
                                       std::int64_t now_unix_nanos, const CalculatorConfig& config);

// GetRawResourceReplicas / GetMetricReplicas (calcPlainMetricReplicas): a Resource metric with
// an AverageValue target (`resource` "cpu" or "memory"), or a Pods metric (`resource` "").
Proposal plain_metric_replicas(std::int32_t current_replicas, std::int64_t target_milli,
                               const std::string& resource, PodMetrics metrics,
                               const std::vector<Json>& pods, std::int64_t now_unix_nanos,
                               const CalculatorConfig& config);

// GetObjectMetricReplicas (getUsageRatioReplicaCount): an Object metric with a Value target.
Proposal object_value_replicas(std::int32_t current_replicas, std::int64_t usage_milli,
                               std::int64_t target_milli, const std::vector<Json>& pods,
                               const CalculatorConfig& config);

// GetObjectPerPodMetricReplicas: an Object metric with an AverageValue target.
Proposal object_average_replicas(std::int32_t status_replicas, std::int64_t usage_milli,
                                 std::int64_t target_average_milli, const CalculatorConfig& config);

}  // namespace sim::controller::hpa
