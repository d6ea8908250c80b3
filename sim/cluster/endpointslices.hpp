// The EndpointSlice controller (k8s-semantics.md §3g; pkg/controller/endpointslice,
// staging endpointslice/{reconciler,utils}.go, 1.32), beside the Endpoints controller: for each
// Service with a selector, discovery.k8s.io/v1 EndpointSlices (addressType IPv4) named by
// generateName "<service>-", labelled kubernetes.io/service-name=<service> and
// endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io (plus the Service's
// labels), owned by the Service. Every selected pod with an IP that is not terminal is an
// endpoint, terminating ones included, with
//   ready = publishNotReadyAddresses or (Ready and not terminating),
//   serving = Ready (or publishNotReadyAddresses), terminating = deletionTimestamp set,
// nodeName, zone (the node's topology.kubernetes.io/zone) and targetRef. Endpoints are grouped
// by their resolved port set, at most 100 per slice; a Service without endpoints keeps one
// placeholder slice with none. Events under component "endpoint-slice-controller".
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/kube/client.hpp"
#include "sim/kube/events.hpp"
#include "sim/kube/informer.hpp"
#include "sim/kube/workqueue.hpp"

namespace sim::cluster {

// endpointslice-controller defaults (--max-endpoints-per-slice).
inline constexpr std::size_t kMaxEndpointsPerSlice = 100;
inline constexpr const char* kManagedByEndpointSliceController = "endpointslice-controller.k8s.io";

// The desired slices' bodies (endpoints and ports only) for a Service and its selected pods
// (pure; sorted, deterministic). `zone_of(node)` gives a node's zone ("" when none).
std::vector<nlohmann::json> desired_slices(
    const nlohmann::json& service, const std::vector<nlohmann::json>& pods,
    const std::function<std::string(const std::string&)>& zone_of = {});

class EndpointSliceController {
  public:
    explicit EndpointSliceController(kube::Client& client);
    EndpointSliceController(const EndpointSliceController&) = delete;
    EndpointSliceController& operator=(const EndpointSliceController&) = delete;
    ~EndpointSliceController();

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
    std::unique_ptr<kube::Informer> nodes_;
    std::uint64_t syncs_ = 0;
};

}  // namespace sim::cluster
