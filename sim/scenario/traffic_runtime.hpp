// The scenario's side of the request path: `traffic:` sources as the request path takes them,
// `images:` rules and the `slow` / `errors` faults as container profiles, `models:` and rule
// models as a model loader, and the request metrics as expectations see them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/cluster/request_path.hpp"
#include "sim/kube/client.hpp"
#include "sim/scenario/expectations.hpp"
#include "sim/scenario/loader.hpp"
#include "sim/scenario/scenario.hpp"

namespace sim::scenario {

// A traffic source with its payload read; diagnostics (file, field) when the CSV is unusable.
std::optional<cluster::TrafficSourceSpec> traffic_source_spec(const TrafficSource& source,
                                                              std::size_t index,
                                                              std::vector<Diagnostic>& diagnostics);

// What an image does and costs, under the faults active now (`active` in start order).
cluster::ContainerProfile container_profile(const Scenario& s, const std::vector<Fault>& active,
                                            const std::string& image);

// Loads model files by path or by `models:` URI, each once.
cluster::ModelLoader scenario_model_loader(const Scenario& s);

// `base` plus the metrics of docs/scenarios.md: request metrics from `requests` (may be null:
// no traffic), Deployment, HPA and Pod metrics through `client`.
Observer with_metrics(Observer base, const cluster::RequestPath* requests,
                      const kube::Client& client);

}  // namespace sim::scenario
