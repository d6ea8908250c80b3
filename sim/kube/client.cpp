#include "sim/kube/client.hpp"

#include "sim/kube/json_build.hpp"
#include "sim/kube/object_meta.hpp"

namespace sim::kube {

Client::Client(ApiServer& server, std::string component)
    : server_(server), component_(std::move(component)) {}

Result<Json> Client::get(const ResourceRef& ref, const std::string& name) const {
    return server_.get(ref, name);
}
Result<Json> Client::list(const ResourceRef& ref, const ListOptions& options) const {
    return server_.list(ref, options);
}
Result<ObjectPtr> Client::get_shared(const ResourceRef& ref, const std::string& name) const {
    return server_.get_shared(ref, name);
}
Result<SharedList> Client::list_shared(const ResourceRef& ref, const ListOptions& options) const {
    return server_.list_shared(ref, options);
}
Result<WatchHandle> Client::watch(const ResourceRef& ref, const ListOptions& options,
                                  WatchHandler handler) {
    return server_.watch(ref, options, std::move(handler));
}
Result<Json> Client::track(Result<Json> result) {
    count_if_invalid(result.code());
    return result;
}
Result<ObjectPtr> Client::track(Result<ObjectPtr> result) {
    count_if_invalid(result.code());
    return result;
}
void Client::count_if_invalid(int code) {
    if (code != 400 && code != 422) return;
    ++invalid_writes_;
    server_.count_invalid_client_write();
}

Result<ObjectPtr> Client::create_shared(const ResourceRef& ref, Json object) {
    return track(server_.create_shared(ref, std::move(object)));
}
Result<std::string> Client::create_event(const ResourceRef& ref, const EventSpec& spec) {
    Result<std::string> created = server_.create_event(ref, spec);
    count_if_invalid(created.code());
    return created;
}
Result<ObjectPtr> Client::update_shared(const ResourceRef& ref, Json object) {
    const std::string name = meta::name(object);
    return track(server_.update_shared(ref, name, std::move(object)));
}
Result<ObjectPtr> Client::update_status_shared(const ResourceRef& ref, Json object) {
    const std::string name = meta::name(object);
    return track(server_.update_shared(ref, name, std::move(object), "status"));
}
Result<ObjectPtr> Client::patch_shared(const ResourceRef& ref, const std::string& name,
                                       PatchType type, Json patch, const std::string& subresource) {
    return track(server_.patch_shared(ref, name, type, std::move(patch), subresource));
}

Result<Json> Client::create(const ResourceRef& ref, const Json& object) {
    return track(server_.create(ref, object));
}
Result<Json> Client::update(const ResourceRef& ref, const Json& object) {
    return track(server_.update(ref, meta::name(object), object));
}
Result<Json> Client::update_status(const ResourceRef& ref, const Json& object) {
    return track(server_.update(ref, meta::name(object), object, "status"));
}
Result<Json> Client::patch(const ResourceRef& ref, const std::string& name, PatchType type,
                           const Json& patch, const std::string& subresource) {
    return track(server_.patch(ref, name, type, patch, subresource));
}
Result<Json> Client::remove(const ResourceRef& ref, const std::string& name,
                            const DeleteOptions& options) {
    return server_.remove(ref, name, options);
}
Result<Json> Client::remove_collection(const ResourceRef& ref, const ListOptions& selection,
                                       const DeleteOptions& options) {
    return server_.remove_collection(ref, selection, options);
}
Result<Json> Client::get_scale(const ResourceRef& ref, const std::string& name) const {
    return server_.get(ref, name, "scale");
}
Result<Json> Client::update_scale(const ResourceRef& ref, const std::string& name,
                                  const Json& scale) {
    return track(server_.update(ref, name, scale, "scale"));
}
Result<Json> Client::evict(const std::string& ns, const std::string& pod,
                           const DeleteOptions& options) {
    Json eviction{{"apiVersion", "policy/v1"},
                  {"kind", "Eviction"},
                  {"metadata", {{"name", pod}, {"namespace", ns}}}};
    if (options.grace_period_seconds)
        eviction["deleteOptions"]["gracePeriodSeconds"] = *options.grace_period_seconds;
    if (options.precondition_uid)
        eviction["deleteOptions"]["preconditions"]["uid"] = *options.precondition_uid;
    return server_.create(refs::kPods.in(ns), eviction, "eviction");
}

Result<Json> Client::bind(const std::string& ns, const std::string& pod, const std::string& node) {
    // Member by member, in key order (put): an initializer list copies every value once more,
    // and this runs per pod.
    Json metadata = Json::object();
    put(metadata, "name"_key, pod);
    put(metadata, "namespace"_key, ns);
    Json target = Json::object();
    put(target, "apiVersion"_key, "v1");
    put(target, "kind"_key, "Node");
    put(target, "name"_key, node);
    Json binding = Json::object();
    put(binding, "apiVersion"_key, "v1");
    put(binding, "kind"_key, "Binding");
    put(binding, "metadata"_key, std::move(metadata));
    put(binding, "target"_key, std::move(target));
    return server_.create(refs::kPods.in(ns), std::move(binding), "binding");
}

std::optional<ResourceRef> Client::ref_for(const std::string& api_version,
                                           const std::string& kind) const {
    const ResourceInfo* r = server_.registry().find_kind(api_version, kind);
    if (r == nullptr) return std::nullopt;
    return ResourceRef{r->group, split_api_version(api_version).second, r->plural, ""};
}

std::optional<ResourceRef> Client::ref_for(const Json& object) const {
    auto ref = ref_for(object.value("apiVersion", ""), object.value("kind", ""));
    if (ref) ref->ns = meta::namespace_of(object);
    return ref;
}

Result<Json> Client::create(const Json& object) {
    const auto ref = ref_for(object);
    if (!ref) return unknown_path();
    return create(*ref, object);
}
Result<Json> Client::update(const Json& object) {
    const auto ref = ref_for(object);
    if (!ref) return unknown_path();
    return update(*ref, object);
}
Result<Json> Client::update_status(const Json& object) {
    const auto ref = ref_for(object);
    if (!ref) return unknown_path();
    return update_status(*ref, object);
}
Result<Json> Client::remove(const Json& object, const DeleteOptions& options) {
    const auto ref = ref_for(object);
    if (!ref) return unknown_path();
    return remove(*ref, meta::name(object), options);
}

}  // namespace sim::kube
