#include "sim/kube/server_side_apply.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <vector>

#include "sim/kube/patch.hpp"
#include "sim/kube/status.hpp"

namespace sim::kube {
namespace {

using Json = sim::Json;
using TriePath = std::vector<std::string>;  // trie keys: "f:spec", "k:{...}", "v:...", "."

// Metadata the server owns or that identifies the object: never part of a field set.
bool server_managed_metadata(const std::string& key) {
    static const std::set<std::string> keys{"name",          "namespace",
                                            "uid",           "resourceVersion",
                                            "generation",    "creationTimestamp",
                                            "managedFields", "deletionTimestamp",
                                            "selfLink",      "deletionGracePeriodSeconds"};
    return keys.contains(key);
}

std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
}

Json fields_of(const Json& value, const std::string& path, const ApplyContext& context) {
    Json trie = Json::object();
    if (value.is_object()) {
        for (const auto& [key, v] : value.items()) {
            if (path.empty() && (key == "apiVersion" || key == "kind")) continue;
            if (path == "metadata" && server_managed_metadata(key)) continue;
            Json child = fields_of(v, join(path, key), context);
            // Identity-only metadata (name, namespace) sets no field at all.
            if (path.empty() && key == "metadata" && child.empty()) continue;
            trie["f:" + key] = std::move(child);
        }
        return trie;
    }
    if (!value.is_array() || !context.strategic) return trie;
    const std::string key = strategic_merge_key(context.kind, path);
    if (key.empty()) return trie;  // atomic list: owned as a whole
    for (const Json& item : value) {
        if (key == "$primitive") {
            trie["v:" + item.dump()] = Json::object();
            continue;
        }
        if (!item.is_object() || !item.contains(key)) return Json::object();  // not keyed
        Json entry = fields_of(item, path, context);
        entry["."] = Json::object();
        trie["k:" + Json{{key, item[key]}}.dump()] = std::move(entry);
    }
    return trie;
}

void leaves(const Json& trie, TriePath& at, std::vector<TriePath>& out) {
    for (const auto& [key, child] : trie.items()) {
        at.push_back(key);
        if (child.empty())
            out.push_back(at);
        else
            leaves(child, at, out);
        at.pop_back();
    }
}

std::vector<TriePath> leaves_of(const Json& trie) {
    std::vector<TriePath> out;
    TriePath at;
    leaves(trie, at, out);
    return out;
}

bool trie_has(const Json& trie, const TriePath& path) {
    const Json* at = &trie;
    for (const std::string& key : path) {
        const auto it = at->find(key);
        if (it == at->end()) return false;
        at = &*it;
    }
    return true;
}

void trie_erase(Json& trie, const TriePath& path, std::size_t depth = 0) {
    const auto it = trie.find(path[depth]);
    if (it == trie.end()) return;
    if (depth + 1 == path.size()) {
        trie.erase(it);
        return;
    }
    trie_erase(*it, path, depth + 1);
    if (it->empty()) trie.erase(it);
}

// The element of `list` a "k:" or "v:" trie key names.
Json::iterator find_item(Json& list, const std::string& key) {
    if (!list.is_array()) return list.end();
    const Json wanted = Json::parse(key.substr(2), nullptr, false);
    return std::find_if(list.begin(), list.end(), [&](const Json& item) {
        if (key[0] == 'v') return item == wanted;
        if (!item.is_object() || !wanted.is_object()) return false;
        for (const auto& [k, v] : wanted.items())
            if (!item.contains(k) || item[k] != v) return false;
        return true;
    });
}

// The value at a trie path ("." is the list item itself), or nullptr.
const Json* value_at(const Json& object, const TriePath& path) {
    Json* at = const_cast<Json*>(&object);  // read-only use of find_item
    for (const std::string& key : path) {
        if (key == ".") return at;
        if (key.starts_with("f:")) {
            const auto it = at->is_object() ? at->find(key.substr(2)) : at->end();
            if (!at->is_object() || it == at->end()) return nullptr;
            at = &*it;
            continue;
        }
        const auto it = find_item(*at, key);
        if (it == at->end()) return nullptr;
        at = &*it;
    }
    return at;
}

// Removes what a trie path names from the object: a field, or a list item for ".".
void remove_at(Json& object, const TriePath& path) {
    Json* at = &object;
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
        const std::string& key = path[i];
        const bool last_before_dot = i + 2 == path.size() && path.back() == ".";
        if (key.starts_with("f:")) {
            if (!at->is_object() || !at->contains(key.substr(2))) return;
            at = &(*at)[key.substr(2)];
            continue;
        }
        const auto it = find_item(*at, key);
        if (it == at->end()) return;
        if (last_before_dot) {
            at->erase(it);
            return;
        }
        at = &*it;
    }
    const std::string& key = path.back();
    if (key.starts_with("f:") && at->is_object()) at->erase(key.substr(2));
    if (key.starts_with("v:")) {
        const auto it = find_item(*at, key);
        if (it != at->end()) at->erase(it);
    }
}

