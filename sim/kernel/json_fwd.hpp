#pragma once
// sim::Json, the project's JSON value, declared without nlohmann's whole header (include
// sim/kernel/json.hpp to use it; why it is not nlohmann::json is told there).

#include <map>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "sim/kernel/byte_order.hpp"

namespace sim {

// nlohmann passes its own comparator as the third argument; this map ignores it.
template <class Key, class Value, class /*IgnoredLess*/, class Allocator>
using JsonObjectMap = std::map<Key, Value, BytesLess, Allocator>;

using Json = nlohmann::basic_json<JsonObjectMap>;

}  // namespace sim
