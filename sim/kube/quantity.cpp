#include "sim/kube/quantity.hpp"

#include <array>

namespace sim::kube {
namespace {

struct Suffix {
    std::string_view text;
    int base;      // 2 or 10
    int exponent;  // the multiplier is base^exponent
};

// Suffixes from quantity.go (suffix.go): binary Ki..Ei, decimal n u m "" k M G T P E.
constexpr std::array<Suffix, 16> kSuffixes{{{"Ki", 2, 10},
                                            {"Mi", 2, 20},
                                            {"Gi", 2, 30},
                                            {"Ti", 2, 40},
                                            {"Pi", 2, 50},
                                            {"Ei", 2, 60},
                                            {"n", 10, -9},
                                            {"u", 10, -6},
                                            {"m", 10, -3},
                                            {"", 10, 0},
                                            {"k", 10, 3},
                                            {"M", 10, 6},
                                            {"G", 10, 9},
                                            {"T", 10, 12},
                                            {"P", 10, 15},
                                            {"E", 10, 18}}};

bool fail(std::string* error, std::string_view text, std::string_view why) {
    if (error) *error = "invalid quantity \"" + std::string(text) + "\": " + std::string(why);
    return false;
}

}  // namespace

std::optional<Quantity> parse_quantity(std::string_view text, std::string* error) {
    const std::string_view original = text;
    if (text.empty()) {
        fail(error, original, "empty");
        return std::nullopt;
    }
    bool negative = false;
    if (text[0] == '+' || text[0] == '-') {
        negative = text[0] == '-';
        text.remove_prefix(1);
    }
    // Mantissa as an exact decimal: digits and the count of fractional digits.
    unsigned __int128 digits = 0;
    int fraction_digits = 0;
    std::size_t i = 0;
    bool any_digit = false;
    bool seen_point = false;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '.' && !seen_point) {
            seen_point = true;
            continue;
        }
        if (c < '0' || c > '9') break;
        any_digit = true;
        if (digits < (static_cast<unsigned __int128>(1) << 100)) {
            digits = digits * 10 + static_cast<unsigned>(c - '0');
            if (seen_point) ++fraction_digits;
        } else if (!seen_point) {
            fail(error, original, "too large");
            return std::nullopt;
        }
    }
    if (!any_digit) {
        fail(error, original, "expected a number like 500m, 4, 16Gi");
        return std::nullopt;
    }
    std::string_view suffix = text.substr(i);
    int exponent10 = 0;
    // Decimal exponent form: 1e3, 2E-3.
    if (!suffix.empty() && (suffix[0] == 'e' || suffix[0] == 'E') && suffix.size() > 1) {
        std::size_t j = 1;
        bool exp_negative = false;
        if (suffix[j] == '+' || suffix[j] == '-') exp_negative = suffix[j++] == '-';
        int e = 0;
        const std::size_t start = j;
        for (; j < suffix.size() && suffix[j] >= '0' && suffix[j] <= '9'; ++j) {
            e = e * 10 + (suffix[j] - '0');
            if (e > 40) {
                fail(error, original, "exponent out of range");
                return std::nullopt;
            }
        }
        if (j != suffix.size() || j == start) {
            fail(error, original, "malformed exponent");
            return std::nullopt;
        }
        exponent10 = exp_negative ? -e : e;
    } else {
        const Suffix* found = nullptr;
        for (const Suffix& s : kSuffixes) {
            if (s.text == suffix) found = &s;
        }
        if (!found) {
            fail(error, original,
                 "unknown suffix \"" + std::string(suffix) +
                     "\" (use n, u, m, k, M, G, T, P, E or Ki, Mi, Gi, Ti, Pi, Ei)");
            return std::nullopt;
        }
        exponent10 = found->base == 10 ? found->exponent : 0;
        if (found->base == 2) {
            // Multiply the mantissa by 2^exponent.
            digits <<= found->exponent;
        }
    }
    // value_milli = digits * 10^(exponent10 + 3 - fraction_digits), rounded up (MilliValue).
    int shift = exponent10 + 3 - fraction_digits;
    unsigned __int128 milli = digits;
    constexpr unsigned __int128 kMax = static_cast<unsigned __int128>(INT64_MAX);
    for (; shift > 0; --shift) {
        milli *= 10;
        if (milli > kMax) {
            fail(error, original, "too large");
            return std::nullopt;
        }
    }
    bool inexact = false;
    for (; shift < 0; ++shift) {
        inexact = inexact || milli % 10 != 0;
        milli /= 10;
    }
    if (inexact) milli += 1;  // round up toward +infinity in magnitude, like MilliValue
    if (milli > kMax) {
        fail(error, original, "too large");
        return std::nullopt;
    }
    const auto value = static_cast<std::int64_t>(milli);
    return Quantity{negative ? -value : value};
}

std::string format_quantity(Quantity q, bool binary) {
    if (q.milli % 1000 != 0) return std::to_string(q.milli) + "m";
    std::int64_t v = q.milli / 1000;
    if (v == 0) return "0";
    if (binary) {
        static constexpr std::array<std::string_view, 6> kBin{"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
        int idx = -1;
        while (idx + 1 < 6 && v % 1024 == 0) {
            v /= 1024;
            ++idx;
        }
        return std::to_string(v) + (idx >= 0 ? std::string(kBin[static_cast<std::size_t>(idx)]) : "");
    }
    static constexpr std::array<std::string_view, 6> kDec{"k", "M", "G", "T", "P", "E"};
    int idx = -1;
    while (idx + 1 < 6 && v % 1000 == 0) {
        v /= 1000;
        ++idx;
    }
    return std::to_string(v) + (idx >= 0 ? std::string(kDec[static_cast<std::size_t>(idx)]) : "");
}

}  // namespace sim::kube
