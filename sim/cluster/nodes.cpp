#include "sim/cluster/nodes.hpp"

namespace sim::cluster {
namespace {

nlohmann::json condition(const char* type, const char* status, const char* reason,
                         const char* message, const std::string& now) {
    return {{"type", type},
            {"status", status},
            {"lastHeartbeatTime", now},
            {"lastTransitionTime", now},
            {"reason", reason},
            {"message", message}};
}

}  // namespace

nlohmann::json node_object(const NodeSpec& spec) {
    // The labels every kubelet sets on its node (kubelet_node_status.go, well-known labels).
    nlohmann::json labels = {{"kubernetes.io/hostname", spec.name},
                             {"kubernetes.io/os", "linux"},
                             {"kubernetes.io/arch", "amd64"},
                             {"beta.kubernetes.io/os", "linux"},
                             {"beta.kubernetes.io/arch", "amd64"}};
    for (const auto& [key, value] : spec.labels)
        labels[key] = value;
    nlohmann::json taints = nlohmann::json::array();
    for (const NodeTaint& t : spec.taints) {
        nlohmann::json taint = {{"key", t.key}, {"effect", t.effect}};
        if (!t.value.empty()) taint["value"] = t.value;
        taints.push_back(std::move(taint));
    }
    nlohmann::json node = {{"apiVersion", "v1"},
                           {"kind", "Node"},
                           {"metadata", {{"name", spec.name}, {"labels", labels}}},
                           {"spec", nlohmann::json::object()}};
    if (!taints.empty()) node["spec"]["taints"] = std::move(taints);
    return node;
}

nlohmann::json node_status(const NodeSpec& spec, const std::string& now) {
    const nlohmann::json resources = {{"cpu", kube::format_quantity(spec.cpu, false)},
                                      {"memory", kube::format_quantity(spec.memory, true)},
                                      {"pods", kube::format_quantity(spec.pods, false)}};
    const std::string address = "10.0.0." + std::to_string(spec.ordinal + 1);
    // Condition reasons and messages as the kubelet writes them (kubelet/nodestatus/setters.go).
    return {{"capacity", resources},
            {"allocatable", resources},
            {"conditions",
             {condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                        "kubelet has sufficient memory available", now),
              condition("DiskPressure", "False", "KubeletHasNoDiskPressure",
                        "kubelet has no disk pressure", now),
              condition("PIDPressure", "False", "KubeletHasSufficientPID",
                        "kubelet has sufficient PID available", now),
              condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", now)}},
            {"addresses",
             {{{"type", "InternalIP"}, {"address", address}},
              {{"type", "Hostname"}, {"address", spec.name}}}},
            {"nodeInfo",
             {{"kubeletVersion", kKubeletVersion},
              {"kubeProxyVersion", kKubeletVersion},
              {"containerRuntimeVersion", "containerd://1.7.24"},
              {"operatingSystem", "linux"},
              {"architecture", "amd64"},
              {"osImage", "Debian GNU/Linux 12 (bookworm)"},
              {"kernelVersion", "6.1.0-28-amd64"}}}};
}

}  // namespace sim::cluster
