// det_log and det_exp must give exactly the bits they gave before they were inlined with a
// single range check for the usual case (docs/performance.md, issue 8): every trace depends
// on them. The reference below is the previous out-of-line code, kept verbatim in structure
// (the five separate special-case tests, then the fdlibm reduction and polynomial).
#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "sim/kernel/det_math.hpp"
#include "sim/kernel/random.hpp"

using sim::kernel::det_exp;
using sim::kernel::det_log;

namespace {

constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kInvLn2 = 1.44269504088896338700e+00;
constexpr double kTwo54 = 1.80143985094819840000e+16;

double from_bits(std::uint64_t b) {
    return std::bit_cast<double>(b);
}
double pow2(int k) {
    return from_bits(static_cast<std::uint64_t>(k + 1023) << 52);
}

double reference_log(double x) {
    constexpr double kLg1 = 6.666666666666735130e-01;
    constexpr double kLg2 = 3.999999999940941908e-01;
    constexpr double kLg3 = 2.857142874366239149e-01;
    constexpr double kLg4 = 2.222219843214978396e-01;
    constexpr double kLg5 = 1.818357216161805012e-01;
    constexpr double kLg6 = 1.531383769920937332e-01;
    constexpr double kLg7 = 1.479819860511658591e-01;
    if (x != x) return x;
    if (x < 0) return std::numeric_limits<double>::quiet_NaN();
    if (x == 0) return -std::numeric_limits<double>::infinity();
    if (x == std::numeric_limits<double>::infinity()) return x;
    int k = 0;
    if (x < std::numeric_limits<double>::min()) {
        x *= kTwo54;
        k -= 54;
    }
    std::uint64_t b = std::bit_cast<std::uint64_t>(x);
    k += static_cast<int>(b >> 52) - 1023;
    const std::uint64_t mantissa = b & 0x000fffffffffffffULL;
    if (mantissa >= 0x6a09e667f3bcdULL) {
        b = mantissa | 0x3fe0000000000000ULL;
        ++k;
    } else {
        b = mantissa | 0x3ff0000000000000ULL;
    }
    const double f = from_bits(b) - 1.0;
    const double dk = k;
    const double hfsq = 0.5 * f * f;
    const double s = f / (2.0 + f);
    const double z = s * s;
    const double w = z * z;
    const double t1 = w * (kLg2 + w * (kLg4 + w * kLg6));
    const double t2 = z * (kLg1 + w * (kLg3 + w * (kLg5 + w * kLg7)));
    const double r = t2 + t1;
    return dk * kLn2Hi - ((hfsq - (s * (hfsq + r) + dk * kLn2Lo)) - f);
}

double reference_exp(double x) {
    constexpr double kP1 = 1.66666666666666019037e-01;
    constexpr double kP2 = -2.77777777770155933842e-03;
    constexpr double kP3 = 6.61375632143793436117e-05;
    constexpr double kP4 = -1.65339022054652515390e-06;
    constexpr double kP5 = 4.13813679705723846039e-08;
    constexpr double kOverflow = 7.09782712893383973096e+02;
    constexpr double kUnderflow = -7.45133219101941108420e+02;
    if (x != x) return x;
    if (x > kOverflow) return std::numeric_limits<double>::infinity();
    if (x < kUnderflow) return 0.0;
    if (x == 0) return 1.0;
    const double kd = x < 0 ? static_cast<double>(static_cast<std::int64_t>(x * kInvLn2 - 0.5))
                            : static_cast<double>(static_cast<std::int64_t>(x * kInvLn2 + 0.5));
    const int k = static_cast<int>(kd);
    const double hi = x - kd * kLn2Hi;
    const double lo = kd * kLn2Lo;
    const double r = hi - lo;
    const double t = r * r;
    const double c = r - t * (kP1 + t * (kP2 + t * (kP3 + t * (kP4 + t * kP5))));
    const double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    if (k >= -1021 && k <= 1023) return y * pow2(k);
    if (k > 1023) return y * pow2(1023) * pow2(k - 1023);
    return y * pow2(k + 1000) * pow2(-1000);
}

std::uint64_t bits(double x) {
    return std::bit_cast<std::uint64_t>(x);
}

// Inputs every class of double can take: the edges, then random bit patterns (all signs,
// exponents, NaNs and subnormals), the ranges the simulation uses, and the edges' neighbours.
std::vector<double> inputs() {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    std::vector<double> xs = {0.0,
                              -0.0,
                              1.0,
                              -1.0,
                              kInf,
                              -kInf,
                              std::numeric_limits<double>::quiet_NaN(),
                              std::numeric_limits<double>::min(),
                              std::numeric_limits<double>::denorm_min(),
                              std::numeric_limits<double>::max(),
                              7.09782712893383973096e+02,
                              -7.45133219101941108420e+02,
                              from_bits(0x3fe6a09e667f3bcdULL),
                              from_bits(0x3ff6a09e667f3bcdULL),
                              from_bits(0x3ff6a09e667f3bccULL)};
    for (const double edge : std::vector<double>(xs)) {
        xs.push_back(std::nextafter(edge, kInf));
        xs.push_back(std::nextafter(edge, -kInf));
    }
    sim::kernel::Random r(2026);
    for (int i = 0; i < 400'000; ++i) {
        xs.push_back(from_bits(r.next_u64()));
        xs.push_back(r.uniform01());
        xs.push_back(1.0 - r.uniform01());
        xs.push_back(r.uniform(-750, 750));
        xs.push_back(r.uniform(-3, 3));
        xs.push_back(from_bits(r.next_u64() >> 12));  // subnormal and tiny
    }
    for (int k = -1100; k <= 1100; ++k)
        xs.push_back(static_cast<double>(k) * 0.6931471805599453);
    return xs;
}

}  // namespace

TEST_CASE("det_log and det_exp give the bits of the previous out-of-line code on every input") {
    std::size_t log_differ = 0, exp_differ = 0;
    for (const double x : inputs()) {
        if (bits(det_log(x)) != bits(reference_log(x))) ++log_differ;
        if (bits(det_exp(x)) != bits(reference_exp(x))) ++exp_differ;
    }
    CHECK(log_differ == 0);
    CHECK(exp_differ == 0);
}

TEST_CASE("property: det_log and det_exp bits equal the reference for any double") {
    rc::prop("any bit pattern", [](std::uint64_t b) {
        const double x = from_bits(b);
        RC_ASSERT(bits(det_log(x)) == bits(reference_log(x)));
        RC_ASSERT(bits(det_exp(x)) == bits(reference_exp(x)));
    });
}
