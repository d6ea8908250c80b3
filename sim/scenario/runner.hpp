// Running a scenario: build the cluster, play the timeline in virtual time, check the
// expectations as the simulation goes, and write the trace (and, with an output folder, the
// summary and JUnit files).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "sim/kernel/time.hpp"
#include "sim/scenario/loader.hpp"
#include "sim/scenario/scenario.hpp"

namespace sim::cluster {
class ExecutorMetrics;  // prometheus_metrics.hpp
}

namespace sim::scenario {

class RunDriver;  // run_driver.hpp

struct RunOptions {
    std::optional<std::uint64_t> seed;             // overrides spec.seed
    std::optional<std::filesystem::path> out_dir;  // trace.jsonl, summary.txt, junit.xml
    bool progress = true;                          // a progress line on stderr for long runs
    std::ostream* narration = nullptr;             // `explain`: a sentence per decision
    RunDriver* driver = nullptr;  // `serve`, `replay`: paces the run and injects inputs
    bool trace_requests = false;  // a `request` trace line per request
    // The executors' Prometheus metrics are kept here when set (`run --executor-metrics`);
    // they never reach the trace. Null: not kept, and requests cost nothing extra.
    cluster::ExecutorMetrics* executor_metrics = nullptr;
};

struct ExpectationResult {
    std::string name;
    bool passed = false;
    Nanos decided_at = 0;  // when it passed or failed
    std::string observed;  // the value seen when it was decided, as JSON text (or a reason)
    std::string message;   // why it failed; empty when it passed
    SourceLocation where;
};

struct StepFailure {
    std::size_t index = 0;  // the step's position in the timeline
    Nanos at = 0;
    std::string message;
    SourceLocation where;
};

struct RunResult {
    int exit_code = 0;  // 0 all held, 1 an expectation or step failed, 2 bad input
    std::uint64_t seed = 0;
    std::string trace_sha256;
    std::uint64_t trace_lines = 0;
    std::uint64_t events = 0;
    std::vector<ExpectationResult> expectations;  // file order
    std::vector<StepFailure> step_failures;
    // Writes by the controllers, scheduler and kubelets that the API server refused as invalid
    // (400 / 422): always 0 unless a controller has a bug (the scenario's own steps excluded).
    std::uint64_t invalid_controller_writes = 0;
    std::vector<Diagnostic> input_errors;  // bad manifests, unwritable output folder (exit 2)
};

// Runs `scenario`. Never throws for bad input: problems land in input_errors (exit code 2).
RunResult run_scenario(const Scenario& scenario, const RunOptions& options, std::ostream& err);

// The human summary printed by `sim-run run` and written to summary.txt (without the hash line).
std::string format_summary(const Scenario& scenario, const RunResult& result);

}  // namespace sim::scenario
