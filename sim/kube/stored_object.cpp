#include "sim/kube/stored_object.hpp"

#include "sim/kernel/json.hpp"

namespace sim::kube {

const ObjectPtr& CompactObject::tree() const {
    if (!tree_) tree_ = make_object(to_json());
    return tree_;
}

}  // namespace sim::kube
