#include "controller/deployment.hpp"

#include <algorithm>
#include <climits>

#include "controller/deployment_util.hpp"
#include "controller/pod_util.hpp"
#include "sim/kube/object_meta.hpp"
#include "sim/kube/selectors.hpp"

namespace sim::controller {

namespace meta = sim::kube::meta;
namespace refs = sim::kube::refs;
using sim::kube::LabelSelector;
using sim::kube::PatchType;
using sim::kube::Result;

namespace {

// Condition types and reasons (deployment_util.go).
constexpr const char* kProgressing = "Progressing";
constexpr const char* kAvailable = "Available";
constexpr const char* kReplicaFailure = "ReplicaFailure";
constexpr const char* kNewRSAvailable = "NewReplicaSetAvailable";
constexpr const char* kTimedOut = "ProgressDeadlineExceeded";
constexpr const char* kPaused = "DeploymentPaused";

const Json& spec_of(const Json& o) {
    static const Json empty = Json::object();
    const auto it = o.find("spec");
    return it != o.end() && it->is_object() ? *it : empty;
}

const Json& status_of(const Json& o) {
    static const Json empty = Json::object();
    const auto it = o.find("status");
    return it != o.end() && it->is_object() ? *it : empty;
}

std::int64_t status_int(const Json& status, const char* field) {
    return int_field(status, field);
}

bool has_progress_deadline(const Json& d) {
    const auto it = spec_of(d).find("progressDeadlineSeconds");
    return it != spec_of(d).end() && it->is_number_integer() &&
           it->get<std::int64_t>() != INT32_MAX;
}

const Json* find_condition(const Json& status, const std::string& type) {
    const auto it = status.find("conditions");
    if (it == status.end() || !it->is_array()) return nullptr;
    for (const Json& c : *it)
        if (c.value("type", "") == type) return &c;
    return nullptr;
}

void remove_condition(Json& status, const std::string& type) {
    if (!status.contains("conditions")) return;
    Json kept = Json::array();
    for (const Json& c : status["conditions"])
        if (c.value("type", "") != type) kept.push_back(c);
    if (kept.empty())
        status.erase("conditions");
    else
        status["conditions"] = kept;
}

Json new_condition(const std::string& type, const std::string& status, const std::string& reason,
                   const std::string& message, const std::string& now) {
    return Json{{"type", type},          {"status", status},
                {"lastUpdateTime", now}, {"lastTransitionTime", now},
                {"reason", reason},      {"message", message}};
}

// SetDeploymentCondition: unchanged status and reason is a no-op; an unchanged status keeps
// lastTransitionTime; the condition moves to the end of the list.
void set_condition(Json& status, Json condition) {
    const Json* current = find_condition(status, condition["type"]);
    if (current && current->value("status", "") == condition["status"] &&
        current->value("reason", "") == condition["reason"])
        return;
    if (current && current->value("status", "") == condition["status"])
        condition["lastTransitionTime"] = current->value("lastTransitionTime", Json());
    remove_condition(status, condition["type"]);
    status["conditions"].push_back(std::move(condition));
}

void set_if_nonzero(Json& status, const char* field, std::int64_t value) {
    if (value != 0)
        status[field] = value;
    else
        status.erase(field);
}

bool is_active(const Json& rs) {
    return !rs.is_null() && rs_spec_replicas(rs) > 0;
}

std::vector<Json> filter_active(const std::vector<Json>& rss) {
    std::vector<Json> out;
    for (const Json& rs : rss)
        if (is_active(rs)) out.push_back(rs);
    return out;
}

std::vector<Json> with_new(std::vector<Json> old, const Json& new_rs) {
    if (!new_rs.is_null()) old.push_back(new_rs);
    return old;
}

bool deployment_complete(const Json& d, const Json& status) {
    const std::int64_t r = deployment_replicas(d);
    return status_int(status, "updatedReplicas") == r && status_int(status, "replicas") == r &&
           status_int(status, "availableReplicas") == r &&
           status_int(status, "observedGeneration") >= meta::generation(d);
}

bool deployment_progressing(const Json& d, const Json& next) {
    const Json& old = status_of(d);
    const std::int64_t old_old = status_int(old, "replicas") - status_int(old, "updatedReplicas");
    const std::int64_t new_old = status_int(next, "replicas") - status_int(next, "updatedReplicas");
    return status_int(next, "updatedReplicas") > status_int(old, "updatedReplicas") ||
           new_old < old_old ||
           status_int(next, "readyReplicas") > status_int(old, "readyReplicas") ||
           status_int(next, "availableReplicas") > status_int(old, "availableReplicas");
}

std::string rs_or_deployment(const Json& d, const Json& new_rs) {
    if (!new_rs.is_null()) return "ReplicaSet \"" + meta::name(new_rs) + "\"";
    return "Deployment \"" + meta::name(d) + "\"";
}

bool skip_copy_annotation(const std::string& key) {
    return key == "kubectl.kubernetes.io/last-applied-configuration" ||
           key == kRevisionAnnotation || key == kRevisionHistoryAnnotation ||
           key == kDesiredReplicasAnnotation || key == kMaxReplicasAnnotation ||
           key == "deprecated.deployment.rollback.to";
}

// SetReplicasAnnotations.
bool set_replicas_annotations(Json& rs, std::int64_t desired, std::int64_t max_replicas) {
    bool changed = false;
    for (const auto& [key, value] : {std::pair{kDesiredReplicasAnnotation, desired},
                                     std::pair{kMaxReplicasAnnotation, max_replicas}}) {
        const std::string text = std::to_string(value);
        if (meta::annotation(rs, key) == text) continue;
        meta::set_annotation(rs, key, text);
        changed = true;
    }
    return changed;
}

// SetNewReplicaSetAnnotations (without the revision-history length limit).
bool set_new_rs_annotations(const Json& d, Json& rs, const std::string& new_revision, bool exists) {
    bool changed = false;
    const Json annotations =
        d.value("metadata", Json::object()).value("annotations", Json::object());
    for (auto it = annotations.begin(); it != annotations.end(); ++it) {
        if (skip_copy_annotation(it.key()) || !it->is_string()) continue;
        if (meta::annotation(rs, it.key()) == it->get<std::string>()) continue;
        meta::set_annotation(rs, it.key(), it->get<std::string>());
        changed = true;
    }
    const auto old_revision = meta::annotation(rs, kRevisionAnnotation);
    const auto old_int = int_annotation(rs, kRevisionAnnotation);
    if (old_revision && !old_revision->empty() && !old_int) return false;  // malformed
    const std::int64_t new_int = std::stoll(new_revision);
    if (old_int.value_or(0) < new_int) {
        meta::set_annotation(rs, kRevisionAnnotation, new_revision);
        changed = true;
        if (old_revision && !old_revision->empty()) {
            // A rollback to this RS keeps its earlier revisions.
            const auto history = meta::annotation(rs, kRevisionHistoryAnnotation);
            meta::set_annotation(
                rs, kRevisionHistoryAnnotation,
                history && !history->empty() ? *history + "," + *old_revision : *old_revision);
        }
    }
    if (!exists &&
        set_replicas_annotations(rs, deployment_replicas(d), deployment_replicas(d) + max_surge(d)))
        changed = true;
    return changed;
}

bool set_deployment_revision(Json& d, const std::string& revision) {
    if (meta::annotation(d, kRevisionAnnotation) == revision) return false;
    meta::set_annotation(d, kRevisionAnnotation, revision);
    return true;
}

}  // namespace

// --- Informer handlers ----------------------------------------------------------------------

void DeploymentController::setup() {
    informer(refs::kDeployments)
        .add_handlers({
            .on_add = [this](const Json& d) { enqueue(meta::key_of(d)); },
            .on_update = [this](const Json&, const Json& d) { enqueue(meta::key_of(d)); },
            .on_delete = [this](const Json& d) { enqueue(meta::key_of(d)); },
        });
    informer(refs::kReplicaSets)
        .add_handlers({
            .on_add = [this](const Json& rs) { on_rs_add(rs); },
            .on_update = [this](const Json& o, const Json& n) { on_rs_update(o, n); },
            .on_delete = [this](const Json& rs) { on_rs_delete(rs); },
        });
    // Recreate waits for old pods to go; their deletions wake the Deployment.
    informer(refs::kPods)
        .add_handlers({
            .on_add = nullptr,
            .on_update = nullptr,
            .on_delete =
                [this](const Json& pod) {
                    const auto ref = meta::controller_of(pod);
                    if (!ref || ref->value("kind", "") != "ReplicaSet") return;
                    const auto rs =
                        informer(refs::kReplicaSets)
                            .get(meta::namespace_of(pod) + "/" + ref->value("name", ""));
                    if (!rs) return;
                    if (const auto key = owner_key(*rs)) {
                        const auto d = informer(refs::kDeployments).get(*key);
                        if (d && !is_rolling_update(*d)) enqueue(*key);
                    }
                },
        });
}

std::optional<std::string> DeploymentController::owner_key(const Json& rs) {
    const auto ref = meta::controller_of(rs);
    if (!ref || ref->value("kind", "") != "Deployment") return std::nullopt;
    const std::string key = meta::namespace_of(rs) + "/" + ref->value("name", "");
    const auto d = informer(refs::kDeployments).get(key);
    if (!d || meta::uid(*d) != ref->value("uid", "")) return std::nullopt;
    return key;
}

void DeploymentController::enqueue_matching(const Json& rs) {
    const sim::kube::Labels labels = meta::labels(rs);
    for (const Json& d : informer(refs::kDeployments).list(meta::namespace_of(rs))) {
        const LabelSelector sel = LabelSelector::from_json(spec_of(d).value("selector", Json()));
        if (!sel.empty() && sel.matches(labels)) enqueue(meta::key_of(d));
    }
}

void DeploymentController::on_rs_add(const Json& rs) {
    if (meta::controller_of(rs)) {
        if (const auto key = owner_key(rs)) enqueue(*key);
        return;
    }
    enqueue_matching(rs);
}

void DeploymentController::on_rs_update(const Json& old_rs, const Json& rs) {
    if (meta::resource_version(old_rs) == meta::resource_version(rs)) return;
    const auto old_ref = meta::controller_of(old_rs);
    const auto new_ref = meta::controller_of(rs);
    if (old_ref != new_ref && old_ref)
        if (const auto key = owner_key(old_rs)) enqueue(*key);
    if (new_ref) {
        if (const auto key = owner_key(rs)) enqueue(*key);
        return;
    }
    if (meta::labels(old_rs) != meta::labels(rs) || old_ref != new_ref) enqueue_matching(rs);
}

void DeploymentController::on_rs_delete(const Json& rs) {
    if (const auto key = owner_key(rs)) enqueue(*key);
}

// --- syncDeployment -------------------------------------------------------------------------

ReconcileResult DeploymentController::reconcile(const std::string& key) {
    const auto cached = informer(refs::kDeployments).get(key);
    if (!cached) return ReconcileResult::done();
    Sync s{key, *cached, {}, {}};
    const Json& d = s.d;

    const LabelSelector selector = LabelSelector::from_json(spec_of(d).value("selector", Json()));
    if (selector.empty()) {
        recorder().record_event(d, "Warning", "SelectingAll",
                                "This deployment will select all pods. A non-empty selector is "
                                "required.");
        decide(key, "skip", "the selector is empty and would select all pods");
        if (status_int(status_of(d), "observedGeneration") < meta::generation(d)) {
            Json status = status_of(d);
            status["observedGeneration"] = meta::generation(d);
            write_status(s, status);
        }
        return ReconcileResult::done();
    }

    const std::vector<Json> rss = claim_replica_sets(s);
    if (meta::is_being_deleted(d)) {
        auto [new_rs, old] = all_replica_sets(s, rss, false);
        sync_deployment_status(s, with_new(old, new_rs), new_rs);
        return s.result;
    }
    check_paused_conditions(s);
    if (spec_of(s.d).value("paused", false)) {
        decide(key, "scale only", "the deployment is paused");
        sync_scale(s, rss);
        return s.result;
    }
    if (is_scaling_event(s, rss)) {
        sync_scale(s, rss);
        return s.result;
    }
    if (is_rolling_update(s.d))
        rollout_rolling(s, rss);
    else
        rollout_recreate(s, rss);
    return s.result;
}

std::vector<Json> DeploymentController::claim_replica_sets(Sync& s) {
    const Json& d = s.d;
    const LabelSelector selector = LabelSelector::from_json(spec_of(d).value("selector", Json()));
    const auto rs_ref = refs::kReplicaSets.in(meta::namespace_of(d));
    std::vector<Json> owned;
    for (const Json& rs : informer(refs::kReplicaSets).list(meta::namespace_of(d))) {
        const bool matches = selector.matches(meta::labels(rs));
        const auto ref = meta::controller_of(rs);
        if (ref) {
            if (ref->value("uid", "") != meta::uid(d)) continue;
            if (matches) {
                owned.push_back(rs);
                continue;
            }
            if (meta::is_being_deleted(d)) continue;
            const Json patch{{"metadata",
                              {{"ownerReferences",
                                Json::array({{{"$patch", "delete"}, {"uid", meta::uid(d)}}})}}}};
            const Result<Json> r =
                client().patch(rs_ref, meta::name(rs), PatchType::Strategic, patch);
            if (!r && !r.is_not_found()) throw r.error();
            decide(s.key, "release replica set " + meta::name(rs),
                   "its labels no longer match the selector");
            continue;
        }
        if (!matches || meta::is_being_deleted(d) || meta::is_being_deleted(rs)) continue;
        const Json patch{
            {"metadata", {{"ownerReferences", Json::array({meta::controller_ref(d)})}}}};
        const Result<Json> r = client().patch(rs_ref, meta::name(rs), PatchType::Strategic, patch);
        if (!r) {
            if (r.is_not_found()) continue;
            throw r.error();
        }
        decide(s.key, "adopt replica set " + meta::name(rs),
               "orphan replica set matches the selector");
        owned.push_back(r.value());
    }
    return owned;
}

std::map<std::string, std::vector<Json>> DeploymentController::pods_by_rs_uid(
    const Json& d, const std::vector<Json>& rss) {
    std::map<std::string, std::vector<Json>> out;
    for (const Json& rs : rss)
        out[meta::uid(rs)];
    const LabelSelector selector = LabelSelector::from_json(spec_of(d).value("selector", Json()));
    for (const Json& pod : informer(refs::kPods).list(meta::namespace_of(d), selector)) {
        const auto ref = meta::controller_of(pod);
        if (!ref) continue;
        const auto it = out.find(ref->value("uid", ""));
        if (it != out.end()) it->second.push_back(pod);
    }
    return out;
}

std::pair<Json, std::vector<Json>> DeploymentController::all_replica_sets(Sync& s,
                                                                          std::vector<Json> rss,
                                                                          bool create_if_missing) {
    for (Json& rs : rss)
        if (const auto it = s.written.find(meta::uid(rs)); it != s.written.end()) rs = it->second;
    sort_by_creation(rss);
    const Json* found = nullptr;
    for (const Json& rs : rss)
        if (equal_ignore_hash(spec_of(rs).value("template", Json()),
                              spec_of(s.d).value("template", Json()))) {
            found = &rs;
            break;
        }
    std::vector<Json> old;
    for (const Json& rs : rss)
        if (!found || meta::uid(rs) != meta::uid(*found)) old.push_back(rs);
    Json new_rs = get_new_replica_set(s, rss, old, create_if_missing);
    return {new_rs, old};
}

Json DeploymentController::get_new_replica_set(Sync& s, const std::vector<Json>& rss,
                                               const std::vector<Json>& old,
                                               bool create_if_missing) {
    Json& d = s.d;
    const Json tmpl = spec_of(d).value("template", Json::object());
    const Json* existing = nullptr;
    for (const Json& rs : rss)
        if (equal_ignore_hash(spec_of(rs).value("template", Json()), tmpl)) {
            existing = &rs;
            break;
        }
    std::int64_t max_old_revision = 0;
    for (const Json& rs : old)
        max_old_revision = std::max(max_old_revision, rs_revision(rs));
    const std::string new_revision = std::to_string(max_old_revision + 1);
    const std::int64_t min_ready = int_field(spec_of(d), "minReadySeconds");
    const auto rs_ref = refs::kReplicaSets.in(meta::namespace_of(d));

    if (existing) {
        Json rs = *existing;
        const bool annotations_updated = set_new_rs_annotations(d, rs, new_revision, true);
        const bool min_ready_changed = int_field(spec_of(rs), "minReadySeconds") != min_ready;
        if (annotations_updated || min_ready_changed) {
            if (min_ready != 0)
                rs["spec"]["minReadySeconds"] = min_ready;
            else
                rs["spec"].erase("minReadySeconds");
            Result<Json> r = client().update(rs_ref, rs);
            if (!r) throw r.error();
            s.written[meta::uid(r.value())] = r.value();
            return r.value();
        }
        bool needs_update =
            set_deployment_revision(d, meta::annotation(rs, kRevisionAnnotation).value_or(""));
        if (has_progress_deadline(d) && !find_condition(status_of(d), kProgressing)) {
            set_condition(d["status"],
                          new_condition(kProgressing, "True", "FoundNewReplicaSet",
                                        "Found new replica set \"" + meta::name(rs) + "\"",
                                        client().now_rfc3339()));
            needs_update = true;
        }
        if (needs_update) write_deployment(s);
        return rs;
    }
    if (!create_if_missing) return Json();

    // A new ReplicaSet <name>-<hash> for the current template.
    std::optional<std::int64_t> collisions;
    if (status_of(d).contains("collisionCount"))
        collisions = status_int(status_of(d), "collisionCount");
    const std::string hash = compute_hash(tmpl, collisions);
    Json rs_template = tmpl;
    rs_template["metadata"]["labels"][kPodTemplateHashLabel] = hash;
    Json selector = spec_of(d).value("selector", Json::object());
    selector["matchLabels"][kPodTemplateHashLabel] = hash;
    Json rs{{"apiVersion", "apps/v1"},
            {"kind", "ReplicaSet"},
            {"metadata",
             {{"name", meta::name(d) + "-" + hash},
              {"namespace", meta::namespace_of(d)},
              {"labels", rs_template["metadata"]["labels"]},
              {"ownerReferences", Json::array({meta::controller_ref(d)})}}},
            {"spec", {{"replicas", 0}, {"selector", selector}, {"template", rs_template}}}};
    if (min_ready != 0) rs["spec"]["minReadySeconds"] = min_ready;
    std::vector<Json> all = old;
    all.push_back(rs);
    const std::int64_t replicas = new_rs_new_replicas(d, all, rs);
    rs["spec"]["replicas"] = replicas;
    set_new_rs_annotations(d, rs, new_revision, false);

    Result<Json> created = client().create(rs_ref, rs);
    bool already_exists = false;
    Json result;
    if (created) {
        result = created.value();
    } else if (created.is_already_exists()) {
        already_exists = true;
        const auto current =
            informer(refs::kReplicaSets).get(meta::namespace_of(d) + "/" + meta::name(rs));
        if (current && meta::is_controlled_by(*current, d) &&
            equal_ignore_hash(tmpl, spec_of(*current).value("template", Json()))) {
            result = *current;
        } else {
            // A foreign ReplicaSet holds the name: bump collisionCount so the next hash differs.
            d["status"]["collisionCount"] = collisions.value_or(0) + 1;
            decide(s.key, "bump collisionCount",
                   "replica set " + meta::name(rs) + " exists and is not ours");
            write_deployment(s);
            throw created.error();
        }
    } else {
        const std::string message = "Failed to create new replica set \"" + meta::name(rs) +
                                    "\": " + created.error().message();
        if (has_progress_deadline(d)) {
            set_condition(d["status"], new_condition(kProgressing, "False", "ReplicaSetCreateError",
                                                     message, client().now_rfc3339()));
            write_deployment(s);
        }
        recorder().record_event(d, "Warning", "ReplicaSetCreateError", message);
        throw created.error();
    }
    if (!already_exists) {
        decide(s.key,
               "create replica set " + meta::name(result) + " with " + std::to_string(replicas) +
                   " replicas",
               "no replica set has the current pod template (pod-template-hash " + hash +
                   ", revision " + new_revision + ")");
        if (replicas > 0)
            recorder().record_event(
                d, "Normal", "ScalingReplicaSet",
                "Scaled up replica set " + meta::name(result) + " to " + std::to_string(replicas));
    }
    s.written[meta::uid(result)] = result;
    bool needs_update = set_deployment_revision(d, new_revision);
    if (!already_exists && has_progress_deadline(d)) {
        set_condition(d["status"],
                      new_condition(kProgressing, "True", "NewReplicaSetCreated",
                                    "Created new replica set \"" + meta::name(result) + "\"",
                                    client().now_rfc3339()));
        needs_update = true;
    }
    if (needs_update) write_deployment(s);
    return result;
}

// --- Scaling --------------------------------------------------------------------------------

bool DeploymentController::scale_replica_set(Sync& s, Json& rs, std::int64_t new_scale,
                                             const std::string& why) {
    const std::int64_t current = rs_spec_replicas(rs);
    if (current == new_scale) return false;
    return scale_replica_set_op(s, rs, new_scale, current < new_scale ? "up" : "down", why);
}

bool DeploymentController::scale_replica_set_op(Sync& s, Json& rs, std::int64_t new_scale,
                                                const std::string& op, const std::string& why) {
    const std::int64_t old_scale = rs_spec_replicas(rs);
    const bool size_changes = old_scale != new_scale;
    const std::int64_t desired = deployment_replicas(s.d);
    Json next = rs;
    const bool annotations_change =
        set_replicas_annotations(next, desired, desired + max_surge(s.d));
    if (!size_changes && !annotations_change) return false;
    next["spec"]["replicas"] = new_scale;
    const Result<Json> r = client().update(refs::kReplicaSets.in(meta::namespace_of(rs)), next);
    if (!r) throw r.error();
    rs = r.value();
    s.written[meta::uid(rs)] = rs;
    if (!size_changes) return false;
    const std::string message = "Scaled " + op + " replica set " + meta::name(rs) + " to " +
                                std::to_string(new_scale) + " from " + std::to_string(old_scale);
    decide(s.key, message, why);
    recorder().record_event(s.d, "Normal", "ScalingReplicaSet", message);
    return true;
}

bool DeploymentController::is_scaling_event(Sync& s, const std::vector<Json>& rss) {
    auto [new_rs, old] = all_replica_sets(s, rss, false);
    for (const Json& rs : filter_active(with_new(old, new_rs))) {
        const auto desired = int_annotation(rs, kDesiredReplicasAnnotation);
        if (desired && *desired != deployment_replicas(s.d)) {
            decide(s.key, "scale proportionally",
                   "replica set " + meta::name(rs) + " was sized for " + std::to_string(*desired) +
                       " replicas, the deployment now wants " +
                       std::to_string(deployment_replicas(s.d)));
            return true;
        }
    }
    return false;
}

void DeploymentController::sync_scale(Sync& s, const std::vector<Json>& rss) {
    auto [new_rs, old] = all_replica_sets(s, rss, false);
    Json new_copy = new_rs;
    std::vector<Json> old_copy = old;
    scale(s, new_copy, old_copy);
    if (spec_of(s.d).value("paused", false)) cleanup_deployment(s, old);
    sync_deployment_status(s, with_new(old, new_rs), new_rs);
}

void DeploymentController::scale(Sync& s, Json& new_rs, std::vector<Json>& old) {
    const std::int64_t replicas = deployment_replicas(s.d);
    // FindActiveOrLatest: with one active RS (or none), that RS (or the newest) takes it all.
    std::vector<Json> newest_first = old;
    std::stable_sort(newest_first.begin(), newest_first.end(),
                     [](const Json& a, const Json& b) { return rs_older(b, a); });
    const std::vector<Json> active = filter_active(with_new(newest_first, new_rs));
    Json* target = nullptr;
    Json latest;
    if (active.empty()) {
        if (!new_rs.is_null())
            target = &new_rs;
        else if (!newest_first.empty())
            target = &(latest = newest_first.front());
    } else if (active.size() == 1) {
        target = &(latest = active.front());
    }
    if (target || (active.empty())) {
        if (target && rs_spec_replicas(*target) != replicas)
            scale_replica_set(s, *target, replicas,
                              "the only active replica set takes all replicas");
        return;
    }
    // IsSaturated: the new RS runs everything, so the old ones go to 0.
    if (!new_rs.is_null() && rs_spec_replicas(new_rs) == replicas &&
        int_annotation(new_rs, kDesiredReplicasAnnotation) == replicas &&
        rs_status_field(new_rs, "availableReplicas") == replicas) {
        for (Json& rs : old)
            if (is_active(rs)) scale_replica_set(s, rs, 0, "the new replica set is saturated");
        return;
    }
    if (!is_rolling_update(s.d)) return;
    std::vector<Json> all = filter_active(with_new(old, new_rs));
    const std::int64_t allowed = replicas > 0 ? replicas + max_surge(s.d) : 0;
    const std::int64_t to_add = allowed - sum_spec_replicas(all);
    std::string op;
    if (to_add > 0) {
        // ReplicaSetsBySizeNewer: larger first, newer first on ties.
        std::stable_sort(all.begin(), all.end(), [](const Json& a, const Json& b) {
            if (rs_spec_replicas(a) == rs_spec_replicas(b)) return rs_older(b, a);
            return rs_spec_replicas(a) > rs_spec_replicas(b);
        });
        op = "up";
    } else if (to_add < 0) {
        // ReplicaSetsBySizeOlder: larger first, older first on ties.
        std::stable_sort(all.begin(), all.end(), [](const Json& a, const Json& b) {
            if (rs_spec_replicas(a) == rs_spec_replicas(b)) return rs_older(a, b);
            return rs_spec_replicas(a) > rs_spec_replicas(b);
        });
        op = "down";
    }
    std::vector<std::int64_t> sizes;
    std::int64_t added = 0;
    for (const Json& rs : all) {
        std::int64_t p = 0;
        if (to_add != 0) p = proportion(rs, s.d, to_add, added);
        sizes.push_back(rs_spec_replicas(rs) + p);
        added += p;
    }
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (i == 0 && to_add != 0) sizes[0] = std::max<std::int64_t>(0, sizes[0] + to_add - added);
        scale_replica_set_op(s, all[i], sizes[i], op,
                             "proportional scaling: " + std::to_string(allowed) +
                                 " pods allowed (replicas + maxSurge), shared by size");
    }
}

