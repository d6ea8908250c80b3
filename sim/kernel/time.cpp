#include "sim/kernel/time.hpp"

#include <array>
#include <cstdio>

namespace sim::kernel {
namespace {

struct Unit {
    std::string_view name;
    Nanos nanos;
};

// Go's unitMap (time/format.go): both micro signs are accepted.
constexpr std::array<Unit, 8> kUnits{{{"ns", kNanosecond},
                                      {"us", kMicrosecond},
                                      {"\xC2\xB5s", kMicrosecond},  // U+00B5 micro sign
                                      {"\xCE\xBCs", kMicrosecond},  // U+03BC Greek mu
                                      {"ms", kMillisecond},
                                      {"s", kSecond},
                                      {"m", kMinute},
                                      {"h", kHour}}};

bool fail(std::string* error, std::string message) {
    if (error) *error = std::move(message);
    return false;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::string quoted(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

}  // namespace

std::optional<Nanos> parse_duration(std::string_view text, std::string* error) {
    const std::string_view original = text;
    const auto invalid = [&](std::string why) -> std::optional<Nanos> {
        fail(error, std::move(why));
        return std::nullopt;
    };
    bool negative = false;
    if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
        negative = text[0] == '-';
        text.remove_prefix(1);
    }
    if (text == "0") return Nanos{0};
    if (text.empty()) return invalid("invalid duration " + quoted(original));

    // Accumulate in unsigned 128 bits so overflow is detected, never wrapped.
    unsigned __int128 total = 0;
    constexpr unsigned __int128 kLimit = static_cast<unsigned __int128>(INT64_MAX) + 1;
    while (!text.empty()) {
        if (!(is_digit(text[0]) || text[0] == '.')) {
            return invalid("invalid duration " + quoted(original));
        }
        unsigned __int128 whole = 0;
        std::size_t i = 0;
        bool saw_digits = false;
        for (; i < text.size() && is_digit(text[i]); ++i) {
            whole = whole * 10 + static_cast<unsigned>(text[i] - '0');
            if (whole > kLimit) return invalid("invalid duration " + quoted(original));
            saw_digits = true;
        }
        unsigned __int128 fraction = 0;
        unsigned __int128 scale = 1;
        if (i < text.size() && text[i] == '.') {
            ++i;
            for (; i < text.size() && is_digit(text[i]); ++i) {
                saw_digits = true;
                // Digits past nanosecond resolution of the largest unit cannot matter.
                if (scale < static_cast<unsigned __int128>(1'000'000'000'000'000'000ULL)) {
                    fraction = fraction * 10 + static_cast<unsigned>(text[i] - '0');
                    scale *= 10;
                }
            }
        }
        if (!saw_digits) return invalid("invalid duration " + quoted(original));
        text.remove_prefix(i);

        std::size_t unit_len = 0;
        while (unit_len < text.size() && text[unit_len] != '.' && !is_digit(text[unit_len])) {
            ++unit_len;
        }
        const std::string_view unit_text = text.substr(0, unit_len);
        if (unit_text.empty()) {
            return invalid("missing unit in duration " + quoted(original) +
                           " (use ns, us, ms, s, m or h)");
        }
        const Unit* unit = nullptr;
        for (const Unit& u : kUnits) {
            if (u.name == unit_text) unit = &u;
        }
        if (!unit) {
            return invalid("unknown unit " + quoted(unit_text) + " in duration " +
                           quoted(original) + " (use ns, us, ms, s, m or h)");
        }
        text.remove_prefix(unit_len);
        const auto per_unit = static_cast<unsigned __int128>(unit->nanos);
        total += whole * per_unit + fraction * per_unit / scale;
        if (total > kLimit) return invalid("invalid duration " + quoted(original) + " (overflow)");
    }
    if (!negative && total == kLimit) {
        return invalid("invalid duration " + quoted(original) + " (overflow)");
    }
    if (negative) return static_cast<Nanos>(-static_cast<__int128>(total));
    return static_cast<Nanos>(total);
}

namespace {

// Go's fmtFrac: the `precision` low digits of v as a fraction without trailing zeros.
std::string fraction_digits(std::uint64_t& v, int precision) {
    std::string digits;
    bool printing = false;
    for (int i = 0; i < precision; ++i) {
        const auto digit = static_cast<char>('0' + v % 10);
        printing = printing || digit != '0';
        if (printing) digits.insert(digits.begin(), digit);
        v /= 10;
    }
    return printing ? "." + digits : std::string{};
}

}  // namespace

std::string format_duration(Nanos d) {
    if (d == 0) return "0s";
    const bool negative = d < 0;
    // Magnitude as unsigned so INT64_MIN works.
    std::uint64_t u = negative ? ~static_cast<std::uint64_t>(d) + 1 : static_cast<std::uint64_t>(d);
    std::string out;
    if (u < static_cast<std::uint64_t>(kSecond)) {
        std::string unit;
        int precision = 0;
        if (u < static_cast<std::uint64_t>(kMicrosecond)) {
            unit = "ns";
        } else if (u < static_cast<std::uint64_t>(kMillisecond)) {
            unit = "\xC2\xB5s";
            precision = 3;
        } else {
            unit = "ms";
            precision = 6;
        }
        const std::string frac = fraction_digits(u, precision);
        out = std::to_string(u) + frac + unit;
    } else {
        const std::string frac = fraction_digits(u, 9);
        out = std::to_string(u % 60) + frac + "s";
        u /= 60;
        if (u > 0) {
            out = std::to_string(u % 60) + "m" + out;
            u /= 60;
            if (u > 0) out = std::to_string(u) + "h" + out;
        }
    }
    return negative ? "-" + out : out;
}

namespace {

// Howard Hinnant's days_from_civil / civil_from_days (public-domain algorithms).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

Civil civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

bool days_in_month_ok(std::int64_t y, unsigned m, unsigned d) {
    static constexpr std::array<unsigned, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    const unsigned limit = (m == 2 && leap) ? 29 : kDays[m - 1];
    return d >= 1 && d <= limit;
}

bool read_fixed(std::string_view text, std::size_t pos, std::size_t len, unsigned& out) {
    if (pos + len > text.size()) return false;
    unsigned v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
        if (!is_digit(text[i])) return false;
        v = v * 10 + static_cast<unsigned>(text[i] - '0');
    }
    out = v;
    return true;
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339_unix_nanos(std::string_view text, std::string* error) {
    const auto invalid = [&]() -> std::optional<std::int64_t> {
        fail(error, "invalid RFC 3339 timestamp " + quoted(text) +
                        " (expected like \"2025-01-01T00:00:00Z\")");
        return std::nullopt;
    };
    unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!read_fixed(text, 0, 4, year) || text.size() < 20 || text[4] != '-' ||
        !read_fixed(text, 5, 2, month) || text[7] != '-' || !read_fixed(text, 8, 2, day) ||
        (text[10] != 'T' && text[10] != 't') || !read_fixed(text, 11, 2, hour) || text[13] != ':' ||
        !read_fixed(text, 14, 2, minute) || text[16] != ':' || !read_fixed(text, 17, 2, second)) {
        return invalid();
    }
    if (month < 1 || month > 12 || !days_in_month_ok(year, month, day) || hour > 23 ||
        minute > 59 || second > 59) {
        return invalid();
    }
    std::size_t pos = 19;
    std::int64_t nanos = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::int64_t scale = kSecond;
        const std::size_t start = pos;
        while (pos < text.size() && is_digit(text[pos])) {
            scale /= 10;
            nanos += (text[pos] - '0') * scale;
            ++pos;
        }
        if (pos == start) return invalid();
    }
    std::int64_t offset_seconds = 0;
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        unsigned oh = 0, om = 0;
        if (!read_fixed(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
            !read_fixed(text, pos + 4, 2, om) || oh > 23 || om > 59) {
            return invalid();
        }
        offset_seconds =
            (text[pos] == '-' ? -1 : 1) * static_cast<std::int64_t>(oh * 3600 + om * 60);
        pos += 6;
    } else {
        return invalid();
    }
    if (pos != text.size()) return invalid();
    const std::int64_t days = days_from_civil(year, month, day);
    const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
    return seconds * kSecond + nanos;
}

namespace {

std::string format_utc(std::int64_t unix_nanos, bool micro) {
    std::int64_t seconds = unix_nanos / kSecond;
    std::int64_t nanos = unix_nanos % kSecond;
    if (nanos < 0) {
        nanos += kSecond;
        --seconds;
    }
    std::int64_t days = seconds / 86400;
    std::int64_t rem = seconds % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    const Civil c = civil_from_days(days);
    std::array<char, 64> buf{};
    int n = std::snprintf(buf.data(), buf.size(), "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                          static_cast<long long>(c.year), c.month, c.day,
                          static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                          static_cast<long long>(rem % 60));
    if (micro) {
        n += std::snprintf(buf.data() + n, buf.size() - static_cast<std::size_t>(n), ".%06lld",
                           static_cast<long long>(nanos / kMicrosecond));
    }
    return std::string(buf.data(), static_cast<std::size_t>(n)) + "Z";
}

}  // namespace

std::string format_rfc3339(std::int64_t unix_nanos) {
    return format_utc(unix_nanos, false);
}
std::string format_rfc3339_micro(std::int64_t unix_nanos) {
    return format_utc(unix_nanos, true);
}

std::string format_offset(Nanos t) {
    const bool negative = t < 0;
    const std::uint64_t u =
        negative ? ~static_cast<std::uint64_t>(t) + 1 : static_cast<std::uint64_t>(t);
    const std::uint64_t total_ms = u / static_cast<std::uint64_t>(kMillisecond);
    const std::uint64_t ms = total_ms % 1000;
    const std::uint64_t s = total_ms / 1000;
    std::array<char, 48> buf{};
    int n = std::snprintf(buf.data(), buf.size(), "%s%02llu:%02llu:%02llu", negative ? "-" : "",
                          static_cast<unsigned long long>(s / 3600),
                          static_cast<unsigned long long>(s / 60 % 60),
                          static_cast<unsigned long long>(s % 60));
    if (ms != 0) {
        n += std::snprintf(buf.data() + n, buf.size() - static_cast<std::size_t>(n), ".%03llu",
                           static_cast<unsigned long long>(ms));
    }
    return std::string(buf.data(), static_cast<std::size_t>(n));
}

}  // namespace sim::kernel
