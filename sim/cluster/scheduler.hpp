// The default scheduler, reduced to the plugins that decide where simulated pods go
// (k8s-semantics.md §3e; pkg/scheduler/...):
//   filters  NodeUnschedulable, TaintToleration, NodeAffinity (nodeSelector and required
//            node affinity), NodeResourcesFit (cpu, memory, pod count; init-container max);
//   scores   NodeResourcesFit LeastAllocated (weight 1, non-zero request defaults),
//            NodeResourcesBalancedAllocation (weight 1), TaintToleration (3), NodeAffinity (2)
//            and PodTopologySpread with the system default constraints (2,
//            topology_spread.hpp).
// kube-scheduler breaks score ties at random; here the lowest node name (std::string order)
// wins, so runs replay exactly. Filtering stops after numFeasibleNodesToFind feasible nodes
// (all nodes below 100; 1,000 nodes: 420), visiting nodes in name order from where the
// previous attempt stopped, as the real scheduler does (sequentially instead of in parallel).
//
// It keeps its own cache like the real one: per-node requested totals maintained from pod
// events (assumed at bind time), so a scheduling attempt costs O(nodes), never a rescan of pods.
// Binding goes through the pods/binding subresource, with Event `Scheduled`; a pod that fits
// nowhere gets PodScheduled=False/Unschedulable and a `FailedScheduling` Event with the
// FitError text, and waits in the unschedulable set until a cluster event (node added or
// changed, an assigned pod gone) moves it back, no earlier than its backoff (1 s doubling to
// 10 s per attempt), or until 5 min have passed (podMaxInUnschedulablePodsDuration).
#pragma once

#include "sim/kernel/byte_order.hpp"
#include "sim/kernel/json.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/cluster/resources.hpp"
#include "sim/cluster/topology_spread.hpp"
#include "sim/kernel/time.hpp"
#include "sim/kube/client.hpp"
#include "sim/kube/events.hpp"
#include "sim/kube/informer.hpp"

namespace sim::cluster {

// What the filters and scores need to know about a node.
struct SchedNode {
    std::string name;
    sim::Json labels = sim::Json::object();
    sim::Json taints = sim::Json::array();
    bool unschedulable = false;
    Allocatable allocatable;
    Resources requested;           // Σ requests of pods on the node
    Resources non_zero_requested;  // the same with the scoring defaults
    std::int64_t pod_count = 0;

    // The last base score computed for this node (score_node) and what it was computed from.
    // Consecutive pods of one template ask the same of a node whose requests did not change,
    // and an attempt scores hundreds of nodes; the inputs are compared, not tracked, so a
    // node changed anywhere can never be scored from a stale memo.
    struct ScoreMemo {
        Resources requested, non_zero_requested, pod_requests, pod_non_zero_requests;
        Allocatable allocatable;
        std::int64_t score = -1;  // -1: nothing memoized
    };
    mutable ScoreMemo score_memo;
};

SchedNode sched_node_from(const sim::Json& node);

// What the filters and scores read of a pod, worked out once per scheduling attempt (the
// framework's PreFilter / PreScore state) rather than once per node.
// The json members are views into the pod they were read from (the informer's cached object,
// unchanged for the attempt): copying them cost more than filtering a node. pod_facts sets
// every view, to an empty value when the pod has none.
struct PodFacts {
    const sim::Json* tolerations = nullptr;             // an array
    sim::Json prefer_tolerations = sim::Json::array();  // effect "" or PreferNoSchedule
    const sim::Json* node_selector = nullptr;           // an object
    const sim::Json* required_affinity = nullptr;   // requiredDuringScheduling...: null when absent
    const sim::Json* preferred_affinity = nullptr;  // an array
    Resources requests;
    Resources non_zero_requests;
};
PodFacts pod_facts(const sim::Json& pod);

// One node's filter result: empty when the pod fits, else the reasons (several only from
// NodeResourcesFit) and whether preemption could help (false: UnschedulableAndUnresolvable).
struct FilterResult {
    std::vector<std::string> reasons;
    bool resolvable_by_preemption = false;
};
FilterResult filter_node(const SchedNode& node, const sim::Json& pod);
FilterResult filter_node(const SchedNode& node, const PodFacts& pod);
// NodeAffinity alone (nodeSelector and required node affinity).
bool node_affinity_matches(const SchedNode& node, const PodFacts& pod);

// Weighted sum of the scoring plugins (LeastAllocated + BalancedAllocation, weight 1 each).
std::int64_t least_allocated_score(const SchedNode& node, const sim::Json& pod);
std::int64_t balanced_allocation_score(const SchedNode& node, const sim::Json& pod);
std::int64_t score_node(const SchedNode& node, const sim::Json& pod);
std::int64_t score_node(const SchedNode& node, const PodFacts& pod);
// The final scores of the feasible nodes, in the given order: score_node plus the normalized
// plugins, TaintToleration (weight 3: PreferNoSchedule taints the pod does not tolerate,
// fewer is better) and NodeAffinity (weight 2: Σ weights of matching preferred terms).
std::vector<std::int64_t> total_scores(const std::vector<const SchedNode*>& feasible,
                                       const sim::Json& pod);
// The same from precomputed facts, plus `spread` (PodTopologySpread, weight 2; empty: none).
std::vector<std::int64_t> total_scores(const std::vector<const SchedNode*>& feasible,
                                       const PodFacts& pod,
                                       const std::vector<std::int64_t>& spread);

// schedule_one.go numFeasibleNodesToFind with percentageOfNodesToScore unset (adaptive:
// 50 - nodes/125 percent, at least 5 %, at least 100 nodes).
std::size_t feasible_nodes_to_find(std::size_t all_nodes);

// FitError.Error() of framework/types.go: "0/N nodes are available: <sorted counts>." plus
// " preemption: 0/N nodes are available: <sorted counts>." (pods with preemptionPolicy Never:
// " preemption: not eligible due to preemptionPolicy=Never.").
std::string fit_error_message(std::size_t node_count, const std::vector<FilterResult>& failures,
                              bool preemption_never);

// Toleration matching (v1 helper ToleratesTaint).
bool tolerates(const sim::Json& tolerations, const sim::Json& taint);

struct SchedulerOptions {
    std::string scheduler_name = "default-scheduler";
};

class Scheduler {
  public:
    explicit Scheduler(kube::Client& client, SchedulerOptions options = {});
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;
    ~Scheduler();

