// The in-process fake Kubernetes API server: unstructured JSON objects in an ordered store,
// one global resourceVersion counter, generation rules, status/scale subresources,
// optimistic concurrency, graceful deletion and finalizers, admission, selectors, paging and
// watch (k8s-semantics.md §1). Errors are real metav1.Status bodies (status.hpp).
//
// Determinism: objects live in std::map keyed by (resource, namespace, name), so list order
// is etcd key order; uids and generated names come from named seeded streams; timestamps
// are virtual time from the start-time origin; watch deliveries go through the event loop.
//
// Requests name a resource like a REST path does: group, version, plural resource and
// namespace (ResourceRef). Objects come in and go out in the requested version.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "sim/kernel/event_loop.hpp"
#include "sim/kernel/json.hpp"
#include "sim/kernel/random.hpp"
#include "sim/kube/admission.hpp"
#include "sim/kube/compact_event.hpp"
#include "sim/kube/patch.hpp"
#include "sim/kube/registry.hpp"
#include "sim/kube/server_side_apply.hpp"
#include "sim/kube/status.hpp"
#include "sim/kube/store.hpp"
#include "sim/kube/watch.hpp"

namespace sim::kube {

using Json = sim::Json;

struct ResourceRef {
    std::string group;
    std::string version;
    std::string resource;  // plural
    std::string ns;        // "" for cluster-scoped, or all namespaces on list/watch

    ResourceRef in(std::string namespace_name) const {
        ResourceRef r = *this;
        r.ns = std::move(namespace_name);
        return r;
    }
};

struct ListOptions {
    std::string label_selector{};
    std::string field_selector{};
    std::int64_t limit = 0;  // 0: no paging
    std::string continue_token{};
    // List: ignored except for the continue token's. Watch: "" or "0" sends synthetic ADDED
    // events for current objects; "N" replays every change after N (410 when compacted).
    std::string resource_version{};
    bool allow_watch_bookmarks = false;
    // Watch: the watcher is outside the simulation (the HTTP face); see WatcherSpec::external.
    bool external = false;
};

// What list_shared returns: the matching objects, shared with the store (see get_shared), and
// the list metadata that list() would put in metadata.
struct SharedList {
    std::vector<ObjectPtr> items;
    std::string resource_version;
    std::string continue_token;                          // "" when nothing remains
    std::optional<std::int64_t> remaining_item_count{};  // only without selectors, when paging
};

struct DeleteOptions {
    std::optional<std::int64_t> grace_period_seconds{};
    std::optional<std::string> propagation_policy{};  // "Orphan", "Background", "Foreground"
    std::optional<std::string> precondition_uid{};
    std::optional<std::string> precondition_resource_version{};
};

struct ServerOptions {
    std::uint64_t seed = 1;
    // Unix nanoseconds of virtual time 0 (the scenario's startTime).
    std::int64_t start_unix_nanos = 1'735'689'600LL * 1'000'000'000LL;  // 2025-01-01T00:00:00Z
    // Changes kept for watch resumption; older starting points get 410 Expired.
    std::size_t watch_history = 4096;
    // Creates default, kube-node-lease, kube-public and kube-system at construction.
    bool bootstrap_namespaces = true;
    // First cluster IP handed to Services (10.96.0.0/12; .1 is the kubernetes service).
    std::uint32_t first_cluster_ip = (10u << 24) | (96u << 16) | 10u;
};

// An aggregated API (kube-aggregator's APIService): get and list of a resource are answered
// by another component instead of the store, as metrics.k8s.io is by metrics-server. Other
// verbs should not be registered for such a resource (ResourceInfo::verbs).
class AggregatedApi {
  public:
    virtual ~AggregatedApi() = default;
    // Every object of the resource in `ns` ("" = all namespaces), ready to serve.
    virtual std::vector<Json> objects(const std::string& ns) const = 0;
};

class ApiServer {
  public:
    ApiServer(sim::kernel::EventLoop& loop, sim::kernel::RandomStreams& streams,
              ServerOptions options = {});
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    // Serves get/list of `group_resource` ("pods.metrics.k8s.io") from `api`, which must
    // outlive the server or be unregistered with nullptr.
    void aggregate(const std::string& group_resource, const AggregatedApi* api);

