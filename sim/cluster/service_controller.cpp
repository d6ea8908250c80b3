#include "sim/cluster/service_controller.hpp"

#include "sim/cluster/service_pods.hpp"
#include "sim/kube/object_meta.hpp"

namespace sim::cluster {

using json = sim::Json;

ServiceController::ServiceController(kube::Client& client, const char* component,
                                     const char* queue_name)
    : client_(client), recorder_(client, component), queue_(client.loop(), queue_name) {}

ServiceController::~ServiceController() {
    queue_.shut_down();
}

void ServiceController::start() {
    services_ = std::make_unique<kube::Informer>(client_, kube::refs::kServices);
    services_->add_handlers({[this](const json& s) { enqueue_service(s); },
                             [this](const json&, const json& s) { enqueue_service(s); },
                             [this](const json& s) { enqueue_service(s); }});
    pods_ = std::make_unique<kube::Informer>(client_, kube::refs::kPods);
    pods_->add_handlers({[this](const json& p) { enqueue_for_pod(p); },
                         [this](const json& old_pod, const json& p) {
                             enqueue_for_pod(old_pod);
                             enqueue_for_pod(p);
                         },
                         [this](const json& p) { enqueue_for_pod(p); }});
    queue_.set_ready_callback([this] { drain(); });
    start_own_informers();
    services_->start();
    pods_->start();
}

void ServiceController::enqueue_service(const json& service) {
    queue_.add(kube::meta::namespace_of(service) + "/" + kube::meta::name(service));
}

void ServiceController::enqueue_for_pod(const json& pod) {
    for (const std::string& key : services_selecting(*services_, pod))
        queue_.add(key);
}

void ServiceController::drain() {
    while (const auto key = queue_.get()) {
        ++syncs_;
        if (sync(*key))
            queue_.forget(*key);
        else
            queue_.add_rate_limited(*key);
        queue_.done(*key);
    }
}

}  // namespace sim::cluster
