// The controller-facing client: get/list/watch/create/update/update_status/patch/delete over
// unstructured objects, like client-go's dynamic client. Controllers hold a Client, never the
// ApiServer, so the same controller code could later talk to the HTTP face.
#pragma once

#include <string>

#include "sim/kernel/json.hpp"
#include "sim/kube/api_server.hpp"

namespace sim::kube {

class Client {
  public:
    // `component` names the caller (the field manager / user agent; kept for events and traces).
    explicit Client(ApiServer& server, std::string component = "sim");

    const std::string& component() const { return component_; }
    // Writes of this client the server refused as malformed or invalid (400 BadRequest,
    // 422 Invalid): a controller that ever gets one wrote an object that fails admission.
    std::uint64_t invalid_writes() const { return invalid_writes_; }
    sim::kernel::EventLoop& loop() { return server_.loop(); }
    std::string now_rfc3339() const { return server_.now_rfc3339(); }
    std::int64_t now_unix_nanos() const { return server_.now_unix_nanos(); }

    // By resource reference (ref.ns is the namespace).
    Result<Json> get(const ResourceRef& ref, const std::string& name) const;
    Result<Json> list(const ResourceRef& ref, const ListOptions& options = {}) const;
    // Shared reads (ApiServer::get_shared / list_shared): the stored, immutable objects
    // without a copy when ref.version is the storage version. Copy before changing.
    Result<ObjectPtr> get_shared(const ResourceRef& ref, const std::string& name) const;
    Result<SharedList> list_shared(const ResourceRef& ref, const ListOptions& options = {}) const;
    Result<WatchHandle> watch(const ResourceRef& ref, const ListOptions& options,
                              WatchHandler handler);
    Result<Json> create(const ResourceRef& ref, const Json& object);
    Result<Json> update(const ResourceRef& ref, const Json& object);
    Result<Json> update_status(const ResourceRef& ref, const Json& object);
    Result<Json> patch(const ResourceRef& ref, const std::string& name, PatchType type,
                       const Json& patch, const std::string& subresource = "");
    // Shared writes (ApiServer::create_shared, ...): the stored, immutable object without a
    // copy when ref.version is the storage version; pass the object with std::move to skip
    // the request copy too. Same errors, dry-run answers and invalid-write counting.
    Result<ObjectPtr> create_shared(const ResourceRef& ref, Json object);
    // A new Event from an event recorder (ApiServer::create_event): its name, or the error.
    Result<std::string> create_event(const ResourceRef& ref, const EventSpec& spec);
    Result<ObjectPtr> update_shared(const ResourceRef& ref, Json object);
    Result<ObjectPtr> update_status_shared(const ResourceRef& ref, Json object);
    Result<ObjectPtr> patch_shared(const ResourceRef& ref, const std::string& name, PatchType type,
                                   Json patch, const std::string& subresource = "");
    // Whether a get would find `name` (ApiServer::exists): no NotFound Status built.
    bool exists(const ResourceRef& ref, const std::string& name) const {
        return server_.exists(ref, name);
    }
    Result<Json> remove_collection(const ResourceRef& ref, const ListOptions& selection,
                                   const DeleteOptions& options = {});
    Result<Json> remove(const ResourceRef& ref, const std::string& name,
                        const DeleteOptions& options = {});
    Result<Json> get_scale(const ResourceRef& ref, const std::string& name) const;
    Result<Json> update_scale(const ResourceRef& ref, const std::string& name, const Json& scale);
    Result<Json> bind(const std::string& ns, const std::string& pod, const std::string& node);
    // POST pods/<pod>/eviction with a policy/v1 Eviction (kubectl drain's request).
    Result<Json> evict(const std::string& ns, const std::string& pod,
                       const DeleteOptions& options = {});

    // By the object itself: the resource comes from apiVersion + kind, the namespace from
    // metadata.namespace. 404 "the server could not find the requested resource" for
    // an unknown kind.
    Result<Json> create(const Json& object);
    Result<Json> update(const Json& object);
    Result<Json> update_status(const Json& object);
    Result<Json> remove(const Json& object, const DeleteOptions& options = {});

    // The reference an object would be written through ({} when the kind is unknown).
    std::optional<ResourceRef> ref_for(const Json& object) const;
    std::optional<ResourceRef> ref_for(const std::string& api_version,
                                       const std::string& kind) const;
    // What the server serves (discovery), and the entry behind a reference.
    const std::vector<ResourceInfo>& resources() const { return server_.registry().all(); }
    const ResourceInfo* resource_info(const ResourceRef& ref) const {
        return server_.registry().find(ref.group, ref.resource);
    }

  private:
    // Counts an invalid write (400 / 422), here and in the server's total.
    Result<Json> track(Result<Json> result);
    Result<ObjectPtr> track(Result<ObjectPtr> result);
    void count_if_invalid(int code);

    ApiServer& server_;
    std::string component_;
    std::uint64_t invalid_writes_ = 0;
};

}  // namespace sim::kube
