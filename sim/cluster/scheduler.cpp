#include "sim/cluster/scheduler.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "sim/kube/object_meta.hpp"

namespace sim::cluster {
namespace {

using nlohmann::json;

// framework.MaxNodeScore.
constexpr std::int64_t kMaxNodeScore = 100;
// pkg/scheduler/internal/queue: DefaultPodInitialBackoffDuration 1 s, DefaultPodMaxBackoffDuration
// 10 s, DefaultPodMaxInUnschedulablePodsDuration 5 min.
constexpr kernel::Nanos kInitialBackoff = kernel::kSecond;
constexpr kernel::Nanos kMaxBackoff = 10 * kernel::kSecond;
constexpr kernel::Nanos kMaxInUnschedulable = 5 * kernel::kMinute;

const char* const kUnschedulableTaintKey = "node.kubernetes.io/unschedulable";

std::string str(const json& o, const char* key) {
    if (!o.is_object()) return "";
    const auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string pod_key(const json& pod) {
    return kube::meta::namespace_of(pod) + "/" + kube::meta::name(pod);
}

bool is_terminal(const json& pod) {
    const std::string phase = str(pod.value("status", json::object()), "phase");
    return phase == "Succeeded" || phase == "Failed";
}

bool is_deleting(const json& pod) {
    return pod.value("metadata", json::object()).contains("deletionTimestamp");
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
bool matches_node_affinity(const SchedNode& node, const json& spec) {
    const json selector = spec.value("nodeSelector", json::object());
    for (const auto& [key, value] : selector.items()) {
        const auto have = label(node.labels, key);
        if (!have || !value.is_string() || *have != value.get<std::string>()) return false;
    }
    const json required = spec.value("affinity", json::object())
                              .value("nodeAffinity", json::object())
                              .value("requiredDuringSchedulingIgnoredDuringExecution", json());
    if (!required.is_object()) return true;
    const json terms = required.value("nodeSelectorTerms", json::array());
    return std::any_of(terms.begin(), terms.end(),
                       [&](const json& t) { return term_matches(node, t); });
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
    const json meta = node.value("metadata", json::object());
    n.labels = meta.value("labels", json::object());
    if (!n.labels.is_object()) n.labels = json::object();
    const json spec = node.value("spec", json::object());
    n.taints = spec.value("taints", json::array());
    if (!n.taints.is_array()) n.taints = json::array();
    n.unschedulable = spec.value("unschedulable", false);
    n.allocatable = node_allocatable(node);
    return n;
}

FilterResult filter_node(const SchedNode& node, const json& pod) {
    const json spec = pod.value("spec", json::object());
    const json tolerations = spec.value("tolerations", json::array());
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
    if (!matches_node_affinity(node, spec)) {
        r.reasons.push_back("node(s) didn't match Pod's node affinity/selector");
        return r;
    }
    // noderesources/fit.go fitsRequest: every insufficient resource is a reason.
    const Resources req = pod_requests(pod);
    if (node.pod_count + 1 > node.allocatable.pods) r.reasons.push_back("Too many pods");
    if (req.milli_cpu > 0 && req.milli_cpu > node.allocatable.milli_cpu - node.requested.milli_cpu)
        r.reasons.push_back("Insufficient cpu");
    if (req.memory_bytes > 0 &&
        req.memory_bytes > node.allocatable.memory_bytes - node.requested.memory_bytes)
        r.reasons.push_back("Insufficient memory");
    r.resolvable_by_preemption = !r.reasons.empty();
    return r;
}

std::int64_t least_allocated_score(const SchedNode& node, const json& pod) {
    const Resources req = pod_non_zero_requests(pod);
    const std::int64_t cpu = least_allocated(node.non_zero_requested.milli_cpu + req.milli_cpu,
                                             node.allocatable.milli_cpu);
    const std::int64_t memory = least_allocated(
        node.non_zero_requested.memory_bytes + req.memory_bytes, node.allocatable.memory_bytes);
    return (cpu + memory) / 2;  // resource weights cpu 1, memory 1
}

std::int64_t balanced_allocation_score(const SchedNode& node, const json& pod) {
    // noderesources/balanced_allocation.go: actual requests (useRequested), and PreScore skips
    // pods that request neither resource.
    const Resources req = pod_requests(pod);
    if (req.milli_cpu == 0 && req.memory_bytes == 0) return 0;
    std::vector<double> fractions;
    const auto add = [&](std::int64_t requested, std::int64_t allocatable) {
        if (allocatable == 0) return;
        fractions.push_back(
            std::min(1.0, static_cast<double>(requested) / static_cast<double>(allocatable)));
    };
    add(node.requested.milli_cpu + req.milli_cpu, node.allocatable.milli_cpu);
    add(node.requested.memory_bytes + req.memory_bytes, node.allocatable.memory_bytes);
    double std_dev = 0;
    if (fractions.size() == 2) std_dev = std::fabs((fractions[0] - fractions[1]) / 2);
    return static_cast<std::int64_t>((1 - std_dev) * static_cast<double>(kMaxNodeScore));
}

std::int64_t score_node(const SchedNode& node, const json& pod) {
    return least_allocated_score(node, pod) + balanced_allocation_score(node, pod);
}

std::vector<std::int64_t> total_scores(const std::vector<const SchedNode*>& feasible,
                                       const json& pod) {
    const json spec = pod.value("spec", json::object());
    // tainttoleration: only tolerations with effect PreferNoSchedule or empty count.
    json prefer_tolerations = json::array();
    for (const json& t : spec.value("tolerations", json::array())) {
        const std::string effect = str(t, "effect");
        if (effect.empty() || effect == "PreferNoSchedule") prefer_tolerations.push_back(t);
    }
    const json preferred =
        spec.value("affinity", json::object())
            .value("nodeAffinity", json::object())
            .value("preferredDuringSchedulingIgnoredDuringExecution", json::array());
    std::vector<std::int64_t> taints, affinity, base;
    for (const SchedNode* node : feasible) {
        std::int64_t intolerable = 0;
        for (const json& taint : node->taints)
            if (str(taint, "effect") == "PreferNoSchedule" && !tolerates(prefer_tolerations, taint))
                ++intolerable;
        taints.push_back(intolerable);
        std::int64_t weight = 0;
        if (preferred.is_array())
            for (const json& term : preferred)
                if (term_matches(*node, term.value("preference", json::object())))
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
    for (std::size_t i = 0; i < feasible.size(); ++i)
        total.push_back(base[i] + 3 * taints[i] + 2 * affinity[i]);
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
    nodes_informer_->start();
    pods_informer_->start();
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
    nodes_[n.name] = std::move(n);
    if (relevant) move_all_to_active();
}

void Scheduler::on_node_deleted(const json& node) {
    nodes_.erase(kube::meta::name(node));
}

void Scheduler::on_pod(const json& pod) {
    const std::string key = pod_key(pod);
    const json spec = pod.value("spec", json::object());
    const std::string node = str(spec, "nodeName");
    if (!node.empty()) {
        forget(key);
        if (is_terminal(pod)) {
            unassign(key);
        } else if (!assigned_.contains(key)) {
            assign(key, node, pod);
        }
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
    const std::string key = pod_key(pod);
    forget(key);
    unassign(key);
}

void Scheduler::assign(const std::string& key, const std::string& node, const json& pod) {
    const Assigned a{node, pod_requests(pod), pod_non_zero_requests(pod)};
    Usage& u = usage_[node];
    u.requested.milli_cpu += a.requests.milli_cpu;
    u.requested.memory_bytes += a.requests.memory_bytes;
    u.non_zero.milli_cpu += a.non_zero.milli_cpu;
    u.non_zero.memory_bytes += a.non_zero.memory_bytes;
    ++u.pods;
    if (const auto it = nodes_.find(node); it != nodes_.end()) apply_usage(it->second);
    assigned_[key] = a;
}

void Scheduler::unassign(const std::string& key) {
    const auto it = assigned_.find(key);
    if (it == assigned_.end()) return;
    const Assigned a = it->second;
    assigned_.erase(it);
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
    const std::optional<json> cached = pods_informer_->get(key);
    if (!cached) return;
    const json& pod = *cached;
    if (!str(pod.value("spec", json::object()), "nodeName").empty() || is_deleting(pod)) return;
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
    for (const auto& [name, node] : nodes_) {
        FilterResult f = filter_node(node, pod);
        if (!f.reasons.empty())
            failures.push_back(std::move(f));
        else
            feasible.push_back(&node);
    }
    const std::vector<std::int64_t> scores = total_scores(feasible, pod);
    std::int64_t best_score = -1;
    for (std::size_t i = 0; i < feasible.size(); ++i) {
        if (scores[i] > best_score) {  // strict: the lowest name keeps a tie
            best_score = scores[i];
            best = feasible[i];
        }
    }
    if (best == nullptr) {
        const bool never = str(pod.value("spec", json::object()), "preemptionPolicy") == "Never";
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
    assign(key, node_name, pod);
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
    const json conditions = pod.value("status", json::object()).value("conditions", json::array());
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
    (void)client_.patch(kube::refs::kPods.in(kube::meta::namespace_of(pod)), kube::meta::name(pod),
                        kube::PatchType::Merge, json{{"status", {{"conditions", next}}}}, "status");
}

}  // namespace sim::cluster
