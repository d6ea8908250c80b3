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

// A running total the sink keeps for one container's CPU time or one pod's answered requests,
// resolved once by name so that a report on the hot path is one call (no names compared).
class UsageMeter {
  public:
    virtual ~UsageMeter() = default;
    // The same as the name-based report it stands for, at the current virtual instant.
    virtual void add(std::int64_t amount) = 0;
};

class PodUsageSink {
  public:
    virtual ~PodUsageSink() = default;
    // `container` spent `cpu` of CPU time serving requests, at the current virtual instant.
    virtual void add_cpu(std::string_view ns, std::string_view pod, std::string_view container,
                         kernel::Nanos cpu) = 0;
    // `pod` answered `count` requests at the current virtual instant (for the per-pod
    // `requests_per_second` custom metric).
    virtual void add_requests(std::string_view ns, std::string_view pod, std::uint64_t count) = 0;

    // Meters for add_cpu(ns, pod, container, ...) and add_requests(ns, pod, ...): they live as
    // long as the sink. nullptr (the default): the sink has none, report by name.
    virtual UsageMeter* cpu_meter(std::string_view /*ns*/, std::string_view /*pod*/,
                                  std::string_view /*container*/) {
        return nullptr;
    }
    virtual UsageMeter* requests_meter(std::string_view /*ns*/, std::string_view /*pod*/) {
        return nullptr;
    }
};

// One reporter's cached meter, resolved on first use. `sink_epoch` names the sink the caller
// reports to (the caller bumps it whenever it is given another sink, so a meter of a sink that
// is gone is never used, even if a new sink lands at the same address).
class CachedUsageMeter {
  public:
    void add_cpu(PodUsageSink& sink, std::uint64_t sink_epoch, std::string_view ns,
                 std::string_view pod, std::string_view container, kernel::Nanos cpu) {
        if (epoch_ != sink_epoch + 1) {
            epoch_ = sink_epoch + 1;
            meter_ = sink.cpu_meter(ns, pod, container);
        }
        if (!meter_)
            sink.add_cpu(ns, pod, container, cpu);
        else if (cpu > 0)
            meter_->add(cpu);
    }
    void add_requests(PodUsageSink& sink, std::uint64_t sink_epoch, std::string_view ns,
                      std::string_view pod, std::uint64_t count) {
        if (epoch_ != sink_epoch + 1) {
            epoch_ = sink_epoch + 1;
            meter_ = sink.requests_meter(ns, pod);
        }
        if (!meter_)
            sink.add_requests(ns, pod, count);
        else if (count > 0)
            meter_->add(static_cast<std::int64_t>(count));
    }

  private:
    std::uint64_t epoch_ = 0;  // sink_epoch + 1 of the sink meter_ belongs to; 0: none yet
    UsageMeter* meter_ = nullptr;
};

}  // namespace sim::cluster
