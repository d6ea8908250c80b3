#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include <array>
#include <bit>
#include <cmath>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "sim/kernel/random.hpp"
#include "sim/kernel/uuid.hpp"

using namespace sim::kernel;

namespace {

struct Moments {
    double mean = 0;
    double variance = 0;
};

template <class Draw>
Moments moments(int n, Draw draw) {
    double sum = 0, sum_sq = 0;
    for (int i = 0; i < n; ++i) {
        const double x = draw();
        sum += x;
        sum_sq += x * x;
    }
    const double mean = sum / n;
    return {mean, sum_sq / n - mean * mean};
}

constexpr int kDraws = 200'000;

}  // namespace

TEST_CASE("SplitMix64 and FNV-1a match their published values") {
    // SplitMix64 seeded with 0: first output 0xe220a8397b1dcdaf (Vigna's reference code).
    CHECK(splitmix64_mix(0x9e3779b97f4a7c15ULL) == 0xe220a8397b1dcdafULL);
    CHECK(fnv1a64("") == 0xcbf29ce484222325ULL);
    CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
}

TEST_CASE("the generator's output is pinned: changing it would change every trace") {
    Random zero(0);
    CHECK(zero.next_u64() == 11091344671253066420ULL);
    CHECK(zero.next_u64() == 13793997310169335082ULL);
    CHECK(zero.next_u64() == 1900383378846508768ULL);
    Random scheduler = Random::stream(42, "scheduler");
    CHECK(scheduler.next_u64() == 9509452116671894378ULL);
    CHECK(scheduler.next_u64() == 15038009630574839856ULL);
    CHECK(scheduler.next_u64() == 12496442226587172158ULL);
}

TEST_CASE("named streams are independent of each other and of creation order") {
    RandomStreams first(7);
    const std::uint64_t a1 = first.get("traffic/users").next_u64();
    const std::uint64_t b1 = first.get("scheduler").next_u64();

    RandomStreams second(7);
    second.get("a-new-consumer").next_u64();  // a consumer added later...
    const std::uint64_t b2 = second.get("scheduler").next_u64();
    const std::uint64_t a2 = second.get("traffic/users").next_u64();
    CHECK(a1 == a2);  // ...shifts nobody else's numbers
    CHECK(b1 == b2);
    CHECK(a1 != b1);
    CHECK(RandomStreams(8).get("scheduler").next_u64() != b1);
    CHECK(&first.get("scheduler") == &first.get("scheduler"));
}

