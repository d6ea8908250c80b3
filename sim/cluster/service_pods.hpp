// What the Endpoints and EndpointSlice controllers both ask of a Service and its pods: its
// selector, which pods it picks, which Services a pod change concerns, and which container
// port a Service port reaches on a pod.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/kernel/json.hpp"
#include "sim/kube/informer.hpp"

namespace sim::cluster {

// A Service's selector (a plain label map, every pair equal) matches the pod's labels.
bool service_selects(const sim::Json& selector, const sim::Json& pod);

// A Service's label selector when it has one (a non-empty map), else null: a Service without
// a selector gets no controller-managed endpoints (the user manages them).
const sim::Json* service_selector(const sim::Json& service);

// The keys ("ns/name") of the cached Services in the pod's namespace whose selector picks the
// pod, in key order: the Services a change of that pod concerns.
std::vector<std::string> services_selecting(const kube::Informer& services, const sim::Json& pod);

// The cached pods of namespace `ns` the selector picks, in key order.
std::vector<sim::Json> pods_selected(const kube::Informer& pods, const std::string& ns,
                                     const sim::Json& selector);

// The container port a Service port's targetPort (number or name; the port when unset) names
// on this pod (podutil.FindPort); nullopt when a named port is not on the pod.
std::optional<std::int64_t> resolve_target_port(const sim::Json& pod,
                                                const sim::Json& service_port);

}  // namespace sim::cluster
