// log and exp that give the same bits on every machine.
//
// glibc picks its libm routines at run time by CPU (e.g. __ieee754_log_fma on CPUs with FMA),
// and two correct implementations may round a few inputs differently, so std::log/std::exp
// could make a trace depend on the machine. These use only IEEE-754 +, -, *, / (exact and
// identical everywhere, given -ffp-contract=off) following the classic fdlibm algorithms
// (Sun Microsystems, 1993: e_log.c and e_exp.c): argument reduction by powers of two, then a
// minimax polynomial. Error below 1 ulp; tests compare them with std::log/std::exp.
//
// Defined inline: the simulation draws two of them per request, and inlined into a loop over
// independent draws (ServiceDraws, the arrival blocks) their divisions overlap. The usual case
// (a positive normal finite argument, an exponent in range) is one range check; the rest goes
// out of line. Inlining changes no bits: every operation is the same IEEE-754 operation in the
// same order, with the build's -ffp-contract=off everywhere.
#pragma once

#include <bit>
#include <cstdint>

namespace sim::kernel {

namespace det_math_detail {

constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2, high 32 bits
constexpr double kLn2Lo = 1.90821492927058770002e-10;  // ln 2 - kLn2Hi
constexpr double kInvLn2 = 1.44269504088896338700e+00;

// The smallest normal double's bits, and the span from it to +infinity's.
constexpr std::uint64_t kMinNormalBits = 0x0010000000000000ULL;
constexpr std::uint64_t kNormalSpan = 0x7ff0000000000000ULL - kMinNormalBits;

// 2^k as a double, for k in the normal exponent range.
inline double pow2(int k) {
    return std::bit_cast<double>(static_cast<std::uint64_t>(k + 1023) << 52);
}

// log(x) for x = the double with bits `b`, a positive normal finite number, times 2^k_offset.
inline double log_normal(std::uint64_t b, int k_offset) {
    // Minimax coefficients of (log(1+f) - f + f^2/2) / s over s = f / (2 + f), from e_log.c.
    constexpr double kLg1 = 6.666666666666735130e-01;
    constexpr double kLg2 = 3.999999999940941908e-01;
    constexpr double kLg3 = 2.857142874366239149e-01;
    constexpr double kLg4 = 2.222219843214978396e-01;
    constexpr double kLg5 = 1.818357216161805012e-01;
    constexpr double kLg6 = 1.531383769920937332e-01;
    constexpr double kLg7 = 1.479819860511658591e-01;

    // x = 2^k * m with m in [sqrt(2)/2, sqrt(2)).
    int k = k_offset + static_cast<int>(b >> 52) - 1023;
    const std::uint64_t mantissa = b & 0x000fffffffffffffULL;
    // Choose the exponent so m lands in [sqrt(2)/2, sqrt(2)): 0x6a09e... is sqrt(2)'s mantissa.
    if (mantissa >= 0x6a09e667f3bcdULL) {
        b = mantissa | 0x3fe0000000000000ULL;  // m in [sqrt(2)/2, 1)
        ++k;
    } else {
        b = mantissa | 0x3ff0000000000000ULL;  // m in [1, sqrt(2))
    }
    const double f = std::bit_cast<double>(b) - 1.0;
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

// det_log of NaN, negatives, zeros, subnormals and +infinity.
double log_special(double x);
// det_exp of NaN, overflow, underflow and zero.
double exp_special(double x);

constexpr double kExpOverflow = 7.09782712893383973096e+02;    // ln(DBL_MAX)
constexpr double kExpUnderflow = -7.45133219101941108420e+02;  // ln(smallest subnormal / 2)

}  // namespace det_math_detail

inline double det_log(double x) {
    const auto b = std::bit_cast<std::uint64_t>(x);
    // Unsigned: negatives, zeros and subnormals wrap below, infinities and NaNs land above.
    if (b - det_math_detail::kMinNormalBits >= det_math_detail::kNormalSpan)
        return det_math_detail::log_special(x);
    return det_math_detail::log_normal(b, 0);
}

inline double det_exp(double x) {
    using namespace det_math_detail;
    // Minimax coefficients of r*(exp(r)+1)/(exp(r)-1) around 0, from e_exp.c.
    constexpr double kP1 = 1.66666666666666019037e-01;
    constexpr double kP2 = -2.77777777770155933842e-03;
    constexpr double kP3 = 6.61375632143793436117e-05;
    constexpr double kP4 = -1.65339022054652515390e-06;
    constexpr double kP5 = 4.13813679705723846039e-08;

    // NaN fails both comparisons.
    if (!(x <= kExpOverflow && x >= kExpUnderflow) || x == 0) return exp_special(x);

    // x = k ln2 + r, |r| <= ln2 / 2, with ln2 split in two so hi - lo is exact.
    const double kd = x < 0 ? static_cast<double>(static_cast<std::int64_t>(x * kInvLn2 - 0.5))
                            : static_cast<double>(static_cast<std::int64_t>(x * kInvLn2 + 0.5));
    const int k = static_cast<int>(kd);
    const double hi = x - kd * kLn2Hi;
    const double lo = kd * kLn2Lo;
    const double r = hi - lo;
    const double t = r * r;
    const double c = r - t * (kP1 + t * (kP2 + t * (kP3 + t * (kP4 + t * kP5))));
    const double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    // Scale by 2^k, in two steps near the ends of the exponent range.
    if (k >= -1021 && k <= 1023) [[likely]]
        return y * pow2(k);
    if (k > 1023) return y * pow2(1023) * pow2(k - 1023);
    return y * pow2(k + 1000) * pow2(-1000);
}

}  // namespace sim::kernel
