#include "sim/cluster/service_pods.hpp"

#include <string>

namespace sim::cluster {

using nlohmann::json;

bool service_selects(const json& selector, const json& pod) {
    const json labels = pod.value("metadata", json::object()).value("labels", json::object());
    for (const auto& [key, value] : selector.items()) {
        const auto it = labels.find(key);
        if (it == labels.end() || *it != value) return false;
    }
    return true;
}

std::optional<std::int64_t> resolve_target_port(const json& pod, const json& service_port) {
    const json target = service_port.contains("targetPort") ? service_port["targetPort"]
                                                            : service_port.value("port", json());
    if (target.is_number_integer()) return target.get<std::int64_t>();
    if (!target.is_string()) return std::nullopt;
    const std::string name = target.get<std::string>();
    for (const json& c : pod.value("spec", json::object()).value("containers", json::array())) {
        for (const json& p : c.value("ports", json::array())) {
            const auto port_name = p.find("name");
            if (port_name != p.end() && *port_name == name && p.contains("containerPort"))
                return p["containerPort"].get<std::int64_t>();
        }
    }
    return std::nullopt;
}

}  // namespace sim::cluster
