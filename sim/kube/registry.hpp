// The resource registry: what the API server serves, as discovery describes it
// (k8s-semantics.md §2.2), plus the per-type storage strategy facts the store needs
// (generation rules, status/scale subresources, what DELETE returns, field labels).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sim::kube {

// How metadata.generation moves (pkg/registry/*/strategy.go, customresource/strategy.go).
enum class GenerationRule {
    None,                     // Pod, Service, Node, HPA, ...: no generation in 1.32
    Spec,                     // ReplicaSet, PDB, CRD: +1 on a spec change
    SpecOrAnnotations,        // Deployment: +1 on a spec or metadata.annotations change
    AllButMetadataAndStatus,  // custom resources
};

// What a create does to the incoming status (PrepareForCreate).
enum class CreateStatus { Keep, Clear, PodPending, NamespaceActive };

// The scale subresource's field mapping (§1.6). Paths are dotted JSON paths without the
// leading dot. An empty selector path means "no selector" (Seldon's CRD).
struct ScaleMapping {
    std::string spec_replicas_path = "spec.replicas";
    std::string status_replicas_path = "status.replicas";
    // For built-ins the selector is spec.selector (a metav1.LabelSelector) rendered as a string;
    // for CRs it is a string field at label_selector_path.
    bool selector_from_spec_selector = false;
    std::string label_selector_path;
};

struct ResourceInfo {
    std::string group;                  // "" for core
    std::vector<std::string> versions;  // served, in discovery priority order (first preferred)
    std::string storage_version;
    std::string kind;
    std::string plural;
    std::string singular;
    std::vector<std::string> short_names;
    std::vector<std::string> categories;
    std::vector<std::string> verbs;
    bool namespaced = true;
    bool custom = false;  // served by apiextensions (a CRD)
    bool has_status = false;
    std::optional<ScaleMapping> scale;
    bool has_binding = false;
    GenerationRule generation = GenerationRule::None;
    CreateStatus create_status = CreateStatus::Keep;
    bool return_deleted_object = false;  // pods, services (ReturnDeletedObject)
    // Field selector labels besides metadata.name/metadata.namespace (§1.11).
    std::vector<std::string> field_labels;

    std::string list_kind() const { return kind + "List"; }
    // "deployments.apps" / "pods"
    std::string group_resource() const { return group.empty() ? plural : plural + "." + group; }
    // "Deployment.apps" / "Pod"
    std::string group_kind() const { return group.empty() ? kind : kind + "." + group; }
    std::string api_version(std::string_view version) const;
    std::string storage_api_version() const { return api_version(storage_version); }
    bool serves(std::string_view version) const;
    bool allows_unconditional_update() const { return !custom; }
    bool supports_strategic_merge() const { return !custom; }
    bool has_verb(std::string_view verb) const;
};

class Registry {
  public:
    // The resources of the issue: core (namespaces, nodes, pods, services, endpoints, events,
    // configmaps, secrets), apps, autoscaling v2+v1, discovery.k8s.io, policy,
    // coordination.k8s.io, apiextensions.k8s.io and machinelearning.seldon.io.
    static Registry standard();

    void add(ResourceInfo info);
    // By group and plural; nullptr when unknown.
    const ResourceInfo* find(std::string_view group, std::string_view plural) const;
    // By apiVersion ("apps/v1", "v1") and kind, checking the version is served.
    const ResourceInfo* find_kind(std::string_view api_version, std::string_view kind) const;
    // By plural, singular or short name in any group (kubectl-style resolution); the first
    // registered match wins.
    const ResourceInfo* resolve(std::string_view name) const;
    const std::vector<ResourceInfo>& all() const { return resources_; }

  private:
    std::vector<ResourceInfo> resources_;  // registration order, which discovery keeps
};

// Istio's VirtualService and DestinationRule CRDs (networking.istio.io), as installing Istio
// adds them; a scenario with `ingress: istio` does this before the operator starts.
void add_istio_resources(Registry& registry);
// Emissary-ingress (Ambassador) Mapping, getambassador.io v2 (what Seldon Core v1.17.1 writes).
void add_ambassador_resources(Registry& registry);

// Splits "apps/v1" into {"apps","v1"} and "v1" into {"","v1"}.
std::pair<std::string, std::string> split_api_version(std::string_view api_version);

}  // namespace sim::kube