// fieldpath.Path.String(): .spec.containers[name="main"].image, sets as [="value"].
std::string path_string(const TriePath& path) {
    std::string out;
    for (const std::string& key : path) {
        if (key == ".") continue;
        if (key.starts_with("f:")) {
            out += "." + key.substr(2);
        } else if (key.starts_with("v:")) {
            out += "[=" + key.substr(2) + "]";
        } else {
            const Json k = Json::parse(key.substr(2), nullptr, false);
            std::string inside;
            if (k.is_object())
                for (const auto& [name, value] : k.items())
                    inside += (inside.empty() ? "" : ",") + name + "=" + value.dump();
            out += "[" + inside + "]";
        }
    }
    return out;
}

// printManager of managedfields/internal/conflict.go, given the manager identifier
// (BuildManagerIdentifier: manager, operation, subresource and, for updates, apiVersion; never
// the time).
std::string manager_text(const Json& entry) {
    std::string text = quote_value(entry.value("manager", ""));
    const std::string sub = entry.value("subresource", "");
    if (!sub.empty()) text += " with subresource " + quote_value(sub);
    if (entry.value("operation", "") == "Update") text += " using " + entry.value("apiVersion", "");
    return text;
}

struct Conflict {
    std::size_t entry;
    TriePath path;
};

ApiError conflict_error(const Json& entries, const std::vector<Conflict>& conflicts) {
    Json causes = Json::array();
    for (const Conflict& c : conflicts)
        causes.push_back(Json{{"reason", "FieldManagerConflict"},
                              {"message", "conflict with " + manager_text(entries[c.entry])},
                              {"field", path_string(c.path)}});
    std::string message;
    if (conflicts.size() == 1) {
        message = "Apply failed with 1 conflict: conflict with " +
                  manager_text(entries[conflicts[0].entry]) + ": " + path_string(conflicts[0].path);
    } else {
        // Grouped by manager, managers sorted by their printed identity.
        std::map<std::string, std::vector<std::string>> by_manager;
        for (const Conflict& c : conflicts)
            by_manager[manager_text(entries[c.entry])].push_back(path_string(c.path));
        std::string lines;
        for (const auto& [manager, paths] : by_manager) {
            lines += (lines.empty() ? "" : "\n") + std::string("conflicts with ") + manager + ":";
            for (const std::string& p : paths)
                lines += "\n- " + p;
        }
        message = "Apply failed with " + std::to_string(conflicts.size()) + " conflicts: " + lines;
    }
    return ApiError(Json{{"kind", "Status"},
                         {"apiVersion", "v1"},
                         {"metadata", Json::object()},
                         {"status", "Failure"},
                         {"message", message},
                         {"reason", "Conflict"},
                         {"details", Json{{"causes", causes}}},
                         {"code", 409}});
}

bool owned_by_others(const Json& entries, std::size_t mine, const TriePath& path) {
    for (std::size_t i = 0; i < entries.size(); ++i)
        if (i != mine && trie_has(entries[i].value("fieldsV1", Json::object()), path)) return true;
    return false;
}

Json entry_of(const ApplyOptions& options, const ApplyContext& context, Json fields) {
    return Json{{"manager", options.field_manager},  {"operation", "Apply"},
                {"apiVersion", context.api_version}, {"time", context.now_rfc3339},
                {"fieldsType", "FieldsV1"},          {"fieldsV1", std::move(fields)}};
}

}  // namespace

