#include "sim/cluster/endpointslices.hpp"

#include <algorithm>
#include <map>

#include "controller/pod_util.hpp"
#include "sim/cluster/json_view.hpp"
#include "sim/cluster/service_pods.hpp"
#include "sim/kube/object_meta.hpp"

namespace sim::cluster {
namespace {

using json = sim::Json;

// The labels a managed slice carries (reconciler.go setEndpointSliceLabels).
json slice_labels(const json& service) {
    json labels = json::object();
    const json own = service.value("metadata", json::object()).value("labels", json::object());
    for (const auto& [k, v] : own.items()) {
        if (k == "kubernetes.io/service-name" || k == "endpointslice.kubernetes.io/managed-by")
            continue;
        labels[k] = v;
    }
    if (str(service.value("spec", json::object()), "clusterIP") == "None")
        labels["service.kubernetes.io/headless"] = "";
    labels["kubernetes.io/service-name"] = kube::meta::name(service);
    labels["endpointslice.kubernetes.io/managed-by"] = kManagedByEndpointSliceController;
    return labels;
}

}  // namespace

std::vector<json> desired_slices(const json& service, const std::vector<json>& pods,
                                 const std::function<std::string(const std::string&)>& zone_of) {
    const json spec = service.value("spec", json::object());
    const bool publish_not_ready = spec.value("publishNotReadyAddresses", false);
    std::map<std::string, std::pair<json, std::vector<json>>> by_ports;  // ports -> endpoints
    for (const json& pod : pods) {
        const json status = pod.value("status", json::object());
        const std::string phase = str(status, "phase");
        // ShouldPodBeInEndpoints with includeTerminating: terminating pods stay.
        if (phase == "Succeeded" || phase == "Failed" || str(status, "podIP").empty()) continue;
        json ports = json::array();
        for (const json& sp : spec.value("ports", json::array())) {
            const auto port = resolve_target_port(pod, sp);
            if (!port) continue;
            json p{{"name", str(sp, "name")},
                   {"port", *port},
                   {"protocol", sp.value("protocol", "TCP")}};
            if (sp.contains("appProtocol")) p["appProtocol"] = sp["appProtocol"];
            ports.push_back(std::move(p));
        }
        std::sort(ports.begin(), ports.end(), [](const json& a, const json& b) {
            return std::make_pair(str(a, "name"), a["port"].get<std::int64_t>()) <
                   std::make_pair(str(b, "name"), b["port"].get<std::int64_t>());
        });
        const bool terminating =
            pod.value("metadata", json::object()).contains("deletionTimestamp");
        const bool serving = controller::is_pod_ready(pod);
        const bool ready = publish_not_ready || (serving && !terminating);
        const std::string node = str(pod.value("spec", json::object()), "nodeName");
        json endpoint{{"addresses", json::array({str(status, "podIP")})},
                      {"conditions",
                       {{"ready", ready},
                        {"serving", publish_not_ready || serving},
                        {"terminating", terminating}}},
                      {"targetRef",
                       {{"kind", "Pod"},
                        {"namespace", kube::meta::namespace_of(pod)},
                        {"name", kube::meta::name(pod)},
                        {"uid", kube::meta::uid(pod)}}}};
        if (!node.empty()) endpoint["nodeName"] = node;
        if (zone_of && !node.empty()) {
            const std::string zone = zone_of(node);
            if (!zone.empty()) endpoint["zone"] = zone;
        }
        auto& [p, endpoints] = by_ports[ports.dump()];
        p = ports;
        endpoints.push_back(std::move(endpoint));
    }
    std::vector<json> slices;
    for (auto& [key, entry] : by_ports) {
        auto& [ports, endpoints] = entry;
        std::sort(endpoints.begin(), endpoints.end(), [](const json& a, const json& b) {
            return std::make_pair(a["addresses"][0].get<std::string>(),
                                  str(a["targetRef"], "uid")) <
                   std::make_pair(b["addresses"][0].get<std::string>(), str(b["targetRef"], "uid"));
        });
        for (std::size_t i = 0; i < endpoints.size(); i += kMaxEndpointsPerSlice) {
            const std::size_t end = std::min(endpoints.size(), i + kMaxEndpointsPerSlice);
            json slice{{"addressType", "IPv4"},
                       {"endpoints", json(std::vector<json>(
                                         endpoints.begin() + static_cast<std::ptrdiff_t>(i),
                                         endpoints.begin() + static_cast<std::ptrdiff_t>(end)))},
                       {"ports", ports}};
            slices.push_back(std::move(slice));
        }
    }
    if (slices.empty()) {
        // The placeholder slice (reconciler.go newEndpointSlice with no endpoints).
        slices.push_back(json{{"addressType", "IPv4"}, {"endpoints", nullptr}, {"ports", nullptr}});
    }
    return slices;
}

EndpointSliceController::EndpointSliceController(kube::Client& client)
    : ServiceController(client, "endpoint-slice-controller", "endpoint_slice") {}

// The slices' zones come from the nodes' topology.kubernetes.io/zone labels.
void EndpointSliceController::start_own_informers() {
    nodes_ = std::make_unique<kube::Informer>(client_, kube::refs::kNodes);
    nodes_->start();
}

bool EndpointSliceController::sync(const std::string& key) {
    const auto [ns, name] = kube::meta::split_key(key);
    const kube::ResourceRef ref = kube::refs::kEndpointSlices.in(ns);
    // The slices this controller owns for the Service, oldest name first.
    // Read from the server, not a cache: a slice created a moment ago must be seen (the real
    // controller's endpointSliceTracker serves the same purpose).
    kube::ListOptions owned;
    owned.label_selector =
        "endpointslice.kubernetes.io/managed-by=" + std::string(kManagedByEndpointSliceController) +
        ",kubernetes.io/service-name=" + name;
    const auto listed = client_.list(ref, owned);
    if (!listed) return false;
    std::vector<json> existing;
    for (const json& s : (*listed)["items"])
        existing.push_back(s);
    const auto service = services_->get(key);
    const json* selector = service ? service_selector(*service) : nullptr;
    if (selector == nullptr) {
        // Owned slices go with the Service (the garbage collector would delete them too).
        bool ok = true;
        for (const json& s : existing) {
            const auto removed = client_.remove(ref, kube::meta::name(s));
            ok = ok && (removed.ok() || removed.is_not_found());
        }
        return ok;
    }
    const std::vector<json> pods = pods_selected(*pods_, ns, *selector);
    const auto zone_of = [this](const std::string& node) {
        const auto n = nodes_->get(node);
        if (!n) return std::string();
        return n->value("metadata", json::object())
            .value("labels", json::object())
            .value("topology.kubernetes.io/zone", "");
    };
    const std::vector<json> desired = desired_slices(*service, pods, zone_of);
    const json labels = slice_labels(*service);
    const json owner{{"apiVersion", "v1"}, {"kind", "Service"},
                     {"name", name},       {"uid", kube::meta::uid(*service)},
                     {"controller", true}, {"blockOwnerDeletion", true}};
    bool ok = true;
    std::string failure;
    for (std::size_t i = 0; i < desired.size(); ++i) {
        json slice = desired[i];
        slice["apiVersion"] = "discovery.k8s.io/v1";
        slice["kind"] = "EndpointSlice";
        if (i < existing.size()) {
            const json& cur = existing[i];
            const json cur_labels =
                cur.value("metadata", json::object()).value("labels", json::object());
            if (cur.value("endpoints", json()) == slice["endpoints"] &&
                cur.value("ports", json()) == slice["ports"] && cur_labels == labels)
                continue;
            json next = cur;
            next["endpoints"] = slice["endpoints"];
            next["ports"] = slice["ports"];
            next["metadata"]["labels"] = labels;
            next["metadata"]["annotations"]["endpoints.kubernetes.io/last-change-trigger-time"] =
                client_.now_rfc3339();
            const auto updated = client_.update(ref, next);
            if (!updated.ok()) {
                ok = false;
                failure = updated.error().message();
            }
            continue;
        }
        slice["metadata"] = {
            {"generateName", name + "-"},
            {"namespace", ns},
            {"labels", labels},
            {"annotations",
             {{"endpoints.kubernetes.io/last-change-trigger-time", client_.now_rfc3339()}}},
            {"ownerReferences", json::array({owner})}};
        const auto created = client_.create(ref, slice);
        if (!created.ok()) {
            ok = false;
            failure = created.error().message();
        }
    }
    for (std::size_t i = desired.size(); i < existing.size(); ++i) {
        const auto removed = client_.remove(ref, kube::meta::name(existing[i]));
        if (!removed.ok() && !removed.is_not_found()) {
            ok = false;
            failure = removed.error().message();
        }
    }
    if (!ok)
        (void)recorder_.record_event(
            *service, "Warning", "FailedToUpdateEndpointSlices",
            "Error updating Endpoint Slices for Service " + key + ": " + failure);
    return ok;
}

}  // namespace sim::cluster
