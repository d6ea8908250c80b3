// Placeholder until the scenario loader lands (issue 2, in progress): run/explain.
#include <iostream>

#include "sim/cli/command.hpp"

namespace sim::cli {
namespace {
int not_yet(std::span<const std::string>) {
    std::cerr << "sim-run: scenario loading is not built yet\n";
    return kExitBadInput;
}
}  // namespace
extern const Command kRunCommand{"run", "run a scenario", "Usage: sim-run run FILE\n", not_yet};
extern const Command kExplainCommand{"explain", "narrate a scenario", "Usage: sim-run explain FILE\n", not_yet};
}  // namespace sim::cli
