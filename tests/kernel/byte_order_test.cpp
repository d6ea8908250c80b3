#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "sim/kernel/byte_order.hpp"
#include "sim/kernel/json.hpp"

namespace {

int sign(int v) {
    return (v > 0) - (v < 0);
}

// Two strings that share a random prefix, so that comparisons reach every word of a long key
// and every position of a short one, with bytes above 0x7f (compared as unsigned).
std::pair<std::string, std::string> with_common_prefix(const std::string& prefix,
                                                       const std::string& a, const std::string& b) {
    return {prefix + a, prefix + b};
}

}  // namespace

TEST_CASE("byte order: compare_bytes orders as std::string::compare", "[kernel][byte_order]") {
    rc::prop("any two strings",
             [](const std::string& prefix, const std::string& a, const std::string& b) {
                 const auto [x, y] = with_common_prefix(prefix, a, b);
                 RC_ASSERT(sign(sim::compare_bytes(x, y)) == sign(x.compare(y)));
                 RC_ASSERT(sign(sim::compare_bytes(y, x)) == sign(y.compare(x)));
                 RC_ASSERT(sim::compare_bytes(x, x) == 0);
                 RC_ASSERT(sim::BytesLess{}(x, y) == (x < y));
             });
}

TEST_CASE("byte order: every length up to 24 against every single-byte difference",
          "[kernel][byte_order]") {
    // Exhaustive over lengths around the word boundaries (0-7 bytes alone, 8, 9-16, 17-24).
    for (std::size_t n = 0; n <= 24; ++n) {
        const std::string base(n, 'k');
        for (std::size_t at = 0; at < n; ++at)
            for (const unsigned char c : {0x00, 0x6a, 0x6c, 0x80, 0xff}) {
                std::string other = base;
                other[at] = static_cast<char>(c);
                REQUIRE(sign(sim::compare_bytes(base, other)) == sign(base.compare(other)));
                REQUIRE(sign(sim::compare_bytes(other, base)) == sign(other.compare(base)));
            }
        REQUIRE(sim::compare_bytes(base, base + "a") < 0);
        REQUIRE(sim::compare_bytes(base + "a", base) > 0);
    }
}

TEST_CASE("byte order: the first of two differences decides, across overlapping windows",
          "[kernel][byte_order]") {
    // compare_bytes reads overlapping windows (the last 8, 4 or 2 bytes of the common length
    // again); a second difference later in the string, or inside the overlap, must never
    // override the first. Every pair of positions for every length up to 24, both directions.
    for (std::size_t n = 1; n <= 24; ++n) {
        const std::string base(n, 'k');
        for (std::size_t first = 0; first < n; ++first)
            for (std::size_t second = first + 1; second < n; ++second)
                for (const auto& [c1, c2] : {std::pair{0x6a, 0xff}, std::pair{0xff, 0x00},
                                             std::pair{0x80, 0x6a}, std::pair{0x00, 0x80}}) {
                    std::string other = base;
                    other[first] = static_cast<char>(c1);
                    other[second] = static_cast<char>(c2);
                    for (const std::string& tail : {std::string(), std::string("a")}) {
                        const std::string longer = other + tail;
                        REQUIRE(sign(sim::compare_bytes(base, longer)) ==
                                sign(base.compare(longer)));
                        REQUIRE(sign(sim::compare_bytes(longer, base)) ==
                                sign(longer.compare(base)));
                    }
                }
    }
}

TEST_CASE("byte order: sim::Json dumps members in the order nlohmann::json does",
          "[kernel][byte_order]") {
    const std::string text =
        R"({"terminationMessagePolicy":1,"terminationMessagePath":2,"b":3,"a":4,"ab":5,)"
        R"("\u00e9":6,"Z":7,"":8,"apiVersion":9,"api":10})";
    REQUIRE(sim::Json::parse(text).dump() == nlohmann::json::parse(text).dump());
}
