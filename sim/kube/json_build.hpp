// Reading and building an object member by member, on hot paths (creates, Events, pod status,
// bindings). The key may be a string or, better for a name the code spells out, a JsonKey
// ("name"_key, sim/kernel/json_keys.hpp): interned once, it is found by comparing pointers
// and added without a trip to the key table.
#pragma once

#include <string_view>
#include <type_traits>

#include "sim/kernel/json.hpp"

namespace sim::kube {

using namespace sim::json_literals;  // "name"_key

inline std::string_view key_text(std::string_view key) {
    return key;
}
inline std::string_view key_text(const sim::JsonKey& key) {
    return key.name();
}

// The member `key` of `object`, or nullptr (also when `object` is not an object).
template <class K>
const sim::Json* find_member(const sim::Json& object, const K& key) {
    // get_ptr, not get_ref: no throw path, so no stack frame on the way to the scan.
    const auto* members = object.get_ptr<const sim::Json::object_t*>();
    if (members == nullptr) return nullptr;
    const auto it = members->find(key);
    return it == members->end() ? nullptr : &it->second;
}
template <class K>
sim::Json* find_member(sim::Json& object, const K& key) {
    return const_cast<sim::Json*>(find_member(std::as_const(object), key));
}

// object.value(key, empty) without copying the member: the member itself, or `empty` when
// absent (value() throws for a non-object, and so does this).
template <class K>
const sim::Json& member_or(const sim::Json& object, const K& key, const sim::Json& empty) {
    if (!object.is_object()) (void)object.value(key_text(key), empty);
    const sim::Json* member = find_member(object, key);
    return member != nullptr ? *member : empty;
}

// Adds `key` to `object` (an object) unless present, and returns its member. With end() as the
// hint, a member that sorts after all present ones is placed with one key comparison, where
// emplace or operator[] search the object. So callers put members in key order; one out of
// order still lands in its place, after one more comparison.
template <class K>
sim::Json& put(sim::Json& object, const K& key, sim::Json value) {
    auto& members = object.get_ref<sim::Json::object_t&>();
    return members.emplace_hint(members.end(), key, std::move(value))->second;
}

}  // namespace sim::kube
