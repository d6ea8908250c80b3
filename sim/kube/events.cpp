#include "sim/kube/events.hpp"

#include <algorithm>
#include <charconv>

#include "sim/kube/json_build.hpp"

namespace sim::kube {
namespace {

// events_cache.go defaults.
constexpr std::size_t kAggregateMaxEvents = 10;
constexpr std::int64_t kAggregateIntervalNanos = 600LL * 1'000'000'000LL;
constexpr int kSpamBurst = 25;
constexpr double kSpamQps = 1.0 / 300.0;

const std::string& empty_string() {
    static const std::string kEmpty;
    return kEmpty;
}

// object[key] when it is a string, else "" (by reference: no copy).
const std::string& text(const Json& object, std::string_view key) {
    if (!object.is_object()) return empty_string();
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get_ref<const std::string&>()
                                                 : empty_string();
}

const Json& metadata_of(const Json& object) {
    static const Json kEmpty = Json::object();
    if (!object.is_object()) return kEmpty;
    const auto it = object.find(std::string_view("metadata"));
    return it != object.end() && it->is_object() ? *it : kEmpty;
}

}  // namespace

EventRecorder::EventRecorder(Client& client, std::string component, std::string host)
    : client_(client), component_(std::move(component)), host_(std::move(host)) {}

// The real recorder names an Event `<object>.<hex UnixNano of now>` (client-go
// tools/record/event.go, makeEvent): unique in practice because the wall clock moves between
// two Events. Virtual time does not move between the Events of one instant (a pod's
// Scheduled, Pulled, Created and Started), so the name takes the next nanosecond nobody has
// used yet, as if the clock had ticked: the real format, and no create refused as
// AlreadyExists after a trip through admission. The search starts after the nanosecond this
// recorder last named an Event of the object by (`nanos` in, the one taken out): as with a
// real clock, a recorder's names for one object only go forward.
std::string EventRecorder::free_event_name(const ResourceRef& events, const std::string& object,
                                           std::int64_t& nanos) const {
    constexpr int kMaxTicks = 1000;  // more Events than this for one object in one instant: a bug
    std::string candidate = object + ".";
    const std::size_t prefix = candidate.size();
    for (int tick = 0; tick < kMaxTicks; ++tick, ++nanos) {
        char hex[20];
        const auto end =
            std::to_chars(hex, hex + sizeof hex, static_cast<unsigned long long>(nanos), 16).ptr;
        candidate.resize(prefix);
        candidate.append(hex, end);
        if (!client_.exists(events, candidate)) return candidate;
    }
    return candidate;  // the create reports AlreadyExists
}

EventRecorder::ObjectRecord& EventRecorder::record_of(const std::string& key) {
    if (const auto found = by_key_.find(key); found != by_key_.end()) {
        records_.splice(records_.begin(), records_, found->second);  // iterators stay valid
        return found->second->record;
    }
    records_.push_front(Entry{key, ObjectRecord{}});
    by_key_.emplace(records_.front().key, records_.begin());
    if (records_.size() > kMaxRecords) {
        by_key_.erase(records_.back().key);  // before the key it views goes
        records_.pop_back();
    }
    return records_.front().record;
}

Result<std::string> EventRecorder::record_event(const Json& involved, const std::string& type,
                                                const std::string& reason,
                                                const std::string& message) {
    const Json& m = metadata_of(involved);
    const std::string& involved_ns = text(m, "namespace");
    static const std::string kDefaultNamespace = "default";
    const std::string& ns = involved_ns.empty() ? kDefaultNamespace : involved_ns;
    const std::string& name = text(m, "name");
    const std::int64_t now_nanos = client_.now_unix_nanos();
    const std::string& now = times_.at(now_nanos);

    key_.clear();
    for (const std::string* part :
         {&text(involved, "kind"), &ns, &name, &text(m, "uid"), &text(involved, "apiVersion")}) {
        key_ += *part;
        key_ += '\x1f';
    }
    ObjectRecord& record = record_of(key_);

    // EventAggregate: count distinct messages per (type, reason) within the interval.
    auto aggregate =
        std::find_if(record.aggregates.begin(), record.aggregates.end(),
                     [&](const Aggregate& a) { return a.type == type && a.reason == reason; });
    if (aggregate == record.aggregates.end()) {
        record.aggregates.push_back(Aggregate{type, reason, {}, now_nanos});
        aggregate = std::prev(record.aggregates.end());
    } else if (now_nanos - aggregate->last_unix_nanos > kAggregateIntervalNanos) {
        aggregate->messages.clear();
    }
    std::vector<std::string>& messages = aggregate->messages;
    if (const auto at = std::lower_bound(messages.begin(), messages.end(), message);
        at == messages.end() || *at != message)
        messages.insert(at, message);
    aggregate->last_unix_nanos = now_nanos;
    bool combined = false;
    std::string text_written = message;
    if (messages.size() >= kAggregateMaxEvents) {
        messages.erase(messages.begin());
        combined = true;
        text_written = "(combined from similar events): " + message;
    }

    // The spam filter: a passive token bucket per source and object.
    if (!record.spam) record.spam.emplace(kSpamQps, kSpamBurst);
    if (!record.spam->allow(client_.loop().now())) return std::string();

    const ResourceRef events = refs::kEvents.in(ns);
    const auto seen =
        std::find_if(record.observed.begin(), record.observed.end(), [&](const Observation& o) {
            return o.combined == combined && o.type == type && o.reason == reason &&
                   (combined || o.message == message);
        });
    if (seen != record.observed.end()) {
        Json patch = Json::object();
        put(patch, "count"_key, seen->count + 1);
        put(patch, "lastTimestamp"_key, now);
        put(patch, "message"_key, text_written);
        Result<ObjectPtr> patched =
            client_.patch_shared(events, seen->name, PatchType::Merge, patch);
        if (patched) {
            seen->count += 1;
            return seen->name;
        }
        if (!patched.is_not_found()) return patched.error();
        record.observed.erase(seen);  // deleted meanwhile: write a new one
    }
    std::int64_t name_nanos = std::max(now_nanos, record.last_name_nanos + 1);
    const std::string event_name = free_event_name(events, name, name_nanos);
    record.last_name_nanos = name_nanos;
    EventSpec spec;
    spec.name = event_name;
    spec.ns = ns;
    spec.involved_api_version = text(involved, "apiVersion");
    spec.involved_kind = text(involved, "kind");
    spec.involved_name = name;
    spec.involved_namespace = involved_ns;
    spec.involved_resource_version = text(m, "resourceVersion");
    spec.involved_uid = text(m, "uid");
    spec.type = type;
    spec.reason = reason;
    spec.message = text_written;
    spec.component = component_;
    spec.host = host_;
    spec.timestamp = now;
    Result<std::string> created = client_.create_event(events, spec);
    if (created)
        record.observed.push_back(Observation{type, reason, combined ? std::string() : message,
                                              combined, created.value(), 1});
    return created;
}

}  // namespace sim::kube
