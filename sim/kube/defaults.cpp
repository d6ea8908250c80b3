#include "sim/kube/defaults.hpp"

#include "sim/kube/json_build.hpp"

namespace sim::kube {
namespace {

using Json = sim::Json;
using Object = Json::object_t;

// The keys are JsonKeys ("name"_key, json_build.hpp): whether a member is there is one
// pointer comparison per member, and adding one skips the key table.

// `object` as an object to default: null becomes an empty object, anything else throws the
// type_error operator[] throws (what the contains() + operator[] form these replace did).
Object& object_ref(Json& object, const sim::JsonKey& key) {
    if (object.is_null()) object = Json::object();
    if (!object.is_object()) (void)object[std::string(key.name())];
    return object.get_ref<Object&>();
}

void set_if_absent(Json& object, const sim::JsonKey& key, const Json& value) {
    Object& m = object_ref(object, key);
    const auto [it, added] = m.emplace(key, value);
    if (!added && it->second.is_null()) it->second = value;
}

Json& child(Json& object, const sim::JsonKey& key) {
    Object& m = object_ref(object, key);
    const auto it = m.emplace(key).first;  // null when added: no object made for a present one
    if (!it->second.is_object()) it->second = Json::object();
    return it->second;
}

bool image_has_tag_latest_or_none(std::string_view image) {
    // pkg/apis/core/v1/defaults.go SetDefaults_Container: Always for ":latest" or no tag.
    if (image.find('@') != std::string_view::npos) return false;  // digest pins an image
    const auto slash = image.rfind('/');
    const auto colon = image.rfind(':');
    if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash))
        return true;
    return image.substr(colon + 1) == "latest";
}

// Default values, built once: copying a prepared value skips the conversion.
const Json kAlways = "Always";
const Json kIfNotPresent = "IfNotPresent";
const Json kTerminationLog = "/dev/termination-log";
const Json kFile = "File";
const Json kTcp = "TCP";
const Json kClusterFirst = "ClusterFirst";
const Json kDefaultScheduler = "default-scheduler";
const Json kThirty = 30;
const Json kTrue = true;
const Json kEmptyObject = Json::object();

void default_pod_template(Json& owner) {
    Json& spec = child(owner, "spec"_key);
    Json& tmpl = child(spec, "template"_key);
    default_pod_spec(child(tmpl, "spec"_key));
}

}  // namespace

void default_probe(Json& probe) {
    // SetDefaults_Probe
    set_if_absent(probe, "timeoutSeconds"_key, 1);
    set_if_absent(probe, "periodSeconds"_key, 10);
    set_if_absent(probe, "successThreshold"_key, 1);
    set_if_absent(probe, "failureThreshold"_key, 3);
}

void default_container(Json& c) {
    // A non-object container, or an image that is not a string: value() throws type_error.
    if (!c.is_object()) (void)c.value("image", std::string{});
    Object& m = c.get_ref<Object&>();
    m.reserve(m.size() + 4);  // the most added below: one index for them all
    if (!m.contains("imagePullPolicy"_key)) {
        const Json* image = find_member(c, "image"_key);
        std::string_view name;
        if (image != nullptr) {
            if (!image->is_string()) (void)c.value("image", std::string{});
            name = image->get_ref<const std::string&>();
        }
        m.emplace("imagePullPolicy"_key,
                  image_has_tag_latest_or_none(name) ? kAlways : kIfNotPresent);
    }
    set_if_absent(c, "terminationMessagePath"_key, kTerminationLog);
    set_if_absent(c, "terminationMessagePolicy"_key, kFile);
    if (Json* ports = find_member(c, "ports"_key); ports != nullptr && ports->is_array())
        for (auto& p : *ports)
            set_if_absent(p, "protocol"_key, kTcp);
    for (const sim::JsonKey* probe :
         {&"livenessProbe"_key, &"readinessProbe"_key, &"startupProbe"_key})
        if (Json* p = find_member(c, *probe); p != nullptr && p->is_object()) default_probe(*p);
    // SetDefaults_PodSpec / Pod: requests default to limits when absent.
    Json* res = find_member(c, "resources"_key);
    if (res == nullptr) {
        m.emplace("resources"_key, kEmptyObject);
        return;
    }
    if (!res->is_object()) return;
    if (Json* limits = find_member(*res, "limits"_key); limits != nullptr && limits->is_object()) {
        Json& requests = child(*res, "requests"_key);
        for (const auto& [name, q] : limits->items())
            if (!requests.contains(name)) requests[name] = q;
    }
}

void default_pod_spec(Json& spec) {
    // The most added here and, for a pod, by apply_defaults after (tolerations,
    // enableServiceLinks): one index for them all, not three as it doubles from four.
    Object& m = object_ref(spec, "restartPolicy"_key);
    m.reserve(m.size() + 7);
    set_if_absent(spec, "restartPolicy"_key, kAlways);
    set_if_absent(spec, "dnsPolicy"_key, kClusterFirst);
    set_if_absent(spec, "terminationGracePeriodSeconds"_key, kThirty);
    set_if_absent(spec, "schedulerName"_key, kDefaultScheduler);
    set_if_absent(spec, "securityContext"_key, kEmptyObject);
    for (const sim::JsonKey* list : {&"containers"_key, &"initContainers"_key})
        if (Json* containers = find_member(spec, *list);
            containers != nullptr && containers->is_array())
            for (auto& c : *containers)
                default_container(c);
}

