// The project's own random numbers: same seed, same numbers, on every compiler and library.
//
// Generator: xoshiro256** 1.0 (Blackman & Vigna, 2018), state seeded from SplitMix64.
// The standard library's engines are portable but its distributions are not (libstdc++ and
// libc++ draw differently), so every distribution here is written out.
//
// Logarithms and exponentials come from det_math.hpp, not libm, so draws are bit-identical
// on every machine.
//
// Named streams: each consumer (the scheduler, a traffic source, a router...) draws from its
// own stream derived from (seed, name), so adding a consumer never shifts another's numbers:
//   stream_seed = splitmix64_mix(seed ^ splitmix64_mix(fnv1a64(name)))
//   state[0..3] = the first four outputs of SplitMix64 started at stream_seed
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "sim/kernel/det_math.hpp"

namespace sim::kernel {

// SplitMix64's output function (Steele, Lea & Flood, 2014).
std::uint64_t splitmix64_mix(std::uint64_t z);
// 64-bit FNV-1a of the bytes of `text`.
std::uint64_t fnv1a64(std::string_view text);

class Random {
  public:
    // A generator whose state is the first four SplitMix64 outputs from `seed`.
    explicit Random(std::uint64_t seed);
    // The named stream `name` of the simulation seeded with `seed`.
    static Random stream(std::uint64_t seed, std::string_view name);

    std::uint64_t next_u64();

    // Uniform integer in [0, n), unbiased (Lemire's multiply-and-reject). n must be > 0.
    std::uint64_t below(std::uint64_t n);
    // Uniform integer in [lo, hi], inclusive, unbiased.
    std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);
    // Uniform real in [0, 1) with 53 random bits.
    double uniform01();
    // Uniform real in [lo, hi).
    double uniform(double lo, double hi);
    // True with probability p (p <= 0 never, p >= 1 always).
    bool bernoulli(double p);
    // Exponential with the given mean (inverse transform of uniform01).
    double exponential(double mean) { return exponential_of(uniform01(), mean); }
    // The exponential that exponential(mean) makes of the uniform01() draw `u`: for callers
    // that draw ahead (the Poisson arrivals) and transform later, with the same arithmetic.
    static double exponential_of(double u, double mean) {
        // 1 - u is in (0, 1], so the log is finite.
        return -det_log(1.0 - u) * mean;
    }
    // Normal by Marsaglia's polar method (uses only log and sqrt).
    double normal(double mean, double stddev);
    // out.size() standard normals: exactly the values, in the same order, of as many calls of
    // normal(0.0, 1.0), and the same draws from the generator. All the uniform draws are made
    // first, then the logs and square roots, which then do not wait on each other.
    void standard_normals(std::span<double> out);
    // Lognormal whose median and 99th percentile are given:
    // mu = ln(median), sigma = ln(p99 / median) / z_0.99, z_0.99 = 2.3263478740408408.
    double lognormal_median_p99(double median, double p99);
    // Index i with probability weights[i] / sum(weights). Weights must be finite and >= 0
    // with a positive sum.
    std::size_t weighted_index(std::span<const double> weights);

    // Fisher-Yates, drawing j uniformly from [0, i] for i from the end.
    template <class T>
    void shuffle(std::span<T> items) {
        for (std::size_t i = items.size(); i > 1; --i) {
            const auto j = static_cast<std::size_t>(below(i));
            using std::swap;
            swap(items[i - 1], items[j]);
        }
    }

  private:
    // One polar-method pair (u, v) accepted, s = u^2 + v^2 in (0, 1).
    struct PolarPair {
        double u;
        double s;
    };
    PolarPair polar_pair();
    static double polar_normal(PolarPair p, double mean, double stddev) {
        return mean + stddev * p.u * std::sqrt(-2.0 * det_log(p.s) / p.s);
    }

    std::uint64_t s_[4];
};

// The simulation's streams by name, created on first use. Lookup is by name in an ordered map:
// never iterated into anything observable, and creation order does not change any stream.
class RandomStreams {
  public:
    explicit RandomStreams(std::uint64_t seed) : seed_(seed) {}
    std::uint64_t seed() const { return seed_; }
    Random& get(std::string_view name);

  private:
    std::uint64_t seed_;
    std::map<std::string, Random, std::less<>> streams_;
};

}  // namespace sim::kernel
