// `sim-run bench api`: the in-process API server's throughput (bench_api.cpp).
#pragma once

#include <span>
#include <string>

namespace sim::cli {

// ARGS after "api": [--pods N] [--gets M]. Prints a table; returns an exit code.
int bench_api(std::span<const std::string> args);

}  // namespace sim::cli
