#include "sim/kube/registry.hpp"

#include <algorithm>
#include <tuple>

namespace sim::kube {
namespace {

const std::vector<std::string> kAllVerbs = {"create", "delete", "deletecollection", "get",
                                            "list",   "patch",  "update",           "watch"};
// apiextensions' order (customresource_discovery_controller.go).
const std::vector<std::string> kCustomVerbs = {"delete", "deletecollection", "get",    "list",
                                               "patch",  "create",           "update", "watch"};

ResourceInfo core(std::string kind, std::string plural, std::string singular) {
    ResourceInfo r;
    r.versions = {"v1"};
    r.storage_version = "v1";
    r.kind = std::move(kind);
    r.plural = std::move(plural);
    r.singular = std::move(singular);
    r.verbs = kAllVerbs;
    return r;
}

ResourceInfo in_group(std::string group, std::vector<std::string> versions, std::string kind,
                      std::string plural, std::string singular) {
    ResourceInfo r = core(std::move(kind), std::move(plural), std::move(singular));
    r.group = std::move(group);
    r.storage_version = versions.front();
    r.versions = std::move(versions);
    return r;
}

}  // namespace

std::string ResourceInfo::api_version(std::string_view version) const {
    return group.empty() ? std::string(version) : group + "/" + std::string(version);
}

bool ResourceInfo::serves(std::string_view version) const {
    return std::find(versions.begin(), versions.end(), version) != versions.end();
}

bool ResourceInfo::has_verb(std::string_view verb) const {
    return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
}

std::pair<std::string, std::string> split_api_version(std::string_view api_version) {
    const auto slash = api_version.find('/');
    if (slash == std::string_view::npos) return {"", std::string(api_version)};
    return {std::string(api_version.substr(0, slash)), std::string(api_version.substr(slash + 1))};
}

void Registry::add(ResourceInfo info) {
    resources_.push_back(std::move(info));
}

const ResourceInfo* Registry::find(std::string_view group, std::string_view plural) const {
    for (const auto& r : resources_)
        if (r.group == group && r.plural == plural) return &r;
    return nullptr;
}

const ResourceInfo* Registry::find_kind(std::string_view api_version, std::string_view kind) const {
    const auto [group, version] = split_api_version(api_version);
    for (const auto& r : resources_)
        if (r.group == group && r.kind == kind && r.serves(version)) return &r;
    return nullptr;
}

const ResourceInfo* Registry::resolve(std::string_view name) const {
    for (const auto& r : resources_) {
        if (r.plural == name || r.singular == name) return &r;
        if (std::find(r.short_names.begin(), r.short_names.end(), name) != r.short_names.end())
            return &r;
    }
    return nullptr;
}

Registry Registry::standard() {
    Registry reg;

    auto ns = core("Namespace", "namespaces", "namespace");
    ns.namespaced = false;
    ns.short_names = {"ns"};
    ns.verbs = {"create", "delete", "get", "list", "patch", "update", "watch"};
    ns.has_status = true;
    ns.create_status = CreateStatus::NamespaceActive;
    ns.field_labels = {"status.phase"};
    reg.add(ns);

    auto node = core("Node", "nodes", "node");
    node.namespaced = false;
    node.short_names = {"no"};
    node.has_status = true;
    node.field_labels = {"spec.unschedulable"};
    reg.add(node);

    auto pod = core("Pod", "pods", "pod");
    pod.short_names = {"po"};
    pod.categories = {"all"};
    pod.has_status = true;
    pod.has_binding = true;
    pod.create_status = CreateStatus::PodPending;
    pod.return_deleted_object = true;
    pod.field_labels = {"spec.nodeName",
                        "spec.restartPolicy",
                        "spec.schedulerName",
                        "spec.serviceAccountName",
                        "spec.hostNetwork",
                        "status.phase",
                        "status.podIP",
                        "status.podIPs",
                        "status.nominatedNodeName"};
    reg.add(pod);

    auto svc = core("Service", "services", "service");
    svc.short_names = {"svc"};
    svc.categories = {"all"};
    svc.has_status = true;
    svc.create_status = CreateStatus::Clear;
    svc.return_deleted_object = true;
    reg.add(svc);

    auto ep = core("Endpoints", "endpoints", "endpoints");
    ep.short_names = {"ep"};
    reg.add(ep);

    auto ev = core("Event", "events", "event");
    ev.short_names = {"ev"};
    ev.field_labels = {"involvedObject.kind",
                       "involvedObject.namespace",
                       "involvedObject.name",
                       "involvedObject.uid",
                       "involvedObject.apiVersion",
                       "involvedObject.resourceVersion",
                       "involvedObject.fieldPath",
                       "reason",
                       "reportingComponent",
                       "source",
                       "type"};
    reg.add(ev);

    auto cm = core("ConfigMap", "configmaps", "configmap");
    cm.short_names = {"cm"};
    reg.add(cm);

    auto secret = core("Secret", "secrets", "secret");
    secret.field_labels = {"type"};
    reg.add(secret);

    auto deploy = in_group("apps", {"v1"}, "Deployment", "deployments", "deployment");
    deploy.short_names = {"deploy"};
    deploy.categories = {"all"};
    deploy.has_status = true;
    deploy.scale = ScaleMapping{.selector_from_spec_selector = true, .label_selector_path = ""};
    deploy.generation = GenerationRule::SpecOrAnnotations;
    deploy.create_status = CreateStatus::Clear;
    reg.add(deploy);

    auto rs = in_group("apps", {"v1"}, "ReplicaSet", "replicasets", "replicaset");
    rs.short_names = {"rs"};
    rs.categories = {"all"};
    rs.has_status = true;
    rs.scale = ScaleMapping{.selector_from_spec_selector = true, .label_selector_path = ""};
    rs.generation = GenerationRule::Spec;
    rs.create_status = CreateStatus::Clear;
    rs.field_labels = {"status.replicas"};
    reg.add(rs);

    auto hpa = in_group("autoscaling", {"v2", "v1"}, "HorizontalPodAutoscaler",
                        "horizontalpodautoscalers", "horizontalpodautoscaler");
    hpa.short_names = {"hpa"};
    hpa.categories = {"all"};
    hpa.has_status = true;
    hpa.create_status = CreateStatus::Clear;
    reg.add(hpa);

    // metrics.k8s.io, an aggregated API served by metrics-server (sigs.k8s.io/metrics-server
    // pkg/api/install.go): PodMetrics is read-only (get, list), namespaced, plural "pods".
    // The store never holds one; ApiServer::aggregate routes the reads to the metrics-server.
    auto pod_metrics = in_group("metrics.k8s.io", {"v1beta1"}, "PodMetrics", "pods", "");
    pod_metrics.verbs = {"get", "list"};
    reg.add(pod_metrics);

    auto slice =
        in_group("discovery.k8s.io", {"v1"}, "EndpointSlice", "endpointslices", "endpointslice");
    reg.add(slice);

    auto pdb = in_group("policy", {"v1"}, "PodDisruptionBudget", "poddisruptionbudgets",
                        "poddisruptionbudget");
    pdb.short_names = {"pdb"};
    pdb.has_status = true;
    pdb.generation = GenerationRule::Spec;
    pdb.create_status = CreateStatus::Clear;
    reg.add(pdb);

    auto lease = in_group("coordination.k8s.io", {"v1"}, "Lease", "leases", "lease");
    reg.add(lease);

    auto crd = in_group("apiextensions.k8s.io", {"v1"}, "CustomResourceDefinition",
                        "customresourcedefinitions", "customresourcedefinition");
    crd.namespaced = false;
    crd.short_names = {"crd", "crds"};
    crd.categories = {"api-extensions"};
    crd.has_status = true;
    crd.generation = GenerationRule::Spec;
    reg.add(crd);

    // seldon-core v1.18.2 helm chart CRD (seldon-v1.md §2a, k8s-semantics.md §2.2):
    // v1 storage and preferred; v1alpha3 and v1alpha2 served; status + scale without a
    // labelSelectorPath; no categories, no printer columns.
    auto sdep = in_group("machinelearning.seldon.io", {"v1", "v1alpha3", "v1alpha2"},
                         "SeldonDeployment", "seldondeployments", "seldondeployment");
    sdep.short_names = {"sdep"};
    sdep.verbs = kCustomVerbs;
    sdep.custom = true;
    sdep.has_status = true;
    sdep.scale = ScaleMapping{};
    sdep.generation = GenerationRule::AllButMetadataAndStatus;
    sdep.create_status = CreateStatus::Clear;  // status_strategy: create drops status
    reg.add(sdep);

    return reg;
}

// Istio's base chart CRDs (manifests/charts/base/crds/crd-all.gen.yaml): v1alpha3 is the
// storage version and the one Seldon Core v1.17.1 writes; v1beta1 is served as well. Category
// istio-io and networking-istio-io, short names vs / dr; the status subresource exists.
void add_istio_resources(Registry& reg) {
    if (reg.find("networking.istio.io", "virtualservices")) return;
    for (const auto& [kind, plural, singular, short_name] :
         {std::tuple{"VirtualService", "virtualservices", "virtualservice", "vs"},
          std::tuple{"DestinationRule", "destinationrules", "destinationrule", "dr"}}) {
        auto info =
            in_group("networking.istio.io", {"v1beta1", "v1alpha3"}, kind, plural, singular);
        info.storage_version = "v1alpha3";
        info.short_names = {short_name};
        info.categories = {"istio-io", "networking-istio-io"};
        info.verbs = kCustomVerbs;
        info.custom = true;
        info.has_status = true;
        info.generation = GenerationRule::AllButMetadataAndStatus;
        reg.add(info);
    }
}

// Emissary-ingress 2.x CRDs (getambassador.io): Mapping served as v2 (Seldon Core v1.17.1's
// version) and v3alpha1, stored as v2 here; category ambassador-crds; no status subresource
// in use.
void add_ambassador_resources(Registry& reg) {
    if (reg.find("getambassador.io", "mappings")) return;
    auto info = in_group("getambassador.io", {"v2", "v3alpha1"}, "Mapping", "mappings", "mapping");
    info.storage_version = "v2";
    info.categories = {"ambassador-crds"};
    info.verbs = kCustomVerbs;
    info.custom = true;
    info.generation = GenerationRule::AllButMetadataAndStatus;
    reg.add(info);
}

}  // namespace sim::kube
