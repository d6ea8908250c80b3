// The controller manager (kube-controller-manager, reduced to what a single-threaded
// simulation needs). Controllers are level-based: reconcile(key) re-reads the informer caches
// and converges; the manager feeds them keys from shared informers through per-controller work
// queues (client-go workqueue with DefaultControllerRateLimiter, in virtual time).
//
// Workers run on the event loop: one reconcile per scheduled event, keys in queue order, no
// threads. Like processNextWorkItem in the real controllers: success forgets the key's
// backoff; an error re-adds it rate limited; requeue_after re-adds it after that delay.
//
//   sim::controller::Manager manager(client);
//   manager.add(std::make_unique<sim::controller::ReplicaSetController>());
//   manager.add(std::make_unique<sim::controller::DeploymentController>());
//   manager.on_decision([](auto& controller, auto& key, auto& what, auto& why) { ... });
//   manager.start();   // starts the informers; reconciles follow as loop events
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/kernel/time.hpp"
#include "sim/kube/client.hpp"
#include "sim/kube/events.hpp"
#include "sim/kube/informer.hpp"
#include "sim/kube/workqueue.hpp"

namespace sim::controller {

using Json = sim::Json;

// What a reconcile asks of its queue (controller-runtime's reconcile.Result plus the error).
struct ReconcileResult {
    bool requeue = false;                  // re-add rate limited (backoff)
    sim::kernel::Nanos requeue_after = 0;  // > 0: re-add after this delay
    std::string error;                     // non-empty: failed; re-add rate limited

    static ReconcileResult done() { return {}; }
    static ReconcileResult after(sim::kernel::Nanos delay) { return {false, delay, {}}; }
    static ReconcileResult failed(std::string why) { return {false, 0, std::move(why)}; }
};

// (controller, key, what was decided, why) for traces and teaching.
using DecisionHook = std::function<void(const std::string& controller, const std::string& key,
                                        const std::string& what, const std::string& why)>;

class Manager;

class Controller {
  public:
    virtual ~Controller() = default;
    // "replicaset-controller": the events' source component and the queue's name.
    virtual std::string name() const = 0;
    // Asks the manager for informers and registers handlers that enqueue keys.
    virtual void setup() = 0;
    virtual ReconcileResult reconcile(const std::string& key) = 0;

  protected:
    sim::kube::Client& client();
    sim::kube::Informer& informer(const sim::kube::ResourceRef& ref);
    sim::kube::EventRecorder& recorder();
    sim::kube::WorkQueue& queue();
    void enqueue(const std::string& key);
    void enqueue_after(const std::string& key, sim::kernel::Nanos delay);
    void enqueue_rate_limited(const std::string& key);
    // Reports one decision to the manager's hook (a no-op without one).
    void decide(const std::string& key, const std::string& what, const std::string& why);
    sim::kernel::Nanos now() const;

  private:
    friend class Manager;
    Manager* manager_ = nullptr;
    std::unique_ptr<sim::kube::WorkQueue> queue_;
    std::unique_ptr<sim::kube::EventRecorder> recorder_;
    bool worker_scheduled_ = false;
};

struct ManagerStats {
    std::uint64_t reconciles = 0;
    std::uint64_t errors = 0;
};

class Manager {
  public:
    explicit Manager(sim::kube::Client& client);
    Manager(const Manager&) = delete;
    Manager& operator=(const Manager&) = delete;
    ~Manager();

    // Takes ownership; calls setup() at once. Controllers must be added before start().
    Controller& add(std::unique_ptr<Controller> controller);
    void on_decision(DecisionHook hook) { hook_ = std::move(hook); }
    // Starts every informer (in the order they were first asked for).
    void start();
    void stop();
    bool started() const { return started_; }

    // A shared informer over all namespaces for `ref`, created on first use.
    sim::kube::Informer& informer(const sim::kube::ResourceRef& ref);
    sim::kube::Client& client() { return client_; }
    sim::kernel::EventLoop& loop() { return client_.loop(); }
    const ManagerStats& stats() const { return stats_; }
    // Every informer has delivered its initial list.
    bool synced() const;

  private:
    friend class Controller;
    void schedule_worker(Controller& c);
    void work_one(Controller& c);
    void report(const Controller& c, const std::string& key, const std::string& what,
                const std::string& why);

    sim::kube::Client& client_;
    std::vector<std::unique_ptr<Controller>> controllers_;
    std::map<std::string, std::unique_ptr<sim::kube::Informer>> informers_;  // by group/resource
    std::vector<sim::kube::Informer*> informer_order_;
    DecisionHook hook_;
    ManagerStats stats_;
    bool started_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sim::controller
