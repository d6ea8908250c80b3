#include "sim/cluster/scheduler.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "sim/cluster/json_view.hpp"
#include "sim/kube/object_meta.hpp"
#include "sim/kube/selectors.hpp"

namespace sim::cluster {
namespace {

using json = sim::Json;

// framework.MaxNodeScore.
constexpr std::int64_t kMaxNodeScore = 100;
// pkg/scheduler/internal/queue: DefaultPodInitialBackoffDuration 1 s, DefaultPodMaxBackoffDuration
// 10 s, DefaultPodMaxInUnschedulablePodsDuration 5 min.
constexpr kernel::Nanos kInitialBackoff = kernel::kSecond;
constexpr kernel::Nanos kMaxBackoff = 10 * kernel::kSecond;
constexpr kernel::Nanos kMaxInUnschedulable = 5 * kernel::kMinute;

const char* const kUnschedulableTaintKey = "node.kubernetes.io/unschedulable";

bool is_terminal(const json& pod) {
    const std::string phase = str(object_member(pod, "status"), "phase");
    return phase == "Succeeded" || phase == "Failed";
}

bool is_deleting(const json& pod) {
    return object_member(pod, "metadata").contains("deletionTimestamp");
}

std::optional<std::int64_t> parse_int(const std::string& s) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

// A NodeSelectorRequirement against one value (nullopt: label absent).
bool requirement_matches(const json& req, const std::optional<std::string>& value) {
    const std::string op = str(req, "operator");
    const json values = req.value("values", json::array());
    const auto in_values = [&] {
        return value && std::any_of(values.begin(), values.end(), [&](const json& v) {
                   return v.is_string() && v.get<std::string>() == *value;
               });
    };
    if (op == "In") return in_values();
    if (op == "NotIn") return !in_values();
    if (op == "Exists") return value.has_value();
    if (op == "DoesNotExist") return !value.has_value();
    if (op == "Gt" || op == "Lt") {
        if (!value || values.size() != 1 || !values[0].is_string()) return false;
        const auto have = parse_int(*value);
        const auto want = parse_int(values[0].get<std::string>());
        if (!have || !want) return false;
        return op == "Gt" ? *have > *want : *have < *want;
    }
    return false;
}

std::int64_t num_or(const json& o, const char* key, std::int64_t fallback) {
    if (!o.is_object()) return fallback;
    const auto it = o.find(key);
    return it != o.end() && it->is_number_integer() ? it->get<std::int64_t>() : fallback;
}

std::optional<std::string> label(const json& labels, const std::string& key) {
    const auto it = labels.find(key);
    if (it == labels.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

bool term_matches(const SchedNode& node, const json& term) {
    const json expressions = term.value("matchExpressions", json::array());
    const json fields = term.value("matchFields", json::array());
    if (expressions.empty() && fields.empty()) return false;  // an empty term matches nothing
    for (const json& e : expressions)
        if (!requirement_matches(e, label(node.labels, str(e, "key")))) return false;
    for (const json& f : fields) {
        if (str(f, "key") != "metadata.name") return false;
        if (!requirement_matches(f, node.name)) return false;
    }
    return true;
}

// NodeAffinity filter: nodeSelector and requiredDuringSchedulingIgnoredDuringExecution.
bool matches_node_affinity(const SchedNode& node, const json& node_selector, const json& required) {
    // Most pods have neither: skip the iterators (this runs for hundreds of nodes per pod).
    if (node_selector.empty() && !required.is_object()) return true;
    for (const auto& [key, value] : node_selector.items()) {
        const auto have = label(node.labels, key);
        if (!have || !value.is_string() || *have != value.get<std::string>()) return false;
    }
    if (!required.is_object()) return true;
    const auto terms = required.find("nodeSelectorTerms");
    if (terms == required.end() || !terms->is_array()) return false;
    return std::any_of(terms->begin(), terms->end(),
                       [&](const json& t) { return term_matches(node, t); });
}

// Whether a node has no taints: json::empty() is an out-of-line switch over the type, and
// this runs for every node of every attempt.
bool untainted(const SchedNode& node) {
    const auto* taints = node.taints.get_ptr<const json::array_t*>();
    return taints == nullptr ? node.taints.empty() : taints->empty();
}

// filter_node's answer for a pod without node selector or required affinity on a node
// without taints, when it is "fits": schedulable and room for it. (False: ask filter_node.)
// Hundreds of nodes per pod are filtered; most are plain, and the general path builds a
// FilterResult for each.
bool fits_plainly(const SchedNode& node, const Resources& req) {
    if (node.unschedulable || !untainted(node)) return false;
    if (node.pod_count + 1 > node.allocatable.pods) return false;
    if (req.milli_cpu > 0 && req.milli_cpu > node.allocatable.milli_cpu - node.requested.milli_cpu)
        return false;
    return req.memory_bytes <= 0 ||
           req.memory_bytes <= node.allocatable.memory_bytes - node.requested.memory_bytes;
}

std::int64_t least_allocated(std::int64_t requested, std::int64_t capacity) {
    // noderesources/least_allocated.go leastRequestedScore.
    if (capacity == 0 || requested > capacity) return 0;
    return (capacity - requested) * kMaxNodeScore / capacity;
}

}  // namespace

bool tolerates(const json& tolerations, const json& taint) {
    if (!tolerations.is_array()) return false;
    const std::string key = str(taint, "key");
    const std::string value = str(taint, "value");
    const std::string effect = str(taint, "effect");
    return std::any_of(tolerations.begin(), tolerations.end(), [&](const json& t) {
        const std::string t_effect = str(t, "effect");
        if (!t_effect.empty() && t_effect != effect) return false;
        const std::string t_key = str(t, "key");
        if (!t_key.empty() && t_key != key) return false;
        const std::string op = str(t, "operator");
        if (op == "Exists") return true;
        if (op.empty() || op == "Equal") return str(t, "value") == value;
        return false;
    });
}

SchedNode sched_node_from(const json& node) {
    SchedNode n;
    n.name = kube::meta::name(node);
    const json& meta = object_member(node, "metadata");
    n.labels = object_member(meta, "labels");
    if (!n.labels.is_object()) n.labels = json::object();
    const json& spec = object_member(node, "spec");
    n.taints = array_member(spec, "taints");
    if (!n.taints.is_array()) n.taints = json::array();
    n.unschedulable = spec.value("unschedulable", false);
    n.allocatable = node_allocatable(node);
    return n;
}

PodFacts pod_facts(const json& pod) {
    static const json kNull;
    PodFacts f;
    f.tolerations = &empty_json_array();
    f.node_selector = &empty_json_object();
    f.required_affinity = &kNull;
    f.preferred_affinity = &empty_json_array();
    const auto spec_it = pod.find("spec");
    if (spec_it != pod.end() && spec_it->is_object()) {
        const json& spec = *spec_it;
        if (const auto t = spec.find("tolerations"); t != spec.end() && t->is_array())
            f.tolerations = &*t;
        if (const auto n = spec.find("nodeSelector"); n != spec.end() && n->is_object())
            f.node_selector = &*n;
        const json& node_affinity = object_member(object_member(spec, "affinity"), "nodeAffinity");
        if (node_affinity.is_object()) {
            f.required_affinity =
                &member_or(node_affinity, "requiredDuringSchedulingIgnoredDuringExecution", kNull);
            const json& preferred =
                array_member(node_affinity, "preferredDuringSchedulingIgnoredDuringExecution");
            if (preferred.is_array()) f.preferred_affinity = &preferred;
        }
    }
    // tainttoleration: only tolerations with effect PreferNoSchedule or empty count for scores.
    for (const json& t : *f.tolerations) {
        const std::string effect = str(t, "effect");
        if (effect.empty() || effect == "PreferNoSchedule") f.prefer_tolerations.push_back(t);
    }
    f.requests = pod_requests(pod);
    f.non_zero_requests = pod_non_zero_requests(pod);
    return f;
}

FilterResult filter_node(const SchedNode& node, const json& pod) {
    return filter_node(node, pod_facts(pod));
}

bool node_affinity_matches(const SchedNode& node, const PodFacts& pod) {
    return matches_node_affinity(node, *pod.node_selector, *pod.required_affinity);
}

FilterResult filter_node(const SchedNode& node, const PodFacts& pod) {
    const json& tolerations = *pod.tolerations;
    FilterResult r;
    // Plugin order of apis/config/v1/default_plugins.go; the first failing plugin decides.
    if (node.unschedulable &&
        !tolerates(tolerations, json{{"key", kUnschedulableTaintKey}, {"effect", "NoSchedule"}})) {
        r.reasons.push_back("node(s) were unschedulable");
        return r;
    }
    for (const json& taint : node.taints) {
        const std::string effect = str(taint, "effect");
        if (effect != "NoSchedule" && effect != "NoExecute") continue;
        if (tolerates(tolerations, taint)) continue;
        r.reasons.push_back("node(s) had untolerated taint {" + str(taint, "key") + ": " +
                            str(taint, "value") + "}");
        return r;
    }
    if (!node_affinity_matches(node, pod)) {
        r.reasons.push_back("node(s) didn't match Pod's node affinity/selector");
        return r;
    }
    // noderesources/fit.go fitsRequest: every insufficient resource is a reason.
    const Resources& req = pod.requests;
    if (node.pod_count + 1 > node.allocatable.pods) r.reasons.push_back("Too many pods");
    if (req.milli_cpu > 0 && req.milli_cpu > node.allocatable.milli_cpu - node.requested.milli_cpu)
        r.reasons.push_back("Insufficient cpu");
    if (req.memory_bytes > 0 &&
        req.memory_bytes > node.allocatable.memory_bytes - node.requested.memory_bytes)
        r.reasons.push_back("Insufficient memory");
    r.resolvable_by_preemption = !r.reasons.empty();
    return r;
}

namespace {

std::int64_t least_allocated_of(const SchedNode& node, const Resources& req) {
    const std::int64_t cpu = least_allocated(node.non_zero_requested.milli_cpu + req.milli_cpu,
                                             node.allocatable.milli_cpu);
    const std::int64_t memory = least_allocated(
        node.non_zero_requested.memory_bytes + req.memory_bytes, node.allocatable.memory_bytes);
    return (cpu + memory) / 2;  // resource weights cpu 1, memory 1
}

std::int64_t balanced_allocation_of(const SchedNode& node, const Resources& req) {
    // noderesources/balanced_allocation.go: actual requests (useRequested), and PreScore skips
    // pods that request neither resource.
    if (req.milli_cpu == 0 && req.memory_bytes == 0) return 0;
    double fractions[2];
    std::size_t n = 0;
    const auto add = [&](std::int64_t requested, std::int64_t allocatable) {
        if (allocatable == 0) return;
        fractions[n++] =
            std::min(1.0, static_cast<double>(requested) / static_cast<double>(allocatable));
    };
    add(node.requested.milli_cpu + req.milli_cpu, node.allocatable.milli_cpu);
    add(node.requested.memory_bytes + req.memory_bytes, node.allocatable.memory_bytes);
    double std_dev = 0;
    if (n == 2) std_dev = std::fabs((fractions[0] - fractions[1]) / 2);
    return static_cast<std::int64_t>((1 - std_dev) * static_cast<double>(kMaxNodeScore));
}

}  // namespace

std::int64_t score_node(const SchedNode& node, const PodFacts& pod) {
    SchedNode::ScoreMemo& memo = node.score_memo;
    if (memo.score >= 0 && memo.pod_requests == pod.requests &&
        memo.pod_non_zero_requests == pod.non_zero_requests && memo.requested == node.requested &&
        memo.non_zero_requested == node.non_zero_requested && memo.allocatable == node.allocatable)
        return memo.score;
    const std::int64_t score = least_allocated_of(node, pod.non_zero_requests) +
                               balanced_allocation_of(node, pod.requests);
    memo = {node.requested,        node.non_zero_requested, pod.requests,
            pod.non_zero_requests, node.allocatable,        score};
    return score;
}

std::int64_t least_allocated_score(const SchedNode& node, const json& pod) {
    return least_allocated_of(node, pod_non_zero_requests(pod));
}

std::int64_t balanced_allocation_score(const SchedNode& node, const json& pod) {
    return balanced_allocation_of(node, pod_requests(pod));
}

std::int64_t score_node(const SchedNode& node, const json& pod) {
    return score_node(node, pod_facts(pod));
}

std::vector<std::int64_t> total_scores(const std::vector<const SchedNode*>& feasible,
                                       const json& pod) {
    return total_scores(feasible, pod_facts(pod), {});
}

std::vector<std::int64_t> total_scores(const std::vector<const SchedNode*>& feasible,
                                       const PodFacts& pod,
                                       const std::vector<std::int64_t>& spread) {
    // Without taints on the nodes and preferred terms on the pod, the two normalized plugins
    // are the same for every node (TaintToleration 100, NodeAffinity 0): only the base scores
    // differ. The common case, for hundreds of nodes per pod.
    const bool no_taints = std::all_of(feasible.begin(), feasible.end(),
                                       [](const SchedNode* n) { return untainted(*n); });
    if (no_taints && pod.preferred_affinity->empty()) {
        std::vector<std::int64_t> total;
        total.reserve(feasible.size());
        for (std::size_t i = 0; i < feasible.size(); ++i)
            total.push_back(score_node(*feasible[i], pod) + 3 * kMaxNodeScore +
                            (spread.empty() ? 0 : 2 * spread[i]));
        return total;
    }
    std::vector<std::int64_t> taints, affinity, base;
    taints.reserve(feasible.size());
    affinity.reserve(feasible.size());
    base.reserve(feasible.size());
    for (const SchedNode* node : feasible) {
        // The loops are skipped when empty: this runs for hundreds of nodes per pod.
        std::int64_t intolerable = 0;
        if (!node->taints.empty())
            for (const json& taint : node->taints)
                if (str(taint, "effect") == "PreferNoSchedule" &&
                    !tolerates(pod.prefer_tolerations, taint))
                    ++intolerable;
        taints.push_back(intolerable);
        std::int64_t weight = 0;
        if (!pod.preferred_affinity->empty())
            for (const json& term : *pod.preferred_affinity)
                if (term_matches(*node, object_member(term, "preference")))
                    weight += num_or(term, "weight", 0);
        affinity.push_back(weight);
        base.push_back(score_node(*node, pod));
    }
    // helper.DefaultNormalizeScore(MaxNodeScore, reverse, scores).
    const auto normalize = [](std::vector<std::int64_t>& scores, bool reverse) {
        std::int64_t max = 0;
        for (const std::int64_t v : scores)
            max = std::max(max, v);
        for (std::int64_t& v : scores) {
            if (max == 0) {
                if (reverse) v = kMaxNodeScore;
                continue;
            }
            v = kMaxNodeScore * v / max;
            if (reverse) v = kMaxNodeScore - v;
        }
    };
    normalize(taints, true);
    normalize(affinity, false);
    std::vector<std::int64_t> total;
    total.reserve(feasible.size());
    for (std::size_t i = 0; i < feasible.size(); ++i)
        total.push_back(base[i] + 3 * taints[i] + 2 * affinity[i] +
                        (spread.empty() ? 0 : 2 * spread[i]));
    return total;
}

namespace {

// framework/types.go: "<count> <reason>" strings sorted as strings, joined by ", ".
std::string histogram(const std::map<std::string, int>& counts) {
    std::vector<std::string> parts;
    for (const auto& [reason, count] : counts)
        parts.push_back(std::to_string(count) + " " + reason);
    std::sort(parts.begin(), parts.end());
    std::string out;
    for (const std::string& p : parts)
        out += (out.empty() ? "" : ", ") + p;
    return out;
}

}  // namespace

std::size_t feasible_nodes_to_find(std::size_t all_nodes) {
    // minFeasibleNodesToFind 100, minFeasibleNodesPercentageToFind 5.
    constexpr std::size_t kMinNodes = 100;
    if (all_nodes < kMinNodes) return all_nodes;
    const std::int64_t percentage =
        std::max<std::int64_t>(5, 50 - static_cast<std::int64_t>(all_nodes) / 125);
    const std::size_t n = all_nodes * static_cast<std::size_t>(percentage) / 100;
    return std::max(n, kMinNodes);
}

std::string fit_error_message(std::size_t node_count, const std::vector<FilterResult>& failures,
                              bool preemption_never) {
    std::map<std::string, int> reasons;
    std::map<std::string, int> preemption;
    for (const FilterResult& f : failures) {
        for (const std::string& r : f.reasons)
            ++reasons[r];
        ++preemption[f.resolvable_by_preemption ? "No preemption victims found for incoming pod"
                                                : "Preemption is not helpful for scheduling"];
    }
    const std::string n = std::to_string(node_count);
    std::string message = "0/" + n + " nodes are available: " + histogram(reasons) + ".";
    if (preemption_never)
        return message + " preemption: not eligible due to preemptionPolicy=Never.";
    return message + " preemption: 0/" + n + " nodes are available: " + histogram(preemption) + ".";
}

// ---------------------------------------------------------------------------------- Scheduler

Scheduler::Scheduler(kube::Client& client, SchedulerOptions options)
    : client_(client), options_(std::move(options)), recorder_(client, options_.scheduler_name) {}

Scheduler::~Scheduler() {
    *alive_ = false;
}

void Scheduler::start() {
    nodes_informer_ = std::make_unique<kube::Informer>(client_, kube::refs::kNodes);
    nodes_informer_->add_handlers(
        {[this](const json& n) { on_node(nullptr, n); },
         [this](const json& old_node, const json& n) { on_node(&old_node, n); },
         [this](const json& n) { on_node_deleted(n); }});
    pods_informer_ = std::make_unique<kube::Informer>(client_, kube::refs::kPods);
    pods_informer_->add_handlers({[this](const json& p) { on_pod(p); },
                                  [this](const json&, const json& p) { on_pod(p); },
                                  [this](const json& p) { on_pod_deleted(p); }});
    services_informer_ = std::make_unique<kube::Informer>(client_, kube::refs::kServices);
    replicasets_informer_ = std::make_unique<kube::Informer>(client_, kube::refs::kReplicaSets);
    services_informer_->start();
    replicasets_informer_->start();
    nodes_informer_->start();
    pods_informer_->start();
}

// helper.DefaultSelector: the selectors of the Services that select the pod, merged, and the
// selector of its controlling ReplicaSet.
SpreadSelector Scheduler::spread_selector(const json& pod) const {
    SpreadSelector selector;
    const std::string ns = kube::meta::namespace_of(pod);
    const kube::Labels labels = kube::object_labels(pod);
    for (const auto& [service_key, service] : services_informer_->items()) {
        if (!ns.empty() && kube::meta::namespace_of(service) != ns) continue;
        const json& spec = object_member(service, "spec");
        const auto it = spec.find("selector");
        if (it == spec.end() || !it->is_object() || it->empty()) continue;
        kube::Labels wanted;
        for (auto l = it->begin(); l != it->end(); ++l)
            if (l->is_string()) wanted[l.key()] = l->get<std::string>();
        const bool selects = std::all_of(wanted.begin(), wanted.end(), [&](const auto& kv) {
            const auto have = labels.find(kv.first);
            return have != labels.end() && have->second == kv.second;
        });
        if (selects) selector.service_labels.insert(wanted.begin(), wanted.end());
    }
    const auto owner = kube::meta::controller_of(pod);
    if (owner && owner->value("kind", "") == "ReplicaSet") {
        if (const json* rs = replicasets_informer_->find(ns + "/" + owner->value("name", ""))) {
            try {
                selector.replica_set = kube::LabelSelector::from_json(
                    member_or(object_member(*rs, "spec"), "selector", json()));
            } catch (const kube::ApiError&) {
                // A malformed selector selects nothing to spread over.
            }
        }
    }
    return selector;
}

std::optional<SchedNode> Scheduler::node(const std::string& name) const {
    const auto it = nodes_.find(name);
    if (it == nodes_.end()) return std::nullopt;
    return it->second;
}

void Scheduler::apply_usage(SchedNode& node) const {
    const auto it = usage_.find(node.name);
    const Usage u = it == usage_.end() ? Usage{} : it->second;
    node.requested = u.requested;
    node.non_zero_requested = u.non_zero;
    node.pod_count = u.pods;
}

void Scheduler::on_node(const json* old_node, const json& node) {
    SchedNode n = sched_node_from(node);
    apply_usage(n);
    const auto it = nodes_.find(n.name);
    // Heartbeats change only conditions: they are no reason to retry pods.
    const bool relevant = it == nodes_.end() || old_node == nullptr ||
                          it->second.labels != n.labels || it->second.taints != n.taints ||
                          it->second.unschedulable != n.unschedulable ||
                          it->second.allocatable.milli_cpu != n.allocatable.milli_cpu ||
                          it->second.allocatable.memory_bytes != n.allocatable.memory_bytes ||
                          it->second.allocatable.pods != n.allocatable.pods;
    if (it == nodes_.end()) node_order_dirty_ = true;
    nodes_[n.name] = std::move(n);
    if (relevant) move_all_to_active();
}

void Scheduler::on_node_deleted(const json& node) {
    nodes_.erase(kube::meta::name(node));
    node_order_dirty_ = true;
}

void Scheduler::on_pod(const json& pod) {
    const std::string key = kube::meta::key_of(pod);
    const json& spec = object_member(pod, "spec");
    const std::string node = str(spec, "nodeName");
    if (!node.empty()) {
        forget(key);
        if (is_terminal(pod)) {
            unassign(key);
        } else if (!assigned_.contains(key)) {
            assign(key, node, pod);
        }
        // Terminating pods still hold their resources but no longer count for spreading.
        if (is_deleting(pod) || is_terminal(pod)) spread_.remove(key);
        return;
    }
    if (str(spec, "schedulerName") != options_.scheduler_name) return;
    if (is_deleting(pod)) {
        forget(key);
        return;
    }
    if (in_active_.contains(key) || unschedulable_.contains(key)) return;
    enqueue(key);
}

void Scheduler::on_pod_deleted(const json& pod) {
    const std::string key = kube::meta::key_of(pod);
    forget(key);
    unassign(key);
}

void Scheduler::assign(const std::string& key, const std::string& node, const json& pod) {
    assign(key, node, pod, Assigned{node, pod_requests(pod), pod_non_zero_requests(pod)});
}

void Scheduler::assign(const std::string& key, const std::string& node, const json& pod,
                       const Assigned& a) {
    Usage& u = usage_[node];
    u.requested.milli_cpu += a.requests.milli_cpu;
    u.requested.memory_bytes += a.requests.memory_bytes;
    u.non_zero.milli_cpu += a.non_zero.milli_cpu;
    u.non_zero.memory_bytes += a.non_zero.memory_bytes;
    ++u.pods;
    if (const auto it = nodes_.find(node); it != nodes_.end()) apply_usage(it->second);
    assigned_[key] = a;
    if (!is_deleting(pod))
        spread_.add(key, kube::meta::namespace_of(pod),
                    object_member(object_member(pod, "metadata"), "labels"), node);
}

void Scheduler::unassign(const std::string& key) {
    const auto it = assigned_.find(key);
    if (it == assigned_.end()) return;
    const Assigned a = it->second;
    assigned_.erase(it);
    spread_.remove(key);
    Usage& u = usage_[a.node];
    u.requested.milli_cpu -= a.requests.milli_cpu;
    u.requested.memory_bytes -= a.requests.memory_bytes;
    u.non_zero.milli_cpu -= a.non_zero.milli_cpu;
    u.non_zero.memory_bytes -= a.non_zero.memory_bytes;
    --u.pods;
    if (const auto n = nodes_.find(a.node); n != nodes_.end()) apply_usage(n->second);
    // Room was freed: pods waiting for room may fit now (AssignedPodDelete cluster event).
    move_all_to_active();
}

void Scheduler::enqueue(const std::string& key) {
    if (!in_active_.insert(key).second) return;
    active_.push_back(key);
    schedule_drain();
}

void Scheduler::forget(const std::string& key) {
    unschedulable_.erase(key);
    attempts_by_pod_.erase(key);
    if (in_active_.erase(key) > 0) active_.erase(std::find(active_.begin(), active_.end(), key));
}

kernel::Nanos Scheduler::backoff_for(int attempts) const {
    // queue/scheduling_queue.go calculateBackoffDuration.
    kernel::Nanos d = kInitialBackoff;
    for (int i = 1; i < attempts; ++i) {
        d *= 2;
        if (d > kMaxBackoff) return kMaxBackoff;
    }
    return d;
}

void Scheduler::move_all_to_active() {
    std::vector<std::string> keys;
    for (const auto& [key, u] : unschedulable_)
        if (!u.moving) keys.push_back(key);
    for (const std::string& key : keys)
        move_to_active(key);
}

void Scheduler::move_to_active(const std::string& key) {
    const auto it = unschedulable_.find(key);
    if (it == unschedulable_.end()) return;
    const kernel::Nanos ready_at = it->second.failed_at + backoff_for(it->second.attempts);
    const kernel::Nanos now = client_.loop().now();
    if (ready_at <= now) {
        unschedulable_.erase(it);
        enqueue(key);
        return;
    }
    // Still backing off: it waits in the backoff queue until its backoff expires.
    it->second.moving = true;
    const int attempts = it->second.attempts;
    client_.loop().schedule_at(ready_at, [this, alive = alive_, key, attempts] {
        if (!*alive) return;
        const auto u = unschedulable_.find(key);
        if (u == unschedulable_.end() || u->second.attempts != attempts) return;
        unschedulable_.erase(u);
        enqueue(key);
    });
}

void Scheduler::schedule_drain() {
    if (drain_pending_) return;
    drain_pending_ = true;
    client_.loop().schedule_after(0, [this, alive = alive_] {
        if (!*alive) return;
        drain_pending_ = false;
        drain();
    });
}

void Scheduler::drain() {
    while (!active_.empty()) {
        const std::string key = active_.front();
        active_.pop_front();
        in_active_.erase(key);
        schedule_one(key);
    }
}

void Scheduler::schedule_one(const std::string& key) {
    // Read in place from the informer's cache: a scheduling attempt copies no pod.
    const json* cached = pods_informer_->find(key);
    if (cached == nullptr) return;
    const json& pod = *cached;
    const json& spec = object_member(pod, "spec");
    if (!str(spec, "nodeName").empty() || is_deleting(pod)) return;
    ++attempts_;
    const int attempts = ++attempts_by_pod_[key];

    if (nodes_.empty()) {
        // schedule_one.go ErrNoNodesAvailable.
        record_failure(pod, "no nodes available to schedule pods");
        unschedulable_[key] = Unschedulable{attempts, client_.loop().now(), false};
        return;
    }
    const SchedNode* best = nullptr;
    std::vector<FilterResult> failures;
    std::vector<const SchedNode*> feasible;
    // Each feasible node's place in node_order_, which is name order: the tie-break compares
    // these instead of the names.
    std::vector<std::size_t> feasible_rank;
    const PodFacts facts = pod_facts(pod);
    if (node_order_dirty_) {
        node_order_.clear();
        for (const auto& [name, node] : nodes_)
            node_order_.push_back(&node);
        node_order_dirty_ = false;
        next_start_ = 0;
    }
    const std::size_t all = node_order_.size();
    const std::size_t to_find = feasible_nodes_to_find(all);
    feasible.reserve(to_find);
    feasible_rank.reserve(to_find);
    std::size_t processed = 0;
    const bool unconstrained =
        facts.node_selector->empty() && !facts.required_affinity->is_object();
    // (next_start_ + processed) % all, kept by wrapping: a division per node visited was a
    // measurable part of an attempt over 1,000 nodes.
    std::size_t rank = next_start_ % all;
    for (; processed < all && feasible.size() < to_find;
         ++processed, rank = rank + 1 == all ? 0 : rank + 1) {
        const SchedNode& node = *node_order_[rank];
        if (unconstrained && fits_plainly(node, facts.requests)) {
            feasible.push_back(&node);
            feasible_rank.push_back(rank);
            continue;
        }
        FilterResult f = filter_node(node, facts);
        if (!f.reasons.empty()) {
            failures.push_back(std::move(f));
            continue;
        }
        feasible.push_back(&node);
        feasible_rank.push_back(rank);
    }
    next_start_ = (next_start_ + processed) % all;
    // PodTopologySpread's system defaults, for pods without their own constraints (those are
    // not emulated: such pods are scored without spreading).
    std::vector<std::int64_t> spread;
    const bool own_constraints =
        spec.contains("topologySpreadConstraints") && !spec["topologySpreadConstraints"].empty();
    if (!own_constraints && feasible.size() > 1) {
        const SpreadSelector selector = spread_selector(pod);
        if (!selector.empty()) {
            std::vector<const SchedNode*> counted;
            for (const auto& [name, node] : nodes_)
                if (node_affinity_matches(node, facts)) counted.push_back(&node);
            spread = default_spread_scores(feasible, counted,
                                           spread_.counts(kube::meta::namespace_of(pod), selector));
        }
    }
    const std::vector<std::int64_t> scores = total_scores(feasible, facts, spread);
    std::int64_t best_score = -1;
    std::size_t best_rank = 0;
    for (std::size_t i = 0; i < feasible.size(); ++i) {
        // Ties go to the lowest name, whatever node the rotating start visited first.
        if (scores[i] > best_score ||
            (scores[i] == best_score && best != nullptr && feasible_rank[i] < best_rank)) {
            best_score = scores[i];
            best = feasible[i];
            best_rank = feasible_rank[i];
        }
    }
    if (best == nullptr) {
        const bool never = str(spec, "preemptionPolicy") == "Never";
        record_failure(pod, fit_error_message(nodes_.size(), failures, never));
        const kernel::Nanos now = client_.loop().now();
        unschedulable_[key] = Unschedulable{attempts, now, false};
        client_.loop().schedule_at(
            now + kMaxInUnschedulable, [this, alive = alive_, key, attempts] {
                if (!*alive) return;
                const auto u = unschedulable_.find(key);
                if (u == unschedulable_.end() || u->second.attempts != attempts || u->second.moving)
                    return;
                unschedulable_.erase(u);
                enqueue(key);
            });
        return;
    }
    const std::string node_name = best->name;
    // Assume first (the cache counts the pod at once), then bind.
    assign(key, node_name, pod, Assigned{node_name, facts.requests, facts.non_zero_requests});
    const auto bound =
        client_.bind(kube::meta::namespace_of(pod), kube::meta::name(pod), node_name);
    if (!bound) {
        unassign(key);
        return;  // deleted or bound by someone else meanwhile: the pod's own event tells
    }
    attempts_by_pod_.erase(key);
    ++bindings_;
    recorder_.record_event(pod, "Normal", "Scheduled",
                           "Successfully assigned " + kube::meta::namespace_of(pod) + "/" +
                               kube::meta::name(pod) + " to " + node_name);
}

void Scheduler::record_failure(const json& pod, const std::string& message) {
    recorder_.record_event(pod, "Warning", "FailedScheduling", message);
    // handleSchedulingFailure -> updatePod: PodScheduled False/Unschedulable, written only when
    // it differs from what the pod already says.
    const json& conditions = array_member(object_member(pod, "status"), "conditions");
    json next = json::array();
    bool same = false;
    std::string since = client_.now_rfc3339();
    for (const json& c : conditions) {
        if (str(c, "type") != "PodScheduled") {
            next.push_back(c);
            continue;
        }
        same = str(c, "status") == "False" && str(c, "reason") == "Unschedulable" &&
               str(c, "message") == message;
        if (str(c, "status") == "False" && !str(c, "lastTransitionTime").empty())
            since = str(c, "lastTransitionTime");  // only a status change moves it
    }
    if (same) return;
    next.push_back(json{{"type", "PodScheduled"},
                        {"status", "False"},
                        {"lastProbeTime", nullptr},
                        {"lastTransitionTime", since},
                        {"reason", "Unschedulable"},
                        {"message", message}});
    (void)client_.patch_shared(kube::refs::kPods.in(kube::meta::namespace_of(pod)),
                               kube::meta::name(pod), kube::PatchType::Merge,
                               json{{"status", {{"conditions", next}}}}, "status");
}

}  // namespace sim::cluster
