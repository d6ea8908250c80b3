#include <iostream>

#include "sim/cli/command.hpp"

#ifndef SIM_VERSION
#define SIM_VERSION "0.0.0"
#endif

namespace sim::cli {
namespace {

int version_main(std::span<const std::string> args) {
    if (!args.empty()) return usage_error(kVersionCommand, "takes no arguments");
    std::cout << "sim-run " << SIM_VERSION << " (Kubernetes 1.32 semantics, Seldon Core v1.17.1)\n";
    return kExitOk;
}

}  // namespace

extern const Command kVersionCommand{
    "version", "print the version and what it emulates",
    "Usage: sim-run version\n\n"
    "Prints sim-run's version and the Kubernetes and Seldon Core versions whose behaviour it\n"
    "emulates.\n",
    version_main};

}  // namespace sim::cli
