// PodTopologySpread scoring with the system default constraints (pkg/scheduler/framework/
// plugins/podtopologyspread/scoring.go, 1.32; k8s-semantics.md §3e): for a pod that declares no
// topologySpreadConstraints, kubernetes.io/hostname maxSkew 3 and topology.kubernetes.io/zone
// maxSkew 5, both ScheduleAnyway (scoring only), over the pods that the pod's default selector
// matches (helper.DefaultSelector: the selectors of the Services selecting the pod, merged,
// plus its controlling ReplicaSet's selector).
//
//   raw(node)  = Σ over constraints whose key the node has:
//                  count × log(size + 2) + (maxSkew − 1)
//   count      = matching pods (same namespace, not terminating) on the node (hostname) or in
//                the node's zone (zone: summed over every node that matches the pod's
//                nodeSelector / required affinity, nodeAffinityPolicy Honor)
//   size       = feasible nodes (hostname) or distinct zones among them (zone)
//   normalized = 100 × (max + min − raw) / max (100 for every node when max is 0)
// Fewer matching pods score higher, so replicas spread over nodes and zones. Weight 2.
//
// SpreadIndex keeps the counts incrementally: assigned pods grouped by (namespace, label set),
// each group with its per-node counts, so a scheduling attempt looks at label groups, never at
// every pod.
#pragma once

#include "sim/kernel/byte_order.hpp"
#include "sim/kernel/json.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/kube/selectors.hpp"

namespace sim::cluster {

struct SchedNode;

inline constexpr const char* kLabelHostname = "kubernetes.io/hostname";
inline constexpr const char* kLabelZone = "topology.kubernetes.io/zone";

// helper.DefaultSelector, as two parts that must both match.
struct SpreadSelector {
    kube::Labels service_labels;                     // merged Service selectors
    std::optional<kube::LabelSelector> replica_set;  // the controlling ReplicaSet's selector
    bool empty() const { return service_labels.empty() && !replica_set; }
    bool matches(const kube::Labels& labels) const;
};

class SpreadIndex {
  public:
    // A pod counts on `node` (assigned, not terminating). Re-adding moves it.
    void add(const std::string& pod_key, const std::string& ns, const sim::Json& labels,
             const std::string& node);
    void remove(const std::string& pod_key);
    // Matching pods per node name, for pods in `ns` that `selector` matches.
    std::map<std::string, std::int64_t> counts(const std::string& ns,
                                               const SpreadSelector& selector) const;

  private:
    struct Group {
        kube::Labels labels;
        std::map<std::string, std::int64_t> per_node;
    };
    struct Member {
        std::string ns, group, node;
    };
    std::map<std::string, std::map<std::string, Group>> groups_;  // ns -> label set -> group
    std::map<std::string, Member, BytesLess> members_;            // pod key -> where
};

// Normalized PodTopologySpread scores for `feasible` (0..100 each). `counted` are the nodes
// whose pods count toward zones (those matching the pod's node affinity).
std::vector<std::int64_t> default_spread_scores(
    const std::vector<const SchedNode*>& feasible, const std::vector<const SchedNode*>& counted,
    const std::map<std::string, std::int64_t>& matching_per_node);

}  // namespace sim::cluster
