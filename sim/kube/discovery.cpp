#include "sim/kube/discovery.hpp"

#include <algorithm>
#include <vector>

namespace sim::kube {
namespace {

using Json = sim::Json;

Json resource_entry(const ResourceInfo& r) {
    Json e{{"name", r.plural},
           {"singularName", r.singular},
           {"namespaced", r.namespaced},
           {"kind", r.kind},
           {"verbs", r.verbs}};
    if (!r.short_names.empty()) e["shortNames"] = r.short_names;
    if (!r.categories.empty()) e["categories"] = r.categories;
    return e;
}

Json subresource_entry(const ResourceInfo& r, const std::string& sub) {
    Json e{{"name", r.plural + "/" + sub}, {"singularName", ""}, {"namespaced", r.namespaced}};
    if (sub == "scale") {
        e["group"] = "autoscaling";
        e["version"] = "v1";
        e["kind"] = "Scale";
        e["verbs"] = {"get", "patch", "update"};
    } else if (sub == "binding") {
        e["kind"] = "Binding";
        e["verbs"] = {"create"};
    } else if (sub == "eviction") {
        // kubectl drain looks for it before using the Eviction API (policy/v1).
        e["group"] = "policy";
        e["version"] = "v1";
        e["kind"] = "Eviction";
        e["verbs"] = {"create"};
    } else {
        e["kind"] = r.kind;
        e["verbs"] = {"get", "patch", "update"};
    }
    return e;
}

std::vector<std::string> subresources_of(const ResourceInfo& r) {
    std::vector<std::string> subs;
    if (r.has_status) subs.push_back("status");
    if (r.scale) subs.push_back("scale");
    if (r.has_binding) subs.push_back("binding");
    if (r.has_binding) subs.push_back("eviction");  // pods: binding and eviction
    return subs;
}

}  // namespace

Json api_versions(std::string_view server_address) {
    return Json{
        {"kind", "APIVersions"},
        {"versions", {"v1"}},
        {"serverAddressByClientCIDRs",
         Json::array({Json{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}})}};
}

Json api_group_list(const Registry& registry) {
    Json groups = Json::array();
    std::vector<std::string> seen;
    for (const auto& r : registry.all()) {
        if (r.group.empty() || std::find(seen.begin(), seen.end(), r.group) != seen.end()) continue;
        seen.push_back(r.group);
        Json versions = Json::array();
        for (const auto& v : r.versions)
            versions.push_back(Json{{"groupVersion", r.api_version(v)}, {"version", v}});
        groups.push_back(Json{
            {"name", r.group}, {"versions", versions}, {"preferredVersion", versions.front()}});
    }
    return Json{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

Json api_resource_list(const Registry& registry, std::string_view group, std::string_view version) {
    Json resources = Json::array();
    bool custom = false;
    for (const auto& r : registry.all()) {
        if (r.group != group || !r.serves(version)) continue;
        custom = custom || r.custom;
        resources.push_back(resource_entry(r));
        std::vector<std::string> subs = subresources_of(r);
        if (!r.custom) std::sort(subs.begin(), subs.end());
        for (const auto& s : subs)
            resources.push_back(subresource_entry(r, s));
    }
    if (resources.empty()) return Json();
    if (!custom)
        std::stable_sort(resources.begin(), resources.end(),
                         [](const Json& a, const Json& b) { return a["name"] < b["name"]; });
    const std::string gv =
        group.empty() ? std::string(version) : std::string(group) + "/" + std::string(version);
    return Json{{"kind", "APIResourceList"},
                {"apiVersion", "v1"},
                {"groupVersion", gv},
                {"resources", resources}};
}

}  // namespace sim::kube
