// Reading the Kubernetes manifests that `apply:` steps name, as `kubectl apply -f FILE` does:
// YAML or JSON, several documents separated by `---`, empty documents skipped, `kind: List`
// expanded into its items. Each object must have apiVersion, kind and metadata.name.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sim/kernel/json.hpp"
#include "sim/scenario/loader.hpp"

namespace sim::scenario {

struct ManifestObject {
    sim::Json object;
    std::string api_version;
    std::string kind;
    std::string namespace_;  // as written; empty when the manifest leaves it to the default
    std::string name;
    SourceLocation where;  // the document's first line
};

struct ManifestLoad {
    std::vector<ManifestObject> objects;  // file order
    std::vector<Diagnostic> diagnostics;  // empty when every document is usable

    bool ok() const { return diagnostics.empty(); }
};

ManifestLoad load_manifest(const std::filesystem::path& path);

// Every manifest the scenario's apply steps name, loaded once each (by resolved path), with
// all their problems.
struct ScenarioManifests {
    std::map<std::filesystem::path, ManifestLoad> by_path;
    std::vector<Diagnostic> diagnostics;
};
ScenarioManifests load_scenario_manifests(const Scenario& scenario);

// "Kind/namespace/name" or "Kind/name".
std::string describe(const ManifestObject& object);

}  // namespace sim::scenario
