// Node objects as a kubelet registers them: labels, taints, capacity, allocatable, the node
// conditions and nodeInfo (k8s-semantics.md §3d, §3f). The kubelet and node-lifecycle
// controller keep them current once those arrive; here they start Ready.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sim/kernel/json.hpp"
#include "sim/kube/quantity.hpp"

namespace sim::cluster {

struct NodeTaint {
    std::string key;
    std::string value;   // may be empty
    std::string effect;  // NoSchedule, PreferNoSchedule, NoExecute
};

struct NodeSpec {
    std::string name;
    int ordinal = 1;  // 1-based position in the cluster: the node's address is 10.0.0.<ordinal+1>
    kube::Quantity cpu;
    kube::Quantity memory;
    kube::Quantity pods;
    std::vector<std::pair<std::string, std::string>> labels;  // beside the well-known ones
    std::vector<NodeTaint> taints;
};

// The kubelet version the simulated nodes report (Kubernetes 1.32).
inline constexpr std::string_view kKubeletVersion = "v1.32.0";

// The Node as created (metadata + spec).
sim::Json node_object(const NodeSpec& spec);
// Its status as the kubelet first posts it: Ready, no pressure, capacity == allocatable.
sim::Json node_status(const NodeSpec& spec, const std::string& now_rfc3339);

}  // namespace sim::cluster
