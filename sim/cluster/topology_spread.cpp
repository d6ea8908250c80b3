#include "sim/cluster/topology_spread.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "sim/cluster/scheduler.hpp"
#include "sim/kernel/det_math.hpp"

namespace sim::cluster {
namespace {

struct Constraint {
    const char* key;
    std::int64_t max_skew;
};
// podtopologyspread/plugin.go systemDefaultConstraints.
constexpr Constraint kDefaultConstraints[] = {{kLabelHostname, 3}, {kLabelZone, 5}};
constexpr std::int64_t kMaxNodeScore = 100;

std::optional<std::string> label_of(const SchedNode& node, const char* key) {
    const auto it = node.labels.find(key);
    if (it == node.labels.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

kube::Labels to_labels(const sim::Json& labels) {
    kube::Labels out;
    if (!labels.is_object()) return out;
    for (auto it = labels.begin(); it != labels.end(); ++it)
        if (it->is_string()) out[it.key()] = it->get<std::string>();
    return out;
}

}  // namespace

bool SpreadSelector::matches(const kube::Labels& labels) const {
    for (const auto& [k, v] : service_labels) {
        const auto it = labels.find(k);
        if (it == labels.end() || it->second != v) return false;
    }
    return !replica_set || replica_set->matches(labels);
}

void SpreadIndex::add(const std::string& pod_key, const std::string& ns, const sim::Json& labels,
                      const std::string& node) {
    remove(pod_key);
    const std::string group = labels.is_object() ? labels.dump() : "{}";
    Group& g = groups_[ns][group];
    if (g.per_node.empty() && g.labels.empty()) g.labels = to_labels(labels);
    ++g.per_node[node];
    members_[pod_key] = Member{ns, group, node};
}

void SpreadIndex::remove(const std::string& pod_key) {
    const auto it = members_.find(pod_key);
    if (it == members_.end()) return;
    const Member m = it->second;
    members_.erase(it);
    auto& in_ns = groups_[m.ns];
    Group& g = in_ns[m.group];
    if (--g.per_node[m.node] == 0) g.per_node.erase(m.node);
    if (g.per_node.empty()) in_ns.erase(m.group);
}

std::map<std::string, std::int64_t> SpreadIndex::counts(const std::string& ns,
                                                        const SpreadSelector& selector) const {
    std::map<std::string, std::int64_t> out;
    const auto in_ns = groups_.find(ns);
    if (in_ns == groups_.end() || selector.empty()) return out;
    for (const auto& [key, group] : in_ns->second) {
        if (!selector.matches(group.labels)) continue;
        for (const auto& [node, n] : group.per_node)
            out[node] += n;
    }
    return out;
}

std::vector<std::int64_t> default_spread_scores(
    const std::vector<const SchedNode*>& feasible, const std::vector<const SchedNode*>& counted,
    const std::map<std::string, std::int64_t>& matching_per_node) {
    const auto on = [&](const std::string& node) {
        const auto it = matching_per_node.find(node);
        return it == matching_per_node.end() ? std::int64_t{0} : it->second;
    };
    // initPreScoreState: zones seen among the feasible nodes, counted over `counted`.
    std::map<std::string, std::int64_t> zone_counts;
    for (const SchedNode* n : feasible)
        if (const auto zone = label_of(*n, kLabelZone)) zone_counts.emplace(*zone, 0);
    for (const SchedNode* n : counted)
        if (const auto zone = label_of(*n, kLabelZone); zone && zone_counts.contains(*zone))
            zone_counts[*zone] += on(n->name);
    // topologyNormalizingWeight: log(size + 2), with the project's deterministic log.
    const double hostname_weight = kernel::det_log(static_cast<double>(feasible.size()) + 2);
    const double zone_weight = kernel::det_log(static_cast<double>(zone_counts.size()) + 2);
    std::vector<std::int64_t> raw;
    for (const SchedNode* n : feasible) {
        double score = 0;
        for (const Constraint& c : kDefaultConstraints) {
            const auto value = label_of(*n, c.key);
            if (!value) continue;
            const bool hostname = std::string(c.key) == kLabelHostname;
            const std::int64_t count = hostname ? on(n->name) : zone_counts[*value];
            // scoreForCount.
            score += static_cast<double>(count) * (hostname ? hostname_weight : zone_weight) +
                     static_cast<double>(c.max_skew - 1);
        }
        raw.push_back(static_cast<std::int64_t>(std::round(score)));
    }
    // NormalizeScore.
    std::int64_t min = std::numeric_limits<std::int64_t>::max();
    std::int64_t max = 0;
    for (const std::int64_t s : raw) {
        min = std::min(min, s);
        max = std::max(max, s);
    }
    for (std::int64_t& s : raw)
        s = max == 0 ? kMaxNodeScore : kMaxNodeScore * (max + min - s) / max;
    return raw;
}

}  // namespace sim::cluster
