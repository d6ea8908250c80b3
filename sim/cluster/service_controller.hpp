// The skeleton the Endpoints and EndpointSlice controllers share (pkg/controller/endpoint/
// endpoints_controller.go and pkg/controller/endpointslice/endpointslice_controller.go are
// built alike): informers on Services and Pods, a work queue of Service keys "ns/name" filled
// by a Service's own changes and by the changes of every pod it selects (the pod's old and new
// state, so a pod that stops matching is seen too), drained by the subclass's
// `sync(key)`, with the queue's rate-limited retry when a sync fails.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "sim/kube/client.hpp"
#include "sim/kube/events.hpp"
#include "sim/kube/informer.hpp"
#include "sim/kube/workqueue.hpp"

namespace sim::cluster {

class ServiceController {
  public:
    // `component`: the Events' source (e.g. "endpoint-controller"); `queue_name`: the work
    // queue's name, as client-go names it (e.g. "endpoint").
    ServiceController(kube::Client& client, const char* component, const char* queue_name);
    ServiceController(const ServiceController&) = delete;
    ServiceController& operator=(const ServiceController&) = delete;
    virtual ~ServiceController();  // shuts the queue down

    void start();
    std::uint64_t syncs() const { return syncs_; }

  protected:
    // Called by start() once the queue is wired, before the Service and Pod informers start:
    // where a controller creates and starts informers of its own.
    virtual void start_own_informers() {}
    // Reconciles the Service `key`; false retries it, rate-limited.
    virtual bool sync(const std::string& key) = 0;

    kube::Client& client_;
    kube::EventRecorder recorder_;
    kube::WorkQueue queue_;
    std::unique_ptr<kube::Informer> services_;
    std::unique_ptr<kube::Informer> pods_;

  private:
    void enqueue_service(const sim::Json& service);
    void enqueue_for_pod(const sim::Json& pod);
    void drain();

    std::uint64_t syncs_ = 0;
};

}  // namespace sim::cluster
