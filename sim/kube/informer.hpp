// An informer: a local cache of one resource fed by list + watch, with event handlers
// (client-go tools/cache SharedIndexInformer, reduced). Handlers run inside event-loop
// events, never inside the write that caused them. When the watch is expired (410) the
// informer relists and reports the differences as add/update/delete, as a reflector does.
#pragma once

#include "sim/kernel/byte_order.hpp"
#include "sim/kernel/json.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/kube/client.hpp"

namespace sim::kube {

// The informer's cache as (key, object) pairs in key order, read-only: what items() returns.
class InformerItems {
  public:
    using Map = std::map<std::string, ObjectPtr, BytesLess>;
    class iterator {
      public:
        using value_type = std::pair<const std::string&, const Json&>;
        explicit iterator(Map::const_iterator it) : it_(it) {}
        value_type operator*() const { return {it_->first, *it_->second}; }
        iterator& operator++() {
            ++it_;
            return *this;
        }
        bool operator==(const iterator&) const = default;

      private:
        Map::const_iterator it_;
    };
    explicit InformerItems(const Map& cache) : cache_(cache) {}
    iterator begin() const { return iterator(cache_.begin()); }
    iterator end() const { return iterator(cache_.end()); }
    std::size_t size() const { return cache_.size(); }
    bool empty() const { return cache_.empty(); }

  private:
    const Map& cache_;
};

struct InformerHandlers {
    std::function<void(const Json& object)> on_add;
    std::function<void(const Json& old_object, const Json& new_object)> on_update;
    std::function<void(const Json& object)> on_delete;
};

class Informer {
  public:
    Informer(Client& client, ResourceRef ref, ListOptions selectors = {});
    Informer(const Informer&) = delete;
    Informer& operator=(const Informer&) = delete;
    ~Informer() { stop(); }

    void add_handlers(InformerHandlers handlers) { handlers_.push_back(std::move(handlers)); }
    // Lists and starts watching. Initial objects reach the handlers as adds in one event
    // scheduled now; has_synced() turns true after it ran.
    void start();
    void stop();
    bool has_synced() const { return synced_; }

    // The cache holds the watch events' shared objects (no copy per informer).
    // Cached object by key ("ns/name" or "name"), copied.
    std::optional<Json> get(const std::string& key) const;
    // Cached objects in key order, optionally filtered by namespace and label selector, copied.
    std::vector<Json> list(const std::string& ns = "", const LabelSelector& selector = {}) const;
    // The same without copies. A `const Json*` is valid until the informer handles its next
    // event (so within the current loop event); an ObjectPtr keeps its object for as long as
    // it is held. Objects are immutable: copy one to change it.
    const Json* find(const std::string& key) const;
    ObjectPtr find_shared(const std::string& key) const;
    std::vector<const Json*> list_refs(const std::string& ns = "",
                                       const LabelSelector& selector = {}) const;
    std::vector<ObjectPtr> list_shared(const std::string& ns = "",
                                       const LabelSelector& selector = {}) const;
    // (key, const Json&) pairs in key order.
    InformerItems items() const { return InformerItems(cache_); }
    // The resourceVersion of the last list or event seen.
    const std::string& last_resource_version() const { return last_rv_; }
    std::size_t relists() const { return relists_; }

  private:
    void relist();
    void watch_from(const std::string& rv);
    void on_event(const WatchEvent& event);
    void notify_add(const Json& o);
    void notify_update(const Json& old_object, const Json& new_object);
    void notify_delete(const Json& o);
    // Calls visitor(const ObjectPtr&) for the cached objects in `ns` matching `selector`.
    template <class Visitor>
    void visit(const std::string& ns, const LabelSelector& selector, Visitor&& visitor) const;

    Client& client_;
    ResourceRef ref_;
    ListOptions selectors_;
    std::vector<InformerHandlers> handlers_;
    InformerItems::Map cache_;
    WatchHandle watch_;
    std::string last_rv_;
    bool running_ = false;
    bool synced_ = false;
    std::size_t relists_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sim::kube
