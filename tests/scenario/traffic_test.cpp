// Traffic through whole scenario runs: faults as requests see them, metrics, determinism.
#include <catch2/catch.hpp>

#include <sstream>

#include "sim/scenario/loader.hpp"
#include "sim/scenario/runner.hpp"

namespace {

sim::scenario::RunResult run(const std::string& file, std::optional<std::uint64_t> seed = {}) {
    auto loaded = sim::scenario::load_scenario(std::string(SIM_TEST_SCENARIOS_DIR) + "/" + file);
    REQUIRE(loaded.ok());
    sim::scenario::RunOptions options;
    options.progress = false;
    options.seed = seed;
    std::ostringstream err;
    return sim::scenario::run_scenario(*loaded.scenario, options, err);
}

}  // namespace

TEST_CASE("errors and slow faults reach requests, request and cluster metrics hold") {
    const auto result = run("traffic/faults.yaml");
    for (const auto& e : result.expectations) {
        INFO(e.name << ": " << e.message << " (observed " << e.observed << ")");
        CHECK(e.passed);
    }
    CHECK(result.expectations.size() == 10);
    CHECK(result.exit_code == 0);
}

TEST_CASE("a run with traffic is deterministic") {
    const auto a = run("traffic/faults.yaml");
    const auto b = run("traffic/faults.yaml");
    const auto c = run("traffic/faults.yaml", 4);
    CHECK(a.trace_sha256 == b.trace_sha256);
    CHECK(a.events == b.events);
    CHECK(a.trace_sha256 != c.trace_sha256);
}
