// DefaultSeldonDeployment (v1/defaults.go), applied by Reconcile to its in-memory copy; v1.17.1
// has no mutating webhook, so the stored object keeps what the user wrote.
#pragma once

#include "sim/kernel/json.hpp"

#include "controller/seldon/config.hpp"

namespace sim::controller::seldon {

// Constants of operator/constants/constants.go.
inline constexpr int kFirstHttpPort = 9000;
inline constexpr int kFirstGrpcPort = 9500;
inline constexpr int kFirstMetricsPort = 6000;

// Defaults a whole SeldonDeployment (metadata.namespace, every predictor) in place.
void default_seldon_deployment(sim::Json& sdep, const OperatorConfig& config = {});

// The graph node called `name`, depth first (nullptr when none).
sim::Json* find_unit(sim::Json& graph, const std::string& name);
const sim::Json* find_unit(const sim::Json& graph, const std::string& name);

// IsPrepack: an implementation outside the five the graph implements itself.
bool is_prepack(const sim::Json& unit);

}  // namespace sim::controller::seldon
