// Pod predicates the workload controllers share (pkg/api/v1/pod/util.go,
// pkg/controller/controller_utils.go), over unstructured pods.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/kernel/json.hpp"

namespace sim::controller {

using Json = sim::Json;

// Unix nanoseconds of a metav1.Time string; nullopt when absent or malformed.
std::optional<std::int64_t> parse_time(const Json& value);
// An integer field (absent, null or not an integer: `fallback`).
std::int64_t int_field(const Json& object, const char* field, std::int64_t fallback = 0);

std::string pod_phase(const Json& pod);
// controller.IsPodActive: not Succeeded, not Failed, not being deleted.
bool is_pod_active(const Json& pod);
// podutil.IsPodReady: the Ready condition is True.
bool is_pod_ready(const Json& pod);
// The Ready condition's lastTransitionTime when the pod is Ready.
std::optional<std::int64_t> pod_ready_time(const Json& pod);
// podutil.IsPodAvailable: Ready, and Ready for more than minReadySeconds at `now`.
bool is_pod_available(const Json& pod, std::int64_t min_ready_seconds, std::int64_t now_unix_nanos);

// ActivePodsWithRanks.Less (controller_utils.go, 1.32 with PodDeletionCost and
// LogarithmicScaleDown on): true when `a` should be deleted before `b`. `rank_*` is the number
// of related active pods on the pod's node.
bool pod_deletes_before(const Json& a, int rank_a, const Json& b, int rank_b,
                        std::int64_t now_unix_nanos);

// getPodsToDelete: the `count` pods of `pods` to delete first, ranked by how many pods of
// `related` (the pods of every ReplicaSet of the same owner) share their node.
std::vector<Json> pods_to_delete(const std::vector<Json>& pods, const std::vector<Json>& related,
                                 std::size_t count, std::int64_t now_unix_nanos);

}  // namespace sim::controller
