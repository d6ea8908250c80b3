// The Deployment controller (pkg/controller/deployment/{deployment_controller,sync,rolling,
// recreate,progress}.go, util/deployment_util.go; Kubernetes 1.32; k8s-semantics.md §3a).
//
// syncDeployment, top-down: an empty selector only warns (SelectingAll); claim ReplicaSets
// (adopt matching orphans, release non-matching); a deleting Deployment only gets status;
// a paused one only scales (plus the DeploymentPaused condition); a scaling event (an active
// RS whose desired-replicas annotation differs from spec.replicas) scales proportionally;
// otherwise Recreate or RollingUpdate: find or create the new RS `<name>-<pod-template-hash>`,
// reconcileNewReplicaSet (scale up within maxSurge), reconcileOldReplicaSets (clean up
// unhealthy replicas, then scale down within maxUnavailable), clean up old RSs beyond
// revisionHistoryLimit once complete, and write status with the Available and Progressing
// conditions (including ProgressDeadlineExceeded, re-queued for the deadline check).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "controller/manager.hpp"

namespace sim::controller {

class DeploymentController : public Controller {
  public:
    std::string name() const override { return "deployment-controller"; }
    void setup() override;
    ReconcileResult reconcile(const std::string& key) override;

  private:
    // One sync's working state: the Deployment as last written, and the result to return.
    struct Sync {
        std::string key;
        Json d;
        ReconcileResult result;
        // ReplicaSets written during this sync, by uid: later steps see what was written,
        // not the informer's older copy.
        std::map<std::string, Json> written;
    };

    void on_rs_add(const Json& rs);
    void on_rs_update(const Json& old_rs, const Json& rs);
    void on_rs_delete(const Json& rs);
    std::optional<std::string> owner_key(const Json& rs);
    void enqueue_matching(const Json& rs);

    std::vector<Json> claim_replica_sets(Sync& s);
    std::map<std::string, std::vector<Json>> pods_by_rs_uid(const Json& d,
                                                            const std::vector<Json>& rss);
    // getAllReplicaSetsAndSyncRevision: {new RS or null, all old RSs}.
    std::pair<Json, std::vector<Json>> all_replica_sets(Sync& s, std::vector<Json> rss,
                                                        bool create_if_missing);
    Json get_new_replica_set(Sync& s, const std::vector<Json>& rss,
                             const std::vector<Json>& old_rss, bool create_if_missing);

    void sync_scale(Sync& s, const std::vector<Json>& rss);  // sync(): scale + cleanup + status
    void scale(Sync& s, Json& new_rs, std::vector<Json>& old_rss);
    bool is_scaling_event(Sync& s, const std::vector<Json>& rss);
    void check_paused_conditions(Sync& s);
    void rollout_rolling(Sync& s, const std::vector<Json>& rss);
    void rollout_recreate(Sync& s, const std::vector<Json>& rss);
    bool reconcile_new_replica_set(Sync& s, const std::vector<Json>& all, Json& new_rs);
    bool reconcile_old_replica_sets(Sync& s, std::vector<Json> all, std::vector<Json> old_rss,
                                    const Json& new_rs);
    std::int64_t cleanup_unhealthy_replicas(Sync& s, std::vector<Json>& old_rss,
                                            std::int64_t max_cleanup);
    std::int64_t scale_down_old_for_rolling_update(Sync& s, const std::vector<Json>& all,
                                                   std::vector<Json>& old_rss);
    void cleanup_deployment(Sync& s, const std::vector<Json>& old_rss);

    // scaleReplicaSetAndRecordEvent / scaleReplicaSet; updates `rs` in place on success.
    bool scale_replica_set(Sync& s, Json& rs, std::int64_t new_scale, const std::string& why);
    bool scale_replica_set_op(Sync& s, Json& rs, std::int64_t new_scale, const std::string& op,
                              const std::string& why);

    Json calculate_status(const Sync& s, const std::vector<Json>& all, const Json& new_rs);
    void sync_deployment_status(Sync& s, const std::vector<Json>& all, const Json& new_rs);
    void sync_rollout_status(Sync& s, const std::vector<Json>& all, const Json& new_rs);
    void requeue_stuck(Sync& s, const Json& new_status);
    void write_status(Sync& s, Json status);
    void write_deployment(Sync& s);
};

}  // namespace sim::controller
