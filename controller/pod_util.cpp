#include "controller/pod_util.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "sim/kernel/time.hpp"

namespace sim::controller {

std::optional<std::int64_t> parse_time(const Json& value) {
    if (!value.is_string()) return std::nullopt;
    return sim::kernel::parse_rfc3339_unix_nanos(value.get<std::string>());
}

std::int64_t int_field(const Json& object, const char* field, std::int64_t fallback) {
    if (!object.is_object()) return fallback;
    const auto it = object.find(field);
    if (it == object.end() || !it->is_number_integer()) return fallback;
    return it->get<std::int64_t>();
}

namespace {

const Json& status_of(const Json& pod) {
    static const Json empty = Json::object();
    const auto it = pod.find("status");
    return it != pod.end() && it->is_object() ? *it : empty;
}

const Json* ready_condition(const Json& pod) {
    const Json& status = status_of(pod);
    const auto it = status.find("conditions");
    if (it == status.end() || !it->is_array()) return nullptr;
    for (const Json& c : *it)
        if (c.value("type", "") == "Ready") return &c;
    return nullptr;
}

std::int64_t deletion_cost(const Json& pod) {
    // controller.kubernetes.io/pod-deletion-cost; an unparsable value counts as 0
    // (helper.GetDeletionCostFromPodAnnotations errors are ignored by the sort).
    const Json& annotations =
        pod.value("metadata", Json::object()).value("annotations", Json::object());
    const auto it = annotations.find("controller.kubernetes.io/pod-deletion-cost");
    if (it == annotations.end() || !it->is_string()) return 0;
    const std::string text = it->get<std::string>();
    try {
        std::size_t used = 0;
        const long long v = std::stoll(text, &used);
        if (used != text.size() || v < INT32_MIN || v > INT32_MAX) return 0;
        return v;
    } catch (const std::exception&) {
        return 0;
    }
}

int phase_ordinal(const std::string& phase) {
    if (phase == "Unknown") return 1;
    if (phase == "Running") return 2;
    return 0;  // Pending (and anything else: a missing map key is 0 in Go)
}

std::int64_t max_restarts(const Json& pod) {
    std::int64_t most = 0;
    const Json& status = status_of(pod);
    const auto it = status.find("containerStatuses");
    if (it == status.end() || !it->is_array()) return 0;
    for (const Json& c : *it)
        most = std::max(most, int_field(c, "restartCount"));
    return most;
}

std::string node_of(const Json& pod) {
    return pod.value("spec", Json::object()).value("nodeName", "");
}

std::string uid_of(const Json& pod) {
    return pod.value("metadata", Json::object()).value("uid", "");
}

// logarithmicRankDiff: floor(log2(now - t)) buckets, -1 when t is not in the past.
int log_bucket(std::int64_t t, std::int64_t now) {
    const std::int64_t d = now - t;
    if (d <= 0) return -1;
    return static_cast<int>(std::floor(std::log2(static_cast<double>(d))));
}

// afterOrZero: a zero time sorts first, else the later one first.
bool after_or_zero(std::optional<std::int64_t> t1, std::optional<std::int64_t> t2) {
    if (!t1 || !t2) return !t1;
    return *t1 > *t2;
}

// The shared tail of steps 6 and 8: true/false decides, nullopt means "equal, go on".
std::optional<bool> compare_times(std::optional<std::int64_t> t1, std::optional<std::int64_t> t2,
                                  const Json& a, const Json& b, std::int64_t now) {
    if (t1 == t2) return std::nullopt;
    if (!t1 || !t2) return after_or_zero(t1, t2);
    const int diff = log_bucket(*t1, now) - log_bucket(*t2, now);
    if (diff == 0) return uid_of(a) < uid_of(b);
    return diff < 0;
}

}  // namespace

std::string pod_phase(const Json& pod) {
    return status_of(pod).value("phase", "");
}

bool is_pod_active(const Json& pod) {
    const std::string phase = pod_phase(pod);
    if (phase == "Succeeded" || phase == "Failed") return false;
    const Json& m = pod.value("metadata", Json::object());
    return !m.contains("deletionTimestamp") || m["deletionTimestamp"].is_null();
}

bool is_pod_ready(const Json& pod) {
    const Json* c = ready_condition(pod);
    return c && c->value("status", "") == "True";
}

std::optional<std::int64_t> pod_ready_time(const Json& pod) {
    const Json* c = ready_condition(pod);
    if (!c || c->value("status", "") != "True") return std::nullopt;
    return parse_time(c->value("lastTransitionTime", Json()));
}

bool is_pod_available(const Json& pod, std::int64_t min_ready_seconds, std::int64_t now) {
    if (!is_pod_ready(pod)) return false;
    if (min_ready_seconds <= 0) return true;
    const auto since = pod_ready_time(pod);
    const std::int64_t since_ns = since.value_or(0);  // a zero time: long ago
    return since_ns + min_ready_seconds * sim::kernel::kSecond < now;
}

bool pod_deletes_before(const Json& a, int rank_a, const Json& b, int rank_b, std::int64_t now) {
    // 1. Unassigned < assigned.
    const std::string na = node_of(a), nb = node_of(b);
    if (na != nb && (na.empty() || nb.empty())) return na.empty();
    // 2. Pending < Unknown < Running.
    const int pa = phase_ordinal(pod_phase(a)), pb = phase_ordinal(pod_phase(b));
    if (pa != pb) return pa < pb;
    // 3. Not ready < ready.
    const bool ra = is_pod_ready(a), rb = is_pod_ready(b);
    if (ra != rb) return !ra;
    // 4. Lower pod-deletion-cost first.
    const std::int64_t ca = deletion_cost(a), cb = deletion_cost(b);
    if (ca != cb) return ca < cb;
    // 5. More related pods on the same node first (spreads what remains).
    if (rank_a != rank_b) return rank_a > rank_b;
    // 6. Both ready: ready more recently first, in logarithmic buckets.
    if (ra && rb) {
        if (const auto r = compare_times(pod_ready_time(a), pod_ready_time(b), a, b, now))
            return *r;
    }
    // 7. More restarts first.
    const std::int64_t xa = max_restarts(a), xb = max_restarts(b);
    if (xa != xb) return xa > xb;
    // 8. Newer first, in logarithmic buckets.
    const auto created = [](const Json& p) {
        return parse_time(p.value("metadata", Json::object()).value("creationTimestamp", Json()));
    };
    if (const auto r = compare_times(created(a), created(b), a, b, now)) return *r;
    return false;
}

std::vector<Json> pods_to_delete(const std::vector<Json>& pods, const std::vector<Json>& related,
                                 std::size_t count, std::int64_t now) {
    if (count >= pods.size()) return pods;
    std::map<std::string, int> on_node;
    for (const Json& p : related)
        if (is_pod_active(p)) ++on_node[node_of(p)];
    std::vector<std::size_t> order(pods.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::vector<int> rank(pods.size());
    for (std::size_t i = 0; i < pods.size(); ++i)
        rank[i] = on_node[node_of(pods[i])];
    // Go's sort.Sort is not stable; a stable sort keeps ties in cache (name) order.
    std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) {
        return pod_deletes_before(pods[i], rank[i], pods[j], rank[j], now);
    });
    std::vector<Json> out;
    for (std::size_t i = 0; i < count; ++i)
        out.push_back(pods[order[i]]);
    return out;
}

}  // namespace sim::controller