// --- RollingUpdate ---------------------------------------------------------------------------

void DeploymentController::rollout_rolling(Sync& s, const std::vector<Json>& rss) {
    auto [new_rs, old] = all_replica_sets(s, rss, true);
    const std::vector<Json> all = with_new(old, new_rs);
    Json new_copy = new_rs;
    if (reconcile_new_replica_set(s, all, new_copy)) {
        sync_rollout_status(s, all, new_rs);
        return;
    }
    if (reconcile_old_replica_sets(s, all, filter_active(old), new_rs)) {
        sync_rollout_status(s, all, new_rs);
        return;
    }
    if (deployment_complete(s.d, status_of(s.d))) cleanup_deployment(s, old);
    sync_rollout_status(s, all, new_rs);
}

bool DeploymentController::reconcile_new_replica_set(Sync& s, const std::vector<Json>& all,
                                                     Json& new_rs) {
    const std::int64_t replicas = deployment_replicas(s.d);
    const std::int64_t current = rs_spec_replicas(new_rs);
    if (current == replicas) return false;
    if (current > replicas)
        return scale_replica_set(s, new_rs, replicas,
                                 "the new replica set has more than spec.replicas");
    const std::int64_t next = new_rs_new_replicas(s.d, all, new_rs);
    const std::int64_t surge = max_surge(s.d);
    return scale_replica_set(s, new_rs, next,
                             "rolling update: " + std::to_string(sum_spec_replicas(all)) +
                                 " pods of at most " + std::to_string(replicas + surge) +
                                 " (replicas " + std::to_string(replicas) + " + maxSurge " +
                                 std::to_string(surge) + ")");
}

