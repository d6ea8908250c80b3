// Defaulting applied to incoming objects (k8s-semantics.md §1.13): what the real API server's
// scheme defaulters (pkg/apis/{apps,core,autoscaling}/v1/defaults.go) and the
// DefaultTolerationSeconds admission plugin add. Works on storage-version JSON.
#pragma once

#include <string_view>

#include "sim/kernel/json.hpp"

namespace sim::kube {

// Applies the defaults for `kind` in place (kinds without defaults are left alone).
void apply_defaults(std::string_view kind, sim::Json& object);

// The pieces, for tests and for controllers that build templates.
void default_pod_spec(sim::Json& spec);
void default_container(sim::Json& container);
void default_probe(sim::Json& probe);
void default_tolerations_seconds(sim::Json& pod_spec);  // DefaultTolerationSeconds
void default_deployment(sim::Json& deployment);
void default_replica_set(sim::Json& replica_set);
void default_service(sim::Json& service);
void default_hpa_v2(sim::Json& hpa);

}  // namespace sim::kube