    Registry& registry() { return registry_; }
    const Registry& registry() const { return registry_; }
    AdmissionChain& admission() { return admission_; }
    sim::kernel::EventLoop& loop() { return loop_; }

    // The store's current revision (what a list's metadata.resourceVersion says).
    std::uint64_t revision() const { return revision_; }
    // metav1.Time of the current virtual instant.
    std::string now_rfc3339() const;
    std::int64_t now_unix_nanos() const;

    // subresource: "" or "binding" (pods; the body is a Binding) or "eviction" (pods; the
    // body is a policy/v1 Eviction; 201 Success, or 429 TooManyRequests when a
    // PodDisruptionBudget allows no disruption).
    Result<Json> create(const ResourceRef& ref, Json object, const std::string& subresource = "");
    // subresource: "", "status" or "scale".
    Result<Json> get(const ResourceRef& ref, const std::string& name,
                     const std::string& subresource = "") const;
    Result<Json> list(const ResourceRef& ref, const ListOptions& options = {}) const;
    // Shared reads: the stored, immutable object itself (no copy) when ref.version is the
    // resource's storage version, else one converted copy. Same errors as get/list. Holding
    // the pointer keeps that state alive; a later write stores a new object and never changes
    // this one. Copy the Json to change it.
    Result<ObjectPtr> get_shared(const ResourceRef& ref, const std::string& name) const;
    Result<SharedList> list_shared(const ResourceRef& ref, const ListOptions& options = {}) const;
    // Whether a get of `name` would find it (false for any error), without building the
    // NotFound Status a failed get_shared pays for.
    bool exists(const ResourceRef& ref, const std::string& name) const;
    // Shared writes: what create / update / patch answer, as the stored, immutable object
    // itself (no copy) when ref.version is the resource's storage version, else one converted
    // copy. Same errors and the same dry-run answers (in a dry run: the object that would have
    // been stored, stored nowhere); the scale subresource answers a new Scale object.
    Result<ObjectPtr> create_shared(const ResourceRef& ref, Json object);
    // The event recorder's create of a new Event (ref: core/v1 events): the same answers as
    // create(ref, event_json(spec)), but the Event is stored compact (stored_object.hpp), its
    // tree made only when something reads it. Returns the Event's name.
    Result<std::string> create_event(const ResourceRef& ref, const EventSpec& spec);
    Result<ObjectPtr> update_shared(const ResourceRef& ref, const std::string& name, Json object,
                                    const std::string& subresource = "");
    // The patch is taken by value: a merge patch moves its members into the object.
    Result<ObjectPtr> patch_shared(const ResourceRef& ref, const std::string& name, PatchType type,
                                   Json patch, const std::string& subresource = "",
                                   const ApplyOptions& apply_options = {});
    Result<Json> update(const ResourceRef& ref, const std::string& name, Json object,
                        const std::string& subresource = "");
    // PatchType::Apply is server-side apply (server_side_apply.hpp) as `apply_options` says.
    Result<Json> patch(const ResourceRef& ref, const std::string& name, PatchType type,
                       const Json& patch, const std::string& subresource = "",
                       const ApplyOptions& apply_options = {});
    // Returns the deleted object (pods, services), the object still being deleted
    // (graceful/finalizers), or a Success Status.
    Result<Json> remove(const ResourceRef& ref, const std::string& name,
                        const DeleteOptions& options = {});
    // Deletes every match; returns the List of what was deleted or marked.
    Result<Json> remove_collection(const ResourceRef& ref, const ListOptions& list_options,
                                   const DeleteOptions& options = {});
    Result<WatchHandle> watch(const ResourceRef& ref, const ListOptions& options,
                              WatchHandler handler);

    // Sends BOOKMARK events at the current revision to watchers that asked for them.
    void send_bookmarks() { hub_.send_bookmarks(revision_); }
    std::size_t watcher_count() const { return hub_.watcher_count(); }
    // Loop events spent delivering to external watchers (HTTP watch streams): `sim-run serve`
    // leaves them out of the run's event count, which a replay without watchers must match.
    std::uint64_t external_watch_events() const { return hub_.external_deliveries(); }
    // Writes that Clients (kube::Client) got refused with 400 or 422, all clients together.
    void count_invalid_client_write() { ++invalid_client_writes_; }
    std::uint64_t invalid_client_writes() const { return invalid_client_writes_; }

