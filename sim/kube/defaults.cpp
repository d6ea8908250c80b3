#include "sim/kube/defaults.hpp"

namespace sim::kube {
namespace {

using Json = sim::Json;
using Object = Json::object_t;

// Where `key` is in `m`: its member, or the position it would be inserted at. One descent of
// the tree instead of contains() + operator[] (three), and no strlen per comparison.
struct Slot {
    Object::iterator it;
    bool found;
};
Slot slot(Object& m, std::string_view key) {
    const auto it = m.lower_bound(key);
    return {it, it != m.end() && it->first == key};
}

// `object` as an object to default: null becomes an empty object, anything else throws the
// type_error operator[] throws (what the contains() + operator[] form these replace did).
Object& object_ref(Json& object, std::string_view key) {
    if (object.is_null()) object = Json::object();
    if (!object.is_object()) (void)object[std::string(key)];
    return object.get_ref<Object&>();
}

void set_if_absent(Json& object, std::string_view key, const Json& value) {
    Object& m = object_ref(object, key);
    const auto [it, found] = slot(m, key);
    if (!found)
        m.emplace_hint(it, key, value);
    else if (it->second.is_null())
        it->second = value;
}

Json& child(Json& object, std::string_view key) {
    Object& m = object_ref(object, key);
    const auto [it, found] = slot(m, key);
    if (!found) return m.emplace_hint(it, key, Json::object())->second;
    if (!it->second.is_object()) it->second = Json::object();
    return it->second;
}

// The member `key` of an object, or nullptr (also for a non-object).
Json* member(Json& object, std::string_view key) {
    if (!object.is_object()) return nullptr;
    Object& m = object.get_ref<Object&>();
    const auto it = m.find(key);
    return it == m.end() ? nullptr : &it->second;
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
    Json& spec = child(owner, "spec");
    Json& tmpl = child(spec, "template");
    default_pod_spec(child(tmpl, "spec"));
}

}  // namespace

void default_probe(Json& probe) {
    // SetDefaults_Probe
    set_if_absent(probe, "timeoutSeconds", 1);
    set_if_absent(probe, "periodSeconds", 10);
    set_if_absent(probe, "successThreshold", 1);
    set_if_absent(probe, "failureThreshold", 3);
}

void default_container(Json& c) {
    // A non-object container, or an image that is not a string: value() throws type_error.
    if (!c.is_object()) (void)c.value("image", std::string{});
    Object& m = c.get_ref<Object&>();
    if (const auto [it, found] = slot(m, "imagePullPolicy"); !found) {
        const auto image = m.find(std::string_view("image"));
        std::string_view name;
        if (image != m.end()) {
            if (!image->second.is_string()) (void)c.value("image", std::string{});
            name = image->second.get_ref<const std::string&>();
        }
        m.emplace_hint(it, "imagePullPolicy",
                       image_has_tag_latest_or_none(name) ? kAlways : kIfNotPresent);
    }
    set_if_absent(c, "terminationMessagePath", kTerminationLog);
    set_if_absent(c, "terminationMessagePolicy", kFile);
    if (Json* ports = member(c, "ports"); ports != nullptr && ports->is_array())
        for (auto& p : *ports)
            set_if_absent(p, "protocol", kTcp);
    for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"})
        if (Json* p = member(c, probe); p != nullptr && p->is_object()) default_probe(*p);
    // SetDefaults_PodSpec / Pod: requests default to limits when absent.
    Json* res = member(c, "resources");
    if (res == nullptr) {
        m.emplace("resources", kEmptyObject);
        return;
    }
    if (!res->is_object()) return;
    if (Json* limits = member(*res, "limits"); limits != nullptr && limits->is_object()) {
        Json& requests = child(*res, "requests");
        for (const auto& [name, q] : limits->items())
            if (!requests.contains(name)) requests[name] = q;
    }
}

void default_pod_spec(Json& spec) {
    set_if_absent(spec, "restartPolicy", kAlways);
    set_if_absent(spec, "dnsPolicy", kClusterFirst);
    set_if_absent(spec, "terminationGracePeriodSeconds", kThirty);
    set_if_absent(spec, "schedulerName", kDefaultScheduler);
    set_if_absent(spec, "securityContext", kEmptyObject);
    for (const char* list : {"containers", "initContainers"})
        if (Json* containers = member(spec, list); containers != nullptr && containers->is_array())
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
    if (!spec.contains("tolerations") || !spec["tolerations"].is_array())
        spec["tolerations"] = Json::array();
    Json& tolerations = spec["tolerations"];
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
    Json& spec = child(d, "spec");
    set_if_absent(spec, "replicas", 1);
    Json& strategy = child(spec, "strategy");
    set_if_absent(strategy, "type", "RollingUpdate");
    if (strategy["type"] == "RollingUpdate") {
        Json& ru = child(strategy, "rollingUpdate");
        set_if_absent(ru, "maxUnavailable", "25%");
        set_if_absent(ru, "maxSurge", "25%");
    }
    set_if_absent(spec, "revisionHistoryLimit", 10);
    set_if_absent(spec, "progressDeadlineSeconds", 600);
    default_pod_template(d);
}

void default_replica_set(Json& rs) {
    Json& spec = child(rs, "spec");
    set_if_absent(spec, "replicas", 1);
    default_pod_template(rs);
}

void default_service(Json& svc) {
    // pkg/apis/core/v1/defaults.go SetDefaults_Service
    Json& spec = child(svc, "spec");
    set_if_absent(spec, "type", "ClusterIP");
    set_if_absent(spec, "sessionAffinity", "None");
    if (spec["type"] == "ClusterIP" || spec["type"] == "NodePort" || spec["type"] == "LoadBalancer")
        set_if_absent(spec, "internalTrafficPolicy", "Cluster");
    if (spec.contains("ports") && spec["ports"].is_array())
        for (auto& p : spec["ports"]) {
            set_if_absent(p, "protocol", "TCP");
            if (!p.contains("targetPort") && p.contains("port")) p["targetPort"] = p["port"];
        }
}

void default_hpa_v2(Json& hpa) {
    // pkg/apis/autoscaling/v2/defaults.go
    Json& spec = child(hpa, "spec");
    set_if_absent(spec, "minReplicas", 1);
    if (!spec.contains("metrics") || !spec["metrics"].is_array() || spec["metrics"].empty())
        spec["metrics"] = Json::array(
            {Json{{"type", "Resource"},
                  {"resource",
                   Json{{"name", "cpu"},
                        {"target", Json{{"type", "Utilization"}, {"averageUtilization", 80}}}}}}});
    // behavior only when present (SetDefaults_HorizontalPodAutoscalerBehavior).
    if (!spec.contains("behavior") || !spec["behavior"].is_object()) return;
    Json& behavior = spec["behavior"];
    Json& up = child(behavior, "scaleUp");
    set_if_absent(up, "stabilizationWindowSeconds", 0);
    set_if_absent(up, "selectPolicy", "Max");
    set_if_absent(up, "policies",
                  Json::array({Json{{"type", "Pods"}, {"value", 4}, {"periodSeconds", 15}},
                               Json{{"type", "Percent"}, {"value", 100}, {"periodSeconds", 15}}}));
    Json& down = child(behavior, "scaleDown");
    set_if_absent(down, "stabilizationWindowSeconds", 300);
    set_if_absent(down, "selectPolicy", "Max");
    set_if_absent(down, "policies",
                  Json::array({Json{{"type", "Percent"}, {"value", 100}, {"periodSeconds", 15}}}));
}

void apply_defaults(std::string_view kind, Json& object) {
    if (!object.is_object()) return;
    if (kind == "Deployment") return default_deployment(object);
    if (kind == "ReplicaSet") return default_replica_set(object);
    if (kind == "Service") return default_service(object);
    if (kind == "HorizontalPodAutoscaler") return default_hpa_v2(object);
    if (kind == "Pod") {
        Json& spec = child(object, "spec");
        default_pod_spec(spec);
        default_tolerations_seconds(spec);
        set_if_absent(spec, "enableServiceLinks", kTrue);
    }
}

}  // namespace sim::kube
