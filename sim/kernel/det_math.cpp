#include "sim/kernel/det_math.hpp"

#include <limits>

namespace sim::kernel::det_math_detail {

double log_special(double x) {
    constexpr double kTwo54 = 1.80143985094819840000e+16;        // 2^54, to normalise subnormals
    if (x != x) return x;                                        // NaN
    if (x < 0) return std::numeric_limits<double>::quiet_NaN();  // log of a negative
    if (x == 0) return -std::numeric_limits<double>::infinity();
    if (x == std::numeric_limits<double>::infinity()) return x;
    // Subnormal: scale into the normal range.
    return log_normal(std::bit_cast<std::uint64_t>(x * kTwo54), -54);
}

double exp_special(double x) {
    if (x != x) return x;
    if (x > kExpOverflow) return std::numeric_limits<double>::infinity();
    if (x < kExpUnderflow) return 0.0;
    return 1.0;  // x == 0
}

}  // namespace sim::kernel::det_math_detail
