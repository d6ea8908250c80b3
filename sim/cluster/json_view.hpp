// Reading members of cached objects by reference. nlohmann's json::value(key, default) returns
// a copy, so `pod.value("spec", json::object())` copies the whole spec on every call; on the
// scheduler's and kubelet's hot paths (every watch delivery, every scheduling attempt) those
// copies were a large part of the cluster layer's cost (docs/performance.md, "Cluster layer").
#pragma once

#include <string>
#include <string_view>

#include "sim/kernel/json.hpp"

namespace sim::cluster {

// The member `key` of `o` as it is (whatever its type), or `fallback` when `o` is no object or
// lacks it: json::value's answer, without the copy. Keys are string_views: a const char* key
// costs a strlen in every comparison of the member map's search.
inline const sim::Json& member_or(const sim::Json& o, std::string_view key,
                                  const sim::Json& fallback) {
    if (!o.is_object()) return fallback;
    const auto it = o.find(key);
    return it == o.end() ? fallback : *it;
}

inline const sim::Json& empty_json_object() {
    static const sim::Json kEmpty = sim::Json::object();
    return kEmpty;
}

inline const sim::Json& empty_json_array() {
    static const sim::Json kEmpty = sim::Json::array();
    return kEmpty;
}

// value(key, json::object()) and value(key, json::array()) by reference.
inline const sim::Json& object_member(const sim::Json& o, std::string_view key) {
    return member_or(o, key, empty_json_object());
}
inline const sim::Json& array_member(const sim::Json& o, std::string_view key) {
    return member_or(o, key, empty_json_array());
}

// The string member `key` of `o`, or "" when `o` is no object or the member is absent or not a
// string.
inline std::string str(const sim::Json& o, std::string_view key) {
    if (!o.is_object()) return "";
    const auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get_ref<const std::string&>() : std::string();
}

}  // namespace sim::cluster
