#include "sim/kube/garbage_collector.hpp"

#include "sim/kube/object_meta.hpp"

namespace sim::kube {

GarbageCollector::GarbageCollector(Client& client) : client_(client) {}

void GarbageCollector::start() {
    if (!watches_.empty()) return;
    // The registry lives in the server; the client resolves kinds through it.
    for (const auto& kind_ref : client_.resources()) {
        const ResourceInfo& info = kind_ref;
        if (!info.has_verb("watch") || !info.has_verb("delete")) continue;
        // graph_builder.go ignoredResources (DefaultIgnoredResources): core/v1 Events are not
        // watched; nothing owns them, and they are the most written resource.
        if (info.group.empty() && info.plural == "events") continue;
        const ResourceRef ref{info.group, info.storage_version, info.plural, ""};
        auto w = client_.watch(ref, {.resource_version = "0"},
                               [this, info](const WatchEvent& e) { on_event(info, e); });
        if (w) watches_.push_back(std::move(w).value());
    }
}

void GarbageCollector::on_event(const ResourceInfo& resource, const WatchEvent& event) {
    if (event.type != WatchEventType::Added && event.type != WatchEventType::Modified &&
        event.type != WatchEventType::Deleted)
        return;
    const Json& object = event.object;
    const std::string uid = meta::uid(object);
    if (uid.empty()) return;
    std::set<std::string> owners_to_check;
    if (const auto it = nodes_.find(uid); it != nodes_.end())
        for (const auto& o : it->second.owners)
            owners_to_check.insert(o.value("uid", ""));
    if (event.type == WatchEventType::Deleted) {
        const std::set<std::string> dependents =
            dependents_.contains(uid) ? dependents_[uid] : std::set<std::string>{};
        forget(uid);
        for (const auto& d : dependents)
            process_dependent(d);
    } else {
        observe(resource, object);
        for (const auto& o : nodes_[uid].owners)
            owners_to_check.insert(o.value("uid", ""));
        if (nodes_[uid].deleting)
            process_deleting_owner(uid);
        else
            process_dependent(uid);
    }
    for (const auto& owner : owners_to_check)
        check_foreground(owner);
}

void GarbageCollector::observe(const ResourceInfo& resource, const Json& object) {
    const std::string uid = meta::uid(object);
    if (const auto it = nodes_.find(uid); it != nodes_.end())
        for (const auto& o : it->second.owners)
            dependents_[o.value("uid", "")].erase(uid);
    Node node;
    node.ref = ResourceRef{resource.group, resource.storage_version, resource.plural,
                           meta::namespace_of(object)};
    node.kind = resource.kind;
    node.name = meta::name(object);
    const Json& m = object.value("metadata", Json::object());
    node.owners = m.value("ownerReferences", Json::array());
    node.deleting = meta::is_being_deleted(object);
    node.orphan_finalizer = meta::has_finalizer(object, "orphan");
    node.foreground_finalizer = meta::has_finalizer(object, "foregroundDeletion");
    for (const auto& o : node.owners)
        dependents_[o.value("uid", "")].insert(uid);
    nodes_[uid] = std::move(node);
}

void GarbageCollector::forget(const std::string& uid) {
    const auto it = nodes_.find(uid);
    if (it == nodes_.end()) return;
    for (const auto& o : it->second.owners) {
        const auto d = dependents_.find(o.value("uid", ""));
        if (d == dependents_.end()) continue;
        d->second.erase(uid);
        if (d->second.empty() && !nodes_.contains(d->first)) dependents_.erase(d);
    }
    nodes_.erase(it);
}

void GarbageCollector::process_deleting_owner(const std::string& uid) {
    const Node node = nodes_.at(uid);
    const std::set<std::string> dependents =
        dependents_.contains(uid) ? dependents_[uid] : std::set<std::string>{};
    if (node.orphan_finalizer) {
        // orphanDependents: strip this owner from every dependent, then drop the finalizer.
        for (const auto& d : dependents) {
            const auto it = nodes_.find(d);
            if (it == nodes_.end()) continue;
            Json kept = Json::array();
            for (const auto& o : it->second.owners)
                if (o.value("uid", "") != uid) kept.push_back(o);
            set_owner_references(it->second, kept);
        }
        remove_finalizer(uid, "orphan");
        return;
    }
    if (node.foreground_finalizer) {
        for (const auto& d : dependents) {
            const auto it = nodes_.find(d);
            if (it == nodes_.end() || it->second.deleting) continue;
            decide(
                it->second, "delete (propagationPolicy Foreground)",
                "its owner " + node.kind + " " + node.name + " is being deleted in the foreground");
            ++actions_;
            (void)client_.remove(ResourceRef(it->second.ref), it->second.name,
                                 {.propagation_policy = "Foreground", .precondition_uid = d});
        }
        check_foreground(uid);
    }
}

void GarbageCollector::check_foreground(const std::string& owner_uid) {
    const auto owner = nodes_.find(owner_uid);
    if (owner == nodes_.end() || !owner->second.deleting || !owner->second.foreground_finalizer)
        return;
    if (const auto deps = dependents_.find(owner_uid); deps != dependents_.end()) {
        for (const auto& d : deps->second) {
            const auto it = nodes_.find(d);
            if (it == nodes_.end()) continue;
            for (const auto& o : it->second.owners)
                if (o.value("uid", "") == owner_uid && o.value("blockOwnerDeletion", false)) return;
        }
    }
    remove_finalizer(owner_uid, "foregroundDeletion");
}

bool GarbageCollector::owner_exists(const Json& owner_ref, const std::string& dependent_ns,
                                    bool* deleting_foreground) {
    const std::string uid = owner_ref.value("uid", "");
    auto ref = client_.ref_for(owner_ref.value("apiVersion", ""), owner_ref.value("kind", ""));
    if (!ref) return false;  // unknown kind: the owner cannot exist
    const ResourceInfo* info = client_.resource_info(*ref);
    ref->ns = info != nullptr && info->namespaced ? dependent_ns : "";
    const Result<Json> live = client_.get(*ref, owner_ref.value("name", ""));
    if (!live || meta::uid(live.value()) != uid) return false;
    *deleting_foreground = meta::is_being_deleted(live.value()) &&
                           meta::has_finalizer(live.value(), "foregroundDeletion");
    return true;
}

void GarbageCollector::process_dependent(const std::string& uid) {
    const auto it = nodes_.find(uid);
    if (it == nodes_.end() || it->second.owners.empty()) return;
    const Node node = it->second;
    Json solid = Json::array();
    std::size_t dangling = 0;
    std::size_t waiting = 0;
    for (const auto& o : node.owners) {
        bool foreground = false;
        // An owner in the graph exists; only an unknown uid needs a live check (it may be
        // gone, or created by a write whose event has not reached us yet).
        if (const auto known = nodes_.find(o.value("uid", "")); known != nodes_.end()) {
            foreground = known->second.deleting && known->second.foreground_finalizer;
        } else if (!owner_exists(o, node.ref.ns, &foreground)) {
            ++dangling;
            continue;
        }
        if (foreground && o.value("blockOwnerDeletion", false)) ++waiting;
        solid.push_back(o);
    }
    if (dangling == 0 && waiting == 0) return;
    if (solid.empty() || waiting == solid.size()) {
        if (node.deleting) return;
        // attemptToDeleteItem: the dependent goes with the policy it carries; dependents of an
        // owner waiting in the foreground go in the foreground.
        std::string policy = "Background";
        if (node.orphan_finalizer) policy = "Orphan";
        if (node.foreground_finalizer || waiting > 0) policy = "Foreground";
        decide(
            node, "delete (propagationPolicy " + policy + ")",
            waiting > 0 ? "its owners are being deleted in the foreground" : "its owners are gone");
        ++actions_;
        (void)client_.remove(ResourceRef(node.ref), node.name,
                             {.propagation_policy = policy, .precondition_uid = uid});
        return;
    }
    if (dangling > 0) set_owner_references(node, solid);
}

void GarbageCollector::remove_finalizer(const std::string& uid, const std::string& finalizer) {
    const auto it = nodes_.find(uid);
    if (it == nodes_.end()) return;
    const Result<Json> live = client_.get(it->second.ref, it->second.name);
    if (!live || meta::uid(live.value()) != uid || !meta::has_finalizer(live.value(), finalizer))
        return;
    Json object = live.value();
    meta::remove_finalizer(object, finalizer);
    Json finalizers = object["metadata"].value("finalizers", Json::array());
    decide(it->second, "remove finalizer " + finalizer,
           finalizer == "orphan" ? "its dependents no longer name it as an owner"
                                 : "no dependent blocks its deletion any more");
    ++actions_;
    (void)client_.patch(it->second.ref, it->second.name, PatchType::Merge,
                        Json{{"metadata",
                              {{"finalizers", finalizers},
                               {"resourceVersion", meta::resource_version(live.value())}}}});
}

void GarbageCollector::set_owner_references(const Node& node, const Json& refs) {
    decide(node, "remove ownerReferences to owners that are gone or orphaning",
           "it keeps " + std::to_string(refs.size()) + " owner(s)");
    ++actions_;
    (void)client_.patch(node.ref, node.name, PatchType::Merge,
                        Json{{"metadata", {{"ownerReferences", refs.empty() ? Json() : refs}}}});
}

void GarbageCollector::decide(const Node& node, const std::string& what, const std::string& why) {
    if (!on_decision_) return;
    const std::string object =
        node.kind + "/" + (node.ref.ns.empty() ? "" : node.ref.ns + "/") + node.name;
    on_decision_(object, what, why);
}

}  // namespace sim::kube