bool DeploymentController::reconcile_old_replica_sets(Sync& s, std::vector<Json> all,
                                                      std::vector<Json> old, const Json& new_rs) {
    if (sum_spec_replicas(old) == 0) return false;
    const std::int64_t all_pods = sum_spec_replicas(all);
    const std::int64_t min_available = deployment_replicas(s.d) - max_unavailable(s.d);
    const std::int64_t new_unavailable =
        rs_spec_replicas(new_rs) - rs_status_field(new_rs, "availableReplicas");
    const std::int64_t max_scaled_down = all_pods - min_available - new_unavailable;
    if (max_scaled_down <= 0) return false;
    const std::int64_t cleaned = cleanup_unhealthy_replicas(s, old, max_scaled_down);
    all = with_new(old, new_rs);
    const std::int64_t scaled = scale_down_old_for_rolling_update(s, all, old);
    return cleaned + scaled > 0;
}

std::int64_t DeploymentController::cleanup_unhealthy_replicas(Sync& s, std::vector<Json>& old,
                                                              std::int64_t max_cleanup) {
    sort_by_creation(old);
    std::int64_t total = 0;
    for (Json& rs : old) {
        if (total >= max_cleanup) break;
        const std::int64_t spec = rs_spec_replicas(rs);
        const std::int64_t available = rs_status_field(rs, "availableReplicas");
        if (spec == 0 || spec == available) continue;
        const std::int64_t n = std::min(max_cleanup - total, spec - available);
        scale_replica_set(s, rs, spec - n,
                          "old replica set has " + std::to_string(spec - available) +
                              " unavailable replicas to clean up");
        total += n;
    }
    return total;
}

