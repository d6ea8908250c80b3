// Legacy discovery documents built from the registry (k8s-semantics.md §2.2): /api,
// /apis, and the APIResourceList of each group-version. The HTTP face serves them as they
// are; kubectl's plain (non-aggregated) discovery works from these.
#pragma once

#include <string>
#include <string_view>

#include "sim/kernel/json.hpp"
#include "sim/kube/registry.hpp"

namespace sim::kube {

// GET /api: {"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[...]}
sim::Json api_versions(std::string_view server_address);
// GET /apis: every named group, versions in priority order, the first preferred.
sim::Json api_group_list(const Registry& registry);
// GET /api/v1 or /apis/<group>/<version>. Built-in lists are sorted by name (with
// subresources after their resource); CRD lists keep apiextensions' order (resource,
// status, scale). Returns null when nothing is served at that group-version.
sim::Json api_resource_list(const Registry& registry, std::string_view group,
                            std::string_view version);

}  // namespace sim::kube
