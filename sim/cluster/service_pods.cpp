#include "sim/cluster/service_pods.hpp"

#include <string>

#include "sim/kube/object_meta.hpp"

namespace sim::cluster {

using json = sim::Json;

bool service_selects(const json& selector, const json& pod) {
    const auto meta = pod.find("metadata");
    const json* labels = nullptr;
    if (meta != pod.end() && meta->is_object()) {
        const auto found = meta->find("labels");
        if (found != meta->end() && found->is_object()) labels = &*found;
    }
    for (const auto& [key, value] : selector.items()) {
        if (labels == nullptr) return false;
        const auto it = labels->find(key);
        if (it == labels->end() || *it != value) return false;
    }
    return true;
}

const json* service_selector(const json& service) {
    const auto spec = service.find("spec");
    if (spec == service.end() || !spec->is_object()) return nullptr;
    const auto selector = spec->find("selector");
    if (selector == spec->end() || !selector->is_object() || selector->empty()) return nullptr;
    return &*selector;
}

std::vector<std::string> services_selecting(const kube::Informer& services, const json& pod) {
    std::vector<std::string> keys;
    for (const json* s : services.list_refs(kube::meta::namespace_of(pod))) {
        const json* selector = service_selector(*s);
        if (selector != nullptr && service_selects(*selector, pod))
            keys.push_back(kube::meta::namespace_of(*s) + "/" + kube::meta::name(*s));
    }
    return keys;
}

std::vector<json> pods_selected(const kube::Informer& pods, const std::string& ns,
                                const json& selector) {
    std::vector<json> selected;
    for (const json* p : pods.list_refs(ns))
        if (service_selects(selector, *p)) selected.push_back(*p);
    return selected;
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
