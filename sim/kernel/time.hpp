// Virtual time: a signed 64-bit count of nanoseconds since the scenario start.
//
// Durations are written the way Go and Kubernetes write them ("250ms", "90s", "1h30m",
// "1.5s"); parse_duration and format_duration follow Go's time.ParseDuration and
// time.Duration.String, so format_duration(parse_duration(s)) is Go's canonical spelling and
// parse_duration(format_duration(d)) == d for every d.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sim::kernel {

using Nanos = std::int64_t;

inline constexpr Nanos kNanosecond = 1;
inline constexpr Nanos kMicrosecond = 1'000;
inline constexpr Nanos kMillisecond = 1'000'000;
inline constexpr Nanos kSecond = 1'000'000'000;
inline constexpr Nanos kMinute = 60 * kSecond;
inline constexpr Nanos kHour = 60 * kMinute;

// Parses a Go duration. On failure returns nullopt and, when `error` is given, a message that
// says what is wrong ("unknown unit \"x\" in duration \"5x\"").
std::optional<Nanos> parse_duration(std::string_view text, std::string* error = nullptr);

// Go's time.Duration.String(): "0s", "1.5µs", "250ms", "1m30s", "1h30m0s".
std::string format_duration(Nanos d);

// Wall-clock origin of a simulation: Unix seconds of the scenario's `startTime`.
// Accepts RFC 3339 timestamps ("2025-01-01T00:00:00Z", "2025-01-01T02:00:00+02:00",
// fractional seconds allowed and kept to the nanosecond).
std::optional<std::int64_t> parse_rfc3339_unix_nanos(std::string_view text,
                                                     std::string* error = nullptr);

// RFC 3339 in UTC with whole seconds ("2025-01-01T00:05:00Z"), as Kubernetes renders
// metav1.Time; the `_micro` variant renders metav1.MicroTime ("...T00:05:00.250000Z").
std::string format_rfc3339(std::int64_t unix_nanos);
std::string format_rfc3339_micro(std::int64_t unix_nanos);

// "00:05:30.250" style offset for progress lines and narration.
std::string format_offset(Nanos t);

}  // namespace sim::kernel
