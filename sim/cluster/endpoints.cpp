#include "sim/cluster/endpoints.hpp"

#include <algorithm>
#include <map>

#include "controller/pod_util.hpp"
#include "sim/cluster/json_view.hpp"
#include "sim/cluster/service_pods.hpp"
#include "sim/kube/object_meta.hpp"
#include "sim/kube/selectors.hpp"

namespace sim::cluster {
namespace {

using json = sim::Json;

// endpointslice/util ShouldPodBeInEndpoints.
bool should_include(const json& pod, bool publish_not_ready) {
    const json status = pod.value("status", json::object());
    const std::string phase = str(status, "phase");
    if (phase == "Succeeded" || phase == "Failed") return false;
    if (str(status, "podIP").empty()) return false;
    if (!publish_not_ready && pod.value("metadata", json::object()).contains("deletionTimestamp"))
        return false;
    return true;
}

}  // namespace

json endpoints_subsets(const json& service, const std::vector<json>& pods) {
    const json spec = service.value("spec", json::object());
    const bool publish_not_ready = spec.value("publishNotReadyAddresses", false);
    struct Subset {
        json ports;
        std::vector<json> ready, not_ready;
    };
    std::map<std::string, Subset> by_ports;
    for (const json& pod : pods) {
        if (!should_include(pod, publish_not_ready)) continue;
        json ports = json::array();
        for (const json& sp : spec.value("ports", json::array())) {
            const auto port = resolve_target_port(pod, sp);
            if (!port) continue;
            json p{{"port", *port}, {"protocol", sp.value("protocol", "TCP")}};
            if (!str(sp, "name").empty()) p["name"] = str(sp, "name");
            if (sp.contains("appProtocol")) p["appProtocol"] = sp["appProtocol"];
            ports.push_back(std::move(p));
        }
        std::sort(ports.begin(), ports.end(), [](const json& a, const json& b) {
            return std::make_pair(str(a, "name"), a["port"].get<std::int64_t>()) <
                   std::make_pair(str(b, "name"), b["port"].get<std::int64_t>());
        });
        const json status = pod.value("status", json::object());
        json address{{"ip", str(status, "podIP")},
                     {"nodeName", str(pod.value("spec", json::object()), "nodeName")},
                     {"targetRef",
                      {{"kind", "Pod"},
                       {"namespace", kube::meta::namespace_of(pod)},
                       {"name", kube::meta::name(pod)},
                       {"uid", kube::meta::uid(pod)}}}};
        Subset& s = by_ports[ports.dump()];
        s.ports = ports;
        (publish_not_ready || controller::is_pod_ready(pod) ? s.ready : s.not_ready)
            .push_back(std::move(address));
    }
    // RepackSubsets: addresses sorted by IP then uid.
    const auto by_ip = [](const json& a, const json& b) {
        return std::make_pair(str(a, "ip"), str(a["targetRef"], "uid")) <
               std::make_pair(str(b, "ip"), str(b["targetRef"], "uid"));
    };
    json subsets = json::array();
    for (auto& [key, s] : by_ports) {
        json subset = json::object();
        std::sort(s.ready.begin(), s.ready.end(), by_ip);
        std::sort(s.not_ready.begin(), s.not_ready.end(), by_ip);
        if (!s.ready.empty()) subset["addresses"] = s.ready;
        if (!s.not_ready.empty()) subset["notReadyAddresses"] = s.not_ready;
        if (!s.ports.empty()) subset["ports"] = s.ports;
        subsets.push_back(std::move(subset));
    }
    return subsets;
}

EndpointsController::EndpointsController(kube::Client& client)
    : ServiceController(client, "endpoint-controller", "endpoint") {}

bool EndpointsController::sync(const std::string& key) {
    const auto [ns, name] = kube::meta::split_key(key);
    const kube::ResourceRef ref = kube::refs::kEndpoints.in(ns);
    const auto service = services_->get(key);
    if (!service) {
        // The Service is gone: so are its Endpoints.
        const auto removed = client_.remove(ref, name);
        return removed.ok() || removed.is_not_found();
    }
    const json* selector = service_selector(*service);
    if (selector == nullptr) return true;  // user-managed Endpoints
    const std::vector<json> pods = pods_selected(*pods_, ns, *selector);
    const json subsets = endpoints_subsets(*service, pods);
    const json labels = service->value("metadata", json::object()).value("labels", json::object());

    const auto current = client_.get(ref, name);
    if (current.ok()) {
        const json& cur = current.value();
        const json cur_subsets = cur.value("subsets", json::array());
        const json cur_labels =
            cur.value("metadata", json::object()).value("labels", json::object());
        if (cur_subsets == subsets && cur_labels == labels) return true;
    } else if (!current.is_not_found()) {
        return false;
    }
    json endpoints{
        {"apiVersion", "v1"},
        {"kind", "Endpoints"},
        {"metadata",
         {{"name", name},
          {"namespace", ns},
          {"annotations",
           {{"endpoints.kubernetes.io/last-change-trigger-time", client_.now_rfc3339()}}}}}};
    if (!labels.empty()) endpoints["metadata"]["labels"] = labels;
    if (!subsets.empty()) endpoints["subsets"] = subsets;
    if (current.ok()) {
        endpoints["metadata"]["resourceVersion"] =
            current.value()["metadata"].value("resourceVersion", "");
        const auto updated = client_.update(ref, endpoints);
        if (updated.ok()) return true;
        (void)recorder_.record_event(
            *service, "Warning", "FailedToUpdateEndpoint",
            "Failed to update endpoint " + key + ": " + updated.error().message());
        return false;
    }
    const auto created = client_.create(ref, endpoints);
    if (created.ok()) return true;
    (void)recorder_.record_event(
        *service, "Warning", "FailedToCreateEndpoint",
        "Failed to create endpoint for service " + key + ": " + created.error().message());
    return false;
}

}  // namespace sim::cluster
