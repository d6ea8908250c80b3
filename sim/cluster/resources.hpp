// Pod resource requests as the scheduler and kubelet count them (k8s-semantics.md §3e):
// the sum over containers, or the largest init container when that is larger, per resource
// (k8s.io/component-helpers/resource PodRequests), plus the "non-zero" variant used only for
// scoring (pkg/scheduler/util/pod_resources.go: 100m CPU / 200Mi memory for a container that
// sets no request).
#pragma once

#include <cstdint>
#include <string>

#include "sim/kernel/json.hpp"

namespace sim::cluster {

struct Resources {
    std::int64_t milli_cpu = 0;
    std::int64_t memory_bytes = 0;
    bool operator==(const Resources&) const = default;
};

// pkg/scheduler/util/pod_resources.go DefaultMilliCPURequest / DefaultMemoryRequest.
inline constexpr std::int64_t kDefaultMilliCpuRequest = 100;
inline constexpr std::int64_t kDefaultMemoryRequest = 200LL * 1024 * 1024;

// The pod's effective requests (requests; a limit stands in for a missing request, as the
// API server's defaulting copies limits into requests).
Resources pod_requests(const sim::Json& pod);
// The same with each container's missing cpu/memory request counted as the defaults above.
Resources pod_non_zero_requests(const sim::Json& pod);

// Node allocatable (status.allocatable, falling back to capacity): cpu, memory, pods.
struct Allocatable {
    std::int64_t milli_cpu = 0;
    std::int64_t memory_bytes = 0;
    std::int64_t pods = 0;
    bool operator==(const Allocatable&) const = default;
};
Allocatable node_allocatable(const sim::Json& node);

}  // namespace sim::cluster
