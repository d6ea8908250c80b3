#include "sim/scenario/steps.hpp"

#include <algorithm>

#include "sim/scenario/observe.hpp"

namespace sim::scenario {
namespace {

constexpr std::string_view kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

std::string describe_object(std::string_view kind, const std::string& ns, const std::string& name) {
    return std::string(kind) + "/" + (ns.empty() ? "" : ns + "/") + name;
}

}  // namespace

// Records one call's result; a 4xx answer makes the step refused.
void record(StepOutcome& out, std::string verb, std::string object,
            const kube::Result<sim::Json>& result) {
    ApiCall call{std::move(verb), std::move(object), result.code(), {}, {}, {}, {}};
    if (result) {
        const sim::Json& metadata = result->value("metadata", sim::Json::object());
        call.resource_version = metadata.value("resourceVersion", "");
        if (call.verb == "create") {
            call.code = 201;  // Created, as the real API server answers a create
            call.uid = metadata.value("uid", "");
        }
    } else {
        call.reason = result.error().reason();
        call.message = result.error().message();
        if (!out.refused && call.code >= 400 && call.code < 500) {
            out.refused = true;
            out.refusal = call.message;
        }
    }
    out.calls.push_back(std::move(call));
}

namespace {

void unknown_kind(StepOutcome& out, std::string_view kind, std::string object) {
    out.calls.push_back({"get",
                         std::move(object),
                         404,
                         {},
                         {},
                         "NotFound",
                         "the server doesn't have a resource type \"" + std::string(kind) + "\""});
    out.refused = true;
    out.refusal = out.calls.back().message;
}

// The kind's resource, or nullptr after recording the refusal kubectl would print.
const kube::ResourceInfo* served_kind(StepOutcome& out, std::string_view kind, std::string what) {
    const kube::ResourceInfo* info = find_kind(kind);
    if (!info) unknown_kind(out, kind, std::move(what));
    return info;
}

}  // namespace

StepOutcome apply_objects(kube::Client& client, const std::vector<ManifestObject>& objects) {
    StepOutcome out;
    for (const ManifestObject& m : objects) {
        const kube::ResourceInfo* info = find_kind(m.kind);
        const std::string ns =
            info && info->namespaced ? (m.namespace_.empty() ? "default" : m.namespace_) : "";
        const std::string what = describe_object(m.kind, ns, m.name);
        if (!info) {
            unknown_kind(out, m.kind, what);
            continue;
        }
        sim::Json desired = m.object;
        if (info->namespaced) desired["metadata"]["namespace"] = ns;
        desired["metadata"]["annotations"][std::string(kLastApplied)] = m.object.dump();
        const kube::ResourceRef ref{info->group, kube::split_api_version(m.api_version).second,
                                    info->plural, ns};
        const auto live = client.get(ref, m.name);
        if (live.is_not_found()) {
            record(out, "create", what, client.create(ref, desired));
        } else if (!live) {
            record(out, "get", what, live);
        } else {
            desired["metadata"]["resourceVersion"] = (*live)["metadata"]["resourceVersion"];
            record(out, "update", what, client.update(ref, desired));
        }
    }
    return out;
}

StepOutcome patch_object(kube::Client& client, const PatchStep& step) {
    StepOutcome out;
    const std::string what = format_object_ref(step.target);
    const kube::ResourceInfo* info = served_kind(out, step.target.kind, what);
    if (!info) return out;
    record(out, "patch", what,
           client.patch(resource_ref(*info, step.target.namespace_), step.target.name,
                        kube::PatchType::Merge, sim::Json::parse(step.merge_json)));
    return out;
}

StepOutcome scale_object(kube::Client& client, const ScaleStep& step) {
    StepOutcome out;
    const std::string what = format_object_ref(step.target);
    const kube::ResourceInfo* info = served_kind(out, step.target.kind, what);
    if (!info) return out;
    const kube::ResourceRef ref = resource_ref(*info, step.target.namespace_);
    auto scale = client.get_scale(ref, step.target.name);
    if (!scale) {
        record(out, "get", what + "/scale", scale);
        return out;
    }
    sim::Json desired = std::move(scale).value();
    desired["spec"]["replicas"] = step.replicas;
    record(out, "update", what + "/scale", client.update_scale(ref, step.target.name, desired));
    return out;
}

StepOutcome delete_objects(kube::Client& client, const DeleteStep& step, kernel::Random& random) {
    StepOutcome out;
    const kube::ResourceInfo* info = find_kind(step.kind);
    if (!info) {
        unknown_kind(out, step.kind,
                     describe_object(step.kind, step.namespace_, step.name.value_or("")));
        return out;
    }
    const kube::ResourceRef ref = resource_ref(*info, step.namespace_);
    if (step.name) {
        record(out, "delete", describe_object(step.kind, step.namespace_, *step.name),
               client.remove(ref, *step.name));
        return out;
    }
    kube::ListOptions options;
    options.label_selector = step.selector.value_or("");
    auto list = client.list(ref, options);
    if (!list) {
        record(out, "list", describe_object(step.kind, step.namespace_, ""), list);
        return out;
    }
    std::vector<std::pair<std::string, std::string>> victims;  // namespace, name; key order
    for (const sim::Json& item : (*list)["items"]) {
        // Objects already being deleted are not deleted again (kubectl would just wait).
        if (item["metadata"].contains("deletionTimestamp")) continue;
        victims.emplace_back(item["metadata"].value("namespace", ""),
                             item["metadata"].value("name", ""));
    }
    if (step.count && static_cast<std::size_t>(*step.count) < victims.size()) {
        random.shuffle(std::span(victims));
        victims.resize(static_cast<std::size_t>(*step.count));
        std::sort(victims.begin(), victims.end());  // delete in key order, like the rest
    }
    for (const auto& [ns, name] : victims) {
        record(out, "delete", describe_object(step.kind, ns, name),
               client.remove(ref.in(ns), name));
    }
    return out;
}

}  // namespace sim::scenario
