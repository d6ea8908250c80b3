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

Result<Json> EventRecorder::record_event(const Json& involved, const std::string& type,
                                         const std::string& reason, const std::string& message) {
    const Json ref = object_reference(involved);
    std::string ns = meta::namespace_of(involved);
    if (ns.empty()) ns = "default";
    const std::int64_t now_nanos = client_.now_unix_nanos();
    const std::string now = client_.now_rfc3339();
    const std::string object_key = join({ref.value("kind", ""), ns, ref.value("name", ""),
                                         ref.value("uid", ""), ref.value("apiVersion", "")});
    const std::string aggregate_key = join({component_, host_, object_key, type, reason});

    // EventAggregate: count distinct messages per aggregate key within the interval.
    Aggregate& aggregate = aggregates_[aggregate_key];
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
    auto bucket =
        spam_.try_emplace(join({component_, host_, object_key}), kSpamQps, kSpamBurst).first;
    if (!bucket->second.allow(client_.loop().now())) return Json();

    const ResourceRef events = refs::kEvents.in(ns);
    if (const auto seen = observed_.find(cache_key); seen != observed_.end()) {
        const Json patch{
            {"count", seen->second.count + 1}, {"lastTimestamp", now}, {"message", text}};
        Result<Json> patched = client_.patch(events, seen->second.name, PatchType::Merge, patch);
        if (patched) {
            seen->second.count += 1;
            return patched;
        }
        if (!patched.is_not_found()) return patched;
        observed_.erase(seen);  // deleted meanwhile: write a new one
    }
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "%llx", static_cast<unsigned long long>(now_nanos));
    const std::string name = meta::name(involved) + "." + suffix;
    Json source{{"component", component_}};
    if (!host_.empty()) source["host"] = host_;
    Json event{{"apiVersion", "v1"},
               {"kind", "Event"},
               {"metadata", Json{{"name", name}, {"namespace", ns}}},
               {"involvedObject", ref},
               {"reason", reason},
               {"message", text},
               {"type", type},
               {"source", source},
               {"firstTimestamp", now},
               {"lastTimestamp", now},
               {"count", 1},
               {"eventTime", nullptr},
               {"reportingComponent", component_},
               {"reportingInstance", host_}};
    // Names are unique per nanosecond in the real recorder; two events for one object at the
    // same virtual instant get a counter suffix instead of colliding.
    Result<Json> created = client_.create(events, event);
    for (int i = 1; !created && created.is_already_exists() && i < 100; ++i) {
        event["metadata"]["name"] = name + "." + std::to_string(i);
        created = client_.create(events, event);
    }
    if (created) observed_[cache_key] = Observation{meta::name(created.value()), 1, Json(now)};
    return created;
}

}  // namespace sim::kube
