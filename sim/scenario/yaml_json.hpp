// YAML -> JSON, typing plain scalars by the YAML 1.2 core schema (1 -> number, true -> bool,
// null/~ -> null; quoted scalars stay strings), as kubectl's YAML decoding does for manifests.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>

#include "sim/kernel/json.hpp"

namespace sim::scenario {

// Called for each problem: the offending node, the dotted field path, and a message.
using YamlErrorSink = std::function<void(const YAML::Node& node, const std::string& field,
                                         const std::string& message)>;

// Converts `node`; nullopt when any part could not be converted (each problem reported).
// `field` is the dotted path of `node` itself, for messages.
std::optional<sim::Json> yaml_to_json(const YAML::Node& node, const std::string& field,
                                      const YamlErrorSink& on_error);

}  // namespace sim::scenario
