#include "sim/kube/patch.hpp"

#include <algorithm>
#include <vector>

#include "sim/kube/status.hpp"

namespace sim::kube {
namespace {

using Json = sim::Json;

std::string last_segment(std::string_view path) {
    const auto dot = path.rfind('.');
    return std::string(dot == std::string_view::npos ? path : path.substr(dot + 1));
}

std::string parent_segment(std::string_view path) {
    const auto dot = path.rfind('.');
    if (dot == std::string_view::npos) return "";
    return last_segment(path.substr(0, dot));
}

// Removes SMP directives from a value that is inserted as-is.
Json strip_directives(const Json& value) {
    if (value.is_object()) {
        Json out = Json::object();
        for (const auto& [k, v] : value.items()) {
            if (k == "$patch" || k == "$retainKeys" || k.rfind("$setElementOrder/", 0) == 0 ||
                k.rfind("$deleteFromPrimitiveList/", 0) == 0)
                continue;
            if (v.is_null()) continue;
            out[k] = strip_directives(v);
        }
        return out;
    }
    if (value.is_array()) {
        Json out = Json::array();
        for (const auto& v : value) {
            if (v.is_object() && v.value("$patch", "") == "delete") continue;
            out.push_back(strip_directives(v));
        }
        return out;
    }
    return value;
}

Json merge_map(const Json& original, const Json& patch, std::string_view kind,
               const std::string& path);

bool same_key(const Json& a, const Json& b, const std::string& key) {
    const auto x = a.find(key);
    const auto y = b.find(key);
    return x != a.end() && y != b.end() && *x == *y;
}

Json merge_list(const Json& original, const Json& patch, std::string_view kind,
                const std::string& path) {
    const std::string key = strategic_merge_key(kind, path);
    if (key.empty() || !original.is_array()) return strip_directives(patch);
    Json out = original;
    if (key == "$primitive") {
        for (const auto& v : patch)
            if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
        return out;
    }
    for (const auto& element : patch) {
        if (!element.is_object()) {
            out.push_back(element);
            continue;
        }
        const std::string directive = element.value("$patch", "");
        if (directive == "replace") return strip_directives(patch);
        const auto found = std::find_if(out.begin(), out.end(), [&](const Json& e) {
            return e.is_object() && same_key(e, element, key);
        });
        if (directive == "delete") {
            if (found != out.end()) out.erase(found);
            continue;
        }
        if (found != out.end()) {
            *found = merge_map(*found, element, kind, path);
        } else {
            out.push_back(strip_directives(element));
        }
    }
    return out;
}

void apply_element_order(Json& list, const Json& order, const std::string& key) {
    if (!list.is_array() || !order.is_array()) return;
    Json sorted = Json::array();
    std::vector<bool> used(list.size(), false);
    for (const auto& want : order) {
        for (std::size_t i = 0; i < list.size(); ++i) {
            if (used[i]) continue;
            const bool match =
                key == "$primitive" || key.empty()
                    ? list[i] == want
                    : list[i].is_object() && want.is_object() && same_key(list[i], want, key);
            if (match) {
                sorted.push_back(list[i]);
                used[i] = true;
                break;
            }
        }
    }
    for (std::size_t i = 0; i < list.size(); ++i)
        if (!used[i]) sorted.push_back(list[i]);
    list = std::move(sorted);
}

Json merge_map(const Json& original, const Json& patch, std::string_view kind,
               const std::string& path) {
    if (!patch.is_object()) return strip_directives(patch);
    const std::string directive = patch.value("$patch", "");
    if (directive == "replace") return strip_directives(patch);
    if (directive == "delete") return Json();  // caller removes nulls
    Json out = original.is_object() ? original : Json::object();
    for (const auto& [k, v] : patch.items()) {
        if (k == "$patch" || k == "$retainKeys" || k.rfind("$setElementOrder/", 0) == 0) continue;
        const std::string child = path.empty() ? k : path + "." + k;
        if (k.rfind("$deleteFromPrimitiveList/", 0) == 0) {
            const std::string list = k.substr(std::string("$deleteFromPrimitiveList/").size());
            if (!out.contains(list) || !out[list].is_array()) continue;
            Json kept = Json::array();
            for (const auto& e : out[list])
                if (std::find(v.begin(), v.end(), e) == v.end()) kept.push_back(e);
            out[list] = std::move(kept);
            continue;
        }
        if (v.is_null()) {
            out.erase(k);
            continue;
        }
        const auto existing = out.find(k);
        if (existing == out.end()) {
            const Json inserted =
                v.is_object() && v.value("$patch", "") == "delete" ? Json() : strip_directives(v);
            if (!inserted.is_null()) out[k] = inserted;
            continue;
        }
        if (v.is_object() && existing->is_object()) {
            Json merged = merge_map(*existing, v, kind, child);
            if (merged.is_null())
                out.erase(k);
            else
                *existing = std::move(merged);
        } else if (v.is_array() && existing->is_array()) {
            *existing = merge_list(*existing, v, kind, child);
        } else {
            *existing = strip_directives(v);
        }
    }
    for (const auto& [k, v] : patch.items()) {
        if (k.rfind("$setElementOrder/", 0) != 0) continue;
        const std::string list = k.substr(std::string("$setElementOrder/").size());
        if (out.contains(list))
            apply_element_order(out[list], v,
                                strategic_merge_key(kind, path.empty() ? list : path + "." + list));
    }
    if (const auto retain = patch.find("$retainKeys");
        retain != patch.end() && retain->is_array()) {
        Json kept = Json::object();
        for (const auto& [k, v] : out.items())
            if (std::find(retain->begin(), retain->end(), Json(k)) != retain->end()) kept[k] = v;
        out = std::move(kept);
    }
    return out;
}

}  // namespace

bool patch_type_from_content_type(std::string_view content_type, PatchType& out) {
    const auto semi = content_type.find(';');
    const std::string_view base = content_type.substr(0, semi);
    if (base == "application/merge-patch+json")
        out = PatchType::Merge;
    else if (base == "application/json-patch+json")
        out = PatchType::Json;
    else if (base == "application/strategic-merge-patch+json")
        out = PatchType::Strategic;
    else if (base == "application/apply-patch+yaml")
        out = PatchType::Apply;
    else
        return false;
    return true;
}

std::string content_type_of(PatchType type) {
    switch (type) {
        case PatchType::Merge:
            return "application/merge-patch+json";
        case PatchType::Json:
            return "application/json-patch+json";
        case PatchType::Strategic:
            return "application/strategic-merge-patch+json";
        case PatchType::Apply:
            return "application/apply-patch+yaml";
    }
    return "";
}

Json apply_merge_patch(Json target, const Json& patch) {
    target.merge_patch(patch);
    return target;
}

namespace {

// RFC 7386 MergePatch, as nlohmann's merge_patch (null erases, an object merges member by
// member, anything else replaces), with the patch's values moved rather than copied.
void merge_patch_moving(Json& target, Json&& patch) {
    if (!patch.is_object()) {
        target = std::move(patch);
        return;
    }
    if (!target.is_object()) target = Json::object();
    auto& members = target.get_ref<Json::object_t&>();
    for (auto& [key, value] : patch.get_ref<Json::object_t&>()) {
        auto it = members.lower_bound(key);
        const bool present = it != members.end() && it->first == key;
        if (value.is_null()) {
            if (present) members.erase(it);
            continue;
        }
        if (!present) it = members.emplace_hint(it, key, nullptr);
        merge_patch_moving(it->second, std::move(value));
    }
}

}  // namespace

Json apply_merge_patch(Json target, Json&& patch) {
    merge_patch_moving(target, std::move(patch));
    return target;
}

Json apply_json_patch(const Json& target, const Json& patch) {
    if (!patch.is_array())
        throw bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
    for (const auto& op : patch) {
        if (!op.is_object() || !op.contains("op") || !op.contains("path"))
            throw bad_request("json patch operation must have \"op\" and \"path\"");
    }
    try {
        return target.patch(patch);
    } catch (const sim::Json::exception& e) {
        // patch.go: NewGenericServerResponse(422, ...) with the library's message.
        Json s{{"kind", "Status"},
               {"apiVersion", "v1"},
               {"metadata", Json::object()},
               {"status", "Failure"},
               {"message", e.what()},
               {"reason", "Invalid"},
               {"details", Json{{"causes", Json::array({Json{{"reason", "UnexpectedServerResponse"},
                                                             {"message", e.what()}}})}}},
               {"code", 422}};
        throw ApiError(std::move(s));
    }
}

Json apply_strategic_merge_patch(const Json& target, const Json& patch, std::string_view kind) {
    if (!patch.is_object()) throw bad_request("strategic merge patch body must be a JSON object");
    Json out = merge_map(target, patch, kind, "");
    return out.is_null() ? Json::object() : out;
}

std::string strategic_merge_key(std::string_view kind, std::string_view path) {
    const std::string field = last_segment(path);
    const std::string parent = parent_segment(path);
    // k8s.io/api/core/v1/types.go and apps/v1/types.go patchMergeKey tags.
    if (field == "containers" || field == "initContainers" || field == "ephemeralContainers" ||
        field == "env" || field == "volumes" || field == "imagePullSecrets")
        return "name";
    if (field == "volumeMounts") return "mountPath";
    if (field == "volumeDevices") return "devicePath";
    if (field == "conditions") return "type";
    if (field == "ownerReferences") return "uid";
    if (field == "finalizers" && parent == "metadata") return "$primitive";
    if (field == "hostAliases") return "ip";
    if (field == "podIPs" || field == "hostIPs") return "ip";
    if (field == "addresses" && kind == "Node") return "type";
    if (field == "ports") {
        if (kind == "Service" && path == "spec.ports") return "port";
        if (parent == "containers" || parent == "initContainers" || parent == "ephemeralContainers")
            return "containerPort";
    }
    return "";
}

}  // namespace sim::kube
