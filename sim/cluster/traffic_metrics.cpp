#include "sim/cluster/traffic_metrics.hpp"

namespace sim::cluster {
namespace {
double millis(kernel::Nanos n) {
    return static_cast<double>(n) / 1e6;
}
}  // namespace

TrafficMetrics::SeriesId TrafficMetrics::series(const std::string& source, const std::string& sdep,
                                                const std::string& predictor, bool shadow) {
    for (SeriesId i = 0; i < keys_.size(); ++i) {
        const Key& k = keys_[i];
        if (k.shadow == shadow && k.source == source && k.sdep == sdep && k.predictor == predictor)
            return i;
    }
    keys_.push_back({source, sdep, predictor, shadow});
    open_.emplace_back();
    closed_.emplace_back();
    closed_sum_.emplace_back();
    return static_cast<SeriesId>(keys_.size() - 1);
}

void TrafficMetrics::close_second(kernel::Nanos second_end, kernel::TraceWriter* trace) {
    const std::int64_t start_second = second_end / kernel::kSecond - 1;
    for (SeriesId i = 0; i < keys_.size(); ++i) {
        Open& o = open_[i];
        if (!o.active()) continue;
        if (trace) {
            const Key& k = keys_[i];
            auto line = trace->line(second_end, "traffic");
            line.str("source", k.source)
                .str("sdep", k.sdep)
                .str("predictor", k.predictor)
                .boolean("shadow", k.shadow)
                .num("requests", o.requests)
                .num("responses", o.responses)
                .num("errors", o.errors + o.lost);
            if (!o.latency.empty()) {
                line.real("latency_p50_ms", millis(o.latency.percentile(50)))
                    .real("latency_p99_ms", millis(o.latency.percentile(99)));
            }
            line.end();
        }
        Second s;
        s.start_second = start_second;
        s.requests = static_cast<std::uint32_t>(o.requests);
        s.responses = static_cast<std::uint32_t>(o.responses);
        s.errors = static_cast<std::uint32_t>(o.errors);
        s.lost = static_cast<std::uint32_t>(o.lost);
        s.feedback = static_cast<std::uint32_t>(o.feedback);
        s.rewarded = static_cast<std::uint32_t>(o.rewarded);
        s.latency = o.latency.sparse();
        add(closed_sum_[i], s);
        closed_[i].push_back(std::move(s));
        o.requests = o.responses = o.errors = o.lost = o.feedback = o.rewarded = 0;
        o.latency.clear();
    }
}

bool TrafficMetrics::matches(SeriesId id, const TrafficFilter& filter) const {
    const Key& k = keys_[id];
    if (k.shadow) return false;
    if (filter.source && *filter.source != k.source) return false;
    if (filter.predictor && *filter.predictor != k.predictor) return false;
    return true;
}

void TrafficMetrics::add(TrafficTotals& into, const Second& s) {
    into.requests += s.requests;
    into.responses += s.responses;
    into.errors += s.errors;
    into.lost += s.lost;
    into.feedback += s.feedback;
    into.rewarded += s.rewarded;
    for (const auto& [bucket, count] : s.latency)
        into.latency.add_bucket(bucket, count);
}

void TrafficMetrics::add(TrafficTotals& into, const Open& o) {
    into.requests += o.requests;
    into.responses += o.responses;
    into.errors += o.errors;
    into.lost += o.lost;
    into.feedback += o.feedback;
    into.rewarded += o.rewarded;
    into.latency.merge(o.latency);
}

TrafficTotals TrafficMetrics::totals(kernel::Nanos from, kernel::Nanos to,
                                     const TrafficFilter& filter, bool include_open) const {
    TrafficTotals out;
    const std::int64_t first = (from + kernel::kSecond - 1) / kernel::kSecond;  // ceil
    const std::int64_t end = to / kernel::kSecond;                              // floor
    for (SeriesId i = 0; i < keys_.size(); ++i) {
        if (!matches(i, filter)) continue;
        for (const Second& s : closed_[i]) {
            if (s.start_second >= first && s.start_second + 1 <= end) add(out, s);
        }
        if (include_open) add(out, open_[i]);
    }
    if (!filter.latency) out.latency.clear();
    return out;
}

TrafficTotals TrafficMetrics::totals_so_far(const TrafficFilter& filter) const {
    TrafficTotals out;
    for (SeriesId i = 0; i < keys_.size(); ++i) {
        if (!matches(i, filter)) continue;
        // Running sums: `at`, `by` and `during` ask after every instant.
        const TrafficTotals& sum = closed_sum_[i];
        out.requests += sum.requests + open_[i].requests;
        out.responses += sum.responses + open_[i].responses;
        out.errors += sum.errors + open_[i].errors;
        out.lost += sum.lost + open_[i].lost;
        out.feedback += sum.feedback + open_[i].feedback;
        out.rewarded += sum.rewarded + open_[i].rewarded;
        if (filter.latency) {
            out.latency.merge(sum.latency);
            out.latency.merge(open_[i].latency);
        }
    }
    return out;
}

}  // namespace sim::cluster
