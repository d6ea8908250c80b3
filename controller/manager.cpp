#include "controller/manager.hpp"

#include <stdexcept>

namespace sim::controller {

using sim::kube::ApiError;
using sim::kube::Informer;
using sim::kube::ResourceRef;

// --- Controller: thin accessors over the manager ----------------------------------------

sim::kube::Client& Controller::client() {
    return manager_->client();
}
Informer& Controller::informer(const ResourceRef& ref) {
    return manager_->informer(ref);
}
sim::kube::EventRecorder& Controller::recorder() {
    return *recorder_;
}
sim::kube::WorkQueue& Controller::queue() {
    return *queue_;
}
void Controller::enqueue(const std::string& key) {
    queue_->add(key);
}
void Controller::enqueue_after(const std::string& key, sim::kernel::Nanos delay) {
    queue_->add_after(key, delay);
}
void Controller::enqueue_rate_limited(const std::string& key) {
    queue_->add_rate_limited(key);
}
void Controller::decide(const std::string& key, const std::string& what, const std::string& why) {
    manager_->report(*this, key, what, why);
}
sim::kernel::Nanos Controller::now() const {
    return manager_->loop().now();
}

// --- Manager ------------------------------------------------------------------------------

Manager::Manager(sim::kube::Client& client) : client_(client) {}

Manager::~Manager() {
    stop();
}

Controller& Manager::add(std::unique_ptr<Controller> controller) {
    if (started_) throw std::logic_error("controller manager: add() after start()");
    Controller& c = *controller;
    c.manager_ = this;
    c.queue_ = std::make_unique<sim::kube::WorkQueue>(loop(), c.name());
    c.recorder_ = std::make_unique<sim::kube::EventRecorder>(client_, c.name());
    c.queue_->set_ready_callback([this, &c] { schedule_worker(c); });
    controllers_.push_back(std::move(controller));
    c.setup();
    return c;
}

Informer& Manager::informer(const ResourceRef& ref) {
    const std::string id = ref.group + "/" + ref.version + "/" + ref.resource;
    auto it = informers_.find(id);
    if (it == informers_.end()) {
        auto inf = std::make_unique<Informer>(client_, ref.in(""));
        informer_order_.push_back(inf.get());
        it = informers_.emplace(id, std::move(inf)).first;
        if (started_) it->second->start();
    }
    return *it->second;
}

void Manager::start() {
    if (started_) return;
    started_ = true;
    for (Informer* inf : informer_order_)
        inf->start();
}

void Manager::stop() {
    for (Informer* inf : informer_order_)
        inf->stop();
    for (auto& c : controllers_)
        c->queue_->shut_down();
    started_ = false;
}

bool Manager::synced() const {
    for (const Informer* inf : informer_order_)
        if (!inf->has_synced()) return false;
    return true;
}

void Manager::schedule_worker(Controller& c) {
    if (c.worker_scheduled_) return;
    c.worker_scheduled_ = true;
    loop().schedule_after(0, [this, &c, alive = std::weak_ptr<bool>(alive_)] {
        if (alive.expired()) return;
        c.worker_scheduled_ = false;
        work_one(c);
    });
}

// processNextWorkItem: one key per event, so other controllers' work and watch deliveries
// interleave at the same instant the way independent goroutines would.
void Manager::work_one(Controller& c) {
    sim::kube::WorkQueue& q = *c.queue_;
    const std::optional<std::string> key = q.get();
    if (!key) return;
    ReconcileResult result;
    try {
        result = c.reconcile(*key);
    } catch (const ApiError& e) {
        result = ReconcileResult::failed(e.message());
    } catch (const std::exception& e) {
        result = ReconcileResult::failed(e.what());
    }
    ++stats_.reconciles;
    if (!result.error.empty()) {
        ++stats_.errors;
        report(c, *key, "retry", "error syncing: " + result.error);
        q.add_rate_limited(*key);
    } else {
        q.forget(*key);
        if (result.requeue_after > 0)
            q.add_after(*key, result.requeue_after);
        else if (result.requeue)
            q.add_rate_limited(*key);
    }
    q.done(*key);
    if (q.len() > 0) schedule_worker(c);
}

void Manager::report(const Controller& c, const std::string& key, const std::string& what,
                     const std::string& why) {
    if (hook_) hook_(c.name(), key, what, why);
}

}  // namespace sim::controller
