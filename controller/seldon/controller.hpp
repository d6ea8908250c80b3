// The operator's controller for SeldonDeployments, run by a controller::Manager like the
// workload controllers (controller-runtime's controller, reduced): informers on
// SeldonDeployments and on the Deployments and Services it owns feed the manager's work queue
// with "namespace/name" keys; an error requeues the key with the queue's rate limiter
// (controller-runtime's default limiter), a requeue_after waits on the event loop.
//
// Owned objects map back to their SeldonDeployment through the controller owner reference,
// as Owns(&appsv1.Deployment{}) / Owns(&corev1.Service{}) do in SetupWithManager.
//
// The operator is its own process (the seldon-controller-manager pod): give it its own Manager
// over a Client named "seldon-controller-manager", so stopping that Manager is the pod going
// away and a new one is the pod restarting (informers list everything afresh):
//
//   sim::kube::Client operator_client(api, "seldon-controller-manager");
//   sim::controller::Manager operator_manager(operator_client);
//   operator_manager.add(std::make_unique<SeldonController>(OperatorConfig{}, observer));
//   operator_manager.start();
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "controller/manager.hpp"
#include "controller/seldon/reconciler.hpp"

namespace sim::controller::seldon {

class SeldonController : public sim::controller::Controller {
  public:
    // Called after every reconcile with the key and its result (for the trace).
    using Observer = std::function<void(const std::string& key, const ReconcileResult& result)>;

    explicit SeldonController(OperatorConfig config = {}, Observer observer = {});

    // The operator's Deployment name in the Helm chart; also the events' source component.
    std::string name() const override { return "seldon-controller-manager"; }
    void setup() override;
    sim::controller::ReconcileResult reconcile(const std::string& key) override;

    // Valid after the controller was added to a Manager.
    SeldonReconciler& reconciler() { return *reconciler_; }
    std::size_t reconciles() const { return reconciles_; }
    std::size_t queue_length() { return queue().len(); }

  private:
    void enqueue_owner(const sim::Json& owned);

    OperatorConfig config_;
    Observer observer_;
    std::optional<SeldonReconciler> reconciler_;
    std::size_t reconciles_ = 0;
};

}  // namespace sim::controller::seldon
