// Latencies in a log-bucket histogram with integer bucketing (the HdrHistogram idea): a value's
// bucket is its highest set bit (the octave) and the next kSubBits bits below it, so every
// bucket spans at most 1/2^kSubBits of its lower bound. Percentiles are nearest-rank (the
// smallest value v such that at least p % of the values are <= v) reported as the upper bound
// of the bucket holding that rank: at most 0.79 % above the exact value, never below it.
// Integer arithmetic only, so every machine buckets alike.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "sim/kernel/time.hpp"

namespace sim::cluster {

class LatencyHistogram {
  public:
    static constexpr int kSubBits = 7;  // 128 buckets per octave: relative width <= 1/128

    static std::uint32_t bucket_of(kernel::Nanos latency);
    // The largest latency that falls in `bucket`.
    static kernel::Nanos upper_bound(std::uint32_t bucket);

    void add(kernel::Nanos latency) { add_bucket(bucket_of(latency), 1); }
    void add_bucket(std::uint32_t bucket, std::uint64_t count);
    void merge(const LatencyHistogram& other);
    std::uint64_t count() const { return total_; }
    bool empty() const { return total_ == 0; }
    // Nearest-rank percentile (0 < p <= 100) as a bucket upper bound; 0 when empty.
    kernel::Nanos percentile(double p) const;
    // Non-empty buckets in increasing order, for compact storage.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> sparse() const;
    void clear();

  private:
    std::vector<std::uint64_t> counts_;  // by bucket, grown on demand
    std::uint64_t total_ = 0;
};

}  // namespace sim::cluster