void record_update(Json& next, const Json& old, const UpdateManager& manager,
                   const ApplyContext& context) {
    const auto entries_of = [](const Json& object) {
        const auto m = object.find("metadata");
        if (m == object.end() || !m->is_object()) return Json::array();
        const auto f = m->find("managedFields");
        return f != m->end() && f->is_array() ? *f : Json::array();
    };
    Json entries = entries_of(next);
    if (entries.empty()) return;
    // Fields the write set to a new value become the writer's; fields it removed leave
    // every set.
    Json changed = Json::object();
    for (const TriePath& path : leaves_of(fields_of(next, "", context))) {
        if (path.back() == ".") continue;
        const Json* before = value_at(old, path);
        const Json* after = value_at(next, path);
        if (before == nullptr || after == nullptr || *before != *after) {
            Json* at = &changed;
            for (const std::string& key : path)
                at = &(*at)[key];
            *at = Json::object();
        }
    }
    std::vector<TriePath> removed;
    for (const TriePath& path : leaves_of(fields_of(old, "", context)))
        if (path.back() != "." && value_at(next, path) == nullptr) removed.push_back(path);
    if (changed.empty() && removed.empty()) return;

    const auto is_mine = [&](const Json& e) {
        return e.value("manager", "") == manager.name && e.value("operation", "") == "Update" &&
               e.value("subresource", "") == manager.subresource;
    };
    Json kept = Json::array();
    Json mine = Json::object();
    for (Json& e : entries) {
        Json fields = e.value("fieldsV1", Json::object());
        for (const TriePath& path : removed)
            trie_erase(fields, path);
        if (is_mine(e)) {
            mine = std::move(fields);
            continue;
        }
        for (const TriePath& path : leaves_of(changed))
            trie_erase(fields, path);
        if (fields.empty()) continue;
        e["fieldsV1"] = std::move(fields);
        kept.push_back(std::move(e));
    }
    mine.merge_patch(changed);  // changed holds only empty objects at its leaves
    if (!mine.empty()) {
        Json entry{{"manager", manager.name},           {"operation", "Update"},
                   {"apiVersion", context.api_version}, {"time", context.now_rfc3339},
                   {"fieldsType", "FieldsV1"},          {"fieldsV1", std::move(mine)}};
        if (!manager.subresource.empty()) entry["subresource"] = manager.subresource;
        kept.push_back(std::move(entry));
    }
    next["metadata"]["managedFields"] = std::move(kept);
}

Json applied_fields(const Json& config, const ApplyContext& context) {
    return fields_of(config, "", context);
}

Json server_side_apply(const Json* live, const Json& config_in, const ApplyOptions& options,
                       const ApplyContext& context) {
    if (!config_in.is_object())
        throw bad_request("the body of the apply request must be a JSON or YAML object");
    Json config = config_in;
    if (config.contains("metadata") && config["metadata"].is_object()) {
        const Json& m = config["metadata"];
        if (m.contains("managedFields") && !m["managedFields"].is_null())
            throw invalid_object({"meta.k8s.io", "PatchOptions"}, "",
                                 {invalid("metadata.managedFields", "<omitted>",
                                          "cannot be set on an apply request")});
    }
    const Json fields = applied_fields(config, context);
    if (live == nullptr) {
        Json created = config;
        created["metadata"]["managedFields"] = Json::array({entry_of(options, context, fields)});
        return created;
    }

    Json entries = Json::array();
    if (const auto m = live->find("metadata");
        m != live->end() && m->contains("managedFields") && (*m)["managedFields"].is_array())
        entries = (*m)["managedFields"];
    std::size_t mine = entries.size();
    for (std::size_t i = 0; i < entries.size(); ++i)
        if (entries[i].value("manager", "") == options.field_manager &&
            entries[i].value("operation", "") == "Apply" &&
            entries[i].value("subresource", "").empty())
            mine = i;

    // Conflicts: a field another manager owns, applied with a different value.
    std::vector<Conflict> conflicts;
    const std::vector<TriePath> applied = leaves_of(fields);
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (i == mine) continue;
        const Json theirs = entries[i].value("fieldsV1", Json::object());
        for (const TriePath& path : applied) {
            if (path.back() == "." || !trie_has(theirs, path)) continue;
            const Json* now = value_at(*live, path);
            const Json* wanted = value_at(config, path);
            if (now == nullptr || wanted == nullptr || *now != *wanted)
                conflicts.push_back({i, path});
        }
    }
    if (!conflicts.empty() && !options.force) throw conflict_error(entries, conflicts);
    for (const Conflict& c : conflicts) {  // force: the field changes hands
        Json& theirs = entries[c.entry]["fieldsV1"];
        trie_erase(theirs, c.path);
    }

    Json merged = context.strategic ? apply_strategic_merge_patch(*live, config, context.kind)
                                    : apply_merge_patch(*live, config);
    // Fields this manager applied before and omits now go, unless someone else owns them.
    if (mine < entries.size()) {
        const Json before = entries[mine].value("fieldsV1", Json::object());
        std::vector<TriePath> dropped;
        for (const TriePath& path : leaves_of(before))
            if (!trie_has(fields, path) && !owned_by_others(entries, mine, path))
                dropped.push_back(path);
        // Deepest first, so an item's fields go before the item.
        std::sort(dropped.begin(), dropped.end(),
                  [](const TriePath& a, const TriePath& b) { return a.size() > b.size(); });
        for (const TriePath& path : dropped)
            remove_at(merged, path);
    }

    Json kept = Json::array();
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (i == mine) {
            kept.push_back(entry_of(options, context, fields));
            continue;
        }
        if (!entries[i].value("fieldsV1", Json::object()).empty()) kept.push_back(entries[i]);
    }
    if (mine == entries.size()) kept.push_back(entry_of(options, context, fields));
    merged["metadata"]["managedFields"] = std::move(kept);
    return merged;
}

}  // namespace sim::kube
