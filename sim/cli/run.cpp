// sim-run run FILE [--seed N] [--out DIR]: runs a scenario and checks its expectations.
#include <charconv>
#include <fstream>
#include <iostream>
#include <optional>

#include "sim/cli/command.hpp"
#include "sim/cli/scenario_args.hpp"
#include "sim/cluster/prometheus_metrics.hpp"
#include "sim/scenario/runner.hpp"

namespace sim::cli {
namespace {

constexpr std::string_view kHelp =
    "Usage: sim-run run FILE [--seed N] [--out DIR] [--quiet]\n"
    "                    [--trace-requests] [--executor-metrics]\n"
    "\n"
    "Runs a scenario in virtual time: builds its nodes, applies its timeline (manifests,\n"
    "patches, scaling, deletions, faults) at the instants it names, and checks its\n"
    "expectations as the simulation goes. Prints what held and what did not; the last line is\n"
    "the SHA-256 of the trace, which is the same for the same scenario and seed on every run,\n"
    "build and compiler.\n"
    "\n"
    "Options:\n"
    "  --seed N    use seed N instead of the scenario's spec.seed\n"
    "  --out DIR   write DIR/trace.jsonl (docs/trace.md), DIR/summary.txt, DIR/junit.xml and\n"
    "              DIR/report.html (charts of the run; open it in a browser, docs/report.md)\n"
    "  --quiet     no progress line on stderr (it appears only for runs longer than 1 s)\n"
    "  --trace-requests  also write one `request` line per request to the trace\n"
    "  --executor-metrics  also write DIR/metrics.prom: the Seldon executors' Prometheus\n"
    "              metrics at the end of the run (docs/serve.md); slower with much traffic\n"
    "\n"
    "Example:\n"
    "  $ sim-run run scenarios/hello-cluster.yaml --out out/\n"
    "  scenario hello-cluster (seed 42, 5m0s virtual, 12 events)\n"
    "    ok   three nodes registered (at 00:00:01)\n"
    "  ...\n"
    "  trace sha256: 3f1c...\n"
    "\n"
    "Exit codes: 0 every expectation held, 1 an expectation or a timeline step failed,\n"
    "2 bad input (the scenario, a manifest it applies, or the options).\n";

int run_main(std::span<const std::string> args) {
    ScenarioArgs parsed;
    if (const auto error = parse_scenario_args(args, /*allow_run_options=*/true, parsed)) {
        return usage_error(kRunCommand, *error);
    }
    const auto scenario = load_or_report(parsed.file);
    if (!scenario) return kExitBadInput;

    scenario::RunOptions options;
    options.seed = parsed.seed;
    options.out_dir = parsed.out_dir;
    options.progress = !parsed.quiet;
    options.trace_requests = parsed.trace_requests;
    cluster::ExecutorMetrics executor_metrics;
    if (parsed.executor_metrics) options.executor_metrics = &executor_metrics;
    const scenario::RunResult result = scenario::run_scenario(*scenario, options, std::cerr);
    if (!result.input_errors.empty()) {
        for (const auto& d : result.input_errors)
            std::cerr << scenario::format_diagnostic(d) << "\n";
        return kExitBadInput;
    }
    std::cout << scenario::format_summary(*scenario, result);
    if (parsed.out_dir)
        std::cout << "wrote " << parsed.out_dir->string()
                  << "/{trace.jsonl,summary.txt,junit.xml,report.html}\n";
    if (parsed.executor_metrics) {
        std::ofstream out(*parsed.out_dir / "metrics.prom", std::ios::binary | std::ios::trunc);
        out << executor_metrics.text(scenario->duration);  // scraped at the end of the run
        if (!out)
            std::cerr << "sim-run: cannot write " << parsed.out_dir->string() << "/metrics.prom\n";
        else
            std::cout << "wrote " << parsed.out_dir->string() << "/metrics.prom\n";
    }
    std::cout << "trace sha256: " << result.trace_sha256 << "\n";
    return result.exit_code;
}

}  // namespace

extern const Command kRunCommand{"run", "run a scenario and check its expectations", kHelp,
                                 run_main};

}  // namespace sim::cli