TEST_CASE("below is unbiased over a small range and stays in range") {
    Random r(1);
    std::array<int, 6> counts{};
    for (int i = 0; i < 60'000; ++i)
        counts[r.below(6)]++;
    for (const int c : counts)
        CHECK(std::abs(c - 10'000) < 400);  // ~4 sigma
    for (int i = 0; i < 1000; ++i)
        CHECK(r.below(3) < 3);
    CHECK(r.below(1) == 0);
    CHECK_THROWS(r.below(0));
}

TEST_CASE("uniform_int covers its inclusive range") {
    Random r(2);
    std::array<int, 5> counts{};
    for (int i = 0; i < 50'000; ++i) {
        const auto v = r.uniform_int(-2, 2);
        REQUIRE(v >= -2);
        REQUIRE(v <= 2);
        counts[static_cast<std::size_t>(v + 2)]++;
    }
    for (const int c : counts)
        CHECK(std::abs(c - 10'000) < 400);
    r.uniform_int(INT64_MIN, INT64_MAX);  // the full range does not throw
}

TEST_CASE("uniform01 has the moments of U(0,1)") {
    Random r(3);
    const Moments m = moments(kDraws, [&] {
        const double x = r.uniform01();
        REQUIRE(x >= 0.0);
        REQUIRE(x < 1.0);
        return x;
    });
    CHECK(m.mean == Approx(0.5).margin(0.003));
    CHECK(m.variance == Approx(1.0 / 12).margin(0.002));
}

TEST_CASE("bernoulli hits its probability") {
    Random r(4);
    int hits = 0;
    for (int i = 0; i < kDraws; ++i)
        hits += r.bernoulli(0.3);
    CHECK(hits / double(kDraws) == Approx(0.3).margin(0.005));
    CHECK_FALSE(r.bernoulli(0));
    CHECK(r.bernoulli(1));
}

TEST_CASE("exponential has mean and variance of its mean") {
    Random r(5);
    const Moments m = moments(kDraws, [&] { return r.exponential(2.0); });
    CHECK(m.mean == Approx(2.0).margin(0.03));
    CHECK(m.variance == Approx(4.0).margin(0.15));
}

TEST_CASE("normal has its mean and standard deviation") {
    Random r(6);
    const Moments m = moments(kDraws, [&] { return r.normal(10.0, 3.0); });
    CHECK(m.mean == Approx(10.0).margin(0.03));
    CHECK(std::sqrt(m.variance) == Approx(3.0).margin(0.03));
}

TEST_CASE("lognormal given (median, p99) has that median and p99") {
    Random r(7);
    std::vector<double> xs(kDraws);
    for (double& x : xs)
        x = r.lognormal_median_p99(3.0, 12.0);
    std::sort(xs.begin(), xs.end());
    CHECK(xs[kDraws / 2] == Approx(3.0).epsilon(0.02));
    CHECK(xs[kDraws * 99 / 100] == Approx(12.0).epsilon(0.04));
    CHECK(r.lognormal_median_p99(5.0, 5.0) == 5.0);  // p99 == median: no spread
    CHECK_THROWS(r.lognormal_median_p99(0.0, 1.0));
    CHECK_THROWS(r.lognormal_median_p99(2.0, 1.0));
}

TEST_CASE("weighted_index picks in proportion to weights, never a zero weight") {
    Random r(8);
    const std::vector<double> weights{90, 0, 10};
    std::array<int, 3> counts{};
    for (int i = 0; i < 100'000; ++i)
        counts[r.weighted_index(weights)]++;
    CHECK(counts[1] == 0);
    CHECK(counts[0] / 100'000.0 == Approx(0.9).margin(0.005));
    const std::vector<double> zero{0, 0};
    CHECK_THROWS(r.weighted_index(zero));
    const std::vector<double> negative{1, -1};
    CHECK_THROWS(r.weighted_index(negative));
}

TEST_CASE("shuffle is a permutation with every position equally likely") {
    Random r(9);
    std::array<std::array<int, 4>, 4> where{};
    for (int round = 0; round < 40'000; ++round) {
        std::array<int, 4> items{0, 1, 2, 3};
        r.shuffle(std::span<int>(items));
        std::array<int, 4> sorted = items;
        std::sort(sorted.begin(), sorted.end());
        REQUIRE(sorted == std::array<int, 4>{0, 1, 2, 3});
        for (std::size_t pos = 0; pos < 4; ++pos)
            where[static_cast<std::size_t>(items[pos])][pos]++;
    }
    for (const auto& row : where) {
        for (const int c : row)
            CHECK(std::abs(c - 10'000) < 400);
    }
}

TEST_CASE("property: the same seed gives the same draws") {
    rc::prop("two generators from one seed agree on every distribution", [](std::uint64_t seed) {
        Random a = Random::stream(seed, "x");
        Random b = Random::stream(seed, "x");
        for (int i = 0; i < 20; ++i) {
            RC_ASSERT(a.next_u64() == b.next_u64());
            RC_ASSERT(a.below(1000) == b.below(1000));
            RC_ASSERT(a.normal(0, 1) == b.normal(0, 1));
            RC_ASSERT(a.exponential(1) == b.exponential(1));
            RC_ASSERT(a.lognormal_median_p99(3, 12) == b.lognormal_median_p99(3, 12));
        }
    });
}

TEST_CASE("property: standard_normals draws what as many normal(0, 1) calls draw") {
    rc::prop("any seed, any count", [](std::uint64_t seed) {
        const auto count = *rc::gen::inRange<std::size_t>(0, 100);
        Random one_by_one(seed), batched(seed);
        std::vector<double> expected(count), got(count);
        for (double& z : expected)
            z = one_by_one.normal(0.0, 1.0);
        batched.standard_normals(got);
        for (std::size_t i = 0; i < count; ++i)
            RC_ASSERT(std::bit_cast<std::uint64_t>(got[i]) ==
                      std::bit_cast<std::uint64_t>(expected[i]));
        RC_ASSERT(batched.next_u64() == one_by_one.next_u64());  // the same draws consumed
    });
}

TEST_CASE("exponential_of a uniform01 draw is what exponential gives") {
    Random a(5), b(5);
    for (int i = 0; i < 100'000; ++i) {
        const double mean = 1.0 / (1 + i % 3000);
        REQUIRE(std::bit_cast<std::uint64_t>(a.exponential(mean)) ==
                std::bit_cast<std::uint64_t>(Random::exponential_of(b.uniform01(), mean)));
    }
}

TEST_CASE("uuid_v4: RFC 4122 version 4 layout, deterministic per stream") {
    sim::kernel::Random a = sim::kernel::Random::stream(7, "uuid");
    sim::kernel::Random b = sim::kernel::Random::stream(7, "uuid");
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const std::string u = sim::kernel::uuid_v4(a);
        CHECK(u == sim::kernel::uuid_v4(b));
        REQUIRE(u.size() == 36);
        for (const int dash : {8, 13, 18, 23})
            CHECK(u[static_cast<std::size_t>(dash)] == '-');
        CHECK(u[14] == '4');
        CHECK(std::string("89ab").find(u[19]) != std::string::npos);
        CHECK(u.find_first_not_of("0123456789abcdef-") == std::string::npos);
        seen.insert(u);
    }
    CHECK(seen.size() == 1000);
}
