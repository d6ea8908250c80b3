// Server-side Table output (k8s-semantics.md §2.4): the default columns kubectl 1.32 prints
// for pods, deployments, replicasets, services, nodes, namespaces and custom resources
// (Name, Age), with PartialObjectMetadata row objects.
#pragma once

#include <cstdint>
#include <string>

#include "sim/kernel/json.hpp"
#include "sim/kube/registry.hpp"

namespace sim::kube {

// apimachinery/pkg/util/duration HumanDuration.
std::string human_duration(std::int64_t nanos);

// Does an Accept header ask for meta.k8s.io Table?
bool accepts_table(const std::string& accept);

// A Table of one object or of a List's items; now_unix_nanos computes the Age cells.
sim::Json to_table(const ResourceInfo& resource, const sim::Json& object_or_list,
                   std::int64_t now_unix_nanos);

}  // namespace sim::kube
