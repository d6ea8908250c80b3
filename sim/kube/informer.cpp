#include "sim/kube/informer.hpp"

#include "sim/kube/object_meta.hpp"

namespace sim::kube {

Informer::Informer(Client& client, ResourceRef ref, ListOptions selectors)
    : client_(client), ref_(std::move(ref)), selectors_(std::move(selectors)) {
    selectors_.resource_version.clear();
    selectors_.limit = 0;
    selectors_.continue_token.clear();
}

void Informer::start() {
    if (running_) return;
    running_ = true;
    relist();
}

void Informer::stop() {
    running_ = false;
    watch_.stop();
}

void Informer::relist() {
    watch_.stop();
    Result<SharedList> listed = client_.list_shared(ref_, selectors_);
    if (!listed) {
        // Retry after a second of virtual time, as the reflector's backoff would.
        client_.loop().schedule_after(sim::kernel::kSecond,
                                      [this, alive = std::weak_ptr<bool>(alive_)] {
                                          if (!alive.expired() && running_) relist();
                                      });
        return;
    }
    InformerItems::Map fresh;
    for (ObjectPtr& item : listed.value().items) {
        std::string key = meta::key_of(*item);
        fresh.emplace(std::move(key), std::move(item));
    }
    const std::string rv = listed.value().resource_version;
    // Deliver the differences (all adds on the first list) in one event, then watch.
    client_.loop().schedule_after(
        0, [this, alive = std::weak_ptr<bool>(alive_), fresh = std::move(fresh), rv] {
            if (alive.expired() || !running_) return;
            InformerItems::Map old = std::move(cache_);
            cache_ = fresh;
            last_rv_ = rv;
            for (const auto& [key, object] : old)
                if (!cache_.contains(key)) notify_delete(*object);
            for (const auto& [key, object] : cache_) {
                const auto it = old.find(key);
                if (it == old.end())
                    notify_add(*object);
                else if (it->second != object && *it->second != *object)
                    notify_update(*it->second, *object);
            }
            synced_ = true;
        });
    ++relists_;
    watch_from(rv);
}

void Informer::watch_from(const std::string& rv) {
    ListOptions options = selectors_;
    options.resource_version = rv;
    Result<WatchHandle> w =
        client_.watch(ref_, options, [this](const WatchEvent& e) { on_event(e); });
    if (!w) {
        // 410 on start: the history moved past our list; list again.
        client_.loop().schedule_after(0, [this, alive = std::weak_ptr<bool>(alive_)] {
            if (!alive.expired() && running_) relist();
        });
        return;
    }
    watch_ = std::move(w).value();
}

void Informer::on_event(const WatchEvent& event) {
    if (!running_) return;
    if (event.type == WatchEventType::Error) {
        relist();
        return;
    }
    if (event.type == WatchEventType::Bookmark) {
        last_rv_ = event.object["metadata"].value("resourceVersion", last_rv_);
        return;
    }
    const Json& object = event.object;
    const std::string key = meta::key_of(object);
    last_rv_ = meta::resource_version(object);
    if (event.type == WatchEventType::Deleted) {
        const auto it = cache_.find(key);
        if (it == cache_.end()) return;
        cache_.erase(it);
        notify_delete(object);
        return;
    }
    const auto it = cache_.find(key);
    if (it == cache_.end()) {
        cache_.emplace(key, event.shared);
        notify_add(object);
        return;
    }
    const ObjectPtr old = std::move(it->second);  // held: the handlers read it
    it->second = event.shared;
    notify_update(*old, object);
}

void Informer::notify_add(const Json& o) {
    for (const auto& h : handlers_)
        if (h.on_add) h.on_add(o);
}
void Informer::notify_update(const Json& old_object, const Json& new_object) {
    for (const auto& h : handlers_)
        if (h.on_update) h.on_update(old_object, new_object);
}
void Informer::notify_delete(const Json& o) {
    for (const auto& h : handlers_)
        if (h.on_delete) h.on_delete(o);
}

std::optional<Json> Informer::get(const std::string& key) const {
    if (const Json* object = find(key)) return *object;
    return std::nullopt;
}

const Json* Informer::find(const std::string& key) const {
    const auto it = cache_.find(key);
    return it == cache_.end() ? nullptr : it->second.get();
}

ObjectPtr Informer::find_shared(const std::string& key) const {
    const auto it = cache_.find(key);
    return it == cache_.end() ? nullptr : it->second;
}

template <class Visitor>
void Informer::visit(const std::string& ns, const LabelSelector& selector,
                     Visitor&& visitor) const {
    // Keys are "ns/name" (a namespace holds no '/'), so one namespace is one run of keys.
    const std::string prefix = ns.empty() ? std::string{} : ns + "/";
    for (auto it = cache_.lower_bound(prefix); it != cache_.end(); ++it) {
        if (!it->first.starts_with(prefix)) break;
        if (selector.matches_object(*it->second)) visitor(it->second);
    }
}

std::vector<ObjectPtr> Informer::list_shared(const std::string& ns,
                                             const LabelSelector& selector) const {
    std::vector<ObjectPtr> out;
    visit(ns, selector, [&](const ObjectPtr& object) { out.push_back(object); });
    return out;
}

std::vector<const Json*> Informer::list_refs(const std::string& ns,
                                             const LabelSelector& selector) const {
    std::vector<const Json*> out;
    visit(ns, selector, [&](const ObjectPtr& object) { out.push_back(object.get()); });
    return out;
}

std::vector<Json> Informer::list(const std::string& ns, const LabelSelector& selector) const {
    std::vector<Json> out;
    for (const Json* object : list_refs(ns, selector))
        out.push_back(*object);
    return out;
}

}  // namespace sim::kube
