// The whole-system property (issue 8): random scenarios — cluster size, 1-3 SeldonDeployments
// with random graphs, predictors, traffic splits, shadows and hpaSpecs, traffic, and a timeline
// of edits and faults — always
//   - give the same trace hash twice for the same seed,
//   - end every request in one response or one counted error (requests_lost = 0),
//   - converge after the last edit and fault: every SeldonDeployment Available, with exactly
//     the Deployments its latest spec calls for,
//   - no controller ever writes an object the API server refuses as invalid (400/422),
//   - and no step is refused (the generator only writes valid manifests).
// Each case is written as a real scenario folder; when a case fails, the folder of the last
// failing case (after shrinking: the smallest) is copied to
// build/tests/system/failures/last/, and `sim-run run .../scenario.yaml` reproduces it.
#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "random_scenario.hpp"
#include "sim/scenario/loader.hpp"
#include "sim/scenario/runner.hpp"

namespace fs = std::filesystem;
using namespace sim::system_test;
using sim::scenario::RunOptions;
using sim::scenario::RunResult;

namespace {

const fs::path kWork = SIM_SYSTEM_WORK_DIR;
const fs::path kRepo = SIM_SOURCE_DIR;

RunResult run_once(const sim::scenario::Scenario& s) {
    RunOptions options;
    options.progress = false;
    std::ostringstream err;
    return sim::scenario::run_scenario(s, options, err);
}

// What went wrong in a run, or "" when nothing did.
std::string problems(const RunResult& r) {
    std::ostringstream out;
    for (const auto& d : r.input_errors)
        out << "input: " << sim::scenario::format_diagnostic(d) << "\n";
    for (const auto& f : r.step_failures)
        out << "step " << f.index << ": " << f.message << "\n";
    for (const auto& e : r.expectations) {
        if (!e.passed) out << "expectation " << e.name << ": " << e.message << "\n";
    }
    return out.str();
}

void keep_failure(const fs::path& dir) {
    const fs::path last = kWork / "failures" / "last";
    fs::remove_all(last);
    fs::create_directories(last.parent_path());
    fs::copy(dir, last, fs::copy_options::recursive);
}

void check_case(const RandomScenario& rs, std::uint64_t seed) {
    const fs::path dir = kWork / "case";
    fs::remove_all(dir);
    const fs::path file = write_scenario(rs, dir, kRepo, seed);
    const auto loaded = sim::scenario::load_scenario(file);
    std::string failure;
    if (!loaded.ok()) {
        for (const auto& d : loaded.diagnostics)
            failure += sim::scenario::format_diagnostic(d) + "\n";
    } else {
        const RunResult first = run_once(*loaded.scenario);
        const RunResult second = run_once(*loaded.scenario);
        failure = problems(first);
        if (first.invalid_controller_writes != 0) {
            failure += std::to_string(first.invalid_controller_writes) +
                       " controller write(s) refused as invalid (400/422)\n";
        }
        if (first.trace_sha256 != second.trace_sha256) {
            failure += "same seed, different traces: " + first.trace_sha256 + " vs " +
                       second.trace_sha256 + "\n";
        }
    }
    if (!failure.empty()) {
        keep_failure(dir);
        RC_LOG() << describe(rs) << failure << "reproduce: scripts/sim-run run "
                 << (kWork / "failures" / "last" / "scenario.yaml").string() << "\n";
    }
    RC_ASSERT(failure.empty());
}

}  // namespace

TEST_CASE("random scenarios: deterministic, nothing lost, converged", "[system]") {
    rc::prop("whole system", [] {
        const RandomScenario rs = *random_scenario();
        const auto seed = *rc::gen::inRange<std::uint64_t>(1, 1000000);
        RC_CLASSIFY(std::any_of(rs.changes.begin(), rs.changes.end(),
                                [](const Change& c) { return c.is_delete; }),
                    "a SeldonDeployment deleted");
        RC_CLASSIFY(
            std::any_of(rs.changes.begin(), rs.changes.end(),
                        [](const Change& c) { return c.is_fault && c.fault == FaultKind::Drain; }),
            "a node drained");
        check_case(rs, seed);
    });
}
