// sim-run explain FILE: the scenario's description, then a narrated run, for learning.
#include <iostream>
#include <sstream>

#include "sim/cli/command.hpp"
#include "sim/cli/scenario_args.hpp"
#include "sim/scenario/runner.hpp"

namespace sim::cli {
namespace {

constexpr std::string_view kHelp =
    "Usage: sim-run explain FILE [--seed N]\n"
    "\n"
    "Prints what a scenario teaches (its metadata.description), then runs it and narrates,\n"
    "instant by instant, what happens and why: what you apply, what each controller decides,\n"
    "which faults begin and end, and whether each expectation held.\n"
    "\n"
    "Example:\n"
    "  $ sim-run explain scenarios/hello-cluster.yaml\n"
    "  hello-cluster\n"
    "    The smallest useful scenario ...\n"
    "  t=00:00:00  node node-1 joins the cluster with 4 CPU and 16Gi memory\n"
    "  t=00:00:00  you apply ../fixtures/manifests/namespace.yaml (1 object(s))\n"
    "  ...\n"
    "\n"
    "Exit codes: as for `sim-run run` (0 held, 1 failed, 2 bad input).\n";

// Prints `text` indented by two spaces, words wrapped at 92 columns; line breaks in the text
// (paragraphs of a YAML `>` block) are kept.
void print_wrapped(const std::string& text) {
    constexpr std::size_t kWidth = 92;
    std::istringstream paragraphs(text);
    for (std::string paragraph; std::getline(paragraphs, paragraph);) {
        std::istringstream words(paragraph);
        std::string line;
        for (std::string word; words >> word;) {
            if (!line.empty() && line.size() + 1 + word.size() > kWidth) {
                std::cout << "  " << line << "\n";
                line.clear();
            }
            line += (line.empty() ? "" : " ") + word;
        }
        std::cout << "  " << line << "\n";
    }
}

int explain_main(std::span<const std::string> args) {
    ScenarioArgs parsed;
    if (const auto error = parse_scenario_args(args, /*allow_run_options=*/false, parsed)) {
        return usage_error(kExplainCommand, *error);
    }
    const auto scenario = load_or_report(parsed.file);
    if (!scenario) return kExitBadInput;

    std::cout << scenario->metadata.name << "\n";
    print_wrapped(scenario->metadata.description.empty() ? "(this scenario has no description)"
                                                         : scenario->metadata.description);
    std::cout << "\n";

    scenario::RunOptions options;
    options.seed = parsed.seed;
    options.progress = false;
    options.narration = &std::cout;
    const scenario::RunResult result = scenario::run_scenario(*scenario, options, std::cerr);
    if (!result.input_errors.empty()) {
        for (const auto& d : result.input_errors)
            std::cerr << scenario::format_diagnostic(d) << "\n";
        return kExitBadInput;
    }
    std::cout << "\n" << scenario::format_summary(*scenario, result);
    return result.exit_code;
}

}  // namespace

extern const Command kExplainCommand{"explain", "narrate a scenario's run, for learning", kHelp,
                                     explain_main};

}  // namespace sim::cli
