#include "sim/scenario/drain.hpp"

#include "sim/kube/object_meta.hpp"

namespace sim::scenario {

namespace meta = kube::meta;
using json = sim::Json;

namespace {

ApiCall call_of(const std::string& verb, const std::string& object,
                const kube::Result<json>& result) {
    ApiCall call{verb, object, result.code(), {}, {}, {}, {}};
    if (result) {
        call.resource_version =
            result->value("metadata", json::object()).value("resourceVersion", "");
        if (verb == "create") call.code = 201;
    } else {
        call.reason = result.error().reason();
        call.message = result.error().message();
    }
    return call;
}

bool daemon_set_pod(const json& pod) {
    const auto ref = meta::controller_of(pod);
    return ref && ref->value("kind", "") == "DaemonSet";
}

bool mirror_pod(const json& pod) {
    return meta::annotation(pod, "kubernetes.io/config.mirror").has_value();
}

}  // namespace

Drain::Drain(kube::Client& client, std::string node, OnCall on_call, Narrate narrate)
    : client_(client),
      node_(std::move(node)),
      on_call_(std::move(on_call)),
      narrate_(std::move(narrate)) {}

void Drain::report(StepOutcome* now_outcome, const ApiCall& call) {
    if (now_outcome) {
        now_outcome->calls.push_back(call);
    } else {
        on_call_(call);
    }
}

StepOutcome Drain::start() {
    StepOutcome out;
    // kubectl cordon: a patch of spec.unschedulable.
    record(out, "patch", "Node/" + node_,
           client_.patch(kube::refs::kNodes, node_, kube::PatchType::Strategic,
                         json{{"spec", {{"unschedulable", true}}}}));
    if (out.refused) return out;
    narrate_("node " + node_ + " cordoned");
    kube::ListOptions options;
    options.field_selector = "spec.nodeName=" + node_;
    const auto pods = client_.list(kube::refs::kPods, options);
    if (!pods) {
        record(out, "list", "Pod", pods);
        return out;
    }
    std::vector<std::string> unreplicated;
    for (const json& pod : (*pods)["items"]) {
        if (daemon_set_pod(pod) || mirror_pod(pod)) continue;
        const std::string key = meta::namespace_of(pod) + "/" + meta::name(pod);
        if (!meta::controller_of(pod)) {
            unreplicated.push_back(key);
            continue;
        }
        pending_.emplace(key, meta::uid(pod));
    }
    if (!unreplicated.empty()) {
        std::string list;
        for (const std::string& k : unreplicated)
            list += (list.empty() ? "" : ", ") + k;
        out.refused = true;
        out.refusal =
            "cannot delete Pods that declare no controller (use --force to override): " + list;
        pending_.clear();
        return out;
    }
    evict_pending(&out);
    return out;
}

void Drain::evict_pending(StepOutcome* now_outcome) {
    for (auto it = pending_.begin(); it != pending_.end();) {
        const auto [ns, name] = meta::split_key(it->first);
        const auto result = client_.evict(ns, name);
        report(now_outcome, call_of("create", "Pod/" + it->first + "/eviction", result));
        if (result || result.is_not_found()) {
            narrate_("pod " + it->first + " evicted from " + node_);
            it = pending_.erase(it);
            continue;
        }
        if (result.code() == 429) {
            narrate_("error when evicting pods/\"" + name + "\" -n \"" + ns +
                     "\" (will retry after 5s): " + result.error().message());
        } else {
            narrate_("evicting " + it->first + " failed (" + std::to_string(result.code()) +
                     "), retrying after 5s: " + result.error().message());
        }
        ++it;
    }
    if (pending_.empty()) {
        narrate_("node " + node_ + " drained");
        return;
    }
    client_.loop().schedule_after(kRetryInterval, [this, alive = alive_] {
        if (*alive) evict_pending(nullptr);
    });
}

}  // namespace sim::scenario
