#include "sim/cluster/latency_histogram.hpp"

#include <bit>
#include <cmath>

namespace sim::cluster {

namespace {
constexpr std::uint64_t kSubCount = std::uint64_t{1} << LatencyHistogram::kSubBits;
}

// Values below 2^kSubBits get a bucket each (exact); above, bucket = (octave, top sub bits).
std::uint32_t LatencyHistogram::bucket_of(kernel::Nanos latency) {
    const auto v = static_cast<std::uint64_t>(latency < 0 ? 0 : latency);
    if (v < kSubCount) return static_cast<std::uint32_t>(v);
    const int octave = 63 - std::countl_zero(v);  // >= kSubBits
    const int shift = octave - kSubBits;
    const std::uint64_t sub = (v >> shift) - kSubCount;  // in [0, kSubCount)
    return static_cast<std::uint32_t>(kSubCount + static_cast<std::uint64_t>(shift) * kSubCount +
                                      sub);
}

kernel::Nanos LatencyHistogram::upper_bound(std::uint32_t bucket) {
    if (bucket < kSubCount) return static_cast<kernel::Nanos>(bucket);
    const std::uint64_t shift = (bucket - kSubCount) / kSubCount;
    const std::uint64_t sub = (bucket - kSubCount) % kSubCount;
    const std::uint64_t low = (kSubCount + sub) << shift;
    return static_cast<kernel::Nanos>(low + ((std::uint64_t{1} << shift) - 1));
}

void LatencyHistogram::add_bucket(std::uint32_t bucket, std::uint64_t count) {
    if (bucket >= counts_.size()) counts_.resize(bucket + 1, 0);
    counts_[bucket] += count;
    total_ += count;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    if (other.counts_.size() > counts_.size()) counts_.resize(other.counts_.size(), 0);
    for (std::size_t b = 0; b < other.counts_.size(); ++b)
        counts_[b] += other.counts_[b];
    total_ += other.total_;
}

kernel::Nanos LatencyHistogram::percentile(double p) const {
    if (total_ == 0) return 0;
    // Nearest rank: ceil(p/100 * n), at least 1.
    auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total_)));
    if (rank < 1) rank = 1;
    if (rank > total_) rank = total_;
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < counts_.size(); ++b) {
        seen += counts_[b];
        if (seen >= rank) return upper_bound(static_cast<std::uint32_t>(b));
    }
    return upper_bound(static_cast<std::uint32_t>(counts_.size() - 1));
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> LatencyHistogram::sparse() const {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
    for (std::size_t b = 0; b < counts_.size(); ++b) {
        if (counts_[b])
            out.emplace_back(static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(counts_[b]));
    }
    return out;
}

void LatencyHistogram::clear() {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = 0;
}

}  // namespace sim::cluster