std::int64_t DeploymentController::scale_down_old_for_rolling_update(Sync& s,
                                                                     const std::vector<Json>& all,
                                                                     std::vector<Json>& old) {
    const std::int64_t min_available = deployment_replicas(s.d) - max_unavailable(s.d);
    const std::int64_t available = sum_status(all, "availableReplicas");
    if (available <= min_available) return 0;
    sort_by_creation(old);
    const std::int64_t to_scale = available - min_available;
    std::int64_t total = 0;
    for (Json& rs : old) {
        if (total >= to_scale) break;
        const std::int64_t spec = rs_spec_replicas(rs);
        if (spec == 0) continue;
        const std::int64_t n = std::min(spec, to_scale - total);
        scale_replica_set(s, rs, spec - n,
                          "rolling update: " + std::to_string(available) + " available, at least " +
                              std::to_string(min_available) +
                              " must stay (replicas - maxUnavailable)");
        total += n;
    }
    return total;
}

void DeploymentController::cleanup_deployment(Sync& s, const std::vector<Json>& old) {
    const auto it = spec_of(s.d).find("revisionHistoryLimit");
    if (it == spec_of(s.d).end() || !it->is_number_integer() ||
        it->get<std::int64_t>() == INT32_MAX)
        return;
    const std::int64_t limit = it->get<std::int64_t>();
    std::vector<Json> alive;
    for (const Json& rs : old)
        if (!meta::is_being_deleted(rs)) alive.push_back(rs);
    const std::int64_t diff = static_cast<std::int64_t>(alive.size()) - limit;
    if (diff <= 0) return;
    sort_by_revision(alive);
    for (std::int64_t i = 0; i < diff; ++i) {
        const Json& rs = alive[static_cast<std::size_t>(i)];
        if (rs_status_field(rs, "replicas") != 0 || rs_spec_replicas(rs) != 0 ||
            meta::generation(rs) > rs_status_field(rs, "observedGeneration"))
            continue;
        const Result<Json> r =
            client().remove(refs::kReplicaSets.in(meta::namespace_of(rs)), meta::name(rs));
        if (!r && !r.is_not_found()) throw r.error();
        decide(s.key, "delete old replica set " + meta::name(rs),
               "more than revisionHistoryLimit " + std::to_string(limit) + " old replica sets");
    }
}

