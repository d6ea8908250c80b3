// Version conversion between a resource's served versions and its storage version.
// Custom resources use conversion strategy None (only apiVersion changes, as the Seldon CRD
// declares); HorizontalPodAutoscaler converts autoscaling/v1 <-> v2 for the CPU target and
// the current CPU utilization (pkg/apis/autoscaling/v1/conversion.go), the rest of v2 is
// not representable in v1 and is dropped on the way out.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

#include "sim/kube/registry.hpp"

namespace sim::kube {

nlohmann::json to_storage_version(const ResourceInfo& resource, nlohmann::json object,
                                  std::string_view from_version);
nlohmann::json from_storage_version(const ResourceInfo& resource, nlohmann::json object,
                                    std::string_view to_version);

}  // namespace sim::kube
