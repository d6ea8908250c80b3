#include "sim/kube/defaults.hpp"

namespace sim::kube {
namespace {

using Json = nlohmann::json;

void set_if_absent(Json& object, const char* key, Json value) {
    if (!object.contains(key) || object[key].is_null()) object[key] = std::move(value);
}

Json& child(Json& object, const char* key) {
    if (!object.contains(key) || !object[key].is_object()) object[key] = Json::object();
    return object[key];
}

bool image_has_tag_latest_or_none(const std::string& image) {
    // pkg/apis/core/v1/defaults.go SetDefaults_Container: Always for ":latest" or no tag.
    if (image.find('@') != std::string::npos) return false;  // digest pins an image
    const auto slash = image.rfind('/');
    const auto colon = image.rfind(':');
    if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return true;
    return image.substr(colon + 1) == "latest";
}

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
    if (!c.contains("imagePullPolicy")) {
        const std::string image = c.value("image", "");
        c["imagePullPolicy"] = image_has_tag_latest_or_none(image) ? "Always" : "IfNotPresent";
    }
    set_if_absent(c, "terminationMessagePath", "/dev/termination-log");
    set_if_absent(c, "terminationMessagePolicy", "File");
    if (c.contains("ports") && c["ports"].is_array())
        for (auto& p : c["ports"])
            set_if_absent(p, "protocol", "TCP");
    for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"})
        if (c.contains(probe) && c[probe].is_object()) default_probe(c[probe]);
    // SetDefaults_PodSpec / Pod: requests default to limits when absent.
    if (c.contains("resources") && c["resources"].is_object()) {
        Json& res = c["resources"];
        if (res.contains("limits") && res["limits"].is_object()) {
            Json& requests = child(res, "requests");
            for (const auto& [name, q] : res["limits"].items())
                if (!requests.contains(name)) requests[name] = q;
        }
    }
    if (!c.contains("resources")) c["resources"] = Json::object();
}

void default_pod_spec(Json& spec) {
    set_if_absent(spec, "restartPolicy", "Always");
    set_if_absent(spec, "dnsPolicy", "ClusterFirst");
    set_if_absent(spec, "terminationGracePeriodSeconds", 30);
    set_if_absent(spec, "schedulerName", "default-scheduler");
    set_if_absent(spec, "securityContext", Json::object());
    for (const char* list : {"containers", "initContainers"})
        if (spec.contains(list) && spec[list].is_array())
            for (auto& c : spec[list])
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
        set_if_absent(spec, "enableServiceLinks", true);
    }
}

}  // namespace sim::kube
