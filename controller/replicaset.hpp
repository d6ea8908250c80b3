// The ReplicaSet controller (pkg/controller/replicaset/replica_set.go, 1.32; k8s-semantics.md
// §3b). For each ReplicaSet key: claim pods (adopt orphans that match the selector, release
// owned pods that no longer match), and once the expectations of earlier creates/deletes are
// met, create pods in slow-start batches 1, 2, 4, ... or delete the pods that rank first for
// deletion; then write status (replicas, fullyLabeledReplicas, readyReplicas,
// availableReplicas with minReadySeconds, observedGeneration) and re-queue after
// minReadySeconds while ready pods are not yet available.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "controller/manager.hpp"

namespace sim::controller {

// ControllerExpectations / UIDTrackingControllerExpectations (controller_utils.go), keyed by
// ReplicaSet key: creations are counted, deletions tracked by pod key. Satisfied when both
// are met or the record is older than ExpectationsTimeout (5 min).
class Expectations {
  public:
    static constexpr sim::kernel::Nanos kTimeout = 5 * sim::kernel::kMinute;

    bool satisfied(const std::string& key, sim::kernel::Nanos now) const;
    void expect_creations(const std::string& key, int count, sim::kernel::Nanos now);
    void expect_deletions(const std::string& key, const std::vector<std::string>& pod_keys,
                          sim::kernel::Nanos now);
    void creation_observed(const std::string& key);
    void deletion_observed(const std::string& key, const std::string& pod_key);
    void forget(const std::string& key) { records_.erase(key); }

  private:
    struct Record {
        int adds = 0;
        std::set<std::string> deletes;
        sim::kernel::Nanos at = 0;
    };
    std::map<std::string, Record> records_;
};

// The slow-start batch sizes for `count` creations: 1, 2, 4, ... each min(2*prev, remaining).
std::vector<int> slow_start_batches(int count, int initial_batch_size = 1);

class ReplicaSetController : public Controller {
  public:
    // controller.BurstReplicas: at most this many creates or deletes per sync.
    static constexpr int kBurstReplicas = 500;
    // SlowStartInitialBatchSize (controller_utils.go).
    static constexpr int kSlowStartInitialBatchSize = 1;

    std::string name() const override { return "replicaset-controller"; }
    void setup() override;
    ReconcileResult reconcile(const std::string& key) override;

  private:
    void on_pod_add(const Json& pod);
    void on_pod_update(const Json& old_pod, const Json& new_pod);
    void on_pod_delete(const Json& pod);
    // The key of the ReplicaSet controlling `pod` (if it exists in the cache and the uid matches).
    std::optional<std::string> owner_key(const Json& pod);
    void enqueue_matching(const Json& pod);

    std::vector<Json> claim_pods(const Json& rs, const std::string& key);
    std::string manage_replicas(const Json& rs, const std::string& key,
                                const std::vector<Json>& pods);
    std::vector<Json> related_pods(const Json& rs);
    ReconcileResult update_status(const Json& rs, const std::string& key,
                                  const std::vector<Json>& pods, const std::string& manage_error);

    Expectations expectations_;
};

}  // namespace sim::controller