namespace {
// The toleration DefaultTolerationSeconds adds for `key`, built once: copying a prepared
// object is much cheaper than building it from an initializer list for every pod.
const Json& default_toleration(std::string_view key) {
    static const auto make = [](const char* k) {
        return Json{{"key", k},
                    {"operator", "Exists"},
                    {"effect", "NoExecute"},
                    {"tolerationSeconds", 300}};
    };
    static const Json not_ready = make("node.kubernetes.io/not-ready");
    static const Json unreachable = make("node.kubernetes.io/unreachable");
    return key == "node.kubernetes.io/not-ready" ? not_ready : unreachable;
}
}  // namespace

void default_tolerations_seconds(Json& spec) {
    // plugin/pkg/admission/defaulttolerationseconds: 300 s for not-ready and unreachable,
    // unless the pod already tolerates that taint's NoExecute effect.
    Object& m = object_ref(spec, "tolerations"_key);
    const auto it = m.emplace("tolerations"_key).first;  // null when added
    if (!it->second.is_array()) it->second = Json::array();
    Json& tolerations = it->second;
    if (tolerations.empty()) {  // the usual case: nothing to compare with
        tolerations.get_ref<Json::array_t&>().reserve(2);
        tolerations.push_back(default_toleration("node.kubernetes.io/not-ready"));
        tolerations.push_back(default_toleration("node.kubernetes.io/unreachable"));
        return;
    }
    for (const char* key : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}) {
        bool present = false;
        for (const auto& t : tolerations) {
            const std::string effect = t.value("effect", "");
            const std::string op = t.value("operator", "Equal");
            const bool key_matches =
                t.value("key", "") == key || (t.value("key", "").empty() && op == "Exists");
            if (key_matches && (effect.empty() || effect == "NoExecute")) present = true;
        }
        if (!present) tolerations.push_back(default_toleration(key));
    }
}

void default_deployment(Json& d) {
    // pkg/apis/apps/v1/defaults.go SetDefaults_Deployment
    Json& spec = child(d, "spec"_key);
    set_if_absent(spec, "replicas"_key, 1);
    Json& strategy = child(spec, "strategy"_key);
    set_if_absent(strategy, "type"_key, "RollingUpdate");
    if (strategy["type"] == "RollingUpdate") {
        Json& ru = child(strategy, "rollingUpdate"_key);
        set_if_absent(ru, "maxUnavailable"_key, "25%");
        set_if_absent(ru, "maxSurge"_key, "25%");
    }
    set_if_absent(spec, "revisionHistoryLimit"_key, 10);
    set_if_absent(spec, "progressDeadlineSeconds"_key, 600);
    default_pod_template(d);
}

void default_replica_set(Json& rs) {
    Json& spec = child(rs, "spec"_key);
    set_if_absent(spec, "replicas"_key, 1);
    default_pod_template(rs);
}

void default_service(Json& svc) {
    // pkg/apis/core/v1/defaults.go SetDefaults_Service
    Json& spec = child(svc, "spec"_key);
    set_if_absent(spec, "type"_key, "ClusterIP");
    set_if_absent(spec, "sessionAffinity"_key, "None");
    if (spec["type"] == "ClusterIP" || spec["type"] == "NodePort" || spec["type"] == "LoadBalancer")
        set_if_absent(spec, "internalTrafficPolicy"_key, "Cluster");
    if (spec.contains("ports") && spec["ports"].is_array())
        for (auto& p : spec["ports"]) {
            set_if_absent(p, "protocol"_key, "TCP");
            if (!p.contains("targetPort") && p.contains("port")) p["targetPort"] = p["port"];
        }
}

void default_hpa_v2(Json& hpa) {
    // pkg/apis/autoscaling/v2/defaults.go
    Json& spec = child(hpa, "spec"_key);
    set_if_absent(spec, "minReplicas"_key, 1);
    if (!spec.contains("metrics") || !spec["metrics"].is_array() || spec["metrics"].empty())
        spec["metrics"] = Json::array(
            {Json{{"type", "Resource"},
                  {"resource",
                   Json{{"name", "cpu"},
                        {"target", Json{{"type", "Utilization"}, {"averageUtilization", 80}}}}}}});
    // behavior only when present (SetDefaults_HorizontalPodAutoscalerBehavior).
    if (!spec.contains("behavior") || !spec["behavior"].is_object()) return;
    Json& behavior = spec["behavior"];
    Json& up = child(behavior, "scaleUp"_key);
    set_if_absent(up, "stabilizationWindowSeconds"_key, 0);
    set_if_absent(up, "selectPolicy"_key, "Max");
    set_if_absent(up, "policies"_key,
                  Json::array({Json{{"type", "Pods"}, {"value", 4}, {"periodSeconds", 15}},
                               Json{{"type", "Percent"}, {"value", 100}, {"periodSeconds", 15}}}));
    Json& down = child(behavior, "scaleDown"_key);
    set_if_absent(down, "stabilizationWindowSeconds"_key, 300);
    set_if_absent(down, "selectPolicy"_key, "Max");
    set_if_absent(down, "policies"_key,
                  Json::array({Json{{"type", "Percent"}, {"value", 100}, {"periodSeconds", 15}}}));
}

void apply_defaults(std::string_view kind, Json& object) {
    if (!object.is_object()) return;
    if (kind == "Deployment") return default_deployment(object);
    if (kind == "ReplicaSet") return default_replica_set(object);
    if (kind == "Service") return default_service(object);
    if (kind == "HorizontalPodAutoscaler") return default_hpa_v2(object);
    if (kind == "Pod") {
        Json& spec = child(object, "spec"_key);
        default_pod_spec(spec);
        default_tolerations_seconds(spec);
        set_if_absent(spec, "enableServiceLinks"_key, kTrue);
    }
}

}  // namespace sim::kube
