// The simulated machines of a scenario: the scheduler, one kubelet per node, the Endpoints
// controller, and how the scenario's `images:` rules and its container and node faults reach
// them.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sim/cluster/endpoints.hpp"
#include "sim/cluster/endpointslices.hpp"
#include "sim/cluster/kubelet.hpp"
#include "sim/cluster/scheduler.hpp"
#include "sim/kernel/random.hpp"
#include "sim/kernel/trace.hpp"
#include "sim/kube/client.hpp"
#include "sim/scenario/scenario.hpp"

namespace sim::scenario {

class ClusterRuntime {
public:
    using Narrate = std::function<void(const std::string&)>;

    // Starts the scheduler, the Endpoints controller and a kubelet for every node of `s`
    // (the Nodes must already be registered).
    ClusterRuntime(kube::ApiServer& api, const Scenario& s, kernel::RandomStreams& streams,
                   kernel::TraceWriter& trace, Narrate narrate);
    ClusterRuntime(const ClusterRuntime&) = delete;
    ClusterRuntime& operator=(const ClusterRuntime&) = delete;
    ~ClusterRuntime();

    // Container and node faults. `id` names the fault (its timeline step) so end() can undo it.
    void begin(std::size_t id, const Fault& fault);
    void end(std::size_t id);

private:
    cluster::ImageTimings image_timings(const std::string& image);
    void kill(const std::string& ns, const std::string& selector, int count, bool oom,
              const char* stream);
    cluster::Kubelet* kubelet_of(const std::string& node);

    const Scenario& s_;
    kernel::RandomStreams& streams_;
    kernel::TraceWriter& trace_;
    Narrate narrate_;
    kube::Client scheduler_client_;
    kube::Client endpoints_client_;
    kube::Client kubelet_client_;
    kube::Client reader_;  // lists pods for podKill / oomKill
    std::map<std::size_t, Fault> active_;             // by timeline step
    std::set<std::string> default_images_reported_;  // images that matched no rule
    std::unique_ptr<cluster::Scheduler> scheduler_;
    std::unique_ptr<cluster::EndpointsController> endpoints_;
    kube::Client endpoint_slices_client_;
    std::unique_ptr<cluster::EndpointSliceController> endpoint_slices_;
    std::map<std::string, std::unique_ptr<cluster::Kubelet>> kubelets_;  // by node name
};

}  // namespace sim::scenario
