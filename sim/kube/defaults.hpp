// Defaulting applied to incoming objects (k8s-semantics.md §1.13): what the real API server's
// scheme defaulters (pkg/apis/{apps,core,autoscaling}/v1/defaults.go) and the
// DefaultTolerationSeconds admission plugin add. Works on storage-version JSON.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

namespace sim::kube {

// Applies the defaults for `kind` in place (kinds without defaults are left alone).
void apply_defaults(std::string_view kind, nlohmann::json& object);

// The pieces, for tests and for controllers that build templates.
void default_pod_spec(nlohmann::json& spec);
void default_container(nlohmann::json& container);
void default_probe(nlohmann::json& probe);
void default_tolerations_seconds(nlohmann::json& pod_spec);  // DefaultTolerationSeconds
void default_deployment(nlohmann::json& deployment);
void default_replica_set(nlohmann::json& replica_set);
void default_service(nlohmann::json& service);
void default_hpa_v2(nlohmann::json& hpa);

}  // namespace sim::kube
