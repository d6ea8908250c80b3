// Version conversion between a resource's served versions and its storage version.
// Custom resources use conversion strategy None (only apiVersion changes, as the Seldon CRD
// declares); HorizontalPodAutoscaler converts autoscaling/v1 <-> v2 for the CPU target and
// the current CPU utilization (pkg/apis/autoscaling/v1/conversion.go), the rest of v2 is
// not representable in v1 and is dropped on the way out.
#pragma once

#include <string_view>

#include "sim/kernel/json.hpp"
#include "sim/kube/registry.hpp"

namespace sim::kube {

sim::Json to_storage_version(const ResourceInfo& resource, sim::Json object,
                             std::string_view from_version);
sim::Json from_storage_version(const ResourceInfo& resource, sim::Json object,
                               std::string_view to_version);

}  // namespace sim::kube
