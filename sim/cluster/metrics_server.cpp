#include "sim/cluster/metrics_server.hpp"

#include <stdexcept>

#include "controller/pod_util.hpp"
#include "sim/kube/object_meta.hpp"

namespace sim::cluster {
namespace {

using json = sim::Json;
namespace refs = kube::refs;

constexpr const char* kGroupResource = "pods.metrics.k8s.io";

std::string nanocores_text(std::int64_t nanocores) {
    return std::to_string(nanocores) + "n";
}
std::string kibibytes_text(std::int64_t bytes) {
    return std::to_string(bytes / 1024) + "Ki";
}

// When a container started running (its status), or nothing when it is not running.
std::optional<std::int64_t> running_since(const json& pod, const std::string& container) {
    const json statuses =
        pod.value("status", json::object()).value("containerStatuses", json::array());
    for (const json& s : statuses) {
        if (s.value("name", "") != container) continue;
        const json running = s.value("state", json::object()).value("running", json());
        if (!running.is_object()) return std::nullopt;
        return controller::parse_time(running.value("startedAt", json()));
    }
    return std::nullopt;
}

}  // namespace

MetricsServer::MetricsServer(kube::ApiServer& api, MetricsServerOptions options)
    : api_(api), options_(options) {
    if (options_.resolution < kernel::kMillisecond)
        throw std::invalid_argument("metrics-server: the resolution must be at least 1ms");
    api_.aggregate(kGroupResource, this);
}

MetricsServer::~MetricsServer() {
    api_.aggregate(kGroupResource, nullptr);
}

void MetricsServer::Buckets::add(std::int64_t amount) {
    const kernel::Nanos now = server_.api_.loop().now();
    if (now < latest_start_) throw std::logic_error("metrics-server: usage reported back in time");
    // Reports come thousands of times per window: divide only when a new window begins.
    if (now >= latest_start_ + server_.options_.resolution) {
        latest_ = server_.window_index(now);
        latest_start_ = latest_ * server_.options_.resolution;
    }
    const std::int64_t index = latest_;
    const auto slot = static_cast<std::size_t>(index % 3);
    // A slot holding another window holds one at least 3 back: never read again.
    if (index_[slot] != index) {
        index_[slot] = index;
        amount_[slot] = 0;
    }
    amount_[slot] += amount;
}

std::int64_t MetricsServer::Buckets::amount(std::int64_t index) const {
    // Dropped (or never reported). `index + 2 < latest_`, not `index < latest_ - 2`: latest_
    // is kNone (the lowest int64) until the first report, and subtracting from it overflows.
    if (index < 0 || index + 2 < latest_) return 0;
    const auto slot = static_cast<std::size_t>(index % 3);
    return index_[slot] == index ? amount_[slot] : 0;
}

UsageMeter* MetricsServer::cpu_meter(std::string_view ns, std::string_view pod,
                                     std::string_view container) {
    return &cpu_.try_emplace({std::string(ns), std::string(pod), std::string(container)}, *this)
                .first->second;
}

UsageMeter* MetricsServer::requests_meter(std::string_view ns, std::string_view pod) {
    return &requests_.try_emplace({std::string(ns), std::string(pod)}, *this).first->second;
}

void MetricsServer::add_cpu(std::string_view ns, std::string_view pod, std::string_view container,
                            kernel::Nanos cpu) {
    if (cpu <= 0) return;
    cpu_meter(ns, pod, container)->add(cpu);
}

void MetricsServer::add_requests(std::string_view ns, std::string_view pod, std::uint64_t count) {
    if (count == 0) return;
    requests_meter(ns, pod)->add(static_cast<std::int64_t>(count));
}

// amount / window seconds, without overflowing: the window is a whole number of milliseconds
// (amount x 10^9 would overflow int64 past ~9 s of CPU time per window).
std::int64_t MetricsServer::per_second(std::int64_t amount) const {
    return amount * 1000 / (options_.resolution / kernel::kMillisecond);
}

std::int64_t MetricsServer::last_window() const {
    return window_index(api_.loop().now()) - 1;
}

bool MetricsServer::has_metrics(const json& pod, kernel::Nanos window_start) const {
    if (controller::pod_phase(pod) != "Running" || kube::meta::is_being_deleted(pod)) return false;
    const std::int64_t start_unix = api_.now_unix_nanos() - api_.loop().now() + window_start;
    const json containers = pod.value("spec", json::object()).value("containers", json::array());
    if (containers.empty()) return false;
    for (const json& c : containers) {
        const auto since = running_since(pod, c.value("name", ""));
        if (!since || *since > start_unix) return false;
    }
    return true;
}

std::vector<json> MetricsServer::pods_with_metrics(const std::string& ns) const {
    std::vector<json> out;
    const std::int64_t window = last_window();
    if (window < 0) return out;
    const auto listed = api_.list(refs::kPods.in(ns));
    if (!listed) return out;
    for (const json& pod : (*listed)["items"])
        if (has_metrics(pod, window * options_.resolution)) out.push_back(pod);
    return out;
}

std::vector<json> MetricsServer::objects(const std::string& ns) const {
    std::vector<json> out;
    const std::int64_t window = last_window();
    const kernel::Nanos scraped = (window + 1) * options_.resolution;
    const std::string timestamp =
        kernel::format_rfc3339(api_.now_unix_nanos() - api_.loop().now() + scraped);
    for (const json& pod : pods_with_metrics(ns)) {
        const std::string pod_ns = kube::meta::namespace_of(pod);
        const std::string pod_name = kube::meta::name(pod);
        json containers = json::array();
        for (const json& c : pod["spec"]["containers"]) {
            const std::string name = c.value("name", "");
            const auto it = cpu_.find({pod_ns, pod_name, name});
            const std::int64_t cpu_ns = it == cpu_.end() ? 0 : it->second.amount(window);
            // CPU nanoseconds per second of window = nanocores.
            const std::int64_t nanocores = per_second(cpu_ns) + options_.idle_cpu_nanocores;
            containers.push_back({{"name", name},
                                  {"usage",
                                   {{"cpu", nanocores_text(nanocores)},
                                    {"memory", kibibytes_text(options_.working_set_bytes)}}}});
        }
        json metadata = {
            {"name", pod_name}, {"namespace", pod_ns}, {"creationTimestamp", api_.now_rfc3339()}};
        if (pod["metadata"].contains("labels")) metadata["labels"] = pod["metadata"]["labels"];
        out.push_back({{"kind", "PodMetrics"},
                       {"apiVersion", "metrics.k8s.io/v1beta1"},
                       {"metadata", metadata},
                       {"timestamp", timestamp},
                       {"window", kernel::format_duration(options_.resolution)},
                       {"containers", containers}});
    }
    return out;
}

std::int64_t MetricsServer::requests_milli_per_second(const std::string& ns, const std::string& pod,
                                                      std::int64_t window) const {
    const auto it = requests_.find({ns, pod});
    const std::int64_t count = it == requests_.end() ? 0 : it->second.amount(window);
    return per_second(count * 1000);
}

controller::hpa::PodMetricsAnswer MetricsServer::pod_metric(
    const std::string& ns, const std::string& metric, const kube::LabelSelector& selector) const {
    controller::hpa::PodMetricsAnswer out;
    if (metric != "requests_per_second") {
        out.error = "the server could not find the metric " + metric + " for pods";
        return out;
    }
    const std::int64_t window = last_window();
    const std::int64_t timestamp =
        api_.now_unix_nanos() - api_.loop().now() + (window + 1) * options_.resolution;
    for (const json& pod : pods_with_metrics(ns)) {
        if (!selector.matches_object(pod)) continue;
        const std::string name = kube::meta::name(pod);
        out.metrics[name] = {requests_milli_per_second(ns, name, window), timestamp,
                             options_.resolution};
    }
    if (out.metrics.empty()) out.error = "no metrics returned from custom metrics API";
    return out;
}

controller::hpa::ObjectMetricAnswer MetricsServer::object_metric(const std::string& ns,
                                                                 const json& described,
                                                                 const std::string& metric) const {
    controller::hpa::ObjectMetricAnswer out;
    const std::string kind = described.value("kind", "");
    const std::string name = described.value("name", "");
    if (metric != "requests_per_second") {
        out.error = "the server could not find the metric " + metric + " for " + kind;
        return out;
    }
    // The object's pods: a Service's selector, or a workload's spec.selector.
    kube::LabelSelector selector = kube::LabelSelector::nothing();
    try {
        if (kind == "Service") {
            const auto svc = api_.get(refs::kServices.in(ns), name);
            if (!svc) {
                out.error = svc.error().message();
                return out;
            }
            const json sel = (*svc)["spec"].value("selector", json());
            if (sel.is_object()) selector = kube::LabelSelector::from_json({{"matchLabels", sel}});
        } else if (kind == "Deployment") {
            const auto d = api_.get(refs::kDeployments.in(ns), name);
            if (!d) {
                out.error = d.error().message();
                return out;
            }
            selector = kube::LabelSelector::from_json((*d)["spec"].value("selector", json()));
        } else {
            out.error = "the server could not find the metric " + metric + " for " + kind;
            return out;
        }
    } catch (const kube::ApiError& e) {
        out.error = e.message();
        return out;
    }
    const std::int64_t window = last_window();
    out.timestamp_unix_nanos =
        api_.now_unix_nanos() - api_.loop().now() + (window + 1) * options_.resolution;
    for (const json& pod : pods_with_metrics(ns))
        if (selector.matches_object(pod))
            out.milli += requests_milli_per_second(ns, kube::meta::name(pod), window);
    return out;
}

}  // namespace sim::cluster
