#include "sim/scenario/glob.hpp"

#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include "sim/scenario/scenario.hpp"

using sim::scenario::glob_match;
using sim::scenario::glob_syntax_error;

TEST_CASE("glob: * matches any run of characters, including / and :") {
    CHECK(glob_match("sentiment-seldon:*", "sentiment-seldon:v1"));
    CHECK(glob_match("sentiment-seldon:*", "sentiment-seldon:"));
    CHECK(glob_match("*", ""));
    CHECK(glob_match("seldonio/*:1.*", "seldonio/seldon-core-executor:1.17.1"));
    CHECK(glob_match("*/sklearnserver:*", "docker.io/seldonio/sklearnserver:1.17.1"));
    CHECK_FALSE(glob_match("sentiment-seldon:*", "other:v1"));
    CHECK_FALSE(glob_match("sentiment-seldon:*", "xsentiment-seldon:v1"));
    CHECK(glob_match("a*b*c", "aXXbYYc"));
    CHECK_FALSE(glob_match("a*b*c", "aXXbYY"));
    CHECK(glob_match("a**b", "ab"));
}

TEST_CASE("glob: ? matches exactly one character") {
    CHECK(glob_match("model:v?", "model:v2"));
    CHECK_FALSE(glob_match("model:v?", "model:v"));
    CHECK_FALSE(glob_match("model:v?", "model:v10"));
    CHECK(glob_match("model:v??", "model:v10"));
}

TEST_CASE("glob: the whole text must match, and escapes match literally") {
    CHECK_FALSE(glob_match("model", "model:v1"));
    CHECK(glob_match("model", "model"));
    CHECK(glob_match("a\\*b", "a*b"));
    CHECK_FALSE(glob_match("a\\*b", "aXb"));
    CHECK(glob_match("a\\[1\\]", "a[1]"));
}

TEST_CASE("glob: syntax errors are described, invalid patterns match nothing") {
    CHECK(glob_syntax_error("") == "empty pattern");
    CHECK(glob_syntax_error("x\\") == "pattern ends with an unfinished escape '\\'");
    CHECK(glob_syntax_error("x:[v1]") ==
          "character classes are not supported: '[' at position 3 (write \\[ for the character "
          "itself)");
    CHECK_FALSE(glob_syntax_error("a\\[b\\]*?").has_value());
    CHECK_FALSE(glob_match("x:[v1]", "x:[v1]"));
}

TEST_CASE("glob: properties") {
    rc::prop("* matches every text",
             [](const std::string& text) { RC_ASSERT(glob_match("*", text)); });
    rc::prop("a text with every special character escaped matches itself only",
             [](const std::string& text, const std::string& other) {
                 std::string pattern;
                 for (const char c : text) {
                     if (c == '*' || c == '?' || c == '\\' || c == '[' || c == ']') pattern += '\\';
                     pattern += c;
                 }
                 RC_PRE(!pattern.empty());
                 RC_ASSERT(glob_match(pattern, text));
                 RC_ASSERT(glob_match(pattern, other) == (other == text));
             });
    rc::prop("prefix* matches exactly the texts that start with prefix",
             [](const std::string& text) {
                 RC_ASSERT(glob_match("ab*", text) == text.starts_with("ab"));
             });
}

TEST_CASE("images: the first matching entry in file order wins") {
    using sim::scenario::ImageRule;
    std::vector<ImageRule> rules(3);
    rules[0].pattern = "seldonio/seldon-core-executor:*";
    rules[1].pattern = "sentiment-seldon:v2";
    rules[1].concurrency = 2;
    rules[2].pattern = "sentiment-seldon:*";
    rules[2].concurrency = 7;
    CHECK(sim::scenario::find_image_rule(rules, "sentiment-seldon:v2") == &rules[1]);
    CHECK(sim::scenario::find_image_rule(rules, "sentiment-seldon:v3") == &rules[2]);
    CHECK(sim::scenario::find_image_rule(rules, "nginx:1") == nullptr);

    const auto timings = sim::scenario::effective_timings(&rules[2]);
    CHECK(timings.concurrency == 7);
    CHECK(timings.pull_time == sim::scenario::kDefaultImageTimings.pull_time);
    CHECK(sim::scenario::effective_timings(nullptr).concurrency ==
          sim::scenario::kDefaultImageTimings.concurrency);
}
