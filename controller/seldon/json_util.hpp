// Small read helpers over unstructured SeldonDeployment JSON that never throw on a missing or
// mistyped field (the CRD schema check reports those; the webhook and the reconciler then read
// what is there, as Go's typed decoding would see zero values).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/kernel/json.hpp"

namespace sim::controller::seldon {

using Json = sim::Json;

inline const Json& null_json() {
    static const Json kNull;
    return kNull;
}

// object[key] when object is an object holding key, else null.
inline const Json& at(const Json& object, std::string_view key) {
    if (!object.is_object()) return null_json();
    const auto it = object.find(key);
    return it == object.end() ? null_json() : *it;
}

inline std::string str(const Json& object, std::string_view key) {
    const Json& v = at(object, key);
    return v.is_string() ? v.get<std::string>() : std::string{};
}

inline bool has(const Json& object, std::string_view key) {
    return !at(object, key).is_null();
}

inline std::int64_t integer(const Json& object, std::string_view key, std::int64_t fallback = 0) {
    const Json& v = at(object, key);
    return v.is_number_integer() ? v.get<std::int64_t>() : fallback;
}

inline bool boolean(const Json& object, std::string_view key) {
    const Json& v = at(object, key);
    return v.is_boolean() && v.get<bool>();
}

// object[key] as an array (an empty one when absent or mistyped).
inline const Json& array(const Json& object, std::string_view key) {
    static const Json kEmpty = Json::array();
    const Json& v = at(object, key);
    return v.is_array() ? v : kEmpty;
}

}  // namespace sim::controller::seldon