    // Starts the node and pod informers; scheduling happens in event-loop events.
    void start();

    // The cache: per-node totals of the pods assigned there (bound or being bound).
    std::optional<SchedNode> node(const std::string& name) const;
    std::size_t pending_count() const { return active_.size() + unschedulable_.size(); }
    std::uint64_t bindings() const { return bindings_; }
    std::uint64_t attempts() const { return attempts_; }

  private:
    struct Assigned {
        std::string node;
        Resources requests;
        Resources non_zero;
    };
    struct Unschedulable {
        int attempts = 0;
        kernel::Nanos failed_at = 0;
        bool moving = false;  // a backoff-expiry event is pending
    };

    void on_pod(const sim::Json& pod);
    void on_pod_deleted(const sim::Json& pod);
    void on_node(const sim::Json* old_node, const sim::Json& node);
    void on_node_deleted(const sim::Json& node);

    void assign(const std::string& key, const std::string& node, const sim::Json& pod);
    // The same with the requests already worked out (a scheduling attempt's PodFacts).
    void assign(const std::string& key, const std::string& node, const sim::Json& pod,
                const Assigned& requests);
    void unassign(const std::string& key);
    void enqueue(const std::string& key);
    void forget(const std::string& key);
    void move_all_to_active();
    void move_to_active(const std::string& key);
    void schedule_drain();
    void drain();
    void schedule_one(const std::string& key);
    void record_failure(const sim::Json& pod, const std::string& message);
    kernel::Nanos backoff_for(int attempts) const;
    void apply_usage(SchedNode& node) const;
    SpreadSelector spread_selector(const sim::Json& pod) const;

    kube::Client& client_;
    SchedulerOptions options_;
    kube::EventRecorder recorder_;
    std::unique_ptr<kube::Informer> nodes_informer_;
    std::unique_ptr<kube::Informer> pods_informer_;
    std::unique_ptr<kube::Informer> services_informer_;  // default spreading selectors
    std::unique_ptr<kube::Informer> replicasets_informer_;
    SpreadIndex spread_;

    // By name: iteration order is the tie-break.
    std::map<std::string, SchedNode, BytesLess> nodes_;
    struct Usage {
        Resources requested;
        Resources non_zero;
        std::int64_t pods = 0;
    };
    std::map<std::string, Usage, BytesLess> usage_;  // by node name; outlives a node's removal
    std::map<std::string, Assigned, BytesLess> assigned_;  // pod key -> where it counts
    std::deque<std::string> active_;
    std::set<std::string, BytesLess> in_active_;
    std::map<std::string, int, BytesLess> attempts_by_pod_;
    std::map<std::string, Unschedulable, BytesLess> unschedulable_;
    bool drain_pending_ = false;
    // Filtering visits nodes from a rotating start and stops after numFeasibleNodesToFind
    // feasible ones (schedule_one.go findNodesThatPassFilters, nextStartNodeIndex).
    std::vector<const SchedNode*> node_order_;
    bool node_order_dirty_ = true;
    std::size_t next_start_ = 0;
    std::uint64_t bindings_ = 0;
    std::uint64_t attempts_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sim::cluster
