#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "sim/kernel/det_math.hpp"
#include "sim/kernel/random.hpp"

using namespace sim::kernel;

namespace {

// Distance in units in the last place between two finite doubles of the same sign.
std::int64_t ulps(double a, double b) {
    const auto ia = std::bit_cast<std::int64_t>(a);
    const auto ib = std::bit_cast<std::int64_t>(b);
    return ia > ib ? ia - ib : ib - ia;
}

}  // namespace

TEST_CASE("det_log agrees with libm within 1 ulp across the range") {
    Random r(11);
    std::int64_t worst = 0;
    for (int i = 0; i < 200'000; ++i) {
        // Log-uniform over [1e-300, 1e300], plus the region near 1 where cancellation bites.
        const double x = i % 2 ? std::pow(10.0, r.uniform(-300, 300)) : r.uniform(0.5, 2.0);
        worst = std::max(worst, ulps(det_log(x), std::log(x)));
    }
    CHECK(worst <= 1);
    CHECK(det_log(1.0) == 0.0);
    CHECK(det_log(std::exp(1.0)) == Approx(1.0).epsilon(1e-15));
    CHECK(det_log(0.0) == -std::numeric_limits<double>::infinity());
    CHECK(std::isnan(det_log(-1.0)));
    CHECK(det_log(4.9e-324) == Approx(std::log(4.9e-324)).epsilon(1e-15));  // subnormal
    CHECK(det_log(std::numeric_limits<double>::infinity()) ==
          std::numeric_limits<double>::infinity());
}

TEST_CASE("det_exp agrees with libm within 1 ulp across the range") {
    Random r(12);
    std::int64_t worst = 0;
    for (int i = 0; i < 200'000; ++i) {
        const double x = i % 2 ? r.uniform(-700, 700) : r.uniform(-2, 2);
        worst = std::max(worst, ulps(det_exp(x), std::exp(x)));
    }
    CHECK(worst <= 1);
    CHECK(det_exp(0.0) == 1.0);
    CHECK(det_exp(1.0) == Approx(2.718281828459045).epsilon(1e-16));
    CHECK(det_exp(710.0) == std::numeric_limits<double>::infinity());
    CHECK(det_exp(-746.0) == 0.0);
    CHECK(det_exp(-740.0) == Approx(std::exp(-740.0)).epsilon(1e-10));  // subnormal result
    CHECK(det_exp(709.0) == Approx(std::exp(709.0)).epsilon(1e-15));
}
