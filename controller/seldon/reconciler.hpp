// The SeldonDeployment reconciler (controllers/seldondeployment_controller.go Reconcile, v1.17.1
// with Helm defaults). It talks to the API server only through a kube::Client:
//
//   get SDep -> skip (deleting / other controller-id) -> default (in memory) -> desired objects
//   -> container Services -> HPAs -> PDBs -> Deployments
//   -> if every Deployment is ready: predictor Services, Istio objects (when enabled), delete
//      stale owned objects
//   -> status (state, deploymentStatus, serviceStatus, replicas, address, conditions,
//      observedGeneration) written through the status subresource only when it changed.
//
// A Deployment counts as ready only when it existed unchanged before this pass and its status
// says readyReplicas > 0 and unavailableReplicas == 0 (the Deployment controller fills those).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "controller/seldon/config.hpp"
#include "sim/kernel/json.hpp"
#include "sim/kernel/time.hpp"
#include "sim/kube/client.hpp"
#include "sim/kube/events.hpp"

namespace sim::controller::seldon {

// One traced decision: what the reconciler did or concluded, and why.
struct Decision {
    std::string action;  // "create", "update", "delete", "skip", "status", "wait", "error"
    std::string object;  // "Deployment/seldon/x" or ""
    std::string reason;
};

struct ReconcileResult {
    bool requeue = false;  // retry with the queue's rate limiter (an error happened)
    sim::kernel::Nanos requeue_after = 0;  // > 0: look again after this long
    std::string state;                     // status.state written ("" when nothing was reconciled)
    std::vector<Decision> decisions;
};

class SeldonReconciler {
  public:
    explicit SeldonReconciler(sim::kube::Client& client, OperatorConfig config = {});

    ReconcileResult reconcile(const std::string& ns, const std::string& name);

    const OperatorConfig& config() const { return config_; }

  private:
    sim::kube::Client& client_;
    OperatorConfig config_;
    sim::kube::EventRecorder recorder_;
};

}  // namespace sim::controller::seldon
