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
#include "sim/cluster/pod_usage.hpp"
#include "sim/cluster/request_path.hpp"
#include "sim/cluster/scheduler.hpp"
#include "sim/kernel/random.hpp"
#include "sim/kernel/trace.hpp"
#include "sim/kube/client.hpp"
#include "sim/scenario/loader.hpp"
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

    // The request path (traffic_runtime.cpp): reads the traffic sources' payloads (bad ones come
    // back as diagnostics and nothing starts) and sends their requests until `end`. Without
    // traffic there is no request path unless `always` (sim-run serve's gateway).
    std::vector<Diagnostic> start_traffic(kube::ApiServer& api, kernel::Nanos end,
                                          bool trace_requests, bool always = false);
    cluster::RequestPath* requests() { return requests_.get(); }  // null without traffic
    // Where requests report the CPU they cost (the metrics-server); may be null.
    void set_usage_sink(cluster::PodUsageSink* sink);

private:
    cluster::ImageTimings image_timings(const std::string& image);
    void kill(const std::string& ns, const std::string& selector, int count, bool oom,
              const char* stream);
    cluster::Kubelet* kubelet_of(const std::string& node);
    void traffic_fault(const Fault& fault, bool begins);

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
    cluster::PodUsageSink* usage_sink_ = nullptr;
    std::unique_ptr<kube::Client> traffic_client_;
    std::unique_ptr<cluster::RequestPath> requests_;
};

}  // namespace sim::scenario
