#include "controller/nodelifecycle.hpp"

#include <algorithm>
#include <limits>

#include "controller/pod_util.hpp"
#include "sim/kube/object_meta.hpp"

namespace sim::controller {

namespace meta = sim::kube::meta;
namespace refs = sim::kube::refs;
using sim::kernel::kSecond;
using sim::kernel::Nanos;
using sim::kube::PatchType;

namespace {

constexpr const char* kMonitorKey = "monitor";
constexpr const char* kNodePrefix = "node:";
constexpr const char* kPodPrefix = "pod:";

std::string str(const Json& o, const char* key) {
    if (!o.is_object()) return "";
    const auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

const Json& field(const Json& o, const char* key) {
    static const Json null;
    if (!o.is_object()) return null;
    const auto it = o.find(key);
    return it != o.end() ? *it : null;
}

Json conditions_of(const Json& object) {
    const Json& c = field(field(object, "status"), "conditions");
    return c.is_array() ? c : Json::array();
}

// The condition of `type` (null when absent).
Json condition_of(const Json& object, const std::string& type) {
    for (const Json& c : conditions_of(object))
        if (str(c, "type") == type) return c;
    return nullptr;
}

std::string ready_status(const Json& node) {
    const Json c = condition_of(node, "Ready");
    return c.is_null() ? "Unknown" : str(c, "status");
}

std::string node_name_of(const Json& pod) {
    return str(field(pod, "spec"), "nodeName");
}

Json no_execute_taints(const Json& node) {
    Json out = Json::array();
    const Json& taints = field(field(node, "spec"), "taints");
    if (!taints.is_array()) return out;
    for (const Json& t : taints)
        if (str(t, "effect") == "NoExecute") out.push_back(t);
    return out;
}

bool is_condition_taint(const Json& taint) {
    const std::string key = str(taint, "key");
    return key == kTaintNotReady || key == kTaintUnreachable || key == kTaintUnschedulable;
}

Json taint(const char* key, const char* effect, const std::string& time_added) {
    Json t{{"key", key}, {"effect", effect}};
    if (!time_added.empty()) t["timeAdded"] = time_added;
    return t;
}

// The Node reference RecordNodeStatusChange uses: the uid is the node's name.
Json node_reference(const std::string& name) {
    return Json{
        {"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}, {"uid", name}}}};
}

}  // namespace

bool toleration_matches(const Json& toleration, const Json& taint) {
    const std::string effect = str(toleration, "effect");
    if (!effect.empty() && effect != str(taint, "effect")) return false;
    const std::string key = str(toleration, "key");
    if (!key.empty() && key != str(taint, "key")) return false;
    const std::string op = str(toleration, "operator");
    if (op == "Exists") return true;
    if (op.empty() || op == "Equal") return str(toleration, "value") == str(taint, "value");
    return false;
}

// ================================================================ NodeLifecycleController

void NodeLifecycleController::setup() {
    informer(refs::kNodes)
        .add_handlers({
            .on_add = [this](const Json& n) { enqueue(kNodePrefix + meta::name(n)); },
            .on_update = [this](const Json&,
                                const Json& n) { enqueue(kNodePrefix + meta::name(n)); },
            .on_delete = [this](const Json& n) { health_.erase(meta::name(n)); },
        });
    informer(refs::kLeases);
    const auto pod_changed = [this](const Json& pod) {
        if (!node_name_of(pod).empty()) enqueue(kPodPrefix + meta::key_of(pod));
    };
    informer(refs::kPods)
        .add_handlers({
            .on_add = pod_changed,
            .on_update = [pod_changed](const Json&, const Json& p) { pod_changed(p); },
            .on_delete = {},
        });
    enqueue(kMonitorKey);
}

ReconcileResult NodeLifecycleController::reconcile(const std::string& key) {
    if (key == kMonitorKey) {
        monitor();
        return ReconcileResult::after(kNodeMonitorPeriod);
    }
    if (key.starts_with(kNodePrefix)) {
        // doNoScheduleTaintingPass, run on node changes (cordon shows as a taint at once).
        if (const auto node =
                informer(refs::kNodes).get(key.substr(std::string(kNodePrefix).size())))
            sync_taints(*node);
        return ReconcileResult::done();
    }
    if (key.starts_with(kPodPrefix)) {
        // processPod: a pod on a node that is not Ready is marked not ready.
        const auto pod = informer(refs::kPods).get(key.substr(std::string(kPodPrefix).size()));
        if (!pod) return ReconcileResult::done();
        const auto node = informer(refs::kNodes).get(node_name_of(*pod));
        if (node && health_.contains(meta::name(*node)) && ready_status(*node) != "True")
            mark_pod_not_ready(*pod);
    }
    return ReconcileResult::done();
}

void NodeLifecycleController::monitor() {
    if (!informer(refs::kNodes).has_synced() || !informer(refs::kLeases).has_synced()) return;
    std::vector<Json> nodes;
    for (const auto& [name, node] : informer(refs::kNodes).items())
        nodes.push_back(node);
    for (const Json& node : nodes)
        monitor_node(node);
}

// tryUpdateNodeHealth + the Ready transition handling of monitorNodeHealth.
void NodeLifecycleController::monitor_node(const Json& node) {
    const std::string name = meta::name(node);
    const Nanos t = now();
    const std::string heartbeat = str(condition_of(node, "Ready"), "lastHeartbeatTime");
    std::string lease_renew;
    if (const auto lease = informer(refs::kLeases).get("kube-node-lease/" + name))
        lease_renew = str(field(*lease, "spec"), "renewTime");
    auto [it, added] = health_.try_emplace(name);
    Health& h = it->second;
    if (added) {
        h = Health{t, heartbeat, lease_renew, ready_status(node)};
        (void)recorder().record_event(node_reference(name), "Normal", "RegisteredNode",
                                      "Registered Node " + name + " in Controller");
    }
    if (heartbeat != h.heartbeat) {
        h.heartbeat = heartbeat;
        h.probe = t;
    }
    // RFC 3339 micro timestamps of one format order as strings.
    if (!lease_renew.empty() && lease_renew > h.lease_renew) {
        h.lease_renew = lease_renew;
        h.probe = t;
    }
    Json current = node;
    // The real check is now.After(probe + grace) on ticks that slide by each pass's run time,
    // so the tenth tick after a heartbeat is past the grace; in exact virtual time that is
    // "at least the grace".
    if (t - h.probe >= kNodeMonitorGracePeriod) current = mark_unknown(node);
    const std::string ready = ready_status(current);
    if (h.ready == "True" && ready != "True") {
        node_event(current, "NodeNotReady");
        decide(name, "NodeNotReady",
               "no heartbeat for " + kernel::format_duration(t - h.probe) + " (grace " +
                   kernel::format_duration(kNodeMonitorGracePeriod) + "); Ready is " + ready);
        mark_pods_not_ready(name);
    } else if (h.ready != "True" && ready == "True") {
        node_event(current, "NodeReady");
        decide(name, "NodeReady", "the kubelet posts Ready again");
    }
    h.ready = ready;
    sync_taints(current);
}

Json NodeLifecycleController::mark_unknown(const Json& node) {
    Json conditions = conditions_of(node);
    bool changed = false;
    const std::string t = client().now_rfc3339();
    for (const char* type : {"Ready", "MemoryPressure", "DiskPressure", "PIDPressure"}) {
        auto c = std::find_if(conditions.begin(), conditions.end(),
                              [&](const Json& x) { return str(x, "type") == type; });
        if (c == conditions.end()) {
            conditions.push_back(Json{{"type", type},
                                      {"status", "Unknown"},
                                      {"lastHeartbeatTime", t},
                                      {"lastTransitionTime", t},
                                      {"reason", "NodeStatusNeverUpdated"},
                                      {"message", "Kubelet never posted node status."}});
            changed = true;
            continue;
        }
        if (str(*c, "status") == "Unknown") continue;
        // The heartbeat stays the kubelet's last one; the transition is now.
        (*c)["status"] = "Unknown";
        (*c)["reason"] = "NodeStatusUnknown";
        (*c)["message"] = "Kubelet stopped posting node status.";
        (*c)["lastTransitionTime"] = t;
        changed = true;
    }
    if (!changed) return node;
    auto written = client().patch(refs::kNodes, meta::name(node), PatchType::Merge,
                                  Json{{"status", {{"conditions", conditions}}}}, "status");
    return written ? std::move(written).value() : node;
}

// doNoScheduleTaintingPass + doNoExecuteTaintingPass (markNodeAsReachable / swap of
// not-ready and unreachable): the condition taints follow the Ready condition and
// spec.unschedulable; other taints are left as they are.
void NodeLifecycleController::sync_taints(const Json& node) {
    const std::string ready = ready_status(node);
    const bool unschedulable = field(field(node, "spec"), "unschedulable") == Json(true);
    const char* condition_key = ready == "False"     ? kTaintNotReady
                                : ready == "Unknown" ? kTaintUnreachable
                                                     : nullptr;
    std::vector<std::pair<const char*, const char*>> wanted;  // key, effect
    if (unschedulable) wanted.emplace_back(kTaintUnschedulable, "NoSchedule");
    if (condition_key) {
        wanted.emplace_back(condition_key, "NoSchedule");
        wanted.emplace_back(condition_key, "NoExecute");
    }
    const Json& current = field(field(node, "spec"), "taints");
    Json next = Json::array();
    std::vector<bool> have(wanted.size(), false);
    if (current.is_array()) {
        for (const Json& t : current) {
            if (!is_condition_taint(t)) {
                next.push_back(t);
                continue;
            }
            for (std::size_t i = 0; i < wanted.size(); ++i) {
                if (str(t, "key") == wanted[i].first && str(t, "effect") == wanted[i].second) {
                    have[i] = true;
                    next.push_back(t);
                }
            }
        }
    }
    const std::string t = client().now_rfc3339();
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        if (have[i]) continue;
        const bool no_execute = std::string(wanted[i].second) == "NoExecute";
        next.push_back(taint(wanted[i].first, wanted[i].second, no_execute ? t : ""));
    }
    const Json before = current.is_array() ? current : Json::array();
    if (next == before) return;
    std::string summary;
    for (const Json& x : next)
        summary += (summary.empty() ? "" : ", ") + str(x, "key") + ":" + str(x, "effect");
    (void)client().patch(refs::kNodes, meta::name(node), PatchType::Merge,
                         Json{{"spec", {{"taints", next.empty() ? Json(nullptr) : next}}}});
    decide(meta::name(node), "taints", summary.empty() ? "none" : summary);
}

void NodeLifecycleController::mark_pods_not_ready(const std::string& node_name) {
    std::vector<Json> pods;
    for (const auto& [key, pod] : informer(refs::kPods).items())
        if (node_name_of(pod) == node_name) pods.push_back(pod);
    for (const Json& pod : pods)
        mark_pod_not_ready(pod);
}

// nodeutil.MarkPodsNotReady: Ready False (lastTransitionTime now), Warning NodeNotReady.
void NodeLifecycleController::mark_pod_not_ready(const Json& pod) {
    Json conditions = conditions_of(pod);
    bool changed = false;
    for (Json& c : conditions) {
        if (str(c, "type") != "Ready" || str(c, "status") == "False") continue;
        c["status"] = "False";
        c["lastTransitionTime"] = client().now_rfc3339();
        changed = true;
    }
    if (!changed) return;
    const auto written =
        client().patch(refs::kPods.in(meta::namespace_of(pod)), meta::name(pod), PatchType::Merge,
                       Json{{"status", {{"conditions", conditions}}}}, "status");
    if (written) (void)recorder().record_event(pod, "Warning", "NodeNotReady", "Node is not ready");
}

// nodeutil.RecordNodeStatusChange: "Node <n> status is now: <status>".
void NodeLifecycleController::node_event(const Json& node, const std::string& status) {
    const std::string name = meta::name(node);
    (void)recorder().record_event(node_reference(name), "Normal", status,
                                  "Node " + name + " status is now: " + status);
}

// ================================================================ TaintEvictionController

void TaintEvictionController::setup() {
    informer(refs::kNodes)
        .add_handlers({
            .on_add = [this](const Json& n) { on_node(nullptr, n); },
            .on_update = [this](const Json& o, const Json& n) { on_node(&o, n); },
            .on_delete = {},
        });
    informer(refs::kPods)
        .add_handlers({
            .on_add = [this](const Json& p) { process_pod(p); },
            .on_update = [this](const Json&, const Json& p) { process_pod(p); },
            .on_delete = [this](const Json& p) { cancel(meta::key_of(p), true); },
        });
}

void TaintEvictionController::on_node(const Json* old_node, const Json& node) {
    const Json taints = no_execute_taints(node);
    if (old_node ? no_execute_taints(*old_node) == taints : taints.empty()) return;
    const std::string name = meta::name(node);
    std::vector<Json> pods;
    for (const auto& [key, pod] : informer(refs::kPods).items())
        if (node_name_of(pod) == name) pods.push_back(pod);
    for (const Json& pod : pods)
        process_pod(pod);
}

// processPodOnNode.
void TaintEvictionController::process_pod(const Json& pod) {
    const std::string node_name = node_name_of(pod);
    if (node_name.empty()) return;
    const std::string key = meta::key_of(pod);
    const auto node = informer(refs::kNodes).get(node_name);
    const Json taints = node ? no_execute_taints(*node) : Json::array();
    if (taints.empty()) {
        cancel(key, true);
        return;
    }
    const Json& tolerations = field(field(pod, "spec"), "tolerations");
    // GetMatchingTolerations: the first toleration of each taint; getMinTolerationTime.
    bool all_tolerated = true;
    std::int64_t min_seconds = std::numeric_limits<std::int64_t>::max();
    for (const Json& t : taints) {
        const Json* used = nullptr;
        if (tolerations.is_array())
            for (const Json& tol : tolerations)
                if (toleration_matches(tol, t)) {
                    used = &tol;
                    break;
                }
        if (!used) {
            all_tolerated = false;
            break;
        }
        const Json& seconds = field(*used, "tolerationSeconds");
        if (seconds.is_number_integer())
            min_seconds =
                std::min(min_seconds, std::max<std::int64_t>(0, seconds.get<std::int64_t>()));
    }
    const Nanos t = now();
    Nanos delay = 0;
    if (all_tolerated) {
        if (min_seconds == std::numeric_limits<std::int64_t>::max()) {  // tolerated forever
            cancel(key, true);
            return;
        }
        delay = min_seconds * kSecond;
    } else {
        cancel(key, true);
    }
    const auto existing = works_.find(key);
    if (existing != works_.end()) {
        // A fired eviction stays recorded (AddWork skips it); a pending one keeps its start.
        // (Real time never repeats an instant, so the real code's restart of a work created
        // this very instant does not arise; a pending work keeps its start and trigger.)
        return;
    }
    works_[key] = Work{t, t + delay};
    enqueue_after(key, delay);
}

void TaintEvictionController::cancel(const std::string& key, bool with_event) {
    const auto it = works_.find(key);
    if (it == works_.end()) return;
    const bool pending = !it->second.fired;
    works_.erase(it);
    if (pending && with_event) record(key, "Cancelling deletion of Pod " + key);
}

void TaintEvictionController::record(const std::string& key, const std::string& message) {
    const auto [ns, name] = meta::split_key(key);
    const Json ref{
        {"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", name}, {"namespace", ns}}}};
    (void)recorder().record_event(ref, "Normal", "TaintManagerEviction", message);
}

ReconcileResult TaintEvictionController::reconcile(const std::string& key) {
    const auto it = works_.find(key);
    if (it == works_.end() || it->second.fired) return ReconcileResult::done();
    const Nanos t = now();
    if (it->second.fire > t) return ReconcileResult::after(it->second.fire - t);
    it->second.fired = true;
    // deletePodHandler: the event, then addConditionAndDeletePod.
    record(key, "Marking for deletion Pod " + key);
    const auto [ns, name] = meta::split_key(key);
    const auto pod = informer(refs::kPods).get(key);
    if (!pod) return ReconcileResult::done();
    Json conditions = conditions_of(*pod);
    const bool has = std::any_of(conditions.begin(), conditions.end(), [](const Json& c) {
        return str(c, "type") == "DisruptionTarget";
    });
    if (!has) {
        conditions.push_back(Json{{"type", "DisruptionTarget"},
                                  {"status", "True"},
                                  {"lastProbeTime", nullptr},
                                  {"lastTransitionTime", client().now_rfc3339()},
                                  {"reason", "DeletionByTaintManager"},
                                  {"message", "Taint manager: deleting due to NoExecute taint"}});
        (void)client().patch(refs::kPods.in(ns), name, PatchType::Merge,
                             Json{{"status", {{"conditions", conditions}}}}, "status");
    }
    sim::kube::DeleteOptions options;
    options.precondition_uid = meta::uid(*pod);
    const auto deleted = client().remove(refs::kPods.in(ns), name, options);
    decide(key, "evict",
           "NoExecute taint on node " + node_name_of(*pod) + " not tolerated any longer");
    if (!deleted && !deleted.is_not_found())
        return ReconcileResult::failed(deleted.error().message());
    return ReconcileResult::done();
}

std::map<std::string, Nanos> TaintEvictionController::scheduled() const {
    std::map<std::string, Nanos> out;
    for (const auto& [key, work] : works_)
        if (!work.fired) out.emplace(key, work.fire);
    return out;
}

}  // namespace sim::controller
