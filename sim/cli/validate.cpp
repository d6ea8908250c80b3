// sim-run validate FILE...: loads each scenario and reports every problem, without running it.
#include <iostream>

#include "sim/cli/command.hpp"
#include "sim/scenario/loader.hpp"
#include "sim/scenario/manifest.hpp"

namespace sim::cli {
namespace {

constexpr std::string_view kHelp =
    "Usage: sim-run validate FILE...\n"
    "\n"
    "Checks scenario files without running them: YAML syntax, every field's name, type and\n"
    "value, the times (inside the scenario's duration, windows in order), field paths,\n"
    "regular expressions, image patterns, and that every referenced file (manifests, model\n"
    "files, payload texts) exists, and that each manifest an apply step names holds usable\n"
    "Kubernetes objects (apiVersion, kind, metadata.name). Every problem in a file is reported, "
    "not just the first,\n"
    "as `file:line:col: field.path: message`.\n"
    "\n"
    "Example:\n"
    "  $ sim-run validate scenarios/canary-rollout.yaml\n"
    "  scenarios/canary-rollout.yaml: ok (3 nodes, 1 traffic source, 4 steps, 5 expectations)\n"
    "\n"
    "  $ sim-run validate broken.yaml\n"
    "  broken.yaml:14:13: spec.traffic[0].rate: expected a number or {ramp|steps}, got \"fast\"\n"
    "\n"
    "Exit codes: 0 every file is valid, 2 at least one is not (or bad usage).\n"
    "The file format is described in docs/scenarios.md.\n";

std::string plural(std::size_t n, std::string_view word) {
    return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

std::string summary(const sim::scenario::Scenario& s) {
    std::size_t nodes = 0;
    for (const auto& group : s.cluster.nodes)
        nodes += static_cast<std::size_t>(group.count);
    return plural(nodes, "node") + ", " + plural(s.traffic.size(), "traffic source") + ", " +
           plural(s.timeline.size(), "step") + ", " + plural(s.expectations.size(), "expectation");
}

int validate_main(std::span<const std::string> args) {
    if (args.empty()) return usage_error(kValidateCommand, "expected at least one FILE");
    for (const std::string& a : args) {
        if (a.starts_with("-") && a != "-") {
            return usage_error(kValidateCommand, "unknown option " + a);
        }
    }
    bool all_ok = true;
    for (const std::string& file : args) {
        auto result = sim::scenario::load_scenario(file);
        if (result.ok()) {
            // The manifests its apply steps name must be usable Kubernetes objects too.
            result.diagnostics =
                sim::scenario::load_scenario_manifests(*result.scenario).diagnostics;
        }
        if (result.diagnostics.empty()) {
            std::cout << file << ": ok (" << summary(*result.scenario) << ")\n";
            continue;
        }
        all_ok = false;
        for (const auto& d : result.diagnostics) {
            std::cerr << sim::scenario::format_diagnostic(d) << "\n";
        }
    }
    return all_ok ? kExitOk : kExitBadInput;
}

}  // namespace

extern const Command kValidateCommand{"validate", "check scenario files without running them",
                                      kHelp, validate_main};

}  // namespace sim::cli
