#include "sim/kube/stored_object.hpp"

#include <nlohmann/json.hpp>

namespace sim::kube {

const ObjectPtr& CompactObject::tree() const {
    if (!tree_) tree_ = std::make_shared<const nlohmann::json>(to_json());
    return tree_;
}

}  // namespace sim::kube