// --- Recreate -------------------------------------------------------------------------------

void DeploymentController::rollout_recreate(Sync& s, const std::vector<Json>& rss) {
    auto [new_rs, old] = all_replica_sets(s, rss, false);
    std::vector<Json> all = with_new(old, new_rs);
    bool scaled_down = false;
    for (Json rs : filter_active(old))
        if (scale_replica_set(s, rs, 0,
                              "Recreate: old replica sets go to 0 before the new one starts"))
            scaled_down = true;
    if (scaled_down) {
        sync_rollout_status(s, all, new_rs);
        return;
    }
    // oldPodsRunning: any old RS still reports replicas, or any old pod is not finished.
    bool old_running = sum_status(old, "replicas") > 0;
    for (const auto& [uid, pods] : pods_by_rs_uid(s.d, rss)) {
        if (!new_rs.is_null() && uid == meta::uid(new_rs)) continue;
        for (const Json& pod : pods) {
            const std::string phase = pod_phase(pod);
            if (phase != "Failed" && phase != "Succeeded") old_running = true;
        }
    }
    if (old_running) {
        decide(s.key, "wait", "Recreate: old pods are still running");
        sync_rollout_status(s, all, new_rs);
        return;
    }
    if (new_rs.is_null()) {
        std::tie(new_rs, old) = all_replica_sets(s, rss, true);
        all = with_new(old, new_rs);
    }
    Json new_copy = new_rs;
    scale_replica_set(s, new_copy, deployment_replicas(s.d), "Recreate: old pods are gone");
    if (deployment_complete(s.d, status_of(s.d))) cleanup_deployment(s, old);
    sync_rollout_status(s, all, new_rs);
}

