// The Endpoints controller (k8s-semantics.md §3g; pkg/controller/endpoint/
// endpoints_controller.go): for each Service with a selector, an Endpoints object of the same
// name whose subsets hold the selected pods: Ready ones in `addresses`, the others in
// `notReadyAddresses` (all in `addresses` with publishNotReadyAddresses). Pods without an IP,
// terminal pods and terminating pods are left out. Ports come from the Service's ports, a
// named targetPort resolved against each pod's container ports; addresses are grouped into
// subsets by their port set. It writes only when something changed, under component
// "endpoint-controller".
#pragma once

#include <string>
#include <vector>

#include "sim/cluster/service_controller.hpp"
#include "sim/kernel/json.hpp"

namespace sim::cluster {

// The Endpoints subsets a Service's selected pods give (pure; sorted, deterministic).
sim::Json endpoints_subsets(const sim::Json& service, const std::vector<sim::Json>& pods);

class EndpointsController : public ServiceController {
  public:
    explicit EndpointsController(kube::Client& client);

  private:
    bool sync(const std::string& key) override;
};

}  // namespace sim::cluster
