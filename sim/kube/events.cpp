#include "sim/kube/events.hpp"

#include <cstdio>

#include "sim/kube/object_meta.hpp"

namespace sim::kube {

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
    const std::string identity = component_ + "\n" + host_ + "\n" + ref.value("kind", "") + "\n" +
                                 ns + "\n" + ref.value("name", "") + "\n" + ref.value("uid", "") +
                                 "\n" + type + "\n" + reason + "\n" + message;
    const std::string now = client_.now_rfc3339();
    const ResourceRef events = refs::kEvents.in(ns);
    if (const auto it = written_.find(identity); it != written_.end()) {
        const Result<Json> current = client_.get(events, it->second);
        if (current) {
            const Json patch{{"count", current.value().value("count", 1) + 1},
                             {"lastTimestamp", now}};
            return client_.patch(events, it->second, PatchType::Merge, patch);
        }
        written_.erase(it);
    }
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "%llx",
                  static_cast<unsigned long long>(client_.now_unix_nanos()));
    std::string name = meta::name(involved) + "." + suffix;
    Json source{{"component", component_}};
    if (!host_.empty()) source["host"] = host_;
    Json event{{"apiVersion", "v1"},
               {"kind", "Event"},
               {"metadata", Json{{"name", name}, {"namespace", ns}}},
               {"involvedObject", ref},
               {"reason", reason},
               {"message", message},
               {"type", type},
               {"source", source},
               {"firstTimestamp", now},
               {"lastTimestamp", now},
               {"count", 1},
               {"eventTime", nullptr},
               {"reportingComponent", component_},
               {"reportingInstance", host_}};
    // Two events in the same nanosecond for one object: add a counter, as names must differ.
    Result<Json> created = client_.create(events, event);
    for (int i = 1; !created && created.is_already_exists() && i < 100; ++i) {
        event["metadata"]["name"] = name + "." + std::to_string(i);
        created = client_.create(events, event);
    }
    if (created) written_[identity] = meta::name(created.value());
    return created;
}

}  // namespace sim::kube
