// What the cluster does, as trace lines: every Event any component records (the teaching
// thread: "Scaled up replica set x to 3", "Successfully assigned ...") and every pod's
// transitions (phase, readiness, node). Both come from watches through the API client, like
// `kubectl get events -w` and `kubectl get pods -w`. Deployments' status changes too (replicas,
// updated, ready, available), as `kubectl get deployments -w` shows them: the report's
// replica charts are drawn from these lines.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "sim/kernel/trace.hpp"
#include "sim/kube/client.hpp"

namespace sim::scenario {

class ClusterTrace {
public:
    using Narrate = std::function<void(const std::string&)>;

    ClusterTrace(kube::Client& client, kernel::TraceWriter& trace, Narrate narrate);
    ClusterTrace(const ClusterTrace&) = delete;
    ClusterTrace& operator=(const ClusterTrace&) = delete;

private:
    void on_event(const kube::WatchEvent& change);
    void on_pod(const kube::WatchEvent& change);
    void on_deployment(const kube::WatchEvent& change);

    kube::Client& client_;
    kernel::TraceWriter& trace_;
    Narrate narrate_;
    // The last traced state of each pod ("phase ready node"), so only transitions are traced.
    std::map<std::string, std::string> pod_states_;
    kube::WatchHandle events_;
    kube::WatchHandle pods_;
    // The last traced counts of each Deployment, so only changes are traced.
    std::map<std::string, std::string> deployment_states_;
    kube::WatchHandle deployments_;
};

}  // namespace sim::scenario
