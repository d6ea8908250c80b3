#include "sim/cluster/nodes.hpp"

#include "sim/kernel/sha256.hpp"

namespace sim::cluster {
namespace {

// 32 hex digits that depend only on the node's name and what they stand for, so a node keeps
// its identity from run to run (no random stream is drawn).
std::string name_digest(std::string_view what, const std::string& node) {
    return kernel::Sha256::of(std::string(what) + "/" + node).substr(0, 32);
}

// A version-4 UUID layout (RFC 4122 §4.4) of a digest, as /proc/sys/kernel/random/boot_id and
// the DMI product_uuid read.
std::string uuid_of(std::string hex) {
    hex[12] = '4';
    hex[16] = "89ab"[std::stoi(hex.substr(16, 1), nullptr, 16) & 3];
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
           hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

sim::Json condition(const char* type, const char* status, const char* reason, const char* message,
                    const std::string& now) {
    return {{"type", type},
            {"status", status},
            {"lastHeartbeatTime", now},
            {"lastTransitionTime", now},
            {"reason", reason},
            {"message", message}};
}

}  // namespace

sim::Json node_object(const NodeSpec& spec) {
    // The labels every kubelet sets on its node (kubelet_node_status.go, well-known labels).
    sim::Json labels = {{"kubernetes.io/hostname", spec.name},
                        {"kubernetes.io/os", "linux"},
                        {"kubernetes.io/arch", "amd64"},
                        {"beta.kubernetes.io/os", "linux"},
                        {"beta.kubernetes.io/arch", "amd64"}};
    for (const auto& [key, value] : spec.labels)
        labels[key] = value;
    sim::Json taints = sim::Json::array();
    for (const NodeTaint& t : spec.taints) {
        sim::Json taint = {{"key", t.key}, {"effect", t.effect}};
        if (!t.value.empty()) taint["value"] = t.value;
        taints.push_back(std::move(taint));
    }
    sim::Json node = {{"apiVersion", "v1"},
                      {"kind", "Node"},
                      {"metadata", {{"name", spec.name}, {"labels", labels}}},
                      {"spec", sim::Json::object()}};
    if (!taints.empty()) node["spec"]["taints"] = std::move(taints);
    return node;
}

sim::Json node_status(const NodeSpec& spec, const std::string& now) {
    const sim::Json resources = {{"cpu", kube::format_quantity(spec.cpu, false)},
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
              {"kernelVersion", "6.1.0-28-amd64"},
              // The identifiers the kubelet reads from the machine (cadvisor's MachineInfo):
              // /etc/machine-id (32 hex digits), the boot id and the DMI system UUID. Every
              // field of NodeSystemInfo is required by typed clients (V1NodeSystemInfo).
              {"machineID", name_digest("machine-id", spec.name)},
              {"systemUUID", uuid_of(name_digest("system-uuid", spec.name))},
              {"bootID", uuid_of(name_digest("boot-id", spec.name))}}}};
}

}  // namespace sim::cluster
