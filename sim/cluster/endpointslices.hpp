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

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/cluster/service_controller.hpp"
#include "sim/kernel/json.hpp"

namespace sim::cluster {

// endpointslice-controller defaults (--max-endpoints-per-slice).
inline constexpr std::size_t kMaxEndpointsPerSlice = 100;
inline constexpr const char* kManagedByEndpointSliceController = "endpointslice-controller.k8s.io";

// The desired slices' bodies (endpoints and ports only) for a Service and its selected pods
// (pure; sorted, deterministic). `zone_of(node)` gives a node's zone ("" when none).
std::vector<sim::Json> desired_slices(
    const sim::Json& service, const std::vector<sim::Json>& pods,
    const std::function<std::string(const std::string&)>& zone_of = {});

class EndpointSliceController : public ServiceController {
  public:
    explicit EndpointSliceController(kube::Client& client);

  private:
    void start_own_informers() override;
    bool sync(const std::string& key) override;

    std::unique_ptr<kube::Informer> nodes_;
};

}  // namespace sim::cluster
