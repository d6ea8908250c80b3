#include "controller/disruption.hpp"

#include <algorithm>
#include <set>

#include "controller/deployment_util.hpp"
#include "controller/pod_util.hpp"
#include "sim/kube/object_meta.hpp"
#include "sim/kube/selectors.hpp"

namespace sim::controller {

namespace meta = sim::kube::meta;
namespace refs = sim::kube::refs;
using sim::kube::LabelSelector;

namespace {

const Json& spec_of(const Json& o) {
    static const Json empty = Json::object();
    const auto it = o.find("spec");
    return it != o.end() && it->is_object() ? *it : empty;
}

LabelSelector selector_of(const Json& pdb) {
    const Json& spec = spec_of(pdb);
    const auto it = spec.find("selector");
    return LabelSelector::from_json(it != spec.end() ? *it : Json());
}

// The DisruptionAllowed condition, keeping lastTransitionTime while the status is unchanged.
Json allowed_condition(const Json& old_status, bool allowed, const std::string& reason,
                       const std::string& message, std::int64_t generation,
                       const std::string& now) {
    Json c{{"type", "DisruptionAllowed"},
           {"status", allowed ? "True" : "False"},
           {"reason", reason},
           {"message", message},
           {"observedGeneration", generation},
           {"lastTransitionTime", now}};
    for (const Json& o : old_status.value("conditions", Json::array()))
        if (o.value("type", "") == "DisruptionAllowed" && o.value("status", "") == c["status"])
            c["lastTransitionTime"] = o.value("lastTransitionTime", now);
    return c;
}

}  // namespace

void DisruptionController::setup() {
    informer(refs::kPodDisruptionBudgets)
        .add_handlers({
            .on_add = [this](const Json& p) { enqueue(meta::key_of(p)); },
            .on_update = [this](const Json&, const Json& p) { enqueue(meta::key_of(p)); },
            .on_delete = {},
        });
    informer(refs::kPods)
        .add_handlers({
            .on_add = [this](const Json& p) { enqueue_for_pod(p); },
            .on_update = [this](const Json&, const Json& p) { enqueue_for_pod(p); },
            .on_delete = [this](const Json& p) { enqueue_for_pod(p); },
        });
    for (const auto* ref : {&refs::kReplicaSets, &refs::kDeployments}) {
        informer(*ref).add_handlers({
            .on_add = [this](const Json& o) { enqueue_namespace(meta::namespace_of(o)); },
            .on_update = [this](const Json&,
                                const Json& o) { enqueue_namespace(meta::namespace_of(o)); },
            .on_delete = [this](const Json& o) { enqueue_namespace(meta::namespace_of(o)); },
        });
    }
}

void DisruptionController::enqueue_for_pod(const Json& pod) {
    for (const Json& pdb : informer(refs::kPodDisruptionBudgets).list(meta::namespace_of(pod)))
        if (selector_of(pdb).matches_object(pod)) enqueue(meta::key_of(pdb));
}

void DisruptionController::enqueue_namespace(const std::string& ns) {
    for (const Json& pdb : informer(refs::kPodDisruptionBudgets).list(ns))
        enqueue(meta::key_of(pdb));
}

std::string DisruptionController::expected_scale(const std::vector<Json>& pods,
                                                 std::int64_t& scale) {
    scale = 0;
    std::set<std::string> counted;  // controller uids
    for (const Json& pod : pods) {
        const auto ref = meta::controller_of(pod);
        if (!ref) return "found no controllers for pod " + kube::quote_value(meta::name(pod));
        const std::string ns = meta::namespace_of(pod);
        const std::string kind = ref->value("kind", "");
        std::optional<Json> owner;
        if (kind == "ReplicaSet") {
            owner = informer(refs::kReplicaSets).get(ns + "/" + ref->value("name", ""));
            if (owner) {
                // finders: a ReplicaSet owned by a Deployment scales with the Deployment.
                if (const auto dref = meta::controller_of(*owner);
                    dref && dref->value("kind", "") == "Deployment") {
                    owner = informer(refs::kDeployments).get(ns + "/" + dref->value("name", ""));
                }
            }
        }
        if (!owner) return "found no controllers for pod " + kube::quote_value(meta::name(pod));
        if (!counted.insert(meta::uid(*owner)).second) continue;
        scale += int_field(spec_of(*owner), "replicas", 1);
    }
    return "";
}

ReconcileResult DisruptionController::reconcile(const std::string& key) {
    const auto found = informer(refs::kPodDisruptionBudgets).get(key);
    if (!found) return ReconcileResult::done();
    const Json& pdb = *found;
    const std::string ns = meta::namespace_of(pdb);
    const LabelSelector selector = selector_of(pdb);
    std::vector<Json> pods;
    for (const Json& pod : informer(refs::kPods).list(ns))
        if (selector.matches_object(pod)) pods.push_back(pod);

    const Json& spec = spec_of(pdb);
    const Json old_status = pdb.value("status", Json::object());
    const std::string now_text = client().now_rfc3339();
    const std::int64_t now_unix = client().now_unix_nanos();
    std::int64_t expected = static_cast<std::int64_t>(pods.size());
    std::int64_t desired = 0;
    std::string failure;
    try {
        if (spec.contains("maxUnavailable") && !spec["maxUnavailable"].is_null()) {
            failure = expected_scale(pods, expected);
            if (failure.empty())
                desired = std::max<std::int64_t>(
                    0, expected - scaled_value(spec["maxUnavailable"], expected, true));
        } else if (spec.contains("minAvailable") && spec["minAvailable"].is_string()) {
            failure = expected_scale(pods, expected);
            if (failure.empty()) desired = scaled_value(spec["minAvailable"], expected, true);
        } else if (spec.contains("minAvailable")) {
            desired = int_field(spec, "minAvailable", 0);
        }
    } catch (const std::invalid_argument& e) {
        failure = e.what();
    }

    // Granted evictions not yet carried out still count as disrupted for 2 min.
    Json disrupted = Json::object();
    const Json old_disrupted = old_status.value("disruptedPods", Json::object());
    std::optional<sim::kernel::Nanos> recheck;
    for (auto it = old_disrupted.begin(); it != old_disrupted.end(); ++it) {
        const auto at = parse_time(it.value());
        if (!at) continue;
        const auto pod = std::find_if(pods.begin(), pods.end(),
                                      [&](const Json& p) { return meta::name(p) == it.key(); });
        if (pod == pods.end() || meta::is_being_deleted(*pod)) continue;
        const std::int64_t expires = *at + kDeletionTimeout;
        if (expires <= now_unix) continue;
        disrupted[it.key()] = it.value();
        const sim::kernel::Nanos left = expires - now_unix;
        if (!recheck || left < *recheck) recheck = left;
    }
    std::int64_t healthy = 0;
    for (const Json& pod : pods) {
        if (meta::is_being_deleted(pod) || disrupted.contains(meta::name(pod))) continue;
        if (is_pod_ready(pod)) ++healthy;
    }
    std::int64_t allowed = healthy - desired;
    if (expected <= 0 || allowed <= 0 || !failure.empty()) allowed = 0;

    const std::int64_t generation = meta::generation(pdb);
    Json status{{"observedGeneration", generation},
                {"disruptionsAllowed", allowed},
                {"currentHealthy", healthy},
                {"desiredHealthy", desired},
                {"expectedPods", expected}};
    if (!disrupted.empty()) status["disruptedPods"] = disrupted;
    if (!failure.empty()) {
        status["conditions"] = Json::array(
            {allowed_condition(old_status, false, "SyncFailed", failure, generation, now_text)});
        (void)recorder().record_event(
            pdb, "Warning", "CalculateExpectedPodCountFailed",
            "Failed to calculate the number of expected pods: " + failure);
    } else {
        status["conditions"] = Json::array({allowed_condition(
            old_status, allowed > 0, allowed > 0 ? "SufficientPods" : "InsufficientPods", "",
            generation, now_text)});
    }
    if (status != old_status) {
        Json next = pdb;
        next["status"] = status;
        const auto written = client().update_status(refs::kPodDisruptionBudgets.in(ns), next);
        if (!written) {
            if (written.is_conflict() || written.is_not_found()) return ReconcileResult::done();
            return ReconcileResult::failed(written.error().message());
        }
        decide(key, "status",
               "disruptionsAllowed " + std::to_string(allowed) + " (healthy " +
                   std::to_string(healthy) + ", desired " + std::to_string(desired) +
                   ", expected " + std::to_string(expected) + ")");
    }
    if (recheck) return ReconcileResult::after(*recheck);
    return ReconcileResult::done();
}

}  // namespace sim::controller
