// The Endpoints controller (k8s-semantics.md §3g; pkg/controller/endpoint/
// endpoints_controller.go): for each Service with a selector, an Endpoints object of the same
// name whose subsets hold the selected pods: Ready ones in `addresses`, the others in
// `notReadyAddresses` (all in `addresses` with publishNotReadyAddresses). Pods without an IP,
// terminal pods and terminating pods are left out. Ports come from the Service's ports, a
// named targetPort resolved against each pod's container ports; addresses are grouped into
// subsets by their port set. It writes only when something changed, under component
// "endpoint-controller".
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "sim/kube/client.hpp"
#include "sim/kube/events.hpp"
#include "sim/kube/informer.hpp"
#include "sim/kube/workqueue.hpp"

namespace sim::cluster {

// The Endpoints subsets a Service's selected pods give (pure; sorted, deterministic).
nlohmann::json endpoints_subsets(const nlohmann::json& service,
                                 const std::vector<nlohmann::json>& pods);

class EndpointsController {
  public:
    explicit EndpointsController(kube::Client& client);
    EndpointsController(const EndpointsController&) = delete;
    EndpointsController& operator=(const EndpointsController&) = delete;
    ~EndpointsController();

    void start();
    std::uint64_t syncs() const { return syncs_; }

  private:
    void enqueue_service(const nlohmann::json& service);
    void enqueue_for_pod(const nlohmann::json& pod);
    void drain();
    bool sync(const std::string& key);

    kube::Client& client_;
    kube::EventRecorder recorder_;
    kube::WorkQueue queue_;
    std::unique_ptr<kube::Informer> services_;
    std::unique_ptr<kube::Informer> pods_;
    std::uint64_t syncs_ = 0;
};

}  // namespace sim::cluster
