// sim-run verify FILE [--runs N] [--seed N]: runs a scenario several times and checks that
// every run gives the same trace hash (the simulator's determinism promise, docs/trace.md).
#include <charconv>
#include <iostream>
#include <memory>
#include <sstream>
#include <vector>

#include "sim/cli/command.hpp"
#include "sim/cli/scenario_args.hpp"
#include "sim/scenario/runner.hpp"

namespace sim::cli {
namespace {

constexpr std::string_view kHelp =
    "Usage: sim-run verify FILE [--runs N] [--seed N]\n"
    "\n"
    "Checks that a scenario is deterministic: runs it N times (default 2) with the same seed\n"
    "and compares the SHA-256 of the traces. They must be identical: the simulation draws every\n"
    "random number from seeded streams and never reads the wall clock, so any difference is a\n"
    "bug (iteration over an unordered container, an uninitialised value, a pointer used as a\n"
    "key). Between runs the heap is disturbed on purpose, so order that depends on where\n"
    "objects happen to be allocated shows up as a different hash.\n"
    "\n"
    "Whether the scenario's expectations hold does not matter here (use `sim-run run`); only\n"
    "that every run tells the same story. To look for seeds that break expectations, use\n"
    "`sim-run sweep`. To find where two traces part, run with --out twice and diff them.\n"
    "\n"
    "Options:\n"
    "  --runs N    how many runs to compare (at least 2; default 2)\n"
    "  --seed N    use seed N instead of the scenario's spec.seed\n"
    "\n"
    "Example:\n"
    "  $ sim-run verify scenarios/hello-cluster.yaml --runs 3\n"
    "  run 1: 3f1c...  (exit 0)\n"
    "  run 2: 3f1c...  (exit 0)\n"
    "  run 3: 3f1c...  (exit 0)\n"
    "  deterministic: 3 runs of hello-cluster (seed 42) gave the same trace hash\n"
    "\n"
    "Exit codes: 0 every run gave the same hash, 1 the hashes differ, 2 bad input.\n";

struct VerifyArgs {
    std::string file;
    std::optional<std::uint64_t> seed;
    int runs = 2;
};

std::optional<std::string> parse_count(const std::string& text, int& out) {
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < 2 || value > 1000) {
        return "--runs: expected a whole number from 2 to 1000, got \"" + text + "\"";
    }
    out = value;
    return std::nullopt;
}

std::optional<std::string> parse_verify_args(std::span<const std::string> args, VerifyArgs& out) {
    // --runs is ours; the rest (FILE, --seed) is the common scenario syntax.
    std::vector<std::string> rest;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] != "--runs") {
            rest.push_back(args[i]);
            continue;
        }
        if (i + 1 >= args.size()) return "--runs needs a number";
        if (auto error = parse_count(args[++i], out.runs)) return error;
    }
    ScenarioArgs common;
    if (auto error = parse_scenario_args(rest, /*allow_run_options=*/false, common)) return error;
    out.file = common.file;
    out.seed = common.seed;
    return std::nullopt;
}

int verify_main(std::span<const std::string> args) {
    VerifyArgs parsed;
    if (const auto error = parse_verify_args(args, parsed))
        return usage_error(kVerifyCommand, *error);
    const auto scenario = load_or_report(parsed.file);
    if (!scenario) return kExitBadInput;

    scenario::RunOptions options;
    options.seed = parsed.seed;
    options.progress = false;
    std::vector<std::string> hashes;
    std::uint64_t seed = 0;
    // Allocations kept alive between runs so the next run's objects land at other addresses.
    std::vector<std::unique_ptr<char[]>> heap_disturbance;
    for (int run = 1; run <= parsed.runs; ++run) {
        std::ostringstream err;
        const scenario::RunResult result = scenario::run_scenario(*scenario, options, err);
        if (!result.input_errors.empty()) {
            for (const auto& d : result.input_errors)
                std::cerr << scenario::format_diagnostic(d) << "\n";
            return kExitBadInput;
        }
        seed = result.seed;
        hashes.push_back(result.trace_sha256);
        std::cout << "run " << run << ": " << result.trace_sha256 << "  (exit " << result.exit_code
                  << ")\n";
        for (int i = 0; i < 64; ++i)
            heap_disturbance.push_back(
                std::make_unique<char[]>(static_cast<std::size_t>(24 + 40 * run + i)));
    }
    bool same = true;
    for (const std::string& h : hashes)
        same = same && h == hashes.front();
    if (!same) {
        std::cout << "NOT deterministic: " << parsed.runs << " runs of " << scenario->metadata.name
                  << " (seed " << seed << ") gave different trace hashes.\n"
                  << "Find where they part: run `sim-run run " << parsed.file << " --seed " << seed
                  << " --out DIR` twice and diff the two trace.jsonl files.\n";
        return kExitExpectationFailed;
    }
    std::cout << "deterministic: " << parsed.runs << " runs of " << scenario->metadata.name
              << " (seed " << seed << ") gave the same trace hash\n";
    return kExitOk;
}

}  // namespace

extern const Command kVerifyCommand{"verify", "run a scenario several times; fail if traces differ",
                                    kHelp, verify_main};

}  // namespace sim::cli
