#include "controller/seldon/controller.hpp"

#include "sim/kube/object_meta.hpp"

namespace sim::controller::seldon {

namespace kube = sim::kube;

SeldonController::SeldonController(kube::Client& client, OperatorConfig config, Observer observer)
    : reconciler_(client, std::move(config)),
      observer_(std::move(observer)),
      queue_(client.loop(), "seldondeployment"),
      sdeps_(client, kube::refs::kSeldonDeployments),
      deployments_(client, kube::refs::kDeployments),
      services_(client, kube::refs::kServices) {
    sdeps_.add_handlers({[this](const nlohmann::json& o) { enqueue(o); },
                         [this](const nlohmann::json&, const nlohmann::json& o) { enqueue(o); },
                         [this](const nlohmann::json& o) { enqueue(o); }});
    for (kube::Informer* owned : {&deployments_, &services_}) {
        owned->add_handlers({[this](const nlohmann::json& o) { enqueue_owner(o); },
                             [this](const nlohmann::json& old_object, const nlohmann::json& o) {
                                 enqueue_owner(old_object);
                                 enqueue_owner(o);
                             },
                             [this](const nlohmann::json& o) { enqueue_owner(o); }});
    }
    queue_.set_ready_callback([this] { drain(); });
}

SeldonController::~SeldonController() {
    stop();
}

void SeldonController::start() {
    sdeps_.start();
    deployments_.start();
    services_.start();
}

void SeldonController::stop() {
    sdeps_.stop();
    deployments_.stop();
    services_.stop();
    queue_.shut_down();
}

void SeldonController::enqueue(const nlohmann::json& sdep) {
    queue_.add(kube::meta::key_of(sdep));
}

void SeldonController::enqueue_owner(const nlohmann::json& owned) {
    const auto owner = kube::meta::controller_of(owned);
    if (!owner || owner->value("kind", "") != "SeldonDeployment") return;
    if (owner->value("apiVersion", "").rfind("machinelearning.seldon.io/", 0) != 0) return;
    queue_.add(kube::meta::namespace_of(owned) + "/" + owner->value("name", ""));
}

void SeldonController::drain() {
    while (const auto key = queue_.get()) {
        const auto [ns, name] = kube::meta::split_key(*key);
        const ReconcileResult result = reconciler_.reconcile(ns, name);
        ++reconciles_;
        if (observer_) observer_(*key, result);
        if (result.requeue) {
            queue_.add_rate_limited(*key);
        } else {
            queue_.forget(*key);
            if (result.requeue_after > 0) queue_.add_after(*key, result.requeue_after);
        }
        queue_.done(*key);
    }
}

}  // namespace sim::controller::seldon
