#include "sim/kernel/uuid.hpp"

#include <cstdint>

namespace sim::kernel {
namespace {

// Writes the `digits` lowest hex digits of `value` at `out`, most significant first.
char* hex(char* out, std::uint64_t value, int digits) {
    static constexpr char kDigits[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; --i)
        *out++ = kDigits[(value >> (4 * i)) & 0xf];
    return out;
}

}  // namespace

std::string uuid_v4(Random& random) {
    std::uint64_t hi = random.next_u64();
    std::uint64_t lo = random.next_u64();
    hi = (hi & ~0xf000ULL) | 0x4000ULL;              // version 4
    lo = (lo & ~(0xc0ULL << 56)) | (0x80ULL << 56);  // variant 10
    std::string text(36, '-');
    char* p = text.data();
    p = hex(p, hi >> 32, 8) + 1;
    p = hex(p, hi >> 16, 4) + 1;
    p = hex(p, hi, 4) + 1;
    p = hex(p, lo >> 48, 4) + 1;
    hex(p, lo, 12);
    return text;
}

}  // namespace sim::kernel