// --- Status ---------------------------------------------------------------------------------

Json DeploymentController::calculate_status(const Sync& s, const std::vector<Json>& all,
                                            const Json& new_rs) {
    const Json& d = s.d;
    const std::int64_t available = sum_status(all, "availableReplicas");
    const std::int64_t unavailable = std::max<std::int64_t>(0, sum_spec_replicas(all) - available);
    Json status = Json::object();
    set_if_nonzero(status, "observedGeneration", meta::generation(d));
    set_if_nonzero(status, "replicas", sum_status(all, "replicas"));
    set_if_nonzero(status, "updatedReplicas",
                   new_rs.is_null() ? 0 : rs_status_field(new_rs, "replicas"));
    set_if_nonzero(status, "readyReplicas", sum_status(all, "readyReplicas"));
    set_if_nonzero(status, "availableReplicas", available);
    set_if_nonzero(status, "unavailableReplicas", unavailable);
    if (status_of(d).contains("collisionCount"))
        status["collisionCount"] = status_of(d)["collisionCount"];
    if (status_of(d).contains("conditions")) status["conditions"] = status_of(d)["conditions"];
    const std::string now = client().now_rfc3339();
    if (available >= deployment_replicas(d) - max_unavailable(d))
        set_condition(status, new_condition(kAvailable, "True", "MinimumReplicasAvailable",
                                            "Deployment has minimum availability.", now));
    else
        set_condition(status, new_condition(kAvailable, "False", "MinimumReplicasUnavailable",
                                            "Deployment does not have minimum availability.", now));
    return status;
}