    // Server-side dry run (dryRun=All): while a DryRun lives, writes run the whole defaulting,
    // admission and validation path and answer what they would have stored, but store nothing,
    // take no resourceVersion, send no watch event and allocate no cluster IP. uids and
    // generated names are drawn from copies of the seeded streams, so a dry run leaves the
    // run's randomness untouched: a session replays to the same trace with or without it.
    class DryRun {
      public:
        explicit DryRun(ApiServer& server);
        ~DryRun();
        DryRun(const DryRun&) = delete;
        DryRun& operator=(const DryRun&) = delete;

      private:
        ApiServer& server_;
        std::uint32_t next_cluster_ip_;
    };
    bool dry_run() const { return dry_uid_stream_.has_value(); }

    // While a WriteManager lives, updates and patches (not applies) of objects that have
    // managedFields record their changes as `manager`'s Update entry (server_side_apply.hpp).
    class WriteManager {
      public:
        WriteManager(ApiServer& server, UpdateManager manager) : server_(server) {
            server_.update_manager_ = std::move(manager);
        }
        ~WriteManager() { server_.update_manager_.reset(); }
        WriteManager(const WriteManager&) = delete;
        WriteManager& operator=(const WriteManager&) = delete;

      private:
        ApiServer& server_;
    };

    // Every stored object of a resource in key order, storage version (for tests and the
    // garbage collector's owner index; controllers use list()).
    std::vector<Json> snapshot(const std::string& group_resource) const;

  private:
    using Key = ObjectKey;  // namespace, name

    const ResourceInfo& resolve(const ResourceRef& ref, const char* verb) const;
    Bucket& bucket(const ResourceInfo& r);
    const Bucket* find_bucket(const ResourceInfo& r) const;
    const AggregatedApi* aggregated(const ResourceInfo& r) const;
    const Json& existing(const ResourceInfo& r, const std::string& ns,
                         const std::string& name) const {
        return *existing_ptr(r, ns, name);
    }
    // The stored object; holding it keeps it valid across writes. 404 when absent.
    const ObjectPtr& existing_ptr(const ResourceInfo& r, const std::string& ns,
                                  const std::string& name) const;
    // list() and list_shared(): the matches in key order, one page.
    SharedList list_objects(const ResourceInfo& r, const ResourceRef& ref,
                            const ListOptions& options) const;
    std::string scoped_namespace(const ResourceInfo& r, const ResourceRef& ref) const;

    // do_create, do_update and do_patch answer in storage version: the stored object (or in
    // a dry run the one that would have been stored, or the unchanged one for a no-op update).
    ObjectPtr do_create(const ResourceInfo& r, const ResourceRef& ref, Json object);
    // Returns the stored Event's name.
    std::string do_create_event(const ResourceInfo& r, const ResourceRef& ref,
                                const EventSpec& spec);
    // spec_unchanged: `object` is the stored object with a patch that names no spec applied.
    ObjectPtr do_update(const ResourceInfo& r, const ResourceRef& ref, const std::string& name,
                        Json object, const std::string& subresource, bool from_patch,
                        bool spec_unchanged = false);
    // Through the scale subresource: nullptr, and the Scale in `*scale`.
    ObjectPtr do_patch(const ResourceInfo& r, const ResourceRef& ref, const std::string& name,
                       PatchType type, Json patch, const std::string& subresource,
                       const ApplyOptions& apply_options, Json* scale);
    // A storage-version answer in ref's version: itself when that is the storage version.
    ObjectPtr shared_in(const ResourceInfo& r, ObjectPtr stored, const std::string& version) const;
    Json do_delete(const ResourceInfo& r, const std::string& ns, const std::string& name,
                   const DeleteOptions& options);
    Json do_bind(const ResourceInfo& r, const ResourceRef& ref, const Json& binding);
    // pods/eviction (eviction.cpp): PodDisruptionBudgets checked, then a graceful delete.
    Json do_evict(const ResourceRef& ref, const Json& eviction);
    Json scale_of(const ResourceInfo& r, const Json& object) const;
    ApplyContext apply_context(const ResourceInfo& r, const ResourceRef& ref) const;
    Json update_scale(const ResourceInfo& r, const ResourceRef& ref, const std::string& name,
                      const Json& scale);

