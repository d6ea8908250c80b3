#include "sim/scenario/traffic_runtime.hpp"

#include <map>

#include "components/model/csv.hpp"
#include "components/model/model.hpp"
#include "sim/kernel/json.hpp"
#include "sim/kernel/overloaded.hpp"
#include "sim/kube/api_server.hpp"
#include "sim/kube/selectors.hpp"
#include "sim/scenario/cluster_runtime.hpp"
#include "sim/scenario/glob.hpp"

namespace sim::scenario {
namespace {

using kernel::Nanos;
using kernel::Overloaded;
using Json = sim::Json;

std::vector<cluster::RatePiece> rate_pieces(const TrafficSource& t) {
    return std::visit(
        Overloaded{
            [&](const ConstantRate& r) {
                return std::vector<cluster::RatePiece>{{t.from, t.to, r.per_second, r.per_second}};
            },
            [&](const RampRate& r) {
                return std::vector<cluster::RatePiece>{
                    {t.from, t.to, r.from_per_second, r.to_per_second}};
            },
            [&](const StepRates& r) {
                std::vector<cluster::RatePiece> out;
                for (std::size_t i = 0; i < r.steps.size(); ++i) {
                    const Nanos from = std::max(r.steps[i].at, t.from);
                    const Nanos to =
                        std::min(i + 1 < r.steps.size() ? r.steps[i + 1].at : t.to, t.to);
                    if (from < to)
                        out.push_back({from, to, r.steps[i].per_second, r.steps[i].per_second});
                }
                return out;
            },
        },
        t.rate);
}

}  // namespace

std::optional<cluster::TrafficSourceSpec> traffic_source_spec(
    const TrafficSource& t, std::size_t index, std::vector<Diagnostic>& diagnostics) {
    cluster::TrafficSourceSpec spec;
    spec.name = t.name;
    spec.sdep_namespace = t.target_namespace;
    spec.sdep_name = t.target_name;
    spec.from = t.from;
    spec.to = t.to;
    spec.rate = rate_pieces(t);
    spec.poisson = t.arrivals == Arrivals::Poisson;
    spec.str_data = t.payload.encoding == PayloadEncoding::StrData;
    spec.feedback = t.feedback.has_value();
    try {
        for (auto& row : components::model::read_labelled_csv_file(t.payload.texts.string())) {
            spec.texts.push_back(std::move(row.text));
            spec.labels.push_back(std::move(row.label));
        }
    } catch (const std::exception& e) {
        diagnostics.push_back(
            {t.where, "spec.traffic[" + std::to_string(index) + "].payload.texts", e.what()});
        return std::nullopt;
    }
    if (spec.texts.empty()) {
        diagnostics.push_back({t.where, "spec.traffic[" + std::to_string(index) + "].payload.texts",
                               t.payload.texts.string() + ": no rows"});
        return std::nullopt;
    }
    return spec;
}

cluster::ContainerProfile container_profile(const Scenario& s, const std::vector<Fault>& active,
                                            const std::string& image) {
    const ImageRule* rule = find_image_rule(s.images, image);
    const ImageTimings timings = effective_timings(rule);
    cluster::ContainerProfile p;
    if (rule && rule->run) p.component = std::string(to_string(*rule->run));
    if (rule && rule->model) p.model = rule->model->string();
    p.service_median = timings.service_time.median;
    p.service_p99 = timings.service_time.p99;
    p.cpu_per_request = timings.cpu_per_request;
    p.concurrency = timings.concurrency;
    for (const Fault& fault : active) {
        if (const auto* f = std::get_if<SlowFault>(&fault); f && glob_match(f->image, image))
            p.add_latency += f->add_latency;
        if (const auto* f = std::get_if<ErrorsFault>(&fault); f && glob_match(f->image, image))
            p.error_rate = std::max(p.error_rate, f->rate);
    }
    return p;
}

cluster::ModelLoader scenario_model_loader(const Scenario& s) {
    auto cache = std::make_shared<
        std::map<std::string, std::shared_ptr<const components::model::SentimentModel>>>();
    return [&s, cache](const std::string& uri) {
        const ModelFile* mapped = find_model(s.models, uri);
        const std::string path = mapped ? mapped->path.string() : uri;
        auto& slot = (*cache)[path];
        if (!slot) {
            slot = std::make_shared<const components::model::SentimentModel>(
                components::model::load_model_file(path));
        }
        return slot;
    };
}

namespace {

std::optional<std::string> label(const MetricSubject& m, std::string_view key) {
    for (const auto& [k, v] : m.labels)
        if (k == key) return v;
    return std::nullopt;
}

Observation request_metric(const MetricSubject& m, const When& when,
                           const cluster::RequestPath* requests) {
    static const cluster::TrafficMetrics kNone;
    const cluster::TrafficMetrics& metrics = requests ? requests->metrics() : kNone;
    const bool latency = m.name.starts_with("latency_");
    cluster::TrafficFilter filter{label(m, "source"), label(m, "predictor"), latency};
    const auto* window = std::get_if<MetricWindow>(&when);
    const auto totals = [&](const cluster::TrafficFilter& f) {
        return window ? metrics.totals(window->from, window->to, f, false)
                      : metrics.totals_so_far(f);
    };
    if (m.name == "requests_lost") {
        return Observation::of(requests ? requests->lost_now() : 0);
    }
    const cluster::TrafficTotals t = totals(filter);
    if (m.name == "requests_total") return Observation::of(t.requests);
    if (m.name == "responses_total") return Observation::of(t.responses);
    if (m.name == "errors_total") return Observation::of(t.errors);
    if (m.name == "rewards_total") return Observation::of(t.rewarded);
    if (m.name == "reward_rate") {
        if (t.feedback == 0) return Observation::none("no feedback was sent in the window");
        return Observation::of(static_cast<double>(t.rewarded) / static_cast<double>(t.feedback));
    }
    if (m.name == "error_rate") {
        const std::uint64_t ended = t.responses + t.errors;
        if (ended == 0) return Observation::none("no request ended in the window");
        return Observation::of(static_cast<double>(t.errors) / static_cast<double>(ended));
    }
    if (m.name == "traffic_share") {
        if (!filter.predictor) return Observation::none("traffic_share needs the label predictor");
        const cluster::TrafficTotals all = totals({filter.source, std::nullopt, false});
        if (all.requests == 0) return Observation::none("no requests in the window");
        return Observation::of(static_cast<double>(t.requests) / static_cast<double>(all.requests));
    }
    const std::map<std::string, double> percentiles{
        {"latency_p50_ms", 50}, {"latency_p90_ms", 90}, {"latency_p99_ms", 99}};
    if (const auto p = percentiles.find(m.name); p != percentiles.end()) {
        if (t.latency.empty()) return Observation::none("no responses in the window");
        return Observation::of(static_cast<double>(t.latency.percentile(p->second)) / 1e6);
    }
    return Observation::cannot("unknown request metric " + m.name);
}

// The object named by the labels: in `namespace` if given, else the first in any namespace.
std::optional<Json> find_named(const kube::Client& client, const kube::ResourceRef& ref,
                               const std::optional<std::string>& ns, const std::string& name) {
    if (ns) {
        auto got = client.get(ref.in(*ns), name);
        if (got) return std::move(got).value();
        return std::nullopt;
    }
    const auto list = client.list(ref);
    if (!list) return std::nullopt;
    for (const Json& item : (*list)["items"]) {
        if (item["metadata"].value("name", "") == name) return item;
    }
    return std::nullopt;
}

Observation cluster_metric(const MetricSubject& m, const kube::Client& client) {
    const auto ns = label(m, "namespace");
    if (m.name == "replicas" || m.name == "ready_replicas") {
        const auto name = label(m, "deployment");
        if (!name) return Observation::none(m.name + " needs the label deployment");
        const auto d = find_named(client, kube::refs::kDeployments, ns, *name);
        if (!d) return Observation::none("no Deployment " + *name);
        const Json status = d->value("status", Json::object());
        return Observation::of(
            status.value(m.name == "replicas" ? "replicas" : "readyReplicas", 0));
    }
    if (m.name == "hpa_desired_replicas") {
        const auto name = label(m, "hpa");
        if (!name) return Observation::none("hpa_desired_replicas needs the label hpa");
        const auto h = find_named(client, kube::refs::kHpas, ns, *name);
        if (!h) return Observation::none("no HorizontalPodAutoscaler " + *name);
        const Json status = h->value("status", Json::object());
        if (!status.contains("desiredReplicas"))
            return Observation::none("no value at status.desiredReplicas");
        return Observation::of(status["desiredReplicas"]);
    }
    if (m.name == "pod_restarts") {
        kube::ListOptions options;
        if (const auto sel = label(m, "selector")) options.label_selector = *sel;
        const auto list = client.list(ns ? kube::refs::kPods.in(*ns) : kube::refs::kPods, options);
        if (!list) return Observation::none("cannot list pods");
        const auto pod = label(m, "pod");
        std::int64_t restarts = 0;
        for (const Json& item : (*list)["items"]) {
            if (pod && item["metadata"].value("name", "") != *pod) continue;
            const Json status = item.value("status", Json::object());
            for (const Json& c : status.value("containerStatuses", Json::array()))
                restarts += c.value("restartCount", 0);
        }
        return Observation::of(restarts);
    }
    return Observation::cannot("unknown metric " + m.name);
}

}  // namespace

Observer with_metrics(Observer base, const cluster::RequestPath* requests,
                      const kube::Client& client) {
    return [base = std::move(base), requests, &client](const Subject& subject,
                                                       const When& when) -> Observation {
        const auto* m = std::get_if<MetricSubject>(&subject);
        if (!m) return base(subject, when);
        static const std::set<std::string, std::less<>> kCluster{
            "replicas", "ready_replicas", "hpa_desired_replicas", "pod_restarts"};
        if (kCluster.contains(m->name)) return cluster_metric(*m, client);
        return request_metric(*m, when, requests);
    };
}

// ---- ClusterRuntime's request path ----------------------------------------------------------

std::vector<Diagnostic> ClusterRuntime::start_traffic(kube::ApiServer& api, kernel::Nanos end,
                                                      bool trace_requests, bool always) {
    std::vector<Diagnostic> diagnostics;
    std::vector<cluster::TrafficSourceSpec> specs;
    for (std::size_t i = 0; i < s_.traffic.size(); ++i) {
        if (auto spec = traffic_source_spec(s_.traffic[i], i, diagnostics))
            specs.push_back(std::move(*spec));
    }
    // No traffic, no request path: runs without traffic keep their events (and trace) as before.
    if (!diagnostics.empty() || (specs.empty() && !always)) return diagnostics;
    traffic_client_ = std::make_unique<kube::Client>(api, "istio-ingressgateway");
    cluster::RequestPathOptions options;
    options.profiles = [this](const std::string& image) {
        std::vector<Fault> active;
        for (const auto& [id, fault] : active_)
            active.push_back(fault);
        return container_profile(s_, active, image);
    };
    options.load_model = scenario_model_loader(s_);
    options.usage = usage_sink_;
    options.trace = &trace_;
    options.trace_requests = trace_requests;
    options.note = [this](const std::string& message) {
        trace_.line(reader_.loop().now(), "note").str("message", message);
        narrate_(message);
    };
    requests_ =
        std::make_unique<cluster::RequestPath>(*traffic_client_, streams_, std::move(options));
    requests_->start(end);
    for (auto& spec : specs)
        requests_->add_source(std::move(spec));
    return diagnostics;
}

void ClusterRuntime::set_usage_sink(cluster::PodUsageSink* sink) {
    usage_sink_ = sink;
    if (requests_) requests_->set_usage_sink(sink);
}

void ClusterRuntime::traffic_fault(const Fault& fault, bool begins) {
    if (!requests_) return;
    if (const auto* f = std::get_if<NodeDownFault>(&fault)) {
        requests_->set_node_down(f->node, begins);
        return;
    }
    if (std::holds_alternative<SlowFault>(fault) || std::holds_alternative<ErrorsFault>(fault))
        requests_->profiles_changed();
}

}  // namespace sim::scenario
