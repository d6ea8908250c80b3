// Argument parsing shared by the commands that take one scenario file (run, explain).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "sim/scenario/scenario.hpp"

namespace sim::cli {

struct ScenarioArgs {
    std::string file;
    std::optional<std::uint64_t> seed;
    std::optional<std::filesystem::path> out_dir;
    bool quiet = false;
    bool trace_requests = false;  // run: one `request` trace line per request
    bool executor_metrics = false;  // run: DIR/metrics.prom (needs --out)
};

// Parses FILE [--seed N] [--out DIR] [--quiet]; returns an error message, or nullopt when
// fine. --out and --quiet are accepted only when `allow_run_options`.
std::optional<std::string> parse_scenario_args(std::span<const std::string> args,
                                               bool allow_run_options, ScenarioArgs& out);

// Loads a scenario; on failure prints every diagnostic to stderr and returns nullopt.
std::optional<scenario::Scenario> load_or_report(const std::string& file);

}  // namespace sim::cli
