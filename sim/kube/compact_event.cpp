#include "sim/kube/compact_event.hpp"

#include <initializer_list>

#include "sim/kernel/json.hpp"
#include "sim/kube/json_build.hpp"

namespace sim::kube {
namespace {

using Json = sim::Json;

Json text(std::string_view s) {
    return Json(std::string(s));
}

}  // namespace

Json event_json(const EventSpec& spec) {
    // Members in key order (put).
    Json involved = Json::object();
    put(involved, "apiVersion"_key, text(spec.involved_api_version));
    put(involved, "kind"_key, text(spec.involved_kind));
    put(involved, "name"_key, text(spec.involved_name));
    put(involved, "namespace"_key, text(spec.involved_namespace));
    put(involved, "resourceVersion"_key, text(spec.involved_resource_version));
    put(involved, "uid"_key, text(spec.involved_uid));
    Json metadata = Json::object();
    put(metadata, "name"_key, text(spec.name));
    put(metadata, "namespace"_key, text(spec.ns));
    Json source = Json::object();
    put(source, "component"_key, text(spec.component));
    if (!spec.host.empty()) put(source, "host"_key, text(spec.host));
    Json event = Json::object();
    put(event, "apiVersion"_key, "v1");
    put(event, "count"_key, 1);
    put(event, "eventTime"_key, nullptr);
    put(event, "firstTimestamp"_key, text(spec.timestamp));
    put(event, "involvedObject"_key, std::move(involved));
    put(event, "kind"_key, "Event");
    put(event, "lastTimestamp"_key, text(spec.timestamp));
    put(event, "message"_key, text(spec.message));
    put(event, "metadata"_key, std::move(metadata));
    put(event, "reason"_key, text(spec.reason));
    put(event, "reportingComponent"_key, text(spec.component));
    put(event, "reportingInstance"_key, text(spec.host));
    put(event, "source"_key, std::move(source));
    put(event, "type"_key, text(spec.type));
    return event;
}

CompactEvent::CompactEvent(const EventSpec& spec, std::string_view uid,
                           std::string_view creation_timestamp, std::string_view resource_version) {
    // In Field order.
    const std::initializer_list<std::string_view> fields = {spec.name,
                                                            spec.ns,
                                                            spec.involved_api_version,
                                                            spec.involved_kind,
                                                            spec.involved_name,
                                                            spec.involved_namespace,
                                                            spec.involved_resource_version,
                                                            spec.involved_uid,
                                                            spec.type,
                                                            spec.reason,
                                                            spec.message,
                                                            spec.component,
                                                            spec.host,
                                                            spec.timestamp,
                                                            uid,
                                                            creation_timestamp,
                                                            resource_version};
    static_assert(kFieldCount == 17);
    std::size_t size = 0;
    for (const std::string_view f : fields)
        size += f.size();
    text_.reserve(size);
    std::size_t i = 0;
    for (const std::string_view f : fields) {
        text_.append(f);
        end_[i++] = static_cast<std::uint32_t>(text_.size());
    }
}

EventSpec CompactEvent::spec() const {
    return EventSpec{field(kName),
                     field(kNamespace),
                     field(kInvolvedApiVersion),
                     field(kInvolvedKind),
                     field(kInvolvedName),
                     field(kInvolvedNamespace),
                     field(kInvolvedResourceVersion),
                     field(kInvolvedUid),
                     field(kType),
                     field(kReason),
                     field(kMessage),
                     field(kComponent),
                     field(kHost),
                     field(kTimestamp)};
}

Json CompactEvent::to_json() const {
    Json event = event_json(spec());
    Json& metadata = event["metadata"];  // name and namespace already; the server's three
    metadata["creationTimestamp"] = text(field(kCreationTimestamp));
    metadata["resourceVersion"] = text(field(kResourceVersion));
    metadata["uid"] = text(field(kUid));
    return event;
}

}  // namespace sim::kube
