#pragma once
// Lexicographic order of byte strings, inlined: the order of std::string::compare (bytes as
// unsigned char, then the shorter first), without its call to memcmp. Ordered maps keyed by
// short strings spend most of a lookup in that call (docs/performance.md).

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sim {

namespace byte_order_detail {
[[gnu::always_inline]] inline std::uint64_t load_be64(const char* p) noexcept {
    std::uint64_t v = 0;
    std::memcpy(&v, p, 8);
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
    return v;
}
[[gnu::always_inline]] inline std::uint64_t load_be32(const char* p) noexcept {
    std::uint32_t v = 0;
    std::memcpy(&v, p, 4);
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
    return v;
}
}  // namespace byte_order_detail

// <0, 0 or >0 as a is before, equal to or after b. Loaded big-endian, bytes order as integers;
// the last word of a string is loaded overlapping the one before it (its first bytes are
// already known equal), and short strings pack their first, middle and last bytes, so no
// comparison loops over single bytes. A RapidCheck property checks it against
// std::string::compare (tests/kernel/byte_order_test.cpp).
[[gnu::always_inline]] inline int compare_bytes(std::string_view a, std::string_view b) noexcept {
    using byte_order_detail::load_be32;
    using byte_order_detail::load_be64;
    const std::size_t n = std::min(a.size(), b.size());
    const char* p = a.data();
    const char* q = b.data();
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    if (n >= 8) {
        for (std::size_t i = 0; i + 8 < n; i += 8) {
            x = load_be64(p + i);
            y = load_be64(q + i);
            if (x != y) return x < y ? -1 : 1;
        }
        x = load_be64(p + n - 8);
        y = load_be64(q + n - 8);
    } else if (n >= 4) {
        x = load_be32(p) << 32 | load_be32(p + n - 4);
        y = load_be32(q) << 32 | load_be32(q + n - 4);
    } else if (n > 0) {
        const auto byte = [](const char* s, std::size_t i) -> std::uint64_t {
            return static_cast<unsigned char>(s[i]);
        };
        x = byte(p, 0) << 16 | byte(p, n / 2) << 8 | byte(p, n - 1);
        y = byte(q, 0) << 16 | byte(q, n / 2) << 8 | byte(q, n - 1);
    }
    if (x != y) return x < y ? -1 : 1;
    return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// A transparent `less` in that order, for std::map and std::set of strings.
struct BytesLess {
    using is_transparent = void;
    [[gnu::always_inline]] bool operator()(std::string_view a, std::string_view b) const noexcept {
        return compare_bytes(a, b) < 0;
    }
};

}  // namespace sim
