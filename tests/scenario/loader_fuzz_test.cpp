// The loader never throws or crashes on damaged input: every mutation of a valid scenario either
// loads or yields diagnostics that point into the file.
#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "sim/scenario/loader.hpp"

namespace fs = std::filesystem;
using namespace sim::scenario;

namespace {

const fs::path kFull = fs::path(SIM_TEST_SCENARIOS_DIR) / "good" / "full.yaml";

std::string full_text() {
    std::ifstream in(kFull);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace

TEST_CASE("loader: damaged scenarios give diagnostics, never exceptions") {
    const std::string original = full_text();
    REQUIRE(load_scenario_text(original, kFull).ok());
    // Characters that matter to YAML and to the contract's little languages.
    const std::string alphabet = " :-[]{}\",'#\n.0123456789msh*?=/\\abcXYZ|>&!%@`~";
    rc::prop("random edits", [&] {
        std::string text = original;
        const int edits = *rc::gen::inRange(1, 6);
        for (int i = 0; i < edits; ++i) {
            const auto pos = *rc::gen::inRange<std::size_t>(0, text.size());
            const int kind = *rc::gen::inRange(0, 3);
            const char c = alphabet[*rc::gen::inRange<std::size_t>(0, alphabet.size())];
            if (kind == 0) {
                text[pos] = c;
            } else if (kind == 1) {
                text.insert(text.begin() + static_cast<std::ptrdiff_t>(pos), c);
            } else {
                text.erase(pos, *rc::gen::inRange<std::size_t>(1, 40));
            }
        }
        const LoadResult result = load_scenario_text(text, kFull);
        RC_ASSERT(result.ok() == result.diagnostics.empty());
        RC_ASSERT(result.scenario.has_value() == result.diagnostics.empty());
        for (const Diagnostic& d : result.diagnostics) {
            RC_ASSERT(d.where.file == kFull.string());
            RC_ASSERT(d.where.line >= 1);
            RC_ASSERT(d.where.column >= 1);
            RC_ASSERT(!d.message.empty());
        }
    });
}
