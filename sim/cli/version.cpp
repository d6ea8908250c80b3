#include <iostream>
#include <string>

#include "sim/cli/command.hpp"

#if SIM_MIMALLOC
#include <mimalloc.h>
#endif

#ifndef SIM_VERSION
#define SIM_VERSION "0.0.0"
#endif

namespace sim::cli {
namespace {

// The allocator sim-run runs on (CMake option SIM_MIMALLOC). Calling into mimalloc here also
// keeps the library linked under --as-needed, so it does replace malloc.
std::string allocator_name() {
#if SIM_MIMALLOC
    const int v = mi_version();  // e.g. 209 for 2.0.9
    return "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." +
           std::to_string(v % 10);
#else
    return "the system malloc";
#endif
}

int version_main(std::span<const std::string> args) {
    if (!args.empty()) return usage_error(kVersionCommand, "takes no arguments");
    std::cout << "sim-run " << SIM_VERSION << " (Kubernetes 1.32 semantics, Seldon Core v1.17.1)\n"
              << "allocator: " << allocator_name() << "\n";
    return kExitOk;
}

}  // namespace

extern const Command kVersionCommand{
    "version", "print the version and what it emulates",
    "Usage: sim-run version\n\n"
    "Prints sim-run's version and the Kubernetes and Seldon Core versions whose behaviour it\n"
    "emulates, and the memory allocator it was built with (mimalloc unless built with\n"
    "-DSIM_MIMALLOC=OFF or the sanitizers).\n",
    version_main};

}  // namespace sim::cli
