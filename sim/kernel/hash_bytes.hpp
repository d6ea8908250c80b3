#pragma once
// A fast hash of short byte strings (object keys, names), for the project's own hash tables.
// Not std::hash: libstdc++'s is an out-of-line call of some forty instructions for a ten-byte
// name, and these run on every member an object gains and every lookup of the store.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sim {

// A word read from unaligned memory (memcpy: no undefined behaviour, one load once compiled).
template <class Word>
inline Word load_word(const char* p) noexcept {
    Word word;
    std::memcpy(&word, p, sizeof word);
    return word;
}

// Words of the bytes (the last one, and strings under eight bytes, read as overlapping loads,
// as wyhash does), each multiplied in, then the product folded so that both the low bits (a
// slot) and the high bits (a tag) depend on every byte. About fifteen instructions for a field
// name. Deterministic: the same bytes hash the same on every run and every compiler.
inline std::uint64_t hash_bytes(std::string_view bytes) noexcept {
    constexpr std::uint64_t kOdd = 0x9e3779b97f4a7c15ULL;  // 2^64 / golden ratio
    const char* p = bytes.data();
    const std::size_t n = bytes.size();
    std::uint64_t h = n;
    if (n >= 8) {
        for (std::size_t i = 0; i + 8 < n; i += 8)
            h = (h ^ load_word<std::uint64_t>(p + i)) * kOdd;
        h ^= load_word<std::uint64_t>(p + n - 8);
    } else if (n >= 4) {
        h ^= std::uint64_t{load_word<std::uint32_t>(p)} << 32 | load_word<std::uint32_t>(p + n - 4);
    } else if (n > 0) {
        const auto byte = [&](std::size_t i) {
            return std::uint64_t{static_cast<unsigned char>(p[i])};
        };
        h ^= byte(0) << 24 | byte(n / 2) << 16 | byte(n - 1) << 8;
    }
    h *= kOdd;
    return h ^ (h >> 32);
}

}  // namespace sim
