// Watch: a bounded history of changes and live watchers, delivered through the event loop
// (k8s-semantics.md §1.10). Each change is delivered to each watcher by its own event
// scheduled 0 ns ahead, watchers in registration order, so deliveries are deterministic and
// never re-enter the writer.
#pragma once

#include "sim/kernel/byte_order.hpp"
#include "sim/kernel/json.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/kernel/event_loop.hpp"
#include "sim/kube/object_ptr.hpp"
#include "sim/kube/selectors.hpp"
#include "sim/kube/stored_object.hpp"

namespace sim::kube {

enum class WatchEventType { Added, Modified, Deleted, Bookmark, Error };
std::string to_string(WatchEventType type);  // "ADDED", ...

// One event as a watcher sees it. The object is shared, not copied: every watcher that sees a
// change in the storage version gets the same immutable object (and so does the history).
struct WatchEvent {
    WatchEvent(WatchEventType t, sim::Json o)
        : type(t), shared(make_object(std::move(o))), object(*shared) {}
    WatchEvent(WatchEventType t, std::shared_ptr<const sim::Json> o)
        : type(t), shared(std::move(o)), object(*shared) {}
    WatchEvent(const WatchEvent& other) : type(other.type), shared(other.shared), object(*shared) {}
    WatchEvent& operator=(const WatchEvent&) = delete;

    WatchEventType type;
    std::shared_ptr<const sim::Json> shared;
    // The object in the watcher's version, or a Status for ERROR (*shared).
    const sim::Json& object;
    // {"type":"ADDED","object":{...}} as on the wire.
    sim::Json to_json() const;
};

using WatchHandler = std::function<void(const WatchEvent&)>;

// One recorded change, in storage version.
struct Change {
    std::uint64_t revision = 0;
    std::string group_resource;
    std::string ns;
    WatchEventType type = WatchEventType::Added;  // Added, Modified or Deleted
    // The new state (last state for Deleted): for Added and Modified the store's own object,
    // shared, not copied (a compact one makes its tree only when a watcher needs it). Never
    // empty.
    StoredObject object;
    // The old state for Modified and Deleted (the object the store held before); empty for
    // Added.
    StoredObject previous;
};

struct WatcherSpec {
    std::string group_resource;
    std::string ns;  // "" for all namespaces
    LabelSelector labels;
    FieldSelector fields;
    bool bookmarks = false;
    // Converts a storage object to what the watcher sees (its version). Empty when the watcher
    // sees the storage version: it then shares the stored object, no copy per watcher.
    std::function<sim::Json(const sim::Json&)> present;
    // The watcher's {"kind","apiVersion"} for BOOKMARK objects.
    std::string kind;
    std::string api_version;
    // A watch from outside the simulation (the HTTP face). Its deliveries are loop events a
    // replay of the session does not have, so the hub counts them apart.
    bool external = false;
};

class WatchHub;

// Stops the watch when destroyed (or on stop()); events already scheduled are dropped.
class WatchHandle {
  public:
    WatchHandle() = default;
    WatchHandle(WatchHub* hub, std::uint64_t id) : hub_(hub), id_(id) {}
    WatchHandle(WatchHandle&& other) noexcept { *this = std::move(other); }
    WatchHandle& operator=(WatchHandle&& other) noexcept;
    WatchHandle(const WatchHandle&) = delete;
    WatchHandle& operator=(const WatchHandle&) = delete;
    ~WatchHandle() { stop(); }

    void stop();
    bool active() const { return hub_ != nullptr; }
    std::uint64_t id() const { return id_; }

  private:
    WatchHub* hub_ = nullptr;
    std::uint64_t id_ = 0;
};

class WatchHub {
  public:
    WatchHub(sim::kernel::EventLoop& loop, std::size_t history_capacity)
        : loop_(loop), capacity_(history_capacity) {}

    // Records a change and schedules its delivery to matching watchers.
    void record(Change change);

    // The oldest revision a watch may start from (N must be >= this); 0 before eviction.
    std::uint64_t compacted_revision() const { return compacted_; }

    // Registers a watcher and schedules `initial` (synthetic ADDED events) followed by the
    // history after `from_revision` when `replay` is set. Returns the handle.
    WatchHandle add(WatcherSpec spec, WatchHandler handler, const std::vector<ObjectPtr>& initial,
                    bool replay, std::uint64_t from_revision);

    // Sends a BOOKMARK at `revision` to every watcher that asked for bookmarks.
    void send_bookmarks(std::uint64_t revision);

    void remove(std::uint64_t id);
    std::size_t watcher_count() const { return watchers_.size(); }
    // Loop events run so far to deliver to external watchers (delivered or dropped).
    std::uint64_t external_deliveries() const { return *external_deliveries_; }

  private:
    struct Watcher {
        WatcherSpec spec;
        WatchHandler handler;
        bool stopped = false;
    };

    bool matches(const Watcher& w, const sim::Json& object) const;
    // The event a change means to a watcher (selector transitions), if any.
    // The watchers that see the storage version share the change's object.
    std::optional<WatchEvent> translate(const Watcher& w,
                                        const std::shared_ptr<const Change>& change) const;
    static std::shared_ptr<const sim::Json> present(const Watcher& w,
                                                    const std::shared_ptr<const sim::Json>& stored);
    void deliver(const std::shared_ptr<Watcher>& w, WatchEvent event);

    sim::kernel::EventLoop& loop_;
    std::size_t capacity_;
    std::deque<std::shared_ptr<const Change>> history_;  // shared with the events in flight
    std::uint64_t compacted_ = 0;
    std::map<std::uint64_t, std::shared_ptr<Watcher>> watchers_;
    std::uint64_t next_id_ = 1;
    // Which watchers a change can concern, so that a change does not visit every watcher (a
    // thousand kubelets each watch pods): by group_resource, except pod watchers whose field
    // selector pins spec.nodeName (kubelets), which are found by that node. Deliveries still
    // go in registration (id) order.
    std::map<std::string, std::set<std::uint64_t>, BytesLess> by_resource_;
    std::map<std::string, std::set<std::uint64_t>, BytesLess> pods_by_node_;
    static std::optional<std::string> pinned_node(const WatcherSpec& spec);
    std::vector<std::uint64_t> candidates(const Change& change) const;
    // Shared with the delivery events, which may outlive a stopped watcher.
    std::shared_ptr<std::uint64_t> external_deliveries_ = std::make_shared<std::uint64_t>(0);
};

}  // namespace sim::kube
