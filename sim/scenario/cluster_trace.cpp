#include "sim/scenario/cluster_trace.hpp"

namespace sim::scenario {
namespace {

std::string object_name(const sim::Json& ref) {
    const std::string ns = ref.value("namespace", "");
    return ref.value("kind", "") + "/" + (ns.empty() ? "" : ns + "/") + ref.value("name", "");
}

// "True" when the pod's Ready condition is True.
bool is_ready(const sim::Json& pod) {
    const sim::Json& conditions =
        pod.value("status", sim::Json::object()).value("conditions", sim::Json::array());
    for (const sim::Json& c : conditions) {
        if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
    }
    return false;
}

}  // namespace

ClusterTrace::ClusterTrace(kube::Client& client, kernel::TraceWriter& trace, Narrate narrate)
    : client_(client), trace_(trace), narrate_(std::move(narrate)) {
    events_ =
        client_.watch(kube::refs::kEvents, {}, [this](const kube::WatchEvent& e) { on_event(e); })
            .value();
    pods_ = client_.watch(kube::refs::kPods, {}, [this](const kube::WatchEvent& e) { on_pod(e); })
                .value();
    deployments_ = client_
                       .watch(kube::refs::kDeployments, {},
                              [this](const kube::WatchEvent& e) { on_deployment(e); })
                       .value();
}

void ClusterTrace::on_event(const kube::WatchEvent& change) {
    if (change.type != kube::WatchEventType::Added &&
        change.type != kube::WatchEventType::Modified) {
        return;
    }
    const sim::Json& e = change.object;
    const sim::Json& source = e.value("source", sim::Json::object());
    const std::string component = source.value("component", e.value("reportingComponent", ""));
    const std::string object = object_name(e.value("involvedObject", sim::Json::object()));
    trace_.line(client_.loop().now(), "event")
        .str("type", e.value("type", ""))
        .str("reason", e.value("reason", ""))
        .str("object", object)
        .str("message", e.value("message", ""))
        .num("count", e.value("count", std::int64_t{1}))
        .str("source", component);
    narrate_(component + ": " + e.value("reason", "") + " " + object + ": " +
             e.value("message", ""));
}

void ClusterTrace::on_pod(const kube::WatchEvent& change) {
    const sim::Json& pod = change.object;
    const sim::Json& metadata = pod.value("metadata", sim::Json::object());
    const std::string name = metadata.value("namespace", "") + "/" + metadata.value("name", "");
    if (change.type == kube::WatchEventType::Deleted) {
        pod_states_.erase(name);
        trace_.line(client_.loop().now(), "pod").str("pod", name).str("phase", "Deleted");
        narrate_("pod " + name + " is gone");
        return;
    }
    if (change.type != kube::WatchEventType::Added &&
        change.type != kube::WatchEventType::Modified) {
        return;
    }
    const sim::Json& status = pod.value("status", sim::Json::object());
    const std::string phase = status.value("phase", "Pending");
    const bool ready = is_ready(pod);
    const std::string node = pod.value("spec", sim::Json::object()).value("nodeName", "");
    const bool terminating = metadata.contains("deletionTimestamp");
    const std::string state = phase + (ready ? " ready" : " not-ready") + " " + node +
                              (terminating ? " terminating" : "");
    auto [it, added] = pod_states_.try_emplace(name, state);
    if (!added && it->second == state) return;
    it->second = state;
    auto line = trace_.line(client_.loop().now(), "pod");
    line.str("pod", name).str("phase", phase).boolean("ready", ready);
    if (!node.empty()) line.str("node", node);
    if (terminating) line.boolean("terminating", true);
    line.end();
    narrate_("pod " + name + " is " + phase + (ready ? " and Ready" : "") +
             (node.empty() ? "" : " on " + node) + (terminating ? ", terminating" : ""));
}

// One line per change of the counts `kubectl get deployments` shows; a deleted Deployment's
// pods are traced as they go, so its deletion needs no line of its own.
void ClusterTrace::on_deployment(const kube::WatchEvent& change) {
    const sim::Json& d = change.object;
    const sim::Json& metadata = d.value("metadata", sim::Json::object());
    const std::string name = metadata.value("namespace", "") + "/" + metadata.value("name", "");
    if (change.type == kube::WatchEventType::Deleted) {
        deployment_states_.erase(name);
        return;
    }
    if (change.type != kube::WatchEventType::Added &&
        change.type != kube::WatchEventType::Modified) {
        return;
    }
    const sim::Json& status = d.value("status", sim::Json::object());
    // spec.replicas defaults to 1 (k8s.io/api/apps/v1 types.go, DeploymentSpec.Replicas).
    const std::int64_t replicas =
        d.value("spec", sim::Json::object()).value("replicas", std::int64_t{1});
    const std::int64_t current = status.value("replicas", std::int64_t{0});
    const std::int64_t updated = status.value("updatedReplicas", std::int64_t{0});
    const std::int64_t ready = status.value("readyReplicas", std::int64_t{0});
    const std::int64_t available = status.value("availableReplicas", std::int64_t{0});
    const std::string state = std::to_string(replicas) + " " + std::to_string(current) + " " +
                              std::to_string(updated) + " " + std::to_string(ready) + " " +
                              std::to_string(available);
    auto [it, added] = deployment_states_.try_emplace(name, state);
    if (!added && it->second == state) return;
    it->second = state;
    trace_.line(client_.loop().now(), "deployment")
        .str("deployment", name)
        .num("replicas", replicas)
        .num("current", current)
        .num("updated", updated)
        .num("ready", ready)
        .num("available", available);
    narrate_("deployment " + name + " has " + std::to_string(current) + " pod(s) for " +
             std::to_string(replicas) + " wanted: " + std::to_string(ready) + " ready, " +
             std::to_string(updated) + " on the newest template, " + std::to_string(available) +
             " available");
}

}  // namespace sim::scenario
