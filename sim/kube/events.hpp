// core/v1 Events as client-go's recorder writes them (tools/record/event.go,
// events_cache.go; k8s-semantics.md §3h), in virtual time:
//  - aggregation: when events that differ only in their message reach 10 distinct messages
//    within 600 s for one (source, object, type, reason), they collapse into one Event whose
//    message is "(combined from similar events): <latest message>";
//  - dedup: an event seen before (same key) is a PATCH of count+1, lastTimestamp and
//    message on the Event already written, otherwise a new Event
//    "<involved name>.<hex unix nanos>" is created (the next free nanosecond when Events of
//    one instant would share a name: virtual time does not tick between them);
//  - spam filter: a token bucket per source and object (burst 25, one token per 300 s);
//    a filtered event is not written.
#pragma once

#include <limits>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sim/kernel/json.hpp"
#include "sim/kube/client.hpp"
#include "sim/kube/rfc3339_cache.hpp"
#include "sim/kube/workqueue.hpp"

namespace sim::kube {

class EventRecorder {
  public:
    EventRecorder(Client& client, std::string component, std::string host = "");

    // type: "Normal" or "Warning". Returns the name of the Event written (created, or patched
    // with count+1), "" when the spam filter dropped it, or the API error. New Events go
    // through Client::create_event: stored compact, no JSON tree made unless someone reads it.
    Result<std::string> record_event(const Json& involved, const std::string& type,
                                     const std::string& reason, const std::string& message);

    // How many involved objects the recorder remembers (client-go's maxLruCacheEntries).
    static constexpr std::size_t kMaxRecords = 4096;

  private:
    std::string free_event_name(const ResourceRef& events, const std::string& object,
                                std::int64_t& nanos) const;

    // client-go's aggregate record for one (type, reason) of an object.
    struct Aggregate {
        std::string type;
        std::string reason;
        std::vector<std::string> messages;  // distinct, in string order
        std::int64_t last_unix_nanos = 0;
    };
    // The last write of one event key: (type, reason, message), or (type, reason) alone for
    // the combined Event of an aggregate.
    struct Observation {
        std::string type;
        std::string reason;
        std::string message;
        bool combined = false;
        std::string name;  // the Event written
        std::int64_t count = 0;
    };
    // What the recorder remembers about one involved object. client-go keys its three caches
    // by strings that all begin with the source and the object's identity; the source is the
    // recorder's own and the identity is stored once here, so 100,000 pods with five Events
    // each do not store it fifteen times over. An object has a few aggregates and
    // observations (one per reason, mostly), so they are searched linearly.
    struct ObjectRecord {
        std::optional<TokenBucket> spam;  // the spam filter's bucket
        std::vector<Aggregate> aggregates;
        std::vector<Observation> observed;
        // The nanosecond of the last Event name given (free_event_name).
        std::int64_t last_name_nanos = std::numeric_limits<std::int64_t>::min();
    };

    // The record of the object keyed `key` (kind, namespace, name, uid, apiVersion), made the
    // most recently used; a new one when absent, which evicts the least recently used past
    // kMaxRecords.
    ObjectRecord& record_of(const std::string& key);

    Client& client_;
    std::string component_;
    std::string host_;
    Rfc3339Cache times_;
    std::string key_;  // the identity key being looked up (its buffer is reused)
    // client-go's correlator keeps its three caches (spam filter, aggregator, event logger) in
    // LRUs of maxLruCacheEntries = 4096 (tools/record/events_cache.go); here one LRU of 4,096
    // involved objects holds all three, so memory stays bounded however many objects a run
    // has. Most recently used first; the index (views of the list's keys, which never move)
    // serves lookups only, never iteration.
    struct Entry {
        std::string key;
        ObjectRecord record;
    };
    std::list<Entry> records_;
    std::unordered_map<std::string_view, std::list<Entry>::iterator> by_key_;
};

}  // namespace sim::kube
