#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include "sim/kernel/time.hpp"

using namespace sim::kernel;

TEST_CASE("durations parse like Go's time.ParseDuration") {
    CHECK(parse_duration("250ms") == 250 * kMillisecond);
    CHECK(parse_duration("90s") == 90 * kSecond);
    CHECK(parse_duration("10m") == 10 * kMinute);
    CHECK(parse_duration("1h30m") == 90 * kMinute);
    CHECK(parse_duration("1.5s") == 1500 * kMillisecond);
    CHECK(parse_duration(".5s") == 500 * kMillisecond);
    CHECK(parse_duration("1.5h") == 90 * kMinute);
    CHECK(parse_duration("-1m") == -kMinute);
    CHECK(parse_duration("+2s") == 2 * kSecond);
    CHECK(parse_duration("0") == 0);
    CHECK(parse_duration("1us") == kMicrosecond);
    CHECK(parse_duration("1\xC2\xB5s") == kMicrosecond);
    CHECK(parse_duration("3ns") == 3);
    CHECK(parse_duration("2562047h47m16.854775807s") == INT64_MAX);
    CHECK(parse_duration("-2562047h47m16.854775808s") == INT64_MIN);
}

TEST_CASE("malformed durations say what is wrong") {
    std::string error;
    CHECK_FALSE(parse_duration("", &error));
    CHECK(error == "invalid duration \"\"");
    CHECK_FALSE(parse_duration("5", &error));
    CHECK(error == "missing unit in duration \"5\" (use ns, us, ms, s, m or h)");
    CHECK_FALSE(parse_duration("5x", &error));
    CHECK(error == "unknown unit \"x\" in duration \"5x\" (use ns, us, ms, s, m or h)");
    CHECK_FALSE(parse_duration("fast", &error));
    CHECK(error == "invalid duration \"fast\"");
    CHECK_FALSE(parse_duration("1.s.", &error));
    CHECK_FALSE(parse_duration(".s", &error));
    CHECK_FALSE(parse_duration("2562047h47m16.854775808s", &error));
    CHECK(error == "invalid duration \"2562047h47m16.854775808s\" (overflow)");
    CHECK_FALSE(parse_duration("99999999999999999999h", &error));
}

TEST_CASE("durations print like Go's Duration.String") {
    CHECK(format_duration(0) == "0s");
    CHECK(format_duration(1) == "1ns");
    CHECK(format_duration(1500) == "1.5\xC2\xB5s");
    CHECK(format_duration(250 * kMillisecond) == "250ms");
    CHECK(format_duration(1500 * kMillisecond) == "1.5s");
    CHECK(format_duration(90 * kSecond) == "1m30s");
    CHECK(format_duration(90 * kMinute) == "1h30m0s");
    CHECK(format_duration(-kMinute) == "-1m0s");
    CHECK(format_duration(INT64_MAX) == "2562047h47m16.854775807s");
    CHECK(format_duration(INT64_MIN) == "-2562047h47m16.854775808s");
}

TEST_CASE("RFC 3339 timestamps") {
    const auto start = parse_rfc3339_unix_nanos("2025-01-01T00:00:00Z");
    REQUIRE(start);
    CHECK(*start == 1735689600LL * kSecond);
    CHECK(format_rfc3339(*start + 5 * kMinute + 250 * kMillisecond) == "2025-01-01T00:05:00Z");
    CHECK(format_rfc3339_micro(*start + 250 * kMillisecond) == "2025-01-01T00:00:00.250000Z");
    CHECK(parse_rfc3339_unix_nanos("2025-01-01T02:00:00+02:00") == start);
    CHECK(parse_rfc3339_unix_nanos("2024-02-29T12:00:00.5Z") ==
          1709208000LL * kSecond + 500 * kMillisecond);
    CHECK(format_rfc3339(parse_rfc3339_unix_nanos("1999-12-31T23:59:59Z").value()) ==
          "1999-12-31T23:59:59Z");
    std::string error;
    CHECK_FALSE(parse_rfc3339_unix_nanos("2025-02-29T00:00:00Z", &error));
    CHECK(error.find("invalid RFC 3339 timestamp \"2025-02-29T00:00:00Z\"") == 0);
    CHECK_FALSE(parse_rfc3339_unix_nanos("2025-01-01 00:00:00Z"));
    CHECK_FALSE(parse_rfc3339_unix_nanos("2025-01-01T00:00:00"));
    CHECK_FALSE(parse_rfc3339_unix_nanos("yesterday"));
}

TEST_CASE("offsets print as hh:mm:ss") {
    CHECK(format_offset(0) == "00:00:00");
    CHECK(format_offset(90 * kMinute + 250 * kMillisecond) == "01:30:00.250");
}

TEST_CASE("property: duration print/parse round-trips") {
    rc::prop("parse(format(d)) == d", [](std::int64_t d) {
        RC_ASSERT(parse_duration(format_duration(d)) == d);
    });
    rc::prop("format(parse(format(d))) is stable", [](std::int64_t d) {
        const std::string once = format_duration(d);
        RC_ASSERT(format_duration(parse_duration(once).value()) == once);
    });
}
