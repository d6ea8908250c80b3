#include "sim/kube/events.hpp"

#include <cstdio>

#include "sim/kube/object_meta.hpp"

namespace sim::kube {
namespace {

// events_cache.go defaults.
constexpr std::size_t kAggregateMaxEvents = 10;
constexpr std::int64_t kAggregateIntervalNanos = 600LL * 1'000'000'000LL;
constexpr int kSpamBurst = 25;
constexpr double kSpamQps = 1.0 / 300.0;

std::string join(std::initializer_list<std::string> parts) {
    std::string out;
    for (const auto& p : parts)
        out += p + '\x1f';
    return out;
}

}  // namespace

Json object_reference(const Json& object) {
    return Json{{"kind", object.value("kind", "")},
                {"namespace", meta::namespace_of(object)},
                {"name", meta::name(object)},
                {"uid", meta::uid(object)},
                {"apiVersion", object.value("apiVersion", "")},
                {"resourceVersion", meta::resource_version(object)}};
}

EventRecorder::EventRecorder(Client& client, std::string component, std::string host)
    : client_(client), component_(std::move(component)), host_(std::move(host)) {}

// The real recorder names an Event `<object>.<hex UnixNano of now>` (client-go
// tools/record/event.go, makeEvent): unique in practice because the wall clock moves between
// two Events. Virtual time does not move between the Events of one instant (a pod's
// Scheduled, Pulled, Created and Started), so the name takes the next nanosecond nobody has
// used yet, as if the clock had ticked: the real format, and no create refused as
// AlreadyExists after a trip through admission.
std::string EventRecorder::free_event_name(const ResourceRef& events, const std::string& object,
                                           std::int64_t now_nanos) const {
    constexpr int kMaxTicks = 1000;  // more Events than this for one object in one instant: a bug
    char suffix[32];
    std::string candidate;
    for (int tick = 0; tick < kMaxTicks; ++tick) {
        std::snprintf(suffix, sizeof suffix, "%llx",
                      static_cast<unsigned long long>(now_nanos + tick));
        candidate = object + "." + suffix;
        if (client_.get_shared(events, candidate).is_not_found()) return candidate;
    }
    return candidate;  // the create reports AlreadyExists
}

Result<Json> EventRecorder::record_event(const Json& involved, const std::string& type,
                                         const std::string& reason, const std::string& message) {
    std::string ns = meta::namespace_of(involved);
    if (ns.empty()) ns = "default";
    const std::int64_t now_nanos = client_.now_unix_nanos();
    const std::string now = client_.now_rfc3339();
    const std::string kind = involved.value("kind", "");
    const std::string api_version = involved.value("apiVersion", "");
    const std::string name = meta::name(involved);
    ObjectRecord& record = objects_[join({kind, ns, name, meta::uid(involved), api_version})];
    const std::string aggregate_key = join({type, reason});

    // EventAggregate: count distinct messages per aggregate key within the interval.
    Aggregate& aggregate = record.aggregates[aggregate_key];
    if (!aggregate.seen || now_nanos - aggregate.last_unix_nanos > kAggregateIntervalNanos)
        aggregate = Aggregate{};
    aggregate.seen = true;
    aggregate.messages.insert(message);
    aggregate.last_unix_nanos = now_nanos;
    std::string cache_key = join({aggregate_key, message});
    std::string text = message;
    if (aggregate.messages.size() >= kAggregateMaxEvents) {
        aggregate.messages.erase(aggregate.messages.begin());
        cache_key = aggregate_key;
        text = "(combined from similar events): " + message;
    }

    // The spam filter: a passive token bucket per source and object.
    if (!record.spam) record.spam.emplace(kSpamQps, kSpamBurst);
    if (!record.spam->allow(client_.loop().now())) return Json();

    const ResourceRef events = refs::kEvents.in(ns);
    if (const auto seen = record.observed.find(cache_key); seen != record.observed.end()) {
        Json patch = Json::object();
        patch["count"] = seen->second.count + 1;
        patch["lastTimestamp"] = now;
        patch["message"] = text;
        Result<Json> patched = client_.patch(events, seen->second.name, PatchType::Merge, patch);
        if (patched) {
            seen->second.count += 1;
            return patched;
        }
        if (!patched.is_not_found()) return patched;
        record.observed.erase(seen);  // deleted meanwhile: write a new one
    }
    const std::string event_name = free_event_name(events, name, now_nanos);
    Json source = Json::object();
    source["component"] = component_;
    if (!host_.empty()) source["host"] = host_;
    Json metadata = Json::object();
    metadata["name"] = event_name;
    metadata["namespace"] = ns;
    Json event = Json::object();
    event["apiVersion"] = "v1";
    event["kind"] = "Event";
    event["metadata"] = std::move(metadata);
    event["involvedObject"] = object_reference(involved);
    event["reason"] = reason;
    event["message"] = std::move(text);
    event["type"] = type;
    event["source"] = std::move(source);
    event["firstTimestamp"] = now;
    event["lastTimestamp"] = now;
    event["count"] = 1;
    event["eventTime"] = nullptr;
    event["reportingComponent"] = component_;
    event["reportingInstance"] = host_;
    Result<Json> created = client_.create(events, event);
    if (created) record.observed[cache_key] = Observation{meta::name(created.value()), 1};
    return created;
}

}  // namespace sim::kube
