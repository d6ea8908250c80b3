#include "controller/replicaset.hpp"

#include <algorithm>

#include "controller/pod_util.hpp"
#include "sim/kube/object_meta.hpp"
#include "sim/kube/selectors.hpp"

namespace sim::controller {

namespace meta = sim::kube::meta;
namespace refs = sim::kube::refs;
using sim::kube::LabelSelector;
using sim::kube::PatchType;
using sim::kube::Result;

// --- Expectations ---------------------------------------------------------------------------

bool Expectations::satisfied(const std::string& key, sim::kernel::Nanos now) const {
    const auto it = records_.find(key);
    if (it == records_.end()) return true;
    const Record& r = it->second;
    if (r.adds <= 0 && r.deletes.empty()) return true;
    return now - r.at > kTimeout;
}

void Expectations::expect_creations(const std::string& key, int count, sim::kernel::Nanos now) {
    records_[key] = Record{count, {}, now};
}

void Expectations::expect_deletions(const std::string& key, const std::vector<std::string>& pods,
                                    sim::kernel::Nanos now) {
    records_[key] = Record{0, std::set<std::string>(pods.begin(), pods.end()), now};
}

void Expectations::creation_observed(const std::string& key) {
    const auto it = records_.find(key);
    if (it != records_.end()) --it->second.adds;
}

void Expectations::deletion_observed(const std::string& key, const std::string& pod_key) {
    const auto it = records_.find(key);
    if (it != records_.end()) it->second.deletes.erase(pod_key);
}

std::vector<int> slow_start_batches(int count, int initial_batch_size) {
    std::vector<int> batches;
    int remaining = count;
    for (int size = std::min(remaining, initial_batch_size); size > 0;
         size = std::min(2 * size, remaining)) {
        batches.push_back(size);
        remaining -= size;
    }
    return batches;
}

// --- Helpers --------------------------------------------------------------------------------

namespace {

const Json& spec_of(const Json& o) {
    static const Json empty = Json::object();
    const auto it = o.find("spec");
    return it != o.end() && it->is_object() ? *it : empty;
}

std::int64_t desired_replicas(const Json& rs) {
    return int_field(spec_of(rs), "replicas", 1);
}

bool labels_contain(const sim::kube::Labels& have, const sim::kube::Labels& want) {
    for (const auto& [k, v] : want) {
        const auto it = have.find(k);
        if (it == have.end() || it->second != v) return false;
    }
    return true;
}

sim::kube::Labels template_labels(const Json& rs) {
    sim::kube::Labels out;
    const Json labels = spec_of(rs)
                            .value("template", Json::object())
                            .value("metadata", Json::object())
                            .value("labels", Json::object());
    for (auto it = labels.begin(); it != labels.end(); ++it)
        if (it->is_string()) out[it.key()] = it->get<std::string>();
    return out;
}

// getPodsFromTemplate + GetPodFromTemplate (controller_utils.go).
Json pod_from_template(const Json& rs) {
    const Json tmpl = spec_of(rs).value("template", Json::object());
    const Json tmeta = tmpl.value("metadata", Json::object());
    Json md{{"generateName", meta::name(rs) + "-"}, {"namespace", meta::namespace_of(rs)}};
    for (const char* field : {"labels", "annotations", "finalizers"})
        if (tmeta.contains(field)) md[field] = tmeta[field];
    md["ownerReferences"] = Json::array({meta::controller_ref(rs)});
    return Json{{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", md},
                {"spec", tmpl.value("spec", Json::object())}};
}

void set_if_nonzero(Json& status, const char* field, std::int64_t value) {
    if (value != 0) status[field] = value;
}

}  // namespace

// --- Informer handlers ----------------------------------------------------------------------

void ReplicaSetController::setup() {
    informer(refs::kReplicaSets)
        .add_handlers({
            .on_add = [this](const Json& rs) { enqueue(meta::key_of(rs)); },
            .on_update = [this](const Json&, const Json& rs) { enqueue(meta::key_of(rs)); },
            .on_delete =
                [this](const Json& rs) {
                    expectations_.forget(meta::key_of(rs));
                    enqueue(meta::key_of(rs));
                },
        });
    informer(refs::kPods)
        .add_handlers({
            .on_add = [this](const Json& pod) { on_pod_add(pod); },
            .on_update = [this](const Json& o, const Json& n) { on_pod_update(o, n); },
            .on_delete = [this](const Json& pod) { on_pod_delete(pod); },
        });
}

std::optional<std::string> ReplicaSetController::owner_key(const Json& pod) {
    const auto ref = meta::controller_of(pod);
    if (!ref || ref->value("kind", "") != "ReplicaSet") return std::nullopt;
    const std::string key = meta::namespace_of(pod) + "/" + ref->value("name", "");
    const auto rs = informer(refs::kReplicaSets).get(key);
    if (!rs || meta::uid(*rs) != ref->value("uid", "")) return std::nullopt;
    return key;
}

void ReplicaSetController::enqueue_matching(const Json& pod) {
    const sim::kube::Labels labels = meta::labels(pod);
    if (labels.empty()) return;
    for (const Json& rs : informer(refs::kReplicaSets).list(meta::namespace_of(pod))) {
        const LabelSelector sel = LabelSelector::from_json(spec_of(rs).value("selector", Json()));
        if (!sel.empty() && sel.matches(labels)) enqueue(meta::key_of(rs));
    }
}

void ReplicaSetController::on_pod_add(const Json& pod) {
    if (meta::is_being_deleted(pod)) {
        on_pod_delete(pod);
        return;
    }
    if (meta::controller_of(pod)) {
        const auto key = owner_key(pod);
        if (!key) return;
        expectations_.creation_observed(*key);
        enqueue(*key);
        return;
    }
    enqueue_matching(pod);
}

void ReplicaSetController::on_pod_update(const Json& old_pod, const Json& pod) {
    if (meta::resource_version(old_pod) == meta::resource_version(pod)) return;
    const bool labels_changed = meta::labels(old_pod) != meta::labels(pod);
    if (meta::is_being_deleted(pod)) {
        on_pod_delete(pod);
        if (labels_changed) on_pod_delete(old_pod);
        return;
    }
    const auto old_ref = meta::controller_of(old_pod);
    const auto new_ref = meta::controller_of(pod);
    const bool ref_changed = old_ref != new_ref;
    if (ref_changed && old_ref)
        if (const auto key = owner_key(old_pod)) enqueue(*key);
    if (new_ref) {
        const auto key = owner_key(pod);
        if (!key) return;
        enqueue(*key);
        const auto rs = informer(refs::kReplicaSets).get(*key);
        const std::int64_t min_ready = int_field(spec_of(*rs), "minReadySeconds");
        // replica_set.go updatePod: a pod that just became ready is checked again once it
        // can count as available.
        if (!is_pod_ready(old_pod) && is_pod_ready(pod) && min_ready > 0)
            enqueue_after(*key, min_ready * sim::kernel::kSecond + sim::kernel::kSecond);
        return;
    }
    if (labels_changed || ref_changed) enqueue_matching(pod);
}

void ReplicaSetController::on_pod_delete(const Json& pod) {
    const auto key = owner_key(pod);
    if (!key) return;
    expectations_.deletion_observed(*key, meta::key_of(pod));
    enqueue(*key);
}

// --- Reconcile ------------------------------------------------------------------------------

ReconcileResult ReplicaSetController::reconcile(const std::string& key) {
    const auto cached = informer(refs::kReplicaSets).get(key);
    if (!cached) {
        expectations_.forget(key);
        return ReconcileResult::done();
    }
    const Json& rs = *cached;
    const bool needs_sync = expectations_.satisfied(key, now());
    const std::vector<Json> pods = claim_pods(rs, key);
    std::string manage_error;
    if (needs_sync && !meta::is_being_deleted(rs))
        manage_error = manage_replicas(rs, key, pods);
    else if (!needs_sync)
        decide(key, "wait", "expectations of earlier creates/deletes not yet observed");
    return update_status(rs, key, pods, manage_error);
}

std::vector<Json> ReplicaSetController::claim_pods(const Json& rs, const std::string& key) {
    const LabelSelector selector = LabelSelector::from_json(spec_of(rs).value("selector", Json()));
    const std::string rs_uid = meta::uid(rs);
    const sim::kube::ResourceRef pods_ref = refs::kPods.in(meta::namespace_of(rs));
    std::vector<Json> owned;
    for (const Json& pod : informer(refs::kPods).list(meta::namespace_of(rs))) {
        if (!is_pod_active(pod)) continue;
        const bool matches = selector.matches(meta::labels(pod));
        const auto ref = meta::controller_of(pod);
        if (ref) {
            if (ref->value("uid", "") != rs_uid) continue;
            if (matches) {
                owned.push_back(pod);
                continue;
            }
            if (meta::is_being_deleted(rs)) continue;
            // ReleasePod: remove our ownerReference from a pod that stopped matching.
            const Json patch{
                {"metadata",
                 {{"ownerReferences", Json::array({{{"$patch", "delete"}, {"uid", rs_uid}}})}}}};
            const Result<Json> r =
                client().patch(pods_ref, meta::name(pod), PatchType::Strategic, patch);
            if (!r && !r.is_not_found()) throw r.error();
            decide(key, "release pod " + meta::name(pod),
                   "its labels no longer match the selector");
            continue;
        }
        if (!matches || meta::is_being_deleted(rs) || selector.empty()) continue;
        // AdoptPod: patch our controller reference in.
        const Json patch{
            {"metadata", {{"ownerReferences", Json::array({meta::controller_ref(rs)})}}}};
        const Result<Json> r =
            client().patch(pods_ref, meta::name(pod), PatchType::Strategic, patch);
        if (!r) {
            if (r.is_not_found()) continue;
            throw r.error();
        }
        decide(key, "adopt pod " + meta::name(pod), "orphan pod matches the selector");
        owned.push_back(r.value());
    }
    return owned;
}

std::vector<Json> ReplicaSetController::related_pods(const Json& rs) {
    auto& self = *this;
    const std::string ns = meta::namespace_of(rs);
    std::set<std::string> uids{meta::uid(rs)};
    if (const auto owner = meta::controller_of(rs)) {
        for (const Json& other : self.informer(refs::kReplicaSets).list(ns)) {
            const auto o = meta::controller_of(other);
            if (o && o->value("uid", "") == owner->value("uid", "")) uids.insert(meta::uid(other));
        }
    }
    std::vector<Json> out;
    for (const Json& pod : self.informer(refs::kPods).list(ns)) {
        const auto ref = meta::controller_of(pod);
        if (ref && uids.contains(ref->value("uid", ""))) out.push_back(pod);
    }
    return out;
}

std::string ReplicaSetController::manage_replicas(const Json& rs, const std::string& key,
                                                  const std::vector<Json>& pods) {
    const std::int64_t want = desired_replicas(rs);
    const std::int64_t have = static_cast<std::int64_t>(pods.size());
    const sim::kube::ResourceRef pods_ref = refs::kPods.in(meta::namespace_of(rs));
    if (have < want) {
        const int diff = static_cast<int>(std::min<std::int64_t>(want - have, kBurstReplicas));
        decide(key, "create " + std::to_string(diff) + " pods",
               "has " + std::to_string(have) + " active pods, wants " + std::to_string(want));
        expectations_.expect_creations(key, diff, now());
        int created = 0, failed = 0;
        std::string error;
        for (const int batch : slow_start_batches(diff, kSlowStartInitialBatchSize)) {
            for (int i = 0; i < batch; ++i) {
                const Result<Json> r = client().create(pods_ref, pod_from_template(rs));
                if (!r) {
                    expectations_.creation_observed(key);
                    ++failed;
                    error = r.error().message();
                    recorder().record_event(rs, "Warning", "FailedCreate",
                                            "Error creating: " + error);
                    continue;
                }
                ++created;
                recorder().record_event(rs, "Normal", "SuccessfulCreate",
                                        "Created pod: " + meta::name(r.value()));
            }
            if (!error.empty()) break;  // slowStartBatch stops after the first failing batch
        }
        for (int skipped = diff - created - failed; skipped > 0; --skipped)
            expectations_.creation_observed(key);
        return error;
    }
    if (have > want) {
        const int diff = static_cast<int>(std::min<std::int64_t>(have - want, kBurstReplicas));
        const std::vector<Json> victims = pods_to_delete(
            pods, related_pods(rs), static_cast<std::size_t>(diff), client().now_unix_nanos());
        std::vector<std::string> keys;
        for (const Json& p : victims)
            keys.push_back(meta::key_of(p));
        std::string names;
        for (const Json& p : victims)
            names += (names.empty() ? "" : ", ") + meta::name(p);
        decide(key, "delete " + std::to_string(diff) + " pods: " + names,
               "has " + std::to_string(have) + " active pods, wants " + std::to_string(want) +
                   "; deletion ranking picks unassigned, pending, unready, cheap, crowded, "
                   "recently ready, restarting, newer pods first");
        expectations_.expect_deletions(key, keys, now());
        std::string error;
        for (const Json& p : victims) {
            const Result<Json> r = client().remove(pods_ref, meta::name(p));
            if (!r) {
                expectations_.deletion_observed(key, meta::key_of(p));
                if (r.is_not_found()) continue;
                error = r.error().message();
                recorder().record_event(rs, "Warning", "FailedDelete", "Error deleting: " + error);
                continue;
            }
            recorder().record_event(rs, "Normal", "SuccessfulDelete",
                                    "Deleted pod: " + meta::name(p));
        }
        return error;
    }
    return {};
}

ReconcileResult ReplicaSetController::update_status(const Json& rs, const std::string& /*key*/,
                                                    const std::vector<Json>& pods,
                                                    const std::string& manage_error) {
    const std::int64_t min_ready = int_field(spec_of(rs), "minReadySeconds");
    const sim::kube::Labels tmpl = template_labels(rs);
    const std::int64_t now_ns = client().now_unix_nanos();
    std::int64_t fully_labeled = 0, ready = 0, available = 0;
    for (const Json& pod : pods) {
        if (labels_contain(meta::labels(pod), tmpl)) ++fully_labeled;
        if (is_pod_ready(pod)) ++ready;
        if (is_pod_available(pod, min_ready, now_ns)) ++available;
    }
    const Json old_status = rs.value("status", Json::object());
    Json status = Json::object();
    status["replicas"] = static_cast<std::int64_t>(pods.size());
    set_if_nonzero(status, "fullyLabeledReplicas", fully_labeled);
    set_if_nonzero(status, "readyReplicas", ready);
    set_if_nonzero(status, "availableReplicas", available);
    set_if_nonzero(status, "observedGeneration", meta::generation(rs));
    // The ReplicaFailure condition while manageReplicas fails.
    Json conditions = Json::array();
    bool had_failure = false;
    for (const Json& c : old_status.value("conditions", Json::array())) {
        if (c.value("type", "") == "ReplicaFailure") {
            had_failure = true;
            if (!manage_error.empty()) conditions.push_back(c);
            continue;
        }
        conditions.push_back(c);
    }
    if (!manage_error.empty() && !had_failure) {
        const bool creating = static_cast<std::int64_t>(pods.size()) < desired_replicas(rs);
        conditions.push_back({{"type", "ReplicaFailure"},
                              {"status", "True"},
                              {"lastTransitionTime", client().now_rfc3339()},
                              {"reason", creating ? "FailedCreate" : "FailedDelete"},
                              {"message", manage_error}});
    }
    if (!conditions.empty()) status["conditions"] = conditions;

    if (status != old_status) {
        Json next = rs;
        next["status"] = status;
        Result<Json> r =
            client().update_status(refs::kReplicaSets.in(meta::namespace_of(rs)), next);
        if (r.is_conflict()) {
            // updateReplicaSetStatus retries once on a fresh copy.
            const Result<Json> fresh =
                client().get(refs::kReplicaSets.in(meta::namespace_of(rs)), meta::name(rs));
            if (!fresh) return ReconcileResult::failed(fresh.error().message());
            next = fresh.value();
            next["status"] = status;
            r = client().update_status(refs::kReplicaSets.in(meta::namespace_of(rs)), next);
        }
        if (!r) return ReconcileResult::failed(r.error().message());
    }
    if (!manage_error.empty()) return ReconcileResult::failed(manage_error);
    const std::int64_t want = desired_replicas(rs);
    if (min_ready > 0 && ready == want && available != want)
        return ReconcileResult::after(min_ready * sim::kernel::kSecond);
    return ReconcileResult::done();
}

}  // namespace sim::controller
