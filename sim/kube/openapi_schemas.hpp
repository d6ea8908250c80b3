// OpenAPI v3 component schemas for `kubectl explain` (k8s-semantics.md §2.3): kubectl 1.32
// explains from /openapi/v3/<group-version>, looking up the schema whose
// x-kubernetes-group-version-kind names the resource and following `properties`, `items` and
// `allOf: [{$ref}]` down the field path.
//
// Served: every registered kind gets a top-level schema (apiVersion, kind, metadata, and spec
// and status where it has them). Pod, Deployment, ReplicaSet, Service, Node, Namespace,
// ConfigMap, Secret, HorizontalPodAutoscaler and their common parts (ObjectMeta, PodSpec,
// Container, ...) have a subset of their real fields, described in our own words after the
// upstream API documentation (k8s.io/api types.go). SeldonDeployment has the fields of the
// v1 CRD (seldon-v1.md §2a), inlined as apiextensions publishes CRD schemas.
#pragma once

#include <string>

#include "sim/kernel/json.hpp"
#include "sim/kube/registry.hpp"

namespace sim::kube {

// components.schemas for one group-version: the schemas of its kinds and everything they
// reference (by "#/components/schemas/<name>").
sim::Json openapi_component_schemas(const Registry& registry, const std::string& group,
                                    const std::string& version);

}  // namespace sim::kube
