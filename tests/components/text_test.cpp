#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "components/model/text.hpp"

using namespace components::model;

namespace {
std::vector<std::string> tokens_of(std::string_view text) {
    std::string lowered;
    std::vector<TokenSpan> spans;
    tokenize(text, lowered, spans);
    std::vector<std::string> out;
    for (const TokenSpan& s : spans)
        out.push_back(lowered.substr(s.begin, s.length));
    return out;
}
}  // namespace

TEST_CASE("tokens are lowercased runs of two or more word characters", "[text]") {
    using V = std::vector<std::string>;
    CHECK(tokens_of("This is AMAZING!") == V{"this", "is", "amazing"});
    CHECK(tokens_of("a I x1 _x_ so-so can't") == V{"x1", "_x_", "so", "so", "can"});
    CHECK(tokens_of("") == V{});
    CHECK(tokens_of("  ...  ") == V{});
    CHECK(tokens_of("e-reader 4k") == V{"reader", "4k"});
}

TEST_CASE("non-ASCII letters are word characters and are lowercased", "[text]") {
    using V = std::vector<std::string>;
    CHECK(tokens_of("Café CRÈME brûlée") == V{"café", "crème", "brûlée"});
    CHECK(tokens_of("ÜBER façade — naïve") == V{"über", "façade", "naïve"});
    CHECK(tokens_of("Привет МИР") == V{"привет", "мир"});
    // Punctuation and symbols outside ASCII separate tokens.
    CHECK(tokens_of("good…bad «ok» 5×5") == V{"good", "bad", "ok"});
}

TEST_CASE("malformed UTF-8 separates tokens instead of failing", "[text]") {
    using V = std::vector<std::string>;
    CHECK(tokens_of("ab\xff"
                    "cd \xc3") == V{"ab", "cd"});
}

TEST_CASE("FNV-1a continues over concatenations", "[text]") {
    const std::uint64_t joined = fnv_hash("great product");
    const std::uint64_t pieces = fnv_continue(fnv_continue(fnv_hash("great"), " "), "product");
    CHECK(joined == pieces);
    CHECK(fnv_hash("") == kFnvOffset);
    CHECK(fnv_hash("a") == 0xaf63dc4c8601ec8cULL);  // published FNV-1a 64 test vector
}
