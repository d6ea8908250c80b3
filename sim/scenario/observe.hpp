// How expectations look at the cluster: through the same API client a controller uses.
#pragma once

#include <optional>
#include <string>

#include "sim/kernel/json.hpp"
#include "sim/kube/client.hpp"
#include "sim/scenario/expectations.hpp"
#include "sim/scenario/scenario.hpp"

namespace sim::scenario {

// The resource for a kind as scenarios name it ("Deployment", "SeldonDeployment", "Pod"), in
// its storage version; nullptr when the API server does not serve it.
const kube::ResourceInfo* find_kind(std::string_view kind);
kube::ResourceRef resource_ref(const kube::ResourceInfo& info, std::string namespace_name = "");

// The value at `path` in `object`, or nullopt ("no value at <path>").
std::optional<sim::Json> resolve_field(const sim::Json& object, const FieldPath& path);

// Observes object fields, object counts and Events through `client`. Metrics are not
// observable yet (they come with the request path).
Observer make_cluster_observer(const kube::Client& client);

}  // namespace sim::scenario
