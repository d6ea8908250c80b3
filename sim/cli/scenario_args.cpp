#include "sim/cli/scenario_args.hpp"

#include <charconv>
#include <iostream>

#include "sim/scenario/loader.hpp"

namespace sim::cli {

std::optional<std::string> parse_scenario_args(std::span<const std::string> args,
                                               bool allow_run_options, ScenarioArgs& out) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const bool has_value = i + 1 < args.size();
        if (a == "--seed") {
            if (!has_value) return "--seed needs a number";
            const std::string& v = args[++i];
            std::uint64_t seed = 0;
            const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seed);
            if (ec != std::errc{} || end != v.data() + v.size()) {
                return "--seed: expected a non-negative integer, got \"" + v + "\"";
            }
            out.seed = seed;
        } else if (a == "--out" && allow_run_options) {
            if (!has_value) return "--out needs a folder";
            out.out_dir = args[++i];
        } else if (a == "--quiet" && allow_run_options) {
            out.quiet = true;
        } else if (a == "--trace-requests" && allow_run_options) {
            out.trace_requests = true;
        } else if (a == "--executor-metrics" && allow_run_options) {
            out.executor_metrics = true;
        } else if (a.starts_with("-")) {
            return "unknown option " + a;
        } else if (!out.file.empty()) {
            return "expected one scenario FILE, got a second: " + a;
        } else {
            out.file = a;
        }
    }
    if (out.file.empty()) return "expected a scenario FILE";
    if (out.executor_metrics && !out.out_dir)
        return "--executor-metrics writes DIR/metrics.prom: give --out DIR too";
    return std::nullopt;
}

std::optional<scenario::Scenario> load_or_report(const std::string& file) {
    auto loaded = scenario::load_scenario(file);
    if (loaded.ok()) return std::move(loaded.scenario);
    for (const auto& d : loaded.diagnostics)
        std::cerr << scenario::format_diagnostic(d) << "\n";
    return std::nullopt;
}

}  // namespace sim::cli
