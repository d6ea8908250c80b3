// A stored object as the API server shares it: immutable, reference-counted. The store, the
// watch history, watch events, informer caches and the shared-read verbs all hold the same
// object; nobody changes it (copy the Json to make a changed version).
#pragma once

#include <memory>

#include "sim/kernel/json_fwd.hpp"

namespace sim::kube {

using ObjectPtr = std::shared_ptr<const sim::Json>;

}  // namespace sim::kube
