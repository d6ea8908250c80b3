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

// <0, 0 or >0 as a is before, equal to or after b. Loaded big-endian, bytes order as
// integers, so a whole word compares at once: eight bytes at a time while both strings have
// them, then the last eight bytes of the common length (a window that overlaps what is already
// known equal, so its first differing byte is the first of the strings); a common length under
// eight takes two overlapping 4- or 2-byte windows the same way. No loop byte by byte: the
// short keys everywhere (namespaces, JSON member names, label values) compare in two loads.
// Forced inline: called out of line, the comparison costs what memcmp's call did (callgrind:
// 7 % more instructions in the cluster bench). Checked against std::string::compare by a
// RapidCheck property and exhaustive tables (tests/kernel/byte_order_test.cpp).
[[gnu::always_inline]] inline int compare_bytes(std::string_view a, std::string_view b) noexcept {
    const auto load_be = []<class Word>(const char* p, Word) {
        Word v = 0;
        std::memcpy(&v, p, sizeof v);
        if constexpr (std::endian::native == std::endian::little) {
            if constexpr (sizeof v == 8) v = __builtin_bswap64(v);
            if constexpr (sizeof v == 4) v = __builtin_bswap32(v);
            if constexpr (sizeof v == 2) v = __builtin_bswap16(v);
        }
        return v;
    };
    // The order of the words of type Word at a + at and b + at, or 0 when they are equal.
    const auto window = [&]<class Word>(std::size_t at, Word word) {
        const Word x = load_be(a.data() + at, word);
        const Word y = load_be(b.data() + at, word);
        return x == y ? 0 : (x < y ? -1 : 1);
    };
    const std::size_t n = std::min(a.size(), b.size());
    int order = 0;
    if (n >= 8) {
        std::size_t i = 0;
        for (; i + 8 <= n && order == 0; i += 8)
            order = window(i, std::uint64_t{});
        if (order == 0 && i < n) order = window(n - 8, std::uint64_t{});
    } else if (n >= 4) {
        order = window(0, std::uint32_t{});
        if (order == 0) order = window(n - 4, std::uint32_t{});
    } else if (n >= 2) {
        order = window(0, std::uint16_t{});
        if (order == 0) order = window(n - 2, std::uint16_t{});
    } else if (n == 1) {
        order = window(0, std::uint8_t{});
    }
    if (order != 0) return order;
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
