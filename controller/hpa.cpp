#include "controller/hpa.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "controller/pod_util.hpp"
#include "sim/kube/object_meta.hpp"
#include "sim/kube/quantity.hpp"

namespace sim::controller {
namespace {

namespace refs = sim::kube::refs;
namespace meta = sim::kube::meta;

std::optional<std::int64_t> milli_of(const Json& quantity) {
    if (quantity.is_string()) {
        const auto q = sim::kube::parse_quantity(quantity.get<std::string>());
        if (q) return q->milli;
        return std::nullopt;
    }
    if (quantity.is_number_integer()) return quantity.get<std::int64_t>() * 1000;
    return std::nullopt;
}

// A target quantity in milli-units; 0 when absent or malformed (a target must be positive).
std::int64_t target_milli(const Json& target, const char* field) {
    const auto it = target.find(field);
    if (it == target.end()) return 0;
    return milli_of(*it).value_or(0);
}

std::string milli_text(std::int64_t milli) {
    return sim::kube::format_quantity(sim::kube::Quantity{milli}, false);
}

std::int32_t int32_field(const Json& object, const char* field, std::int32_t fallback) {
    return static_cast<std::int32_t>(int_field(object, field, fallback));
}

// How the trace names a metric: "cpu", "requests_per_second", "Service/web requests_per_second".
std::string metric_label(const Json& spec) {
    const std::string type = spec.value("type", "");
    if (type == "Resource") return spec.value("resource", Json::object()).value("name", "");
    if (type == "Pods")
        return spec.value("pods", Json::object()).value("metric", Json::object()).value("name", "");
    if (type == "Object") {
        const Json o = spec.value("object", Json::object());
        const Json d = o.value("describedObject", Json::object());
        return d.value("kind", "") + "/" + d.value("name", "") + " " +
               o.value("metric", Json::object()).value("name", "");
    }
    return type;
}

}  // namespace

struct HorizontalPodAutoscalerController::Sync {
    std::string key;
    std::string ns;
    Json hpa;
    Json original_status;
    std::string target;  // "Deployment/web"
    std::int32_t current = 0;
    std::int32_t status_replicas = 0;
    std::int32_t desired = 0;
    std::int32_t min = 1;
    std::int32_t max = 1;
    sim::kube::LabelSelector selector;
    std::string selector_text;
    std::vector<Json> pods;
    Json statuses = Json::array();
    std::vector<std::string> observed;  // per metric, for the trace
    std::int32_t metric_proposal = 0;
    std::string metric_name;
    std::string reason;
    std::string error;
    bool rescale = false;
};

HorizontalPodAutoscalerController::HorizontalPodAutoscalerController(
    const hpa::CustomMetricsSource* custom, HpaConfig config)
    : custom_(custom), config_(config) {}

// enqueueHPA: every add and update goes through a fixed 15 s rate limiter, and a key already
// waiting keeps its time, so the first sync comes ~15 s after creation and then every 15 s.
void HorizontalPodAutoscalerController::setup() {
    informer(refs::kHpas)
        .add_handlers({
            .on_add =
                [this](const Json& h) { enqueue_after(meta::key_of(h), config_.sync_period); },
            .on_update =
                [this](const Json&, const Json& h) {
                    enqueue_after(meta::key_of(h), config_.sync_period);
                },
            .on_delete = [this](const Json& h) { history_.erase(meta::key_of(h)); },
        });
    informer(refs::kPods);  // the pod lister the replica calculator reads
}

ReconcileResult HorizontalPodAutoscalerController::reconcile(const std::string& key) {
    const auto object = informer(refs::kHpas).get(key);
    if (!object) {
        history_.erase(key);
        return ReconcileResult::done();
    }
    return sync(key, *object);
}

void HorizontalPodAutoscalerController::set_condition(Json& hpa_object, const std::string& type,
                                                      const std::string& status,
                                                      const std::string& reason,
                                                      const std::string& message) {
    Json& conditions = hpa_object["status"]["conditions"];
    if (!conditions.is_array()) conditions = Json::array();
    Json* existing = nullptr;
    for (Json& c : conditions)
        if (c.value("type", "") == type) existing = &c;
    if (existing == nullptr) {
        conditions.push_back({{"type", type}});
        existing = &conditions.back();
    }
    // setConditionInList: lastTransitionTime moves only when the status flips.
    if (existing->value("status", "") != status)
        (*existing)["lastTransitionTime"] = client().now_rfc3339();
    (*existing)["status"] = status;
    (*existing)["reason"] = reason;
    (*existing)["message"] = message;
}

// reconcileAutoscaler.
ReconcileResult HorizontalPodAutoscalerController::sync(const std::string& key, Json object) {
    Sync s;
    s.key = key;
    s.ns = meta::namespace_of(object);
    s.hpa = std::move(object);
    if (!s.hpa["status"].is_object()) s.hpa["status"] = Json::object();
    s.original_status = s.hpa["status"];
    const Json spec = s.hpa.value("spec", Json::object());
    const Json target = spec.value("scaleTargetRef", Json::object());
    const std::string kind = target.value("kind", "");
    const std::string target_name = target.value("name", "");
    s.target = kind + "/" + target_name;

    // 1. The target's /scale.
    const auto ref = client().ref_for(target.value("apiVersion", ""), kind);
    std::optional<Json> scale;
    std::string scale_error;
    if (!ref) {
        scale_error = "no matches for kind \"" + kind + "\" in group \"" +
                      sim::kube::split_api_version(target.value("apiVersion", "")).first + "\"";
    } else {
        auto got = client().get_scale(ref->in(s.ns), target_name);
        if (got)
            scale = std::move(got).value();
        else
            scale_error = got.error().message();
    }
    if (!scale) {
        recorder().record_event(s.hpa, "Warning", "FailedGetScale", scale_error);
        set_condition(
            s.hpa, "AbleToScale", "False", "FailedGetScale",
            "the HPA controller was unable to get the target's current scale: " + scale_error);
        s.hpa["status"]["currentReplicas"] = s.hpa["status"].value("currentReplicas", 0);
        s.hpa["status"]["desiredReplicas"] = s.hpa["status"].value("desiredReplicas", 0);
        s.error = "unable to get the target's scale: " + scale_error;
        finish(s);
        return ReconcileResult::after(config_.sync_period);
    }
    set_condition(s.hpa, "AbleToScale", "True", "SucceededGetScale",
                  "the HPA controller was able to get the target's current scale");
    s.current = int32_field((*scale)["spec"], "replicas", 0);
    s.status_replicas = int32_field((*scale)["status"], "replicas", 0);
    s.selector_text = (*scale)["status"].value("selector", "");
    s.min = int32_field(spec, "minReplicas", 1);
    s.max = int32_field(spec, "maxReplicas", 1);

    // The recommendations start with the current size when the HPA is first seen.
    auto [it, first_seen] = history_.try_emplace(key);
    if (first_seen) it->second.recommendations.push_back({s.current, now()});
    hpa::History& history = it->second;

    s.rescale = true;
    if (s.current == 0 && s.min != 0) {
        s.desired = 0;
        s.rescale = false;
        s.reason = "scaling is disabled since the replica count of the target is zero";
        set_condition(s.hpa, "ScalingActive", "False", "ScalingDisabled", s.reason);
    } else if (s.current > s.max) {
        s.reason = "Current number of replicas above Spec.MaxReplicas";
        s.desired = s.max;
    } else if (s.current < s.min) {
        s.reason = "Current number of replicas below Spec.MinReplicas";
        s.desired = s.min;
    } else {
        if (!compute_metrics(s)) {
            // setCurrentReplicasAndMetricsInStatus: desiredReplicas stays what it was.
            s.hpa["status"]["currentReplicas"] = s.current;
            s.hpa["status"]["desiredReplicas"] = s.original_status.value("desiredReplicas", 0);
            s.hpa["status"]["currentMetrics"] = s.statuses;
            recorder().record_event(s.hpa, "Warning", "FailedComputeMetricsReplicas", s.error);
            s.desired = s.current;
            finish(s);
            return ReconcileResult::after(config_.sync_period);
        }
        std::string rescale_metric;
        if (s.metric_proposal > s.desired) {
            s.desired = s.metric_proposal;
            rescale_metric = s.metric_name;
        }
        if (s.desired > s.current) s.reason = rescale_metric + " above target";
        if (s.desired < s.current) s.reason = "All metrics below target";
        const Json behavior_json = spec.value("behavior", Json());
        std::optional<hpa::Behavior> behavior;
        if (behavior_json.is_object()) behavior = hpa::parse_behavior(behavior_json);
        const hpa::Normalized n =
            behavior ? hpa::normalize_with_behavior(history, *behavior, now(), s.current, s.desired,
                                                    s.min, s.max, config_.downscale_stabilization)
                     : hpa::normalize_legacy(history, now(), s.current, s.desired, s.min, s.max,
                                             config_.downscale_stabilization);
        set_condition(s.hpa, "AbleToScale", "True", n.able_reason, n.able_message);
        set_condition(s.hpa, "ScalingLimited", n.limited ? "True" : "False", n.limited_reason,
                      n.limited_message);
        s.desired = n.desired;
        s.rescale = s.desired != s.current;
        if (!s.rescale) s.reason = n.limited ? n.limited_reason : n.able_reason;
    }

    if (s.rescale) {
        Json new_scale = *scale;
        new_scale["spec"]["replicas"] = s.desired;
        auto updated = client().update_scale(ref->in(s.ns), target_name, new_scale);
        if (!updated) {
            const std::string why = updated.error().message();
            recorder().record_event(s.hpa, "Warning", "FailedRescale",
                                    "New size: " + std::to_string(s.desired) +
                                        "; reason: " + s.reason + "; error: " + why);
            set_condition(s.hpa, "AbleToScale", "False", "FailedUpdateScale",
                          "the HPA controller was unable to update the target scale: " + why);
            s.hpa["status"]["currentReplicas"] = s.current;
            s.hpa["status"]["desiredReplicas"] = s.original_status.value("desiredReplicas", 0);
            s.hpa["status"]["currentMetrics"] = s.statuses;
            s.error = "failed to rescale " + s.target + ": " + why;
            s.desired = s.current;
            finish(s);
            return ReconcileResult::after(config_.sync_period);
        }
        set_condition(s.hpa, "AbleToScale", "True", "SucceededRescale",
                      "the HPA controller was able to update the target scale to " +
                          std::to_string(s.desired));
        recorder().record_event(s.hpa, "Normal", "SuccessfulRescale",
                                "New size: " + std::to_string(s.desired) + "; reason: " + s.reason);
        const Json behavior_json = spec.value("behavior", Json());
        if (behavior_json.is_object()) {
            const hpa::Behavior b = hpa::parse_behavior(behavior_json);
            hpa::store_scale_event(history, &b, now(), s.current, s.desired);
        }
    } else {
        s.desired = s.current;
    }

    // setStatus.
    Json& status = s.hpa["status"];
    status["currentReplicas"] = s.current;
    status["desiredReplicas"] = s.desired;
    if (s.statuses.empty())
        status.erase("currentMetrics");
    else
        status["currentMetrics"] = s.statuses;
    if (s.rescale) status["lastScaleTime"] = client().now_rfc3339();
    finish(s);
    return ReconcileResult::after(config_.sync_period);
}

// Writes the status when it changed (updateStatusIfNeeded), reports the decision and the sync.
void HorizontalPodAutoscalerController::finish(Sync& s) {
    if (s.hpa["status"] != s.original_status) {
        auto written = client().update_status(refs::kHpas.in(s.ns), s.hpa);
        if (!written && s.error.empty())
            s.error = "failed to update status: " + written.error().message();
    }
    std::string metrics;
    for (const std::string& m : s.observed)
        metrics += (metrics.empty() ? "" : ", ") + m;
    const std::string reason = s.error.empty() ? s.reason : s.error;
    if (s.rescale && s.error.empty())
        decide(s.key,
               "scale " + s.target + " from " + std::to_string(s.current) + " to " +
                   std::to_string(s.desired),
               (metrics.empty() ? "" : metrics + "; ") + reason);
    else
        decide(s.key, "keep " + s.target + " at " + std::to_string(s.current) + " replicas",
               (metrics.empty() ? "" : metrics + "; ") + reason);
    if (sync_hook_) sync_hook_({s.key, s.current, s.desired, metrics, reason});
}

// computeReplicasForMetrics: the largest proposal over the metrics; invalid metrics abort
// when all are invalid or when the valid ones would scale below spec.replicas.
bool HorizontalPodAutoscalerController::compute_metrics(Sync& s) {
    if (s.selector_text.empty()) {
        const std::string msg = "selector is required";
        recorder().record_event(s.hpa, "Warning", "SelectorRequired", msg);
        set_condition(s.hpa, "ScalingActive", "False", "InvalidSelector",
                      "the HPA target's scale is missing a selector");
        s.error = msg;
        return false;
    }
    try {
        s.selector = sim::kube::LabelSelector::parse(s.selector_text);
    } catch (const sim::kube::ApiError& e) {
        const std::string msg =
            "couldn't convert selector into a corresponding internal selector object: " +
            e.message();
        recorder().record_event(s.hpa, "Warning", "InvalidSelector", msg);
        set_condition(s.hpa, "ScalingActive", "False", "InvalidSelector", msg);
        s.error = msg;
        return false;
    }
    s.pods = informer(refs::kPods).list(s.ns, s.selector);

    const Json specs = s.hpa["spec"].value("metrics", Json::array());
    int invalid = 0;
    std::string first_error;
    Json failed_condition;
    std::int32_t replicas = 0;
    std::string metric;
    for (const Json& spec : specs) {
        Json status = {{"type", ""}};
        std::int32_t proposal = 0;
        std::string name;
        Json condition;
        if (!compute_metric(s, spec, status, proposal, name, condition)) {
            if (invalid == 0) {
                failed_condition = condition;
                first_error = s.error;
            }
            ++invalid;
            s.statuses.push_back(status);
            continue;
        }
        s.statuses.push_back(status);
        if (replicas == 0 || proposal > replicas) {
            replicas = proposal;
            metric = name;
        }
    }
    s.error.clear();
    const int count = static_cast<int>(specs.size());
    if (invalid > 0)
        s.error = "invalid metrics (" + std::to_string(invalid) + " invalid out of " +
                  std::to_string(count) + "), first error is: " + first_error;
    if (invalid >= count || (invalid > 0 && replicas < s.current)) {
        if (failed_condition.is_object())
            set_condition(s.hpa, "ScalingActive", "False", failed_condition.value("reason", ""),
                          failed_condition.value("message", ""));
        if (s.error.empty()) s.error = "no metrics to compute a replica count from";
        return false;
    }
    set_condition(s.hpa, "ScalingActive", "True", "ValidMetricFound",
                  "the HPA was able to successfully calculate a replica count from " + metric);
    s.metric_proposal = replicas;
    s.metric_name = metric;
    return true;
}

bool HorizontalPodAutoscalerController::compute_metric(Sync& s, const Json& spec, Json& status,
                                                       std::int32_t& proposal,
                                                       std::string& metric_name,
                                                       Json& failed_condition) {
    const std::string type = spec.value("type", "");
    std::string error;
    std::string reason;
    bool ok = false;
    if (type == "Resource") {
        reason = "FailedGetResourceMetric";
        ok = resource_metric(s, spec, status, proposal, metric_name, error);
        if (!ok)
            s.error = "failed to get " + spec.value("resource", Json::object()).value("name", "") +
                      " resource metric value: " + error;
    } else if (type == "Pods") {
        reason = "FailedGetPodsMetric";
        ok = pods_metric(s, spec, status, proposal, metric_name, error);
        if (!ok) s.error = "failed to get pods metric value: " + error;
    } else if (type == "Object") {
        reason = "FailedGetObjectMetric";
        ok = object_metric(s, spec, status, proposal, metric_name, error);
        if (!ok) s.error = "failed to get object metric value: " + error;
    } else {
        // External and ContainerResource metrics are left out of the emulation.
        reason = "InvalidMetricSourceType";
        error = "unknown metric source type \"" + type + "\"";
        s.error = error;
    }
    if (ok) return true;
    // getUnableComputeReplicaCountCondition: an event and the ScalingActive=False condition.
    recorder().record_event(s.hpa, "Warning", reason, error);
    failed_condition = {{"reason", reason},
                        {"message", "the HPA was unable to compute the replica count: " + error}};
    s.observed.push_back(metric_label(spec) + ": <unknown>");
    return false;
}

// rest_metrics_client.go GetResourceMetric: PodMetrics of the selected pods; a pod whose
// containers lack the resource (or that has no containers) is left out (missing).
hpa::PodMetricsAnswer HorizontalPodAutoscalerController::resource_metrics(
    const std::string& ns, const std::string& resource, const std::string& selector,
    std::string& error) {
    hpa::PodMetricsAnswer out;
    sim::kube::ListOptions options;
    options.label_selector = selector;
    const auto listed = client().list(refs::kPodMetrics.in(ns), options);
    if (!listed) {
        error = "unable to fetch metrics from resource metrics API: " + listed.error().message();
        return out;
    }
    const Json& items = (*listed)["items"];
    if (items.empty()) {
        error = "no metrics returned from resource metrics API";
        return out;
    }
    for (const Json& m : items) {
        const Json containers = m.value("containers", Json::array());
        bool missing = containers.empty();
        std::int64_t sum = 0;
        for (const Json& c : containers) {
            const Json usage = c.value("usage", Json::object());
            const auto value = usage.contains(resource) ? milli_of(usage[resource]) : std::nullopt;
            if (!value) {
                missing = true;
                break;
            }
            sum += *value;
        }
        if (missing) continue;
        const std::int64_t at = parse_time(m.value("timestamp", Json())).value_or(0);
        const auto window =
            sim::kernel::parse_duration(m.value("window", std::string("0s"))).value_or(0);
        out.metrics[meta::name(m)] = {sum, at, window};
    }
    return out;
}

bool HorizontalPodAutoscalerController::resource_metric(Sync& s, const Json& spec, Json& status,
                                                        std::int32_t& proposal,
                                                        std::string& metric_name,
                                                        std::string& error) {
    const Json source = spec.value("resource", Json::object());
    const std::string resource = source.value("name", "");
    const Json target = source.value("target", Json::object());
    const auto fail = [&](const std::string& why) {
        error = why;
        return false;
    };
    const std::int64_t average_value = target_milli(target, "averageValue");
    if (average_value <= 0 && !target.contains("averageUtilization"))
        return fail(
            "invalid resource metric source: neither an average utilization target nor an "
            "average value (usage) target was set");
    std::string fetch_error;
    const hpa::PodMetricsAnswer fetched =
        resource_metrics(s.ns, resource, s.selector_text, fetch_error);
    const std::string prefix = average_value > 0 ? "failed to get " + resource + " usage: "
                                                 : "failed to get " + resource + " utilization: ";
    if (!fetch_error.empty())
        return fail(prefix + "unable to get metrics for resource " + resource + ": " + fetch_error);
    const std::int64_t now_ns = client().now_unix_nanos();
    if (average_value > 0) {
        const hpa::Proposal p =
            hpa::plain_metric_replicas(s.current, average_value, resource, fetched.metrics, s.pods,
                                       now_ns, config_.calculator);
        if (!p.error.empty()) return fail(prefix + p.error);
        proposal = p.replicas;
        metric_name = resource + " resource";
        status = {
            {"type", "Resource"},
            {"resource",
             {{"name", resource}, {"current", {{"averageValue", milli_text(p.usage_milli)}}}}}};
        s.observed.push_back(resource + ": " + milli_text(p.usage_milli) + "/" +
                             milli_text(average_value));
        return true;
    }
    const std::int32_t target_utilization = int32_field(target, "averageUtilization", 0);
    if (target_utilization <= 0) return fail(prefix + "invalid target utilization");
    const hpa::Proposal p =
        hpa::resource_utilization_replicas(s.current, target_utilization, resource, fetched.metrics,
                                           s.pods, now_ns, config_.calculator);
    if (!p.error.empty()) return fail(prefix + p.error);
    proposal = p.replicas;
    metric_name = resource + " resource utilization (percentage of request)";
    status = {{"type", "Resource"},
              {"resource",
               {{"name", resource},
                {"current",
                 {{"averageValue", milli_text(p.usage_milli)},
                  {"averageUtilization", p.utilization_percent}}}}}};
    s.observed.push_back(resource + ": " + std::to_string(p.utilization_percent) + "%/" +
                         std::to_string(target_utilization) + "%");
    return true;
}

bool HorizontalPodAutoscalerController::pods_metric(Sync& s, const Json& spec, Json& status,
                                                    std::int32_t& proposal,
                                                    std::string& metric_name, std::string& error) {
    const Json source = spec.value("pods", Json::object());
    const Json metric = source.value("metric", Json::object());
    const std::string name = metric.value("name", "");
    const Json target = source.value("target", Json::object());
    const std::int64_t average = target_milli(target, "averageValue");
    if (average <= 0) {
        error = "invalid pods metric source: an average value target is required";
        return false;
    }
    if (custom_ == nullptr) {
        error = "unable to get metric " + name +
                ": no custom metrics API (custom.metrics.k8s.io) is served";
        return false;
    }
    const hpa::PodMetricsAnswer fetched = custom_->pod_metric(s.ns, name, s.selector);
    if (!fetched.error.empty()) {
        error = "unable to get metric " + name + ": " + fetched.error;
        return false;
    }
    const hpa::Proposal p =
        hpa::plain_metric_replicas(s.current, average, "", fetched.metrics, s.pods,
                                   client().now_unix_nanos(), config_.calculator);
    if (!p.error.empty()) {
        error = p.error;
        return false;
    }
    proposal = p.replicas;
    metric_name = "pods metric " + name;
    status = {
        {"type", "Pods"},
        {"pods", {{"metric", metric}, {"current", {{"averageValue", milli_text(p.usage_milli)}}}}}};
    s.observed.push_back(name + ": " + milli_text(p.usage_milli) + "/" + milli_text(average));
    return true;
}

bool HorizontalPodAutoscalerController::object_metric(Sync& s, const Json& spec, Json& status,
                                                      std::int32_t& proposal,
                                                      std::string& metric_name,
                                                      std::string& error) {
    const Json source = spec.value("object", Json::object());
    const Json described = source.value("describedObject", Json::object());
    const Json metric = source.value("metric", Json::object());
    const std::string name = metric.value("name", "");
    const Json target = source.value("target", Json::object());
    const std::int64_t value = target_milli(target, "value");
    const std::int64_t average = target_milli(target, "averageValue");
    const std::string type = target.value("type", "");
    const bool by_value = type == "Value" && value > 0;
    const bool by_average = type == "AverageValue" && average > 0;
    if (!by_value && !by_average) {
        error =
            "invalid object metric source: neither a value target nor an average value "
            "target was set";
        return false;
    }
    if (custom_ == nullptr) {
        error = "unable to get metric " + name +
                ": no custom metrics API (custom.metrics.k8s.io) is served";
        return false;
    }
    const hpa::ObjectMetricAnswer fetched = custom_->object_metric(s.ns, described, name);
    if (!fetched.error.empty()) {
        error = "unable to get metric " + name + ": " + described.value("kind", "") + " on " +
                s.ns + " " + described.value("name", "") + "/" + fetched.error;
        return false;
    }
    const hpa::Proposal p = by_value
                                ? hpa::object_value_replicas(s.current, fetched.milli, value,
                                                             s.pods, config_.calculator)
                                : hpa::object_average_replicas(s.status_replicas, fetched.milli,
                                                               average, config_.calculator);
    if (!p.error.empty()) {
        error = p.error;
        return false;
    }
    proposal = p.replicas;
    metric_name = described.value("kind", "") + " metric " + name;
    Json current = by_value ? Json{{"value", milli_text(p.usage_milli)}}
                            : Json{{"averageValue", milli_text(p.usage_milli)}};
    status = {
        {"type", "Object"},
        {"object", {{"describedObject", described}, {"metric", metric}, {"current", current}}}};
    s.observed.push_back(metric_label(spec) + ": " + milli_text(p.usage_milli) + "/" +
                         milli_text(by_value ? value : average));
    return true;
}

}  // namespace sim::controller
