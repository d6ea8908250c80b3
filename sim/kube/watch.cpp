#include "sim/kube/watch.hpp"

#include <algorithm>

namespace sim::kube {

using Json = sim::Json;

std::string to_string(WatchEventType type) {
    switch (type) {
        case WatchEventType::Added:
            return "ADDED";
        case WatchEventType::Modified:
            return "MODIFIED";
        case WatchEventType::Deleted:
            return "DELETED";
        case WatchEventType::Bookmark:
            return "BOOKMARK";
        case WatchEventType::Error:
            return "ERROR";
    }
    return "ERROR";
}

Json WatchEvent::to_json() const {
    return Json{{"type", to_string(type)}, {"object", object}};
}

WatchHandle& WatchHandle::operator=(WatchHandle&& other) noexcept {
    if (this != &other) {
        stop();
        hub_ = other.hub_;
        id_ = other.id_;
        other.hub_ = nullptr;
        other.id_ = 0;
    }
    return *this;
}

void WatchHandle::stop() {
    if (hub_ != nullptr) hub_->remove(id_);
    hub_ = nullptr;
}

void WatchHub::remove(std::uint64_t id) {
    const auto it = watchers_.find(id);
    if (it == watchers_.end()) return;
    it->second->stopped = true;
    if (const auto node = pinned_node(it->second->spec)) {
        pods_by_node_[*node].erase(id);
    } else {
        by_resource_[it->second->spec.group_resource].erase(id);
    }
    watchers_.erase(it);
}

std::optional<std::string> WatchHub::pinned_node(const WatcherSpec& spec) {
    if (spec.group_resource != "pods") return std::nullopt;
    for (const FieldRequirement& r : spec.fields.requirements())
        if (r.field == "spec.nodeName" && r.equals) return r.value;
    return std::nullopt;
}

std::vector<std::uint64_t> WatchHub::candidates(const Change& change) const {
    std::vector<std::uint64_t> ids;
    if (const auto it = by_resource_.find(change.group_resource); it != by_resource_.end())
        ids.assign(it->second.begin(), it->second.end());
    if (change.group_resource != "pods" || pods_by_node_.empty()) return ids;
    const std::size_t unpinned = ids.size();
    std::optional<std::string> last;
    for (const StoredObject* stored : {&change.object, &change.previous}) {
        const Json* object = stored->tree().get();
        if (object == nullptr || !object->is_object()) continue;
        const std::string node = selectable_field_value(*object, "spec.nodeName");
        if (node == last) continue;  // unchanged: its watchers are in already
        last = node;
        if (const auto it = pods_by_node_.find(node); it != pods_by_node_.end())
            ids.insert(ids.end(), it->second.begin(), it->second.end());
    }
    if (ids.size() != unpinned) {
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    }
    return ids;
}

bool WatchHub::matches(const Watcher& w, const Json& object) const {
    return w.spec.labels.matches_object(object) && w.spec.fields.matches(object);
}

std::shared_ptr<const Json> WatchHub::present(const Watcher& w,
                                              const std::shared_ptr<const Json>& stored) {
    if (!w.spec.present) return stored;
    return make_object(w.spec.present(*stored));
}

std::optional<WatchEvent> WatchHub::translate(const Watcher& w,
                                              const std::shared_ptr<const Change>& shared) const {
    const Change& c = *shared;
    if (c.group_resource != w.spec.group_resource) return std::nullopt;
    if (!w.spec.ns.empty() && c.ns != w.spec.ns) return std::nullopt;
    // The change's own object (the store's): no copy per watcher.
    const std::shared_ptr<const Json>& object = c.object.tree();
    const bool now = matches(w, *object);
    const ObjectPtr& previous = c.previous.tree();
    const bool before = previous != nullptr && !previous->is_null() && matches(w, *previous);
    switch (c.type) {
        case WatchEventType::Added:
            if (!now) return std::nullopt;
            return WatchEvent{WatchEventType::Added, present(w, object)};
        case WatchEventType::Deleted:
            if (!now) return std::nullopt;
            return WatchEvent{WatchEventType::Deleted, present(w, object)};
        case WatchEventType::Modified:
            if (now && before) return WatchEvent{WatchEventType::Modified, present(w, object)};
            if (now) return WatchEvent{WatchEventType::Added, present(w, object)};
            if (before) {
                // cache_watcher.go: the old state with the new resourceVersion.
                Json old = *previous;
                old["metadata"]["resourceVersion"] = object->at("metadata").at("resourceVersion");
                return WatchEvent{WatchEventType::Deleted, present(w, make_object(std::move(old)))};
            }
            return std::nullopt;
        default:
            return std::nullopt;
    }
}

void WatchHub::deliver(const std::shared_ptr<Watcher>& w, WatchEvent event) {
    if (w->spec.external) {
        loop_.schedule_after(0, [w, event = std::move(event), count = external_deliveries_] {
            ++*count;
            if (!w->stopped) w->handler(event);
        });
        return;
    }
    loop_.schedule_after(0, [w, event = std::move(event)] {
        if (!w->stopped) w->handler(event);
    });
}

void WatchHub::record(Change change) {
    const auto shared = std::make_shared<const Change>(std::move(change));
    for (const std::uint64_t id : candidates(*shared)) {
        const std::shared_ptr<Watcher>& w = watchers_.at(id);
        if (auto event = translate(*w, shared)) deliver(w, std::move(*event));
    }
    history_.push_back(shared);
    while (history_.size() > capacity_) {
        compacted_ = history_.front()->revision;
        history_.pop_front();
    }
}

WatchHandle WatchHub::add(WatcherSpec spec, WatchHandler handler,
                          const std::vector<ObjectPtr>& initial, bool replay,
                          std::uint64_t from_revision) {
    auto w = std::make_shared<Watcher>(Watcher{std::move(spec), std::move(handler), false});
    for (const ObjectPtr& object : initial)
        if (matches(*w, *object)) deliver(w, {WatchEventType::Added, present(*w, object)});
    if (replay) {
        for (const auto& c : history_) {
            if (c->revision <= from_revision) continue;
            if (auto event = translate(*w, c)) deliver(w, std::move(*event));
        }
    }
    const std::uint64_t id = next_id_++;
    if (const auto node = pinned_node(w->spec)) {
        pods_by_node_[*node].insert(id);
    } else {
        by_resource_[w->spec.group_resource].insert(id);
    }
    watchers_.emplace(id, std::move(w));
    return WatchHandle(this, id);
}

void WatchHub::send_bookmarks(std::uint64_t revision) {
    for (const auto& [id, w] : watchers_) {
        if (!w->spec.bookmarks) continue;
        deliver(w, {WatchEventType::Bookmark,
                    Json{{"kind", w->spec.kind},
                         {"apiVersion", w->spec.api_version},
                         {"metadata", Json{{"resourceVersion", std::to_string(revision)}}}}});
    }
}

}  // namespace sim::kube
