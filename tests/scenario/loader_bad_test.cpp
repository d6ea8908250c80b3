// Every file in tests/scenarios/bad/ is rejected with exactly the diagnostics listed in its own
// trailing `# expect: line:col: field: message` comments (in order), prefixed by its path.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>

#include "sim/scenario/loader.hpp"

namespace fs = std::filesystem;
using namespace sim::scenario;

namespace {

const fs::path kBad = fs::path(SIM_TEST_SCENARIOS_DIR) / "bad";

std::vector<fs::path> bad_files() {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(kBad)) {
        if (entry.path().extension() == ".yaml") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::vector<std::string> expected_messages(const fs::path& file) {
    std::vector<std::string> out;
    std::ifstream in(file);
    std::string line;
    constexpr std::string_view kMarker = "# expect: ";
    while (std::getline(in, line)) {
        if (line.starts_with(kMarker)) {
            out.push_back(file.string() + ":" + line.substr(kMarker.size()));
        }
    }
    return out;
}

}  // namespace

TEST_CASE("bad scenarios: at least 30 files, each with its expected diagnostics") {
    const auto files = bad_files();
    CHECK(files.size() >= 30);
    for (const fs::path& file : files) {
        DYNAMIC_SECTION(file.filename().string()) {
            const auto expected = expected_messages(file);
            REQUIRE_FALSE(expected.empty());
            const LoadResult result = load_scenario(file);
            CHECK_FALSE(result.ok());
            CHECK_FALSE(result.scenario.has_value());
            std::vector<std::string> actual;
            for (const Diagnostic& d : result.diagnostics)
                actual.push_back(format_diagnostic(d));
            CHECK(actual == expected);
        }
    }
}

TEST_CASE("bad scenarios: several errors in one file are all reported, sorted by position") {
    const LoadResult result = load_scenario(kBad / "many-errors.yaml");
    REQUIRE(result.diagnostics.size() == 6);
    for (std::size_t i = 1; i < result.diagnostics.size(); ++i) {
        const auto& a = result.diagnostics[i - 1].where;
        const auto& b = result.diagnostics[i].where;
        CHECK(std::pair(a.line, a.column) < std::pair(b.line, b.column));
    }
    CHECK(result.diagnostics[0].field == "apiVersion");
    CHECK(result.diagnostics[3].field == "spec.traffic[0].rate");
    CHECK(result.diagnostics[3].message == "expected a number or {ramp|steps}, got \"fast\"");
}

TEST_CASE("bad scenarios: a file that cannot be read") {
    const LoadResult result = load_scenario(kBad / "no-such-file.yaml");
    REQUIRE(result.diagnostics.size() == 1);
    CHECK(format_diagnostic(result.diagnostics[0]) ==
          (kBad / "no-such-file.yaml").string() +
              ": cannot read the scenario file (does it exist?)");
}

TEST_CASE("diagnostic format: file:line:col: field: message") {
    const Diagnostic d{{"canary.yaml", 14, 7},
                       "spec.traffic[0].rate",
                       "expected a number or {ramp|steps}, got \"fast\""};
    CHECK(
        format_diagnostic(d) ==
        "canary.yaml:14:7: spec.traffic[0].rate: expected a number or {ramp|steps}, got \"fast\"");
    const Diagnostic no_field{{"x.yaml", 3, 1}, "", "YAML syntax error: end of map not found"};
    CHECK(format_diagnostic(no_field) == "x.yaml:3:1: YAML syntax error: end of map not found");
}