void DeploymentController::sync_deployment_status(Sync& s, const std::vector<Json>& all,
                                                  const Json& new_rs) {
    Json status = calculate_status(s, all, new_rs);
    if (status == status_of(s.d)) return;
    write_status(s, std::move(status));
}

void DeploymentController::sync_rollout_status(Sync& s, const std::vector<Json>& all,
                                               const Json& new_rs) {
    const Json& d = s.d;
    Json next = calculate_status(s, all, new_rs);
    if (!has_progress_deadline(d)) remove_condition(next, kProgressing);
    const Json* current = find_condition(status_of(d), kProgressing);
    const bool complete_already =
        status_int(next, "replicas") == status_int(next, "updatedReplicas") && current &&
        current->value("reason", "") == kNewRSAvailable;
    const std::string now = client().now_rfc3339();
    const std::string subject = rs_or_deployment(d, new_rs);
    if (has_progress_deadline(d) && !complete_already) {
        if (deployment_complete(d, next)) {
            set_condition(next, new_condition(kProgressing, "True", kNewRSAvailable,
                                              subject + " has successfully progressed.", now));
        } else if (deployment_progressing(d, next)) {
            Json c = new_condition(kProgressing, "True", "ReplicaSetUpdated",
                                   subject + " is progressing.", now);
            if (current) {
                if (current->value("status", "") == "True")
                    c["lastTransitionTime"] = current->value("lastTransitionTime", Json());
                remove_condition(next, kProgressing);
            }
            set_condition(next, c);
        } else if (const Json* c = find_condition(next, kProgressing);
                   c && c->value("reason", "") != kNewRSAvailable) {
            // DeploymentTimedOut: no progress for progressDeadlineSeconds since lastUpdateTime.
            bool timed_out = c->value("reason", "") == kTimedOut;
            if (!timed_out) {
                const auto from = parse_time(c->value("lastUpdateTime", Json()));
                const std::int64_t deadline_ns =
                    int_field(spec_of(d), "progressDeadlineSeconds") * sim::kernel::kSecond;
                timed_out = from && *from + deadline_ns < client().now_unix_nanos();
            }
            if (timed_out)
                set_condition(next, new_condition(kProgressing, "False", kTimedOut,
                                                  subject + " has timed out progressing.", now));
        }
    }
    // A ReplicaSet's ReplicaFailure condition is surfaced on the Deployment.
    const Json* failure = nullptr;
    for (const Json& rs : with_new(all, new_rs)) {
        if (rs.is_null()) continue;
        if (const Json* f = find_condition(status_of(rs), kReplicaFailure)) {
            failure = f;
            break;
        }
    }
    if (failure) {
        Json c = new_condition(kReplicaFailure, failure->value("status", ""),
                               failure->value("reason", ""), failure->value("message", ""), now);
        c["lastUpdateTime"] = c["lastTransitionTime"] =
            failure->value("lastTransitionTime", Json(now));
        set_condition(next, c);
    } else {
        remove_condition(next, kReplicaFailure);
    }
    if (next == status_of(d)) {
        requeue_stuck(s, next);
        return;
    }
    const Json* before = find_condition(status_of(d), kProgressing);
    const Json* after = find_condition(next, kProgressing);
    if (after && (!before || before->value("reason", "") != after->value("reason", "")))
        decide(s.key,
               "Progressing=" + after->value("status", "") + " " + after->value("reason", ""),
               after->value("message", ""));
    write_status(s, std::move(next));
}

