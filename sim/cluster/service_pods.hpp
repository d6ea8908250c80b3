// What the Endpoints and EndpointSlice controllers both ask of a Service and its pods: which
// pods its selector picks, and which container port a Service port reaches on a pod.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>

namespace sim::cluster {

// A Service's selector (a plain label map, every pair equal) matches the pod's labels.
bool service_selects(const nlohmann::json& selector, const nlohmann::json& pod);

// The container port a Service port's targetPort (number or name; the port when unset) names
// on this pod (podutil.FindPort); nullopt when a named port is not on the pod.
std::optional<std::int64_t> resolve_target_port(const nlohmann::json& pod,
                                                const nlohmann::json& service_port);

}  // namespace sim::cluster
