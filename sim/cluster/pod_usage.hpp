// The seam between the request path and the metrics-server: what serving requests cost each
// container. The request path reports every request a container served and the CPU time it
// spent; the metrics-server (sim/cluster/metrics_server) turns these into PodMetrics usage
// (plus an idle baseline) over its sampling window, so load really drives the HPA.
// Either side may be absent: a run without an HPA needs no metrics-server, and a unit test of
// the metrics-server feeds it directly.
#pragma once

#include <cstdint>
#include <string_view>

#include "sim/kernel/time.hpp"

namespace sim::cluster {

class PodUsageSink {
  public:
    virtual ~PodUsageSink() = default;
    // `container` spent `cpu` of CPU time serving requests, at the current virtual instant.
    virtual void add_cpu(std::string_view ns, std::string_view pod, std::string_view container,
                         kernel::Nanos cpu) = 0;
    // `pod` answered `count` requests at the current virtual instant (for the per-pod
    // `requests_per_second` custom metric).
    virtual void add_requests(std::string_view ns, std::string_view pod, std::uint64_t count) = 0;
};

}  // namespace sim::cluster
