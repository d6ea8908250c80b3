// Node lifecycle (k8s-semantics.md §3f), two controllers as kube-controller-manager 1.32 runs
// them:
//
// NodeLifecycleController ("node-controller", pkg/controller/nodelifecycle/
// node_lifecycle_controller.go): every 5 s (nodeMonitorPeriod) it looks at each Node's Ready
// condition heartbeat and its Lease kube-node-lease/<node>; when neither changed for the 50 s
// grace period (nodeMonitorGracePeriod, 1.32) it sets Ready, MemoryPressure, DiskPressure and
// PIDPressure to Unknown (NodeStatusUnknown, "Kubelet stopped posting node status."). On
// Ready turning not True it records NodeNotReady on the Node and marks the node's pods
// Ready=False (Warning NodeNotReady "Node is not ready" on each); on Ready True again,
// NodeReady. It keeps the condition taints in step: Ready False ->
// node.kubernetes.io/not-ready, Unknown -> node.kubernetes.io/unreachable (NoSchedule and
// NoExecute, the NoExecute one with timeAdded), spec.unschedulable ->
// node.kubernetes.io/unschedulable:NoSchedule; removed when the cause goes.
//
// TaintEvictionController ("taint-eviction-controller", pkg/controller/tainteviction/
// taint_eviction.go): for each pod on a node with NoExecute taints, deletes it at once when a
// taint is not tolerated, else after the smallest tolerationSeconds of the tolerations used
// (counted from when the controller saw the taint; no seconds: never). At that instant it
// records TaintManagerEviction "Marking for deletion Pod ns/name", adds the DisruptionTarget
// condition (DeletionByTaintManager) and deletes the pod with its own grace period. When the
// taints go first: TaintManagerEviction "Cancelling deletion of Pod ns/name".
//
//   manager.add(std::make_unique<NodeLifecycleController>());
//   manager.add(std::make_unique<TaintEvictionController>());
#pragma once

#include <map>
#include <string>
#include <vector>

#include "controller/manager.hpp"

namespace sim::controller {

// node_lifecycle_controller.go / kube-controller-manager defaults, 1.32.
inline constexpr sim::kernel::Nanos kNodeMonitorPeriod = 5 * sim::kernel::kSecond;
inline constexpr sim::kernel::Nanos kNodeMonitorGracePeriod = 50 * sim::kernel::kSecond;

// Taint keys (k8s.io/api/core/v1 well_known_taints.go).
inline constexpr const char* kTaintNotReady = "node.kubernetes.io/not-ready";
inline constexpr const char* kTaintUnreachable = "node.kubernetes.io/unreachable";
inline constexpr const char* kTaintUnschedulable = "node.kubernetes.io/unschedulable";

// v1helper.ToleratesTaint for one taint over a pod's tolerations; the matching tolerations
// are appended to `used`.
bool toleration_matches(const Json& toleration, const Json& taint);

class NodeLifecycleController : public Controller {
  public:
    std::string name() const override { return "node-controller"; }
    void setup() override;
    ReconcileResult reconcile(const std::string& key) override;

  private:
    struct Health {
        sim::kernel::Nanos probe = 0;  // when a heartbeat was last seen to change
        std::string heartbeat;         // Ready condition's lastHeartbeatTime seen
        std::string lease_renew;       // Lease renewTime seen
        std::string ready = "True";    // Ready status after the last pass
    };

    void monitor();
    void monitor_node(const Json& node);
    // Sets the four conditions Unknown; returns the node as written (or as it was).
    Json mark_unknown(const Json& node);
    void sync_taints(const Json& node);
    void mark_pods_not_ready(const std::string& node_name);
    void mark_pod_not_ready(const Json& pod);
    void node_event(const Json& node, const std::string& status);

    std::map<std::string, Health> health_;  // by node name
};

class TaintEvictionController : public Controller {
  public:
    std::string name() const override { return "taint-eviction-controller"; }
    void setup() override;
    ReconcileResult reconcile(const std::string& key) override;

    // Pods with an eviction scheduled: key -> instant it fires (for tests and traces).
    std::map<std::string, sim::kernel::Nanos> scheduled() const;

  private:
    struct Work {
        sim::kernel::Nanos created = 0;
        sim::kernel::Nanos fire = 0;
        bool fired = false;  // done; kept so later pod updates do not schedule it again
    };
    void on_node(const Json* old_node, const Json& node);
    void process_pod(const Json& pod);
    void cancel(const std::string& key, bool with_event);
    void record(const std::string& key, const std::string& message);

    std::map<std::string, Work> works_;  // by pod key
};

}  // namespace sim::controller
