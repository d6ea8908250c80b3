// Pure helpers of the Deployment controller (pkg/controller/deployment/util/deployment_util.go,
// pkg/controller/controller_utils.go ComputeHash, apimachinery rand.SafeEncodeString,
// intstr.GetScaledValueFromIntOrPercent), over unstructured objects so tests can table them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/kernel/json.hpp"

namespace sim::controller {

using Json = sim::Json;

inline constexpr const char* kRevisionAnnotation = "deployment.kubernetes.io/revision";
inline constexpr const char* kRevisionHistoryAnnotation =
    "deployment.kubernetes.io/revision-history";
inline constexpr const char* kDesiredReplicasAnnotation =
    "deployment.kubernetes.io/desired-replicas";
inline constexpr const char* kMaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
inline constexpr const char* kPodTemplateHashLabel = "pod-template-hash";

// rand.SafeEncodeString: each byte mapped through "bcdfghjklmnpqrstvwxz2456789" (mod 27).
std::string safe_encode_string(const std::string& text);
// FNV-1a 32-bit.
std::uint32_t fnv32a(const std::string& bytes, std::uint32_t hash = 2166136261u);
// controller.ComputeHash: FNV-32a of the template (here its canonical JSON; Go hashes a
// spew dump, which cannot be reproduced byte for byte) and, when set, collisionCount as
// 4 little-endian bytes of an 8-byte buffer; the decimal uint32 is safe-encoded.
std::string compute_hash(const Json& pod_template, std::optional<std::int64_t> collision_count);

// intstr.GetScaledValueFromIntOrPercent; throws std::invalid_argument on a malformed value.
std::int64_t scaled_value(const Json& int_or_percent, std::int64_t total, bool round_up);

struct Fenceposts {
    std::int64_t max_surge = 0;
    std::int64_t max_unavailable = 0;
};
// ResolveFenceposts: surge rounds up, unavailable down, both 0 -> unavailable 1.
Fenceposts resolve_fenceposts(const Json& max_surge, const Json& max_unavailable,
                              std::int64_t desired);

// Accessors on a Deployment.
std::int64_t deployment_replicas(const Json& d);
bool is_rolling_update(const Json& d);
// MaxSurge(d) and MaxUnavailable(d) (0 when not RollingUpdate; unavailable <= replicas).
std::int64_t max_surge(const Json& d);
std::int64_t max_unavailable(const Json& d);

// Accessors on a ReplicaSet.
std::int64_t rs_spec_replicas(const Json& rs);
std::int64_t rs_status_field(const Json& rs, const char* field);
std::int64_t rs_revision(const Json& rs);  // 0 when absent or malformed
std::optional<std::int64_t> int_annotation(const Json& object, const char* key);

// Orderings (controller_utils.go, deployment_util.go).
bool rs_older(const Json& a, const Json& b);  // ReplicaSetsByCreationTimestamp (name breaks ties)
void sort_by_creation(std::vector<Json>& rss);
void sort_by_revision(std::vector<Json>& rss);

// EqualIgnoreHash: templates equal once the pod-template-hash label is dropped.
bool equal_ignore_hash(const Json& template_a, const Json& template_b);

// NewRSNewReplicas for RollingUpdate: the new RS's size after one scale-up step.
std::int64_t new_rs_new_replicas(const Json& d, const std::vector<Json>& all_rss,
                                 const Json& new_rs);

// getReplicaSetFraction / GetProportion of proportional scaling.
std::int64_t replica_set_fraction(const Json& rs, const Json& d);
std::int64_t proportion(const Json& rs, const Json& d, std::int64_t to_add, std::int64_t added);

// Sums over ReplicaSets.
std::int64_t sum_spec_replicas(const std::vector<Json>& rss);
std::int64_t sum_status(const std::vector<Json>& rss, const char* field);

}  // namespace sim::controller
