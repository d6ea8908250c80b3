#pragma once
// sim::Json, the project's JSON value, declared without nlohmann's whole header (include
// sim/kernel/json.hpp to use it; why it is not nlohmann::json is told there).

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "sim/kernel/json_object_map.hpp"

namespace sim {

// An object's members (json_object_map.hpp). nlohmann passes its own comparator and allocator
// as the last two arguments; the members are ordered by BytesLess and allocated with new.
template <class Key, class Value, class /*IgnoredLess*/, class /*IgnoredAllocator*/>
using JsonObjectMap = JsonMembers<Key, Value>;

using Json = nlohmann::basic_json<JsonObjectMap>;

}  // namespace sim
