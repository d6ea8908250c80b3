#include "sim/scenario/cluster_trace.hpp"

namespace sim::scenario {
namespace {

std::string object_name(const nlohmann::json& ref) {
    const std::string ns = ref.value("namespace", "");
    return ref.value("kind", "") + "/" + (ns.empty() ? "" : ns + "/") + ref.value("name", "");
}

// "True" when the pod's Ready condition is True.
bool is_ready(const nlohmann::json& pod) {
    const nlohmann::json& conditions =
        pod.value("status", nlohmann::json::object()).value("conditions", nlohmann::json::array());
    for (const nlohmann::json& c : conditions) {
        if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
    }
    return false;
}

}  // namespace

ClusterTrace::ClusterTrace(kube::Client& client, kernel::TraceWriter& trace, Narrate narrate)
    : client_(client), trace_(trace), narrate_(std::move(narrate)) {
    events_ = client_.watch(kube::refs::kEvents, {}, [this](const kube::WatchEvent& e) {
                         on_event(e);
                     }).value();
    pods_ = client_.watch(kube::refs::kPods, {}, [this](const kube::WatchEvent& e) {
                       on_pod(e);
                   }).value();
}

void ClusterTrace::on_event(const kube::WatchEvent& change) {
    if (change.type != kube::WatchEventType::Added && change.type != kube::WatchEventType::Modified) {
        return;
    }
    const nlohmann::json& e = change.object;
    const nlohmann::json& source = e.value("source", nlohmann::json::object());
    const std::string component = source.value("component", e.value("reportingComponent", ""));
    const std::string object = object_name(e.value("involvedObject", nlohmann::json::object()));
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
    const nlohmann::json& pod = change.object;
    const nlohmann::json& metadata = pod.value("metadata", nlohmann::json::object());
    const std::string name = metadata.value("namespace", "") + "/" + metadata.value("name", "");
    if (change.type == kube::WatchEventType::Deleted) {
        pod_states_.erase(name);
        trace_.line(client_.loop().now(), "pod").str("pod", name).str("phase", "Deleted");
        narrate_("pod " + name + " is gone");
        return;
    }
    if (change.type != kube::WatchEventType::Added && change.type != kube::WatchEventType::Modified) {
        return;
    }
    const nlohmann::json& status = pod.value("status", nlohmann::json::object());
    const std::string phase = status.value("phase", "Pending");
    const bool ready = is_ready(pod);
    const std::string node = pod.value("spec", nlohmann::json::object()).value("nodeName", "");
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

}  // namespace sim::scenario
