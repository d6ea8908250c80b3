// The files a run leaves for people and CI: summary.txt (format_summary in runner.hpp) and
// junit.xml (one test case per expectation, plus one per failed timeline step).
#pragma once

#include <string>

#include "sim/scenario/runner.hpp"

namespace sim::scenario {

std::string format_junit(const Scenario& scenario, const RunResult& result);

}  // namespace sim::scenario
