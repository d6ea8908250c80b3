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

// <0, 0 or >0 as a is before, equal to or after b. Eight bytes at a time while both strings
// have them: loaded big-endian, bytes order as integers; the rest byte by byte. Forced inline:
// called out of line, the comparison costs what memcmp's call did (callgrind: 7 % more
// instructions in the cluster bench). Checked against std::string::compare by a RapidCheck
// property and an exhaustive table (tests/kernel/byte_order_test.cpp).
[[gnu::always_inline]] inline int compare_bytes(std::string_view a, std::string_view b) noexcept {
    const auto load_be64 = [](const char* p) {
        std::uint64_t v = 0;
        std::memcpy(&v, p, 8);
        if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
        return v;
    };
    const std::size_t n = std::min(a.size(), b.size());
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const std::uint64_t x = load_be64(a.data() + i);
        const std::uint64_t y = load_be64(b.data() + i);
        if (x != y) return x < y ? -1 : 1;
    }
    for (; i < n; ++i) {
        const auto p = static_cast<unsigned char>(a[i]);
        const auto q = static_cast<unsigned char>(b[i]);
        if (p != q) return p < q ? -1 : 1;
    }
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