void DeploymentController::requeue_stuck(Sync& s, const Json& next) {
    const Json* current = find_condition(status_of(s.d), kProgressing);
    if (!has_progress_deadline(s.d) || !current) return;
    if (deployment_complete(s.d, next) || current->value("reason", "") == kTimedOut) return;
    const auto from = parse_time(current->value("lastUpdateTime", Json()));
    if (!from) return;
    const std::int64_t deadline_ns =
        int_field(spec_of(s.d), "progressDeadlineSeconds") * sim::kernel::kSecond;
    const std::int64_t after = *from + deadline_ns - client().now_unix_nanos();
    if (after < sim::kernel::kSecond)
        s.result.requeue = true;
    else
        s.result.requeue_after = after + sim::kernel::kSecond;
}

void DeploymentController::check_paused_conditions(Sync& s) {
    if (!has_progress_deadline(s.d)) return;
    const Json* c = find_condition(status_of(s.d), kProgressing);
    if (c && c->value("reason", "") == kTimedOut) return;
    const bool paused = spec_of(s.d).value("paused", false);
    const std::string now = client().now_rfc3339();
    if (paused && (!c || c->value("reason", "") != kPaused)) {
        set_condition(s.d["status"],
                      new_condition(kProgressing, "Unknown", kPaused, "Deployment is paused", now));
    } else if (!paused && c && c->value("reason", "") == kPaused) {
        set_condition(s.d["status"], new_condition(kProgressing, "Unknown", "DeploymentResumed",
                                                   "Deployment is resumed", now));
    } else {
        return;
    }
    write_deployment(s);
}

void DeploymentController::write_status(Sync& s, Json status) {
    s.d["status"] = std::move(status);
    write_deployment(s);
}

void DeploymentController::write_deployment(Sync& s) {
    const Result<Json> r =
        client().update_status(refs::kDeployments.in(meta::namespace_of(s.d)), s.d);
    if (!r) throw r.error();
    s.d = r.value();
}

}  // namespace sim::controller
