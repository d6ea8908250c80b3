#include "sim/kernel/det_math.hpp"

#include <bit>
#include <cstdint>
#include <limits>

namespace sim::kernel {
namespace {

constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2, high 32 bits
constexpr double kLn2Lo = 1.90821492927058770002e-10;  // ln 2 - kLn2Hi
constexpr double kInvLn2 = 1.44269504088896338700e+00;
constexpr double kTwo54 = 1.80143985094819840000e+16;  // 2^54, to normalise subnormals

std::uint64_t bits(double x) {
    return std::bit_cast<std::uint64_t>(x);
}
double from_bits(std::uint64_t b) {
    return std::bit_cast<double>(b);
}

// 2^k as a double, for k in the normal exponent range.
double pow2(int k) {
    return from_bits(static_cast<std::uint64_t>(k + 1023) << 52);
}

}  // namespace

double det_log(double x) {
    // Minimax coefficients of (log(1+f) - f + f^2/2) / s over s = f / (2 + f), from e_log.c.
    constexpr double kLg1 = 6.666666666666735130e-01;
    constexpr double kLg2 = 3.999999999940941908e-01;
    constexpr double kLg3 = 2.857142874366239149e-01;
    constexpr double kLg4 = 2.222219843214978396e-01;
    constexpr double kLg5 = 1.818357216161805012e-01;
    constexpr double kLg6 = 1.531383769920937332e-01;
    constexpr double kLg7 = 1.479819860511658591e-01;

    if (x != x) return x;                                        // NaN
    if (x < 0) return std::numeric_limits<double>::quiet_NaN();  // log of a negative
    if (x == 0) return -std::numeric_limits<double>::infinity();
    if (x == std::numeric_limits<double>::infinity()) return x;

    int k = 0;
    if (x < std::numeric_limits<double>::min()) {  // subnormal: scale into the normal range
        x *= kTwo54;
        k -= 54;
    }
    // x = 2^k * m with m in [sqrt(2)/2, sqrt(2)).
    std::uint64_t b = bits(x);
    k += static_cast<int>(b >> 52) - 1023;
    std::uint64_t mantissa = b & 0x000fffffffffffffULL;
    // Choose the exponent so m lands in [sqrt(2)/2, sqrt(2)): 0x6a09e... is sqrt(2)'s mantissa.
    if (mantissa >= 0x6a09e667f3bcdULL) {
        b = mantissa | 0x3fe0000000000000ULL;  // m in [sqrt(2)/2, 1)
        ++k;
    } else {
        b = mantissa | 0x3ff0000000000000ULL;  // m in [1, sqrt(2))
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

double det_exp(double x) {
    // Minimax coefficients of r*(exp(r)+1)/(exp(r)-1) around 0, from e_exp.c.
    constexpr double kP1 = 1.66666666666666019037e-01;
    constexpr double kP2 = -2.77777777770155933842e-03;
    constexpr double kP3 = 6.61375632143793436117e-05;
    constexpr double kP4 = -1.65339022054652515390e-06;
    constexpr double kP5 = 4.13813679705723846039e-08;
    constexpr double kOverflow = 7.09782712893383973096e+02;    // ln(DBL_MAX)
    constexpr double kUnderflow = -7.45133219101941108420e+02;  // ln(smallest subnormal / 2)

    if (x != x) return x;
    if (x > kOverflow) return std::numeric_limits<double>::infinity();
    if (x < kUnderflow) return 0.0;
    if (x == 0) return 1.0;

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
    if (k >= -1021 && k <= 1023) return y * pow2(k);
    if (k > 1023) return y * pow2(1023) * pow2(k - 1023);
    return y * pow2(k + 1000) * pow2(-1000);
}

}  // namespace sim::kernel
