// Building an object member by member, on hot paths (Events, pod status, bindings).
#pragma once

#include <string_view>

#include "sim/kernel/json.hpp"

namespace sim::kube {

// Adds `key` to `object` (an object) unless present, and returns its member. nlohmann keeps
// members in a std::map; with end() as the hint, a member that sorts after all present ones is
// placed with one key comparison, where emplace or operator[] search the tree (a const char*
// key also pays a strlen per comparison). So callers put members in key order; one out of
// order still lands in its place, after one more comparison.
inline sim::Json& put(sim::Json& object, std::string_view key, sim::Json value) {
    auto& members = object.get_ref<sim::Json::object_t&>();
    return members.emplace_hint(members.end(), key, std::move(value))->second;
}

}  // namespace sim::kube
