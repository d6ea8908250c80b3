#include "controller/seldon/controller.hpp"

#include <vector>

#include "sim/kube/object_meta.hpp"

namespace sim::controller::seldon {

namespace kube = sim::kube;

SeldonController::SeldonController(OperatorConfig config, Observer observer)
    : config_(std::move(config)), observer_(std::move(observer)) {}

// SetupWithManager: For(&SeldonDeployment{}), Owns(&Deployment{}), Owns(&Service{}); the
// informers are asked for in that order, so they list in that order when the manager starts.
void SeldonController::setup() {
    reconciler_.emplace(client(), config_);
    const auto enqueue_sdep = [this](const sim::Json& o) { enqueue(kube::meta::key_of(o)); };
    informer(kube::refs::kSeldonDeployments)
        .add_handlers({enqueue_sdep,
                       [enqueue_sdep](const sim::Json&, const sim::Json& o) { enqueue_sdep(o); },
                       enqueue_sdep});
    // With Istio enabled it also Owns(&istio.VirtualService{}).
    std::vector<kube::ResourceRef> owned_refs{kube::refs::kDeployments, kube::refs::kServices};
    if (config_.istio_enabled) owned_refs.push_back(kube::refs::kVirtualServices);
    if (config_.ambassador_enabled) owned_refs.push_back(kube::refs::kAmbassadorMappings);
    for (const kube::ResourceRef& owned : owned_refs) {
        informer(owned).add_handlers({[this](const sim::Json& o) { enqueue_owner(o); },
                                      [this](const sim::Json& old_object, const sim::Json& o) {
                                          enqueue_owner(old_object);
                                          enqueue_owner(o);
                                      },
                                      [this](const sim::Json& o) { enqueue_owner(o); }});
    }
}

void SeldonController::enqueue_owner(const sim::Json& owned) {
    const auto owner = kube::meta::controller_of(owned);
    if (!owner || owner->value("kind", "") != "SeldonDeployment") return;
    if (owner->value("apiVersion", "").rfind("machinelearning.seldon.io/", 0) != 0) return;
    enqueue(kube::meta::namespace_of(owned) + "/" + owner->value("name", ""));
}

// An error inside the reconcile (already reported as a decision, an event and state Failed)
// fails the key, so the manager retries it with the rate limiter's growing backoff, as
// controller-runtime does when Reconcile returns an error.
sim::controller::ReconcileResult SeldonController::reconcile(const std::string& key) {
    const auto [ns, name] = kube::meta::split_key(key);
    const ReconcileResult result = reconciler_->reconcile(ns, name);
    ++reconciles_;
    if (observer_) observer_(key, result);
    if (result.requeue) {
        std::string why = "reconcile failed";
        for (const Decision& d : result.decisions)
            if (d.action == "error") why = d.reason;
        return sim::controller::ReconcileResult::failed(why);
    }
    return sim::controller::ReconcileResult::after(result.requeue_after);
}

}  // namespace sim::controller::seldon
