// Loading a scenario file: YAML -> typed Scenario (scenario.hpp), with every problem reported as
// `file:line:col: field.path: message` (1-based line and column), all of them at once, sorted by
// position.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sim/scenario/scenario.hpp"

namespace sim::scenario {

struct Diagnostic {
    SourceLocation where;  // line/column 0 when the problem has no position (unreadable file)
    std::string field;     // dotted path of the field ("spec.traffic[0].rate"); may be empty
    std::string message;
};

// "file:line:col: field: message" (parts without a value are left out).
std::string format_diagnostic(const Diagnostic& d);

struct LoadResult {
    std::optional<Scenario> scenario;     // set only when there are no diagnostics
    std::vector<Diagnostic> diagnostics;  // sorted by line, then column

    bool ok() const { return scenario.has_value() && diagnostics.empty(); }
};

// Reads, parses and validates a scenario file. Never throws for bad input.
LoadResult load_scenario(const std::filesystem::path& path);

// The same, for YAML text already in memory; `path` names it in messages and relative paths
// resolve against its folder.
LoadResult load_scenario_text(const std::string& yaml_text, const std::filesystem::path& path);

}  // namespace sim::scenario
