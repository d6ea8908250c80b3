// The operator's manager loop for SeldonDeployments (controller-runtime's controller, reduced):
// an informer on SeldonDeployments (all namespaces) and informers on the Deployments and
// Services it owns feed one work queue of "namespace/name" keys; each key is reconciled once
// at a time; an error requeues it with the queue's rate limiter (5 ms doubling, as
// controller-runtime's default), a requeue_after waits on the event loop.
//
// Owned objects map back to their SeldonDeployment through the controller owner reference,
// as Owns(&appsv1.Deployment{}) / Owns(&corev1.Service{}) do in SetupWithManager.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "controller/seldon/reconciler.hpp"
#include "sim/kube/informer.hpp"
#include "sim/kube/workqueue.hpp"

namespace sim::controller::seldon {

class SeldonController {
  public:
    // Called after every reconcile with the key and its result (for the trace).
    using Observer = std::function<void(const std::string& key, const ReconcileResult& result)>;

    SeldonController(sim::kube::Client& client, OperatorConfig config = {}, Observer observer = {});
    SeldonController(const SeldonController&) = delete;
    SeldonController& operator=(const SeldonController&) = delete;
    ~SeldonController();

    // Starts the informers; reconciles run as event-loop events from then on.
    void start();
    void stop();

    SeldonReconciler& reconciler() { return reconciler_; }
    const sim::kube::WorkQueue& queue() const { return queue_; }
    std::size_t reconciles() const { return reconciles_; }

  private:
    void enqueue(const nlohmann::json& sdep);
    void enqueue_owner(const nlohmann::json& owned);
    void drain();

    SeldonReconciler reconciler_;
    Observer observer_;
    sim::kube::WorkQueue queue_;
    sim::kube::Informer sdeps_;
    sim::kube::Informer deployments_;
    sim::kube::Informer services_;
    std::size_t reconciles_ = 0;
};

}  // namespace sim::controller::seldon
