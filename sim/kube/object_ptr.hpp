// A stored object as the API server shares it: immutable, reference-counted. The store, the
// watch history, watch events, informer caches and the shared-read verbs all hold the same
// object; nobody changes it (copy the Json to make a changed version).
#pragma once

#include <memory>

#include "sim/kernel/json_fwd.hpp"

namespace sim::kube {

using ObjectPtr = std::shared_ptr<const sim::Json>;

// `object`, moved into a new shared object. Make every ObjectPtr with this, not make_shared:
// when the last holder lets go, the tree is taken apart by a walk from the leaves up
// (object_ptr.cpp), which costs less than nlohmann's own teardown of a large tree.
ObjectPtr make_object(sim::Json&& object);

}  // namespace sim::kube
