#include "sim/kube/object_meta.hpp"

#include <algorithm>
#include <string_view>

namespace sim::kube::meta {
namespace {

// Keys as string_views: nlohmann compares a const char* key with strlen at every step of the
// tree's descent, and these run for every object a controller looks at.
using namespace std::string_view_literals;

const Json& metadata(const Json& object) {
    static const Json empty = Json::object();
    const auto it = object.find("metadata"sv);
    return it != object.end() && it->is_object() ? *it : empty;
}

Json& metadata(Json& object) {
    if (!object.contains("metadata") || !object["metadata"].is_object())
        object["metadata"] = Json::object();
    return object["metadata"];
}

// metadata[key] in place when it is a string, else "".
std::string_view view(const Json& m, std::string_view key) {
    const auto it = m.find(key);
    return it != m.end() && it->is_string() ? std::string_view(it->get_ref<const std::string&>())
                                            : std::string_view{};
}

std::string text(const Json& object, std::string_view key) {
    return std::string(view(metadata(object), key));
}

}  // namespace

std::string name(const Json& object) {
    return text(object, "name");
}
std::string namespace_of(const Json& object) {
    return text(object, "namespace");
}
std::string uid(const Json& object) {
    return text(object, "uid");
}
std::string resource_version(const Json& object) {
    return text(object, "resourceVersion");
}
std::int64_t generation(const Json& object) {
    return metadata(object).value("generation", std::int64_t{0});
}
bool is_being_deleted(const Json& object) {
    const Json& m = metadata(object);
    return m.contains("deletionTimestamp") && !m["deletionTimestamp"].is_null();
}

Labels labels(const Json& object) {
    return object_labels(object);
}

void set_label(Json& object, const std::string& key, const std::string& value) {
    Json& m = metadata(object);
    if (!m.contains("labels") || !m["labels"].is_object()) m["labels"] = Json::object();
    m["labels"][key] = value;
}

std::optional<std::string> annotation(const Json& object, const std::string& key) {
    const Json& m = metadata(object);
    const auto a = m.find("annotations"sv);
    if (a == m.end() || !a->is_object()) return std::nullopt;
    const auto it = a->find(key);
    if (it == a->end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

void set_annotation(Json& object, const std::string& key, const std::string& value) {
    Json& m = metadata(object);
    if (!m.contains("annotations") || !m["annotations"].is_object())
        m["annotations"] = Json::object();
    m["annotations"][key] = value;
}

bool has_finalizer(const Json& object, const std::string& finalizer) {
    const Json& m = metadata(object);
    const auto f = m.find("finalizers"sv);
    return f != m.end() && f->is_array() &&
           std::find(f->begin(), f->end(), Json(finalizer)) != f->end();
}

void add_finalizer(Json& object, const std::string& finalizer) {
    if (has_finalizer(object, finalizer)) return;
    Json& m = metadata(object);
    if (!m.contains("finalizers") || !m["finalizers"].is_array()) m["finalizers"] = Json::array();
    m["finalizers"].push_back(finalizer);
}

void remove_finalizer(Json& object, const std::string& finalizer) {
    Json& m = metadata(object);
    if (!m.contains("finalizers") || !m["finalizers"].is_array()) return;
    Json kept = Json::array();
    for (const auto& f : m["finalizers"])
        if (f != finalizer) kept.push_back(f);
    if (kept.empty())
        m.erase("finalizers");
    else
        m["finalizers"] = std::move(kept);
}

Json controller_ref(const Json& owner) {
    return Json{{"apiVersion", owner.value("apiVersion", "")},
                {"kind", owner.value("kind", "")},
                {"name", name(owner)},
                {"uid", uid(owner)},
                {"controller", true},
                {"blockOwnerDeletion", true}};
}

std::optional<Json> controller_of(const Json& object) {
    const Json& m = metadata(object);
    const auto refs = m.find("ownerReferences"sv);
    if (refs == m.end() || !refs->is_array()) return std::nullopt;
    for (const auto& r : *refs)
        if (r.value("controller", false)) return r;
    return std::nullopt;
}

bool is_controlled_by(const Json& object, const Json& owner) {
    const auto ref = controller_of(object);
    return ref && ref->value("uid", "") == uid(owner);
}

void add_owner_reference(Json& object, const Json& reference) {
    Json& m = metadata(object);
    if (!m.contains("ownerReferences") || !m["ownerReferences"].is_array())
        m["ownerReferences"] = Json::array();
    for (auto& r : m["ownerReferences"])
        if (r.value("uid", "") == reference.value("uid", "")) {
            r = reference;
            return;
        }
    m["ownerReferences"].push_back(reference);
}

std::string key_of(const Json& object) {
    const Json& m = metadata(object);
    const std::string_view ns = view(m, "namespace");
    const std::string_view object_name = view(m, "name");
    std::string key;
    key.reserve(ns.size() + 1 + object_name.size());
    if (!ns.empty()) key.append(ns).append(1, '/');
    key.append(object_name);
    return key;
}

std::pair<std::string, std::string> split_key(const std::string& key) {
    const auto slash = key.find('/');
    if (slash == std::string::npos) return {"", key};
    return {key.substr(0, slash), key.substr(slash + 1)};
}

}  // namespace sim::kube::meta
