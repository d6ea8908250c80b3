#include "sim/kube/openapi_schemas.hpp"

#include <set>
#include <utility>
#include <vector>

namespace sim::kube {
namespace {

using Json = sim::Json;
using Props = std::vector<std::pair<std::string, Json>>;

const std::string kMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.";
const std::string kCore = "io.k8s.api.core.v1.";
const std::string kApps = "io.k8s.api.apps.v1.";
const std::string kAutoscaling = "io.k8s.api.autoscaling.v2.";

Json scalar(const char* type, std::string description, const char* format = nullptr) {
    Json s{{"type", type}, {"description", std::move(description)}};
    if (format != nullptr) s["format"] = format;
    return s;
}
Json text(std::string description) {
    return scalar("string", std::move(description));
}
Json int32(std::string description) {
    return scalar("integer", std::move(description), "int32");
}
Json int64(std::string description) {
    return scalar("integer", std::move(description), "int64");
}
Json boolean(std::string description) {
    return scalar("boolean", std::move(description));
}
// A reference as the apiserver publishes it: wrapped in allOf so it can carry its own
// description.
Json ref(const std::string& schema, std::string description) {
    return Json{{"allOf", Json::array({Json{{"$ref", "#/components/schemas/" + schema}}})},
                {"default", Json::object()},
                {"description", std::move(description)}};
}
Json list_of(Json item, std::string description) {
    return Json{
        {"type", "array"}, {"items", std::move(item)}, {"description", std::move(description)}};
}
Json list_of_ref(const std::string& schema, std::string description) {
    Json item = ref(schema, "");
    item.erase("description");
    return list_of(std::move(item), std::move(description));
}
Json list_of_text(std::string description) {
    return list_of(Json{{"type", "string"}, {"default", ""}}, std::move(description));
}
Json string_map(std::string description) {
    return Json{{"type", "object"},
                {"additionalProperties", Json{{"type", "string"}, {"default", ""}}},
                {"description", std::move(description)}};
}
Json quantity_map(std::string description) {
    return Json{{"type", "object"},
                {"additionalProperties", ref("io.k8s.apimachinery.pkg.api.resource.Quantity", "")},
                {"description", std::move(description)}};
}
Json int_or_string(std::string description) {
    return Json{{"x-kubernetes-int-or-string", true}, {"description", std::move(description)}};
}
Json free_object(std::string description) {
    return Json{{"type", "object"},
                {"x-kubernetes-preserve-unknown-fields", true},
                {"description", std::move(description)}};
}
Json object(std::string description, const Props& properties,
            const std::vector<std::string>& required = {}) {
    Json props = Json::object();
    for (const auto& [name, schema] : properties)
        props[name] = schema;
    Json s{{"type", "object"}, {"description", std::move(description)}, {"properties", props}};
    if (!required.empty()) s["required"] = required;
    return s;
}

Json api_version_field() {
    return text(
        "The versioned schema of this representation of an object (group/version). Servers "
        "convert recognized schemas to their latest internal value and may reject unrecognized "
        "ones.");
}
Json kind_field() {
    return text(
        "The REST resource this object represents, in CamelCase. Servers may infer it from the "
        "endpoint the client submits requests to; it cannot be updated.");
}
Json metadata_field() {
    return ref(kMeta + "ObjectMeta",
               "Standard object's metadata: name, namespace, labels and "
               "the fields the server manages.");
}

// A kind: apiVersion, kind, metadata and its own fields, with the GVK extension kubectl
// explain looks the resource up by.
Json kind_schema(std::string description, Props properties, const ResourceInfo& r,
                 const std::string& version) {
    Props all{{"apiVersion", api_version_field()},
              {"kind", kind_field()},
              {"metadata", metadata_field()}};
    for (auto& p : properties)
        all.push_back(std::move(p));
    Json s = object(std::move(description), all);
    s["x-kubernetes-group-version-kind"] =
        Json::array({Json{{"group", r.group}, {"kind", r.kind}, {"version", version}}});
    return s;
}

// ------------------------------------------------------------------- shared building blocks

void add_meta(Json& d) {
    d[kMeta + "ObjectMeta"] = object(
        "The metadata every persisted resource carries, including what users create and what "
        "the server fills in.",
        {{"name", text("Unique within a namespace; required when creating, unless generateName "
                       "is used. Cannot be updated.")},
         {"generateName",
          text("A prefix the server completes with a random suffix to make a unique name, "
               "used only when name is empty.")},
         {"namespace", text("The space within which the name must be unique. Empty for "
                            "cluster-scoped objects. Cannot be updated.")},
         {"uid", text("Unique in time and space for this object, set by the server on "
                      "successful creation. Read-only.")},
         {"resourceVersion",
          text("An opaque value identifying the internal version of this object, used for "
               "optimistic concurrency, change detection and watches. Read-only.")},
         {"generation", int64("A sequence number for a specific generation of the desired "
                              "state, set by the server. Read-only.")},
         {"creationTimestamp", text("When this object was created, set by the server. "
                                    "Read-only.")},
         {"deletionTimestamp",
          text("When this object will be deleted, set by the server when a graceful deletion "
               "is requested. Read-only.")},
         {"deletionGracePeriodSeconds",
          int64("Seconds allowed for this object to terminate gracefully before it is removed. "
                "Read-only.")},
         {"labels", string_map("String keys and values that organize and select objects.")},
         {"annotations", string_map("Arbitrary non-identifying metadata stored with the object, "
                                    "set by tools and libraries.")},
         {"ownerReferences",
          list_of_ref(kMeta + "OwnerReference",
                      "Objects this one depends on; when all of them are deleted, this object "
                      "is garbage collected.")},
         {"finalizers", list_of_text("Must be empty before the object is deleted from the "
                                     "registry; each entry names a pending cleanup.")},
         {"managedFields",
          list_of_ref(kMeta + "ManagedFieldsEntry",
                      "Which workflow (field manager) owns which fields; maintained by the "
                      "server, mostly for server-side apply.")}});
    d[kMeta + "OwnerReference"] = object(
        "Identifies an owning object, which must be in the same namespace (or cluster-scoped).",
        {{"apiVersion", text("API version of the owner.")},
         {"kind", text("Kind of the owner.")},
         {"name", text("Name of the owner.")},
         {"uid", text("UID of the owner.")},
         {"controller", boolean("True when the owner is the managing controller.")},
         {"blockOwnerDeletion",
          boolean("When true and the owner has the foregroundDeletion finalizer, the owner "
                  "cannot be removed from storage before this reference is.")}},
        {"apiVersion", "kind", "name", "uid"});
    d[kMeta + "ManagedFieldsEntry"] = object(
        "A workflow's ownership of a set of fields of the resource.",
        {{"manager", text("Identifier of the workflow managing these fields.")},
         {"operation", text("The kind of operation that created this entry: Apply or Update.")},
         {"apiVersion", text("The version of the resource the field set applies to.")},
         {"time", text("When these fields were last changed by this manager.")},
         {"fieldsType", text("The format of fieldsV1; only \"FieldsV1\".")},
         {"fieldsV1", free_object("The set of fields, as a trie of f:<name>, k:<key> and "
                                  "v:<value> entries.")},
         {"subresource", text("The subresource the object was updated through, if any.")}});
    d[kMeta + "LabelSelector"] = object(
        "A label query over a set of resources; matchLabels and matchExpressions are ANDed. "
        "An empty selector matches every object, a null one none.",
        {{"matchLabels", string_map("Pairs each equal to a label of the object.")},
         {"matchExpressions",
          list_of(free_object("key, operator (In, NotIn, Exists, DoesNotExist) and values."),
                  "Label selector requirements.")}});
    d["io.k8s.apimachinery.pkg.api.resource.Quantity"] = Json{
        {"type", "string"},
        {"description",
         "A fixed-point number with an optional suffix: binary (Ki, Mi, Gi...), decimal (m, k, "
         "M, G...) or an exponent (e3). Serialized as a string, e.g. \"500m\" or \"1Gi\"."}};
}

void add_core(Json& d) {
    d[kCore + "PodTemplateSpec"] =
        object("The data a pod is created from.",
               {{"metadata", metadata_field()},
                {"spec", ref(kCore + "PodSpec", "The desired behaviour of the pod.")}});
    d[kCore + "PodSpec"] = object(
        "A description of a pod.",
        {{"containers", list_of_ref(kCore + "Container",
                                    "The containers of the pod; at least one. Cannot be "
                                    "updated.")},
         {"initContainers",
          list_of_ref(kCore + "Container",
                      "Containers run one after the other, each to completion, before the app "
                      "containers start.")},
         {"nodeName", text("The node the pod runs on; set by the scheduler through the binding "
                           "subresource when empty.")},
         {"nodeSelector", string_map("Labels a node must have for the pod to fit on it.")},
         {"affinity", free_object("Node affinity and pod (anti-)affinity scheduling rules.")},
         {"tolerations", list_of_ref(kCore + "Toleration", "The taints the pod tolerates.")},
         {"restartPolicy", text("Restart policy of all containers: Always (default), OnFailure "
                                "or Never.")},
         {"terminationGracePeriodSeconds",
          int64("Seconds the pod gets to stop after the termination signal before it is "
                "killed; 30 by default.")},
         {"dnsPolicy", text("How DNS is set up for the pod: ClusterFirst (default), "
                            "ClusterFirstWithHostNet, Default or None.")},
         {"schedulerName", text("The scheduler that places the pod; default-scheduler when "
                                "empty.")},
         {"serviceAccountName", text("The service account the pod runs as.")},
         {"priority", int32("Priority value, filled in from priorityClassName by admission.")},
         {"priorityClassName", text("The PriorityClass of the pod.")},
         {"volumes", list_of(free_object("A named volume."), "Volumes the containers may mount.")},
         {"topologySpreadConstraints",
          list_of(free_object("maxSkew, topologyKey, whenUnsatisfiable and labelSelector."),
                  "How pods spread across topology domains.")},
         {"hostNetwork", boolean("Use the node's network namespace.")}},
        {"containers"});
    d[kCore + "Container"] = object(
        "A single application container of a pod.",
        {{"name", text("Name of the container, a DNS label unique within the pod. Cannot be "
                       "updated.")},
         {"image", text("Container image name.")},
         {"imagePullPolicy",
          text("Always, Never or IfNotPresent. Always when the tag is :latest or missing, "
               "IfNotPresent otherwise.")},
         {"command", list_of_text("The entrypoint, not run in a shell; the image's ENTRYPOINT "
                                  "when absent.")},
         {"args", list_of_text("Arguments to the entrypoint; the image's CMD when absent.")},
         {"env", list_of_ref(kCore + "EnvVar", "Environment variables set in the container.")},
         {"ports", list_of_ref(kCore + "ContainerPort",
                               "Ports the container exposes; "
                               "informational.")},
         {"resources", ref(kCore + "ResourceRequirements",
                           "Compute resources the container requests and is limited to.")},
         {"readinessProbe", ref(kCore + "Probe",
                                "When the container is ready to serve; a "
                                "failing probe removes the pod from service "
                                "endpoints.")},
         {"livenessProbe", ref(kCore + "Probe",
                               "Whether the container is alive; a failing "
                               "probe restarts it.")},
         {"startupProbe", ref(kCore + "Probe",
                              "Whether the container has started; the other "
                              "probes wait for it.")},
         {"volumeMounts", list_of(free_object("name and mountPath."),
                                  "Volumes mounted into the "
                                  "container.")}},
        {"name"});
    d[kCore + "ContainerPort"] = object(
        "A network port of a container.",
        {{"name", text("An IANA_SVC_NAME unique within the pod, which services can refer to.")},
         {"containerPort", int32("Port number on the pod's IP address (0 < x < 65536).")},
         {"protocol", text("UDP, TCP or SCTP; TCP by default.")},
         {"hostPort", int32("Port number on the host, if any.")}},
        {"containerPort"});
    d[kCore + "EnvVar"] = object(
        "An environment variable of a container.",
        {{"name", text("Name of the variable.")},
         {"value", text("Its value; $(VAR) references to earlier variables are expanded.")},
         {"valueFrom", free_object("A source for the value: a field, a resource, a ConfigMap "
                                   "or Secret key.")}},
        {"name"});
    d[kCore + "ResourceRequirements"] = object(
        "Compute resource requirements.",
        {{"requests", quantity_map("The minimum amount of each resource the container needs; "
                                   "the scheduler places pods by requests.")},
         {"limits", quantity_map("The maximum amount of each resource the container may use.")}});
    d[kCore + "Probe"] = object(
        "A health check performed against a container.",
        {{"httpGet", free_object("An HTTP GET: path, port, host, scheme, httpHeaders.")},
         {"tcpSocket", free_object("A TCP connection to a port.")},
         {"exec", free_object("A command run in the container.")},
         {"initialDelaySeconds", int32("Seconds after the container starts before the first "
                                       "probe.")},
         {"periodSeconds", int32("How often to probe, in seconds; 10 by default.")},
         {"timeoutSeconds", int32("Seconds after which a probe times out; 1 by default.")},
         {"successThreshold", int32("Consecutive successes after a failure to count as "
                                    "successful; 1 by default.")},
         {"failureThreshold", int32("Consecutive failures to count as failed; 3 by default.")}});
    d[kCore + "Toleration"] =
        object("Lets a pod tolerate a taint matching the triple key, value, effect.",
               {{"key", text("The taint key; empty with Exists matches all keys.")},
                {"operator", text("Exists or Equal (default).")},
                {"value", text("The taint value, for Equal.")},
                {"effect", text("NoSchedule, PreferNoSchedule or NoExecute; empty matches all.")},
                {"tolerationSeconds", int64("For NoExecute: how long the pod stays bound after the "
                                            "taint appears.")}});
    d[kCore + "PodStatus"] = object(
        "The most recently observed status of a pod; may lag the actual state.",
        {{"phase", text("Where the pod is in its lifecycle: Pending, Running, Succeeded, Failed "
                        "or Unknown.")},
         {"conditions", list_of(free_object("type, status, reason, message and times."),
                                "The pod's current conditions (PodScheduled, Initialized, "
                                "ContainersReady, Ready).")},
         {"hostIP", text("IP address of the node the pod runs on.")},
         {"podIP", text("IP address allocated to the pod.")},
         {"startTime", text("When the kubelet acknowledged the pod.")},
         {"qosClass", text("Guaranteed, Burstable or BestEffort, from the resource "
                           "requirements.")},
         {"containerStatuses", list_of(free_object("state, ready, restartCount, image..."),
                                       "One entry per container.")}});
    d[kCore + "ServiceSpec"] =
        object("The attributes a user creates on a service.",
               {{"selector", string_map("Pods with these labels receive the service's traffic.")},
                {"ports", list_of_ref(kCore + "ServicePort", "The ports the service exposes.")},
                {"type", text("ClusterIP (default), NodePort, LoadBalancer or ExternalName.")},
                {"clusterIP", text("The service's virtual IP, usually allocated by the server.")},
                {"clusterIPs", list_of_text("The service's IP addresses, clusterIP first.")},
                {"sessionAffinity", text("ClientIP or None (default).")}});
    d[kCore + "ServicePort"] =
        object("A port of a service.",
               {{"name", text("Name of the port, required when there are several.")},
                {"protocol", text("TCP (default), UDP or SCTP.")},
                {"port", int32("The port the service exposes.")},
                {"targetPort", int_or_string("Number or name of the port on the pods; the same as "
                                             "port by default.")},
                {"nodePort", int32("The port on each node, for NodePort and LoadBalancer.")}},
               {"port"});
    d[kCore + "NodeSystemInfo"] = object(
        "Identifiers and versions the kubelet reports about its node.",
        {{"machineID", text("The node's machine-id (/etc/machine-id).")},
         {"systemUUID", text("The system UUID from the hardware (DMI).")},
         {"bootID", text("Identifier of the current boot.")},
         {"kernelVersion", text("Kernel version (uname -r).")},
         {"osImage", text("Operating system image (/etc/os-release).")},
         {"containerRuntimeVersion", text("Container runtime name and version.")},
         {"kubeletVersion", text("Kubelet version.")},
         {"kubeProxyVersion", text("Kube-proxy version (deprecated).")},
         {"operatingSystem", text("The operating system, e.g. linux.")},
         {"architecture", text("The architecture, e.g. amd64.")}},
        {"machineID", "systemUUID", "bootID", "kernelVersion", "osImage", "containerRuntimeVersion",
         "kubeletVersion", "kubeProxyVersion", "operatingSystem", "architecture"});
}

Json seldon_predictive_unit(int depth) {
    Props p{{"name", text("Name of the unit; a container of the predictor's componentSpecs "
                          "with the same name runs it, unless it is a prepackaged server.")},
            {"type", text("MODEL, ROUTER, COMBINER, TRANSFORMER, OUTPUT_TRANSFORMER or "
                          "UNKNOWN_TYPE.")},
            {"implementation",
             text("A built-in (SIMPLE_MODEL, RANDOM_ABTEST, AVERAGE_COMBINER...) or a "
                  "prepackaged server (SKLEARN_SERVER, XGBOOST_SERVER, TENSORFLOW_SERVER, "
                  "MLFLOW_SERVER...).")},
            {"methods", list_of_text("The methods the unit implements (TRANSFORM_INPUT, "
                                     "TRANSFORM_OUTPUT, ROUTE, AGGREGATE, SEND_FEEDBACK).")},
            {"modelUri", text("Where a prepackaged server loads its model from.")},
            {"serviceAccountName", text("Service account of the storage initializer.")},
            {"envSecretRefName", text("Secret with the storage initializer's credentials.")},
            {"storageInitializerImage", text("Image that downloads the model.")},
            {"endpoint", object("How the executor reaches the unit.",
                                {{"service_host", text("Host of the unit.")},
                                 {"service_port", int32("Port of the unit.")},
                                 {"type", text("REST or GRPC.")},
                                 {"httpPort", int32("HTTP port.")},
                                 {"grpcPort", int32("gRPC port.")}})},
            {"parameters", list_of(object("A parameter passed to the unit.",
                                          {{"name", text("Parameter name.")},
                                           {"value", text("Its value, as a string.")},
                                           {"type", text("INT, FLOAT, DOUBLE, STRING or BOOL.")}},
                                          {"name", "type", "value"}),
                                   "Parameters passed to the unit.")},
            {"logger", object("Request logging of the unit.",
                              {{"url", text("Where the logs are sent.")},
                               {"mode", text("all, request or response.")}})}};
    // The real schema nests children a few levels deep (the CRD generator cannot recurse).
    if (depth > 0)
        p.emplace_back("children", list_of(seldon_predictive_unit(depth - 1),
                                           "The units this one sends requests on to."));
    return object("A node of the inference graph.", p, {"name"});
}

Json seldon_spec() {
    const Json predictor = object(
        "A predictor: an inference graph with the pods that serve it.",
        {{"name", text("Name of the predictor, unique within the SeldonDeployment.")},
         {"graph", seldon_predictive_unit(3)},
         {"componentSpecs",
          list_of(
              object("A pod template of the predictor, one Deployment each.",
                     {{"metadata", free_object("Labels and annotations of the pods.")},
                      {"spec", free_object("A core PodSpec.")},
                      {"replicas", int32("Replicas of this component; overrides the "
                                         "predictor's.")},
                      {"hpaSpec", object("A HorizontalPodAutoscaler for the component.",
                                         {{"minReplicas", int32("Lower bound.")},
                                          {"maxReplicas", int32("Upper bound.")},
                                          {"metrics", list_of(free_object("v2beta1 metric"),
                                                              "Deprecated metrics.")},
                                          {"metricsv2", list_of(free_object("v2 metric"),
                                                                "autoscaling/v2 metrics.")}},
                                         {"maxReplicas"})},
                      {"kedaSpec", free_object("A KEDA ScaledObject for the component.")},
                      {"pdbSpec", object("A PodDisruptionBudget for the component.",
                                         {{"minAvailable", int_or_string("Minimum pods "
                                                                         "available.")},
                                          {"maxUnavailable", int_or_string("Maximum pods "
                                                                           "unavailable.")}})}}),
              "Pod templates for the graph's containers.")},
         {"replicas", int32("Replicas of the predictor's Deployments unless a componentSpec "
                            "says otherwise.")},
         {"traffic", int32("Percentage of the traffic this predictor receives.")},
         {"shadow", boolean("Receives a copy of the traffic; its answers are discarded.")},
         {"annotations", string_map("Annotations for the predictor's objects.")},
         {"labels", string_map("Labels for the predictor's objects.")},
         {"engineResources", free_object("Deprecated: the executor's resources.")},
         {"svcOrchSpec", free_object("The executor's resources, env and replicas.")},
         {"explainer", free_object("An explainer model deployed beside the predictor.")},
         {"ssl", free_object("certSecretName for TLS.")},
         {"progressDeadlineSeconds", int32("Progress deadline of the Deployments.")}},
        {"graph", "name"});
    return object(
        "The desired state of the SeldonDeployment.",
        {{"name", text("Deprecated name of the deployment.")},
         {"predictors", list_of(predictor, "The predictors the traffic is split between.")},
         {"protocol", text("seldon, tensorflow, kfserving or v2.")},
         {"transport", text("rest or grpc.")},
         {"serverType", text("rpc or kafka.")},
         {"replicas", int32("Default replicas of every predictor (the scale subresource).")},
         {"annotations", string_map("Annotations that configure the operator and executor.")},
         {"oauth_key", text("OAuth key for the API gateway.")},
         {"oauth_secret", text("OAuth secret for the API gateway.")}},
        {"predictors"});
}

Json seldon_status() {
    return object("The state the operator observed.",
                  {{"state", text("Creating, Available or Failed.")},
                   {"description", text("Why the state is what it is.")},
                   {"replicas", int32("Replicas across the predictors.")},
                   {"deploymentStatus", free_object("Per Deployment: replicas and available "
                                                    "replicas.")},
                   {"serviceStatus", free_object("Per Service: its endpoints.")},
                   {"address", free_object("The URL the deployment answers on.")},
                   {"conditions", list_of(free_object("type, status, reason."),
                                          "DeploymentsReady, ServicesReady, Ready...")},
                   {"observedGeneration", int64("The generation last reconciled.")}});
}

// The schema name apiextensions gives a CR kind: its group reversed, then version and kind.
std::string custom_schema_name(const ResourceInfo& r, const std::string& version) {
    std::string reversed;
    std::string_view g = r.group;
    while (!g.empty()) {
        const auto dot = g.rfind('.');
        reversed += (reversed.empty() ? "" : ".") +
                    std::string(dot == std::string_view::npos ? g : g.substr(dot + 1));
        g = dot == std::string_view::npos ? std::string_view{} : g.substr(0, dot);
    }
    return reversed + "." + version + "." + r.kind;
}

std::string builtin_schema_name(const ResourceInfo& r, const std::string& version) {
    if (r.group == "apiextensions.k8s.io")
        return "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions." + version + "." + r.kind;
    if (r.group == "metrics.k8s.io")
        return "io.k8s.metrics.pkg.apis.metrics." + version + "." + r.kind;
    const std::string short_group = r.group.empty() ? "core" : r.group.substr(0, r.group.find('.'));
    return "io.k8s.api." + short_group + "." + version + "." + r.kind;
}

// The kinds with described fields; every other kind gets apiVersion/kind/metadata/spec/status.
Json kind_schema_of(const ResourceInfo& r, const std::string& version) {
    const std::string k = r.kind;
    if (k == "Pod")
        return kind_schema(
            "A collection of containers that run together on a host, created by "
            "clients and scheduled onto nodes.",
            {{"spec", ref(kCore + "PodSpec", "The desired behaviour of the pod.")},
             {"status", ref(kCore + "PodStatus",
                            "The pod's most recently observed "
                            "status. Read-only.")}},
            r, version);
    if (k == "Service")
        return kind_schema(
            "A named abstraction of a software service: a port the proxies listen "
            "on and a selector for the pods that answer.",
            {{"spec", ref(kCore + "ServiceSpec", "The service's behaviour.")},
             {"status", free_object("Load balancer status.")}},
            r, version);
    if (k == "Node")
        return kind_schema(
            "A worker machine; each node has a unique name in the cluster.",
            {{"spec", object("How the node is configured.",
                             {{"podCIDR", text("The pod IP range of the node.")},
                              {"unschedulable", boolean("Keeps new pods off the node.")},
                              {"taints", list_of(free_object("key, value, effect."),
                                                 "The node's taints.")}})},
             {"status", object("The node's most recently observed status.",
                               {{"capacity", quantity_map("Total resources of the node.")},
                                {"allocatable", quantity_map("Resources available for pods.")},
                                {"conditions", list_of(free_object("type, status, reason."),
                                                       "Ready, MemoryPressure, DiskPressure, "
                                                       "PIDPressure.")},
                                {"addresses", list_of(free_object("type and address."),
                                                      "The node's addresses.")},
                                {"nodeInfo", ref(kCore + "NodeSystemInfo",
                                                 "General information about the node.")}})}},
            r, version);
    if (k == "Namespace")
        return kind_schema("A scope for names; deleting it deletes everything in it.",
                           {{"spec", object("The namespace's finalizers.",
                                            {{"finalizers", list_of_text("Cleanups pending "
                                                                         "before removal.")}})},
                            {"status", object("Its phase.", {{"phase", text("Active or "
                                                                            "Terminating.")}})}},
                           r, version);
    if (k == "ConfigMap")
        return kind_schema("Configuration data for pods to consume.",
                           {{"data", string_map("The configuration data, as UTF-8 strings.")},
                            {"binaryData", string_map("Binary data, base64 encoded.")},
                            {"immutable", boolean("When true, the data cannot be changed.")}},
                           r, version);
    if (k == "Secret")
        return kind_schema("Secret data of a certain type, at most 1 MiB.",
                           {{"data", string_map("The secret data, base64 encoded.")},
                            {"stringData", string_map("Write-only plain strings merged into "
                                                      "data.")},
                            {"type", text("Used to handle the data programmatically.")}},
                           r, version);
    if (k == "Deployment" || k == "ReplicaSet") {
        const bool deployment = k == "Deployment";
        Props spec{
            {"replicas", int32("Desired number of pods; 1 by default.")},
            {"selector", ref(kMeta + "LabelSelector",
                             "Label query over the pods it manages; must match the template's "
                             "labels.")},
            {"template", ref(kCore + "PodTemplateSpec", "The pods it creates.")},
            {"minReadySeconds", int32("Seconds a new pod must be ready, without a container "
                                      "crashing, to count as available.")}};
        if (deployment) {
            spec.emplace_back("strategy", free_object("How old pods are replaced: RollingUpdate "
                                                      "(maxSurge, maxUnavailable) or "
                                                      "Recreate."));
            spec.emplace_back("revisionHistoryLimit", int32("Old ReplicaSets kept for rollback; "
                                                            "10 by default."));
            spec.emplace_back("progressDeadlineSeconds",
                              int32("Seconds the deployment may make no progress before it is "
                                    "reported failed; 600 by default."));
            spec.emplace_back("paused", boolean("Stops the controller from acting on it."));
        }
        return kind_schema(
            deployment ? "Declarative updates for pods and ReplicaSets."
                       : "Keeps a given number of pod replicas running at any time.",
            {{"spec", object(deployment ? "The desired behaviour of the Deployment."
                                        : "The desired behaviour of the ReplicaSet.",
                             spec,
                             deployment ? std::vector<std::string>{"selector", "template"}
                                        : std::vector<std::string>{"selector"})},
             {"status", object("The most recently observed status.",
                               {{"replicas", int32("Pods targeted.")},
                                {"readyReplicas", int32("Pods with a Ready condition.")},
                                {"availableReplicas", int32("Pods ready for minReadySeconds.")},
                                {"updatedReplicas", int32("Pods with the desired template.")},
                                {"observedGeneration", int64("The generation observed.")},
                                {"conditions", list_of(free_object("type, status, reason."),
                                                       "Available, Progressing...")}})}},
            r, version);
    }
    if (k == "HorizontalPodAutoscaler" && version == "v2")
        return kind_schema(
            "Scales a workload's replicas automatically from the metrics it is given.",
            {{"spec", object("What to scale and on what.",
                             {{"scaleTargetRef", free_object("kind, name and apiVersion of the "
                                                             "scaled object.")},
                              {"minReplicas", int32("Lower bound; 1 by default.")},
                              {"maxReplicas", int32("Upper bound.")},
                              {"metrics", list_of(free_object("A Resource, Pods, Object or "
                                                              "External metric with a target."),
                                                  "The metrics the replica count is computed "
                                                  "from; the largest proposal wins.")},
                              {"behavior", free_object("Scale-up and scale-down policies and "
                                                       "stabilization windows.")}},
                             {"maxReplicas", "scaleTargetRef"})},
             {"status", free_object("Current and desired replicas, metrics and conditions.")}},
            r, version);
    if (k == "SeldonDeployment")
        return kind_schema(
            "A machine learning deployment: predictors, each an inference graph "
            "served by pods the Seldon operator creates.",
            {{"spec", seldon_spec()}, {"status", seldon_status()}}, r, version);
    Props props;
    if (r.generation != GenerationRule::None || r.kind == "Endpoints")
        props.emplace_back("spec", free_object("The desired state."));
    if (r.has_status) props.emplace_back("status", free_object("The observed state."));
    return kind_schema(r.kind + " (" + r.api_version(version) +
                           "): no field descriptions are "
                           "served by the simulator.",
                       props, r, version);
}

const Json& shared_definitions() {
    static const Json defs = [] {
        Json d = Json::object();
        add_meta(d);
        add_core(d);
        return d;
    }();
    return defs;
}

void collect_refs(const Json& schema, std::set<std::string>& out) {
    if (schema.is_object()) {
        const auto it = schema.find("$ref");
        if (it != schema.end() && it->is_string()) {
            const std::string& r = it->get_ref<const std::string&>();
            out.insert(r.substr(r.rfind('/') + 1));
        }
        for (const auto& [key, value] : schema.items())
            collect_refs(value, out);
    } else if (schema.is_array()) {
        for (const auto& value : schema)
            collect_refs(value, out);
    }
}

}  // namespace

Json openapi_component_schemas(const Registry& registry, const std::string& group,
                               const std::string& version) {
    Json schemas = Json::object();
    for (const ResourceInfo& r : registry.all()) {
        if (r.group != group || !r.serves(version)) continue;
        const std::string name =
            r.custom ? custom_schema_name(r, version) : builtin_schema_name(r, version);
        schemas[name] = kind_schema_of(r, version);
    }
    // The shared definitions the kinds reference, transitively.
    const Json& defs = shared_definitions();
    std::set<std::string> pending;
    collect_refs(schemas, pending);
    while (!pending.empty()) {
        const std::string name = *pending.begin();
        pending.erase(pending.begin());
        if (schemas.contains(name) || !defs.contains(name)) continue;
        schemas[name] = defs[name];
        collect_refs(defs[name], pending);
    }
    return schemas;
}

}  // namespace sim::kube
