// What the HPA controller reads besides the API objects: the custom metrics API.
//
// Resource metrics (cpu, memory) come through the API server like in a real cluster: the HPA
// lists metrics.k8s.io/v1beta1 PodMetrics with its client (served by the metrics-server as an
// aggregated API; see sim/cluster/metrics_server.hpp). The custom metrics API
// (custom.metrics.k8s.io, served by an adapter such as prometheus-adapter in a real cluster)
// is emulated more simply: a reader interface the metrics-server implements, with the same
// answers the adapter would give (one sample per pod; one value per described object).
#pragma once

#include <cstdint>
#include <string>

#include "controller/hpa_replicas.hpp"
#include "sim/kernel/json.hpp"
#include "sim/kube/selectors.hpp"

namespace sim::controller::hpa {

struct PodMetricsAnswer {
    PodMetrics metrics;  // by pod name
    std::string error;   // non-empty: the API answered with an error
};

struct ObjectMetricAnswer {
    std::int64_t milli = 0;
    std::int64_t timestamp_unix_nanos = 0;
    std::string error;
};

class CustomMetricsSource {
  public:
    virtual ~CustomMetricsSource() = default;
    // GetRawMetric: `metric` of every pod in `ns` matching `selector`.
    virtual PodMetricsAnswer pod_metric(const std::string& ns, const std::string& metric,
                                        const sim::kube::LabelSelector& selector) const = 0;
    // GetObjectMetric: `metric` describing one object (`described` is the HPA's
    // describedObject: apiVersion, kind, name) in `ns`.
    virtual ObjectMetricAnswer object_metric(const std::string& ns, const sim::Json& described,
                                             const std::string& metric) const = 0;
};

}  // namespace sim::controller::hpa
