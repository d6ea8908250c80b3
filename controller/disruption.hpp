// The disruption controller ("disruption-controller", pkg/controller/disruption/disruption.go,
// 1.32): for each PodDisruptionBudget it computes
//   expectedPods: with maxUnavailable or a percentage minAvailable, the scale of the pods'
//     controllers (a ReplicaSet owned by a Deployment counts as the Deployment), each once;
//     with an integer minAvailable, the number of selected pods;
//   desiredHealthy: minAvailable (a percentage of expectedPods rounded up), or
//     expectedPods - maxUnavailable (a percentage rounded up), at least 0;
//   currentHealthy: selected pods that are Ready, not being deleted and not in
//     status.disruptedPods (an eviction the API server granted in the last 2 min);
//   disruptionsAllowed = max(0, currentHealthy - desiredHealthy) (0 when expectedPods is 0);
// and writes status (observedGeneration, disruptedPods, the DisruptionAllowed condition
// SufficientPods / InsufficientPods, or SyncFailed with the reason) when it changed.
#pragma once

#include <string>

#include "controller/manager.hpp"

namespace sim::controller {

class DisruptionController : public Controller {
  public:
    // disruption.go DeletionTimeout: a granted eviction whose pod is not gone by then is
    // forgotten.
    static constexpr sim::kernel::Nanos kDeletionTimeout = 2 * sim::kernel::kMinute;

    std::string name() const override { return "disruption-controller"; }
    void setup() override;
    ReconcileResult reconcile(const std::string& key) override;

  private:
    void enqueue_for_pod(const Json& pod);
    void enqueue_namespace(const std::string& ns);
    // getExpectedScale: Σ replicas of the pods' controllers; empty string on success, else
    // why it failed.
    std::string expected_scale(const std::vector<Json>& pods, std::int64_t& scale);
};

}  // namespace sim::controller
