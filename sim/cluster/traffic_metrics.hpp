// What the traffic did, per series (traffic source, predictor, shadow) and per virtual second:
// requests sent, responses (2xx), errors (an error status or a counted failure) and the
// latencies of the responses (LatencyHistogram). The request path records into the open second;
// close_second() files it, writes the `traffic` trace lines (docs/trace.md) and starts the next.
// Queries aggregate closed seconds plus the open one, so memory grows with the number of
// (second, series) pairs that saw activity, not with the number of requests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/cluster/latency_histogram.hpp"
#include "sim/kernel/time.hpp"
#include "sim/kernel/trace.hpp"

namespace sim::cluster {

// The predictor name a series uses when no predictor could be chosen (no SeldonDeployment).
inline constexpr const char* kNoPredictor = "-";

struct TrafficTotals {
    std::uint64_t requests = 0;
    std::uint64_t responses = 0;
    std::uint64_t errors = 0;
    std::uint64_t lost = 0;
    std::uint64_t feedback = 0;  // feedback calls sent for the answers (traffic[].feedback)
    std::uint64_t rewarded = 0;  // ... of which carried reward 1 (the label was right)
    LatencyHistogram latency;    // of the responses
};

// Which series a query covers: empty fields match everything. Shadow copies are never part of
// a query (their answers are discarded); they appear in the trace only.
struct TrafficFilter {
    std::optional<std::string> source;
    std::optional<std::string> predictor;
    bool latency = true;  // false: leave TrafficTotals::latency empty (cheaper)
};

class TrafficMetrics {
  public:
    using SeriesId = std::uint32_t;

    // The series for (source, sdep, predictor, shadow), created on first use.
    SeriesId series(const std::string& source, const std::string& sdep,
                    const std::string& predictor, bool shadow);

    const std::string& predictor_of(SeriesId id) const { return keys_[id].predictor; }
    const std::string& source_of(SeriesId id) const { return keys_[id].source; }

    void sent(SeriesId id) { ++open_[id].requests; }
    void answered(SeriesId id, kernel::Nanos latency) {
        Open& o = open_[id];
        ++o.responses;
        o.latency.add(latency);
    }
    void failed(SeriesId id) { ++open_[id].errors; }
    void lost(SeriesId id) { ++open_[id].lost; }
    // The client sent feedback for an answer of this series; `correct`: reward 1.
    void feedback(SeriesId id, bool correct) {
        ++open_[id].feedback;
        if (correct) ++open_[id].rewarded;
    }

    // Files the open second, which ends at `second_end`; writes one `traffic` line per series
    // with activity in it when `trace` is given.
    void close_second(kernel::Nanos second_end, kernel::TraceWriter* trace);

    // Totals over the closed seconds lying within [from, to] (bounds rounded to whole seconds:
    // a second [s, s+1) counts when from <= s and s+1 <= to), plus the open second when
    // `include_open`.
    TrafficTotals totals(kernel::Nanos from, kernel::Nanos to, const TrafficFilter& filter,
                         bool include_open) const;
    // Everything so far (closed seconds and the open one).
    TrafficTotals totals_so_far(const TrafficFilter& filter) const;

  private:
    struct Key {
        std::string source, sdep, predictor;
        bool shadow = false;
    };
    struct Open {
        std::uint64_t requests = 0, responses = 0, errors = 0, lost = 0;
        std::uint64_t feedback = 0, rewarded = 0;
        LatencyHistogram latency;
        bool active() const { return requests || responses || errors || lost; }
    };
    struct Second {
        std::int64_t start_second = 0;
        std::uint32_t requests = 0, responses = 0, errors = 0, lost = 0;
        std::uint32_t feedback = 0, rewarded = 0;
        std::vector<std::pair<std::uint32_t, std::uint32_t>> latency;  // sparse buckets
    };
    bool matches(SeriesId id, const TrafficFilter& filter) const;
    static void add(TrafficTotals& into, const Second& s);
    static void add(TrafficTotals& into, const Open& o);

    std::vector<Key> keys_;
    std::vector<Open> open_;
    std::vector<std::vector<Second>> closed_;  // per series, in time order
    std::vector<TrafficTotals> closed_sum_;    // per series: every closed second, summed
};

}  // namespace sim::cluster