    void check_namespace_usable(const ResourceInfo& r, const std::string& ns) const;
    void admit_and_validate(const ResourceInfo& r, Operation op, const std::string& subresource,
                            Json& object, const Json* old);
    std::string generate_name(const std::string& prefix);
    std::string new_uid();
    std::uint64_t next_revision() { return ++revision_; }
    // now_rfc3339(), formatted once per virtual second (creates at one instant share it).
    const std::string& now_rfc3339_ref() const;
    // Stores `object` (replacing the object `previous` refers to, if given) and records the
    // change; returns the stored object, which the history shares. In a dry run: the object
    // that would have been stored, not stored.
    ObjectPtr write(const ResourceInfo& r, Json object, const Json* previous);
    void erase(const ResourceInfo& r, const std::string& ns, const std::string& name);
    void bump_generation(const ResourceInfo& r, Json& object, const Json& old) const;
    Json present(const ResourceInfo& r, const Json& stored, const std::string& version) const;
    void finish_namespace_if_empty(const std::string& ns);
    void allocate_cluster_ip(Json& service);

    sim::kernel::EventLoop& loop_;
    sim::kernel::Random& uid_stream_;
    sim::kernel::Random& name_stream_;
    ServerOptions options_;
    Registry registry_;
    AdmissionChain admission_;
    std::map<std::string, Bucket, BytesLess> store_;  // by group_resource
    std::uint64_t revision_ = 0;
    std::uint64_t invalid_client_writes_ = 0;
    std::uint32_t next_cluster_ip_;
    WatchHub hub_;
    std::map<std::string, const AggregatedApi*> aggregated_;  // by group_resource
    // Set while a DryRun lives: the copies drawn from, and what the last write would store.
    std::optional<sim::kernel::Random> dry_uid_stream_;
    std::optional<sim::kernel::Random> dry_name_stream_;
    std::optional<UpdateManager> update_manager_;  // set while a WriteManager lives
    mutable std::int64_t rfc3339_second_ = 0;      // the second rfc3339_text_ shows, once set
    mutable std::string rfc3339_text_;
};

// Resource references for the registered types, e.g. refs::kPods.in("default").
namespace refs {
inline const ResourceRef kNamespaces{"", "v1", "namespaces", ""};
inline const ResourceRef kNodes{"", "v1", "nodes", ""};
inline const ResourceRef kPods{"", "v1", "pods", ""};
inline const ResourceRef kServices{"", "v1", "services", ""};
inline const ResourceRef kEndpoints{"", "v1", "endpoints", ""};
inline const ResourceRef kEvents{"", "v1", "events", ""};
inline const ResourceRef kConfigMaps{"", "v1", "configmaps", ""};
inline const ResourceRef kSecrets{"", "v1", "secrets", ""};
inline const ResourceRef kDeployments{"apps", "v1", "deployments", ""};
inline const ResourceRef kReplicaSets{"apps", "v1", "replicasets", ""};
inline const ResourceRef kHpas{"autoscaling", "v2", "horizontalpodautoscalers", ""};
inline const ResourceRef kHpasV1{"autoscaling", "v1", "horizontalpodautoscalers", ""};
inline const ResourceRef kEndpointSlices{"discovery.k8s.io", "v1", "endpointslices", ""};
inline const ResourceRef kPodDisruptionBudgets{"policy", "v1", "poddisruptionbudgets", ""};
inline const ResourceRef kLeases{"coordination.k8s.io", "v1", "leases", ""};
inline const ResourceRef kCrds{"apiextensions.k8s.io", "v1", "customresourcedefinitions", ""};
// metrics.k8s.io PodMetrics, served by the metrics-server (an aggregated API).
inline const ResourceRef kPodMetrics{"metrics.k8s.io", "v1beta1", "pods", ""};
inline const ResourceRef kSeldonDeployments{"machinelearning.seldon.io", "v1", "seldondeployments",
                                            ""};
// Istio's, served only once add_istio_resources (registry.hpp) installed them.
// Ambassador's, served only once add_ambassador_resources (registry.hpp) installed them.
inline const ResourceRef kAmbassadorMappings{"getambassador.io", "v2", "mappings", ""};
inline const ResourceRef kVirtualServices{"networking.istio.io", "v1alpha3", "virtualservices", ""};
inline const ResourceRef kDestinationRules{"networking.istio.io", "v1alpha3", "destinationrules",
                                           ""};
}  // namespace refs

}  // namespace sim::kube
