#include "sim/scenario/observe.hpp"

#include "sim/kernel/overloaded.hpp"

#include <cctype>

namespace sim::scenario {
namespace {

using kernel::Overloaded;

std::string as_text(const sim::Json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
}

Observation observe_object(const kube::Client& client, const ObjectFieldSubject& subject) {
    const kube::ResourceInfo* info = find_kind(subject.object.kind);
    if (!info) return Observation::none("the API server serves no kind " + subject.object.kind);
    const auto object =
        client.get(resource_ref(*info, subject.object.namespace_), subject.object.name);
    if (!object) return Observation::none(format_object_ref(subject.object) + " not found");
    auto value = resolve_field(*object, subject.field);
    if (!value) return Observation::none("no value at " + subject.field.text);
    return Observation::of(std::move(*value));
}

Observation observe_count(const kube::Client& client, const CountSubject& subject) {
    const kube::ResourceInfo* info = find_kind(subject.kind);
    if (!info) return Observation::none("the API server serves no kind " + subject.kind);
    kube::ListOptions options;
    options.label_selector = subject.selector;
    options.field_selector = subject.field_selector;
    const auto list = client.list(resource_ref(*info, subject.namespace_), options);
    if (!list)
        return Observation::none("cannot list " + subject.kind + ": " + list.error().message());
    return Observation::of(static_cast<std::int64_t>((*list)["items"].size()));
}

bool event_matches(const sim::Json& event, const EventSubject& subject) {
    if (subject.reason && event.value("reason", "") != *subject.reason) return false;
    if (subject.object) {
        const sim::Json& involved = event.value("involvedObject", sim::Json::object());
        if (involved.value("kind", "") != subject.object->kind ||
            involved.value("namespace", "") != subject.object->namespace_ ||
            involved.value("name", "") != subject.object->name) {
            return false;
        }
    }
    return !subject.message || subject.message->search(event.value("message", ""));
}

Observation observe_events(const kube::Client& client, const EventSubject& subject) {
    const auto list = client.list(kube::refs::kEvents);
    if (!list) return Observation::none("cannot list Events: " + list.error().message());
    std::int64_t count = 0;
    for (const sim::Json& event : (*list)["items"]) {
        // An aggregated Event stands for `count` occurrences (client-go's event correlator).
        if (event_matches(event, subject)) count += event.value("count", std::int64_t{1});
    }
    return Observation::of(count);
}

}  // namespace

const kube::ResourceInfo* find_kind(std::string_view kind) {
    // The built-in types, the Seldon CRD, Istio's and Ambassador's (served only with `ingress:
    // istio` / `ingress: ambassador`);
    // scenarios cannot add CRDs of their own yet.
    static const kube::Registry registry = [] {
        kube::Registry r = kube::Registry::standard();
        kube::add_istio_resources(r);
        kube::add_ambassador_resources(r);
        return r;
    }();
    for (const kube::ResourceInfo& info : registry.all()) {
        if (info.kind == kind) return &info;
    }
    return nullptr;
}

kube::ResourceRef resource_ref(const kube::ResourceInfo& info, std::string namespace_name) {
    return kube::ResourceRef{info.group, info.storage_version, info.plural,
                             info.namespaced ? std::move(namespace_name) : std::string{}};
}

std::optional<sim::Json> resolve_field(const sim::Json& object, const FieldPath& path) {
    const sim::Json* at = &object;
    for (const FieldPathSegment& segment : path.segments) {
        switch (segment.kind) {
            case FieldPathSegment::Kind::Key: {
                if (!at->is_object()) return std::nullopt;
                const auto it = at->find(segment.key);
                if (it == at->end()) return std::nullopt;
                at = &*it;
                break;
            }
            case FieldPathSegment::Kind::Index: {
                if (!at->is_array() || segment.index >= at->size()) return std::nullopt;
                at = &(*at)[segment.index];
                break;
            }
            case FieldPathSegment::Kind::Match: {
                if (!at->is_array()) return std::nullopt;
                const sim::Json* found = nullptr;
                for (const sim::Json& element : *at) {
                    if (!element.is_object()) continue;
                    const auto it = element.find(segment.key);
                    if (it != element.end() && as_text(*it) == segment.match_value) {
                        found = &element;
                        break;
                    }
                }
                if (!found) return std::nullopt;
                at = found;
                break;
            }
        }
    }
    return *at;
}

Observer make_cluster_observer(const kube::Client& client) {
    return [&client](const Subject& subject, const When&) -> Observation {
        return std::visit(
            Overloaded{
                [&](const ObjectFieldSubject& s) { return observe_object(client, s); },
                [&](const CountSubject& s) { return observe_count(client, s); },
                [&](const EventSubject& s) { return observe_events(client, s); },
                [](const MetricSubject& m) {
                    return Observation::cannot("metric " + m.name +
                                               " needs the request path, not in this build yet");
                },
            },
            subject);
    };
}

}  // namespace sim::scenario
