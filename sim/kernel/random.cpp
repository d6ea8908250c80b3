#include "sim/kernel/random.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <stdexcept>
#include "sim/kernel/det_math.hpp"

namespace sim::kernel {

std::uint64_t splitmix64_mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::uint64_t fnv1a64(std::string_view text) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

Random::Random(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& word : s_) {
        x += 0x9e3779b97f4a7c15ULL;  // SplitMix64's increment (the golden ratio)
        word = splitmix64_mix(x);
    }
}

Random Random::stream(std::uint64_t seed, std::string_view name) {
    return Random(splitmix64_mix(seed ^ splitmix64_mix(fnv1a64(name))));
}

namespace {
std::uint64_t rotl(std::uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}
}  // namespace

std::uint64_t Random::next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

std::uint64_t Random::below(std::uint64_t n) {
    if (n == 0) throw std::invalid_argument("Random::below(0)");
    // Lemire, "Fast Random Integer Generation in an Interval" (2019).
    unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
        const std::uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            m = static_cast<unsigned __int128>(next_u64()) * n;
            low = static_cast<std::uint64_t>(m);
        }
    }
    return static_cast<std::uint64_t>(m >> 64);
}

std::int64_t Random::uniform_int(std::int64_t lo, std::int64_t hi) {
    if (hi < lo) throw std::invalid_argument("Random::uniform_int: hi < lo");
    const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
    if (span == std::numeric_limits<std::uint64_t>::max())
        return static_cast<std::int64_t>(next_u64());
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + below(span + 1));
}

double Random::uniform01() {
    return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

double Random::uniform(double lo, double hi) {
    return lo + (hi - lo) * uniform01();
}

bool Random::bernoulli(double p) {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return uniform01() < p;
}

Random::PolarPair Random::polar_pair() {
    for (;;) {
        const double u = 2.0 * uniform01() - 1.0;
        const double v = 2.0 * uniform01() - 1.0;
        const double s = u * u + v * v;
        if (s > 0.0 && s < 1.0) return {u, s};
    }
}

double Random::normal(double mean, double stddev) {
    return polar_normal(polar_pair(), mean, stddev);
}

void Random::standard_normals(std::span<double> out) {
    constexpr std::size_t kChunk = 16;
    std::array<PolarPair, kChunk> pairs;
    for (std::size_t start = 0; start < out.size(); start += kChunk) {
        const std::size_t n = std::min(kChunk, out.size() - start);
        for (std::size_t i = 0; i < n; ++i)
            pairs[i] = polar_pair();
        for (std::size_t i = 0; i < n; ++i)
            out[start + i] = polar_normal(pairs[i], 0.0, 1.0);
    }
}

double Random::lognormal_median_p99(double median, double p99) {
    if (!(median > 0) || !(p99 >= median)) {
        throw std::invalid_argument("lognormal: need 0 < median <= p99");
    }
    constexpr double kZ99 = 2.3263478740408408;  // standard normal quantile at 0.99
    const double sigma = det_log(p99 / median) / kZ99;
    return median * det_exp(sigma * normal(0.0, 1.0));
}

std::size_t Random::weighted_index(std::span<const double> weights) {
    double total = 0;
    for (const double w : weights) {
        if (!(w >= 0) || !std::isfinite(w)) {
            throw std::invalid_argument("weighted_index: weights must be finite and >= 0");
        }
        total += w;
    }
    if (!(total > 0)) throw std::invalid_argument("weighted_index: weights sum to 0");
    const double target = uniform01() * total;
    double cumulative = 0;
    std::size_t last_positive = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        if (weights[i] <= 0) continue;
        cumulative += weights[i];
        last_positive = i;
        if (target < cumulative) return i;
    }
    return last_positive;  // rounding left target == total
}

Random& RandomStreams::get(std::string_view name) {
    auto it = streams_.find(name);
    if (it == streams_.end()) {
        it = streams_.emplace(std::string(name), Random::stream(seed_, name)).first;
    }
    return it->second;
}

}  // namespace sim::kernel
