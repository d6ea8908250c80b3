#include "controller/seldon/objects.hpp"

#include <algorithm>

#include "controller/seldon/defaults.hpp"
#include "controller/seldon/ambassador.hpp"
#include "controller/seldon/istio.hpp"
#include "controller/seldon/json_util.hpp"
#include "controller/seldon/names.hpp"
#include "sim/kube/object_meta.hpp"

namespace sim::controller::seldon {

namespace {

constexpr const char* kEngineContainer = "seldon-container-engine";
constexpr const char* kPodInfoVolume = "seldon-podinfo";
constexpr const char* kManagedBy = "app.kubernetes.io/managed-by";
constexpr const char* kModelMountPath = "/mnt/models";

// controllers/labels.go: the role label of a graph node's container.
std::string role_label(const Json& unit) {
    const std::string type = str(unit, "type");
    if (type == "MODEL") return "seldon.io/model";
    if (type == "ROUTER") return "seldon.io/router";
    if (type == "COMBINER") return "seldon.io/combiner";
    if (type == "TRANSFORMER") return "seldon.io/transformer";
    if (type == "OUTPUT_TRANSFORMER") return "seldon.io/output-transformer";
    return "";
}

Json env_var(const std::string& name, const std::string& value) {
    return Json{{"name", name}, {"value", value}};
}

// Parameter{name, value, type} marshalled by encoding/json in struct order.
std::string parameters_json(const Json& parameters) {
    std::string out = "[";
    for (std::size_t i = 0; i < parameters.size(); ++i) {
        const Json& p = parameters[i];
        out += (i ? "," : "");
        out += "{\"name\":" + Json(str(p, "name")).dump() +
               ",\"value\":" + Json(str(p, "value")).dump() +
               ",\"type\":" + Json(str(p, "type")).dump() + "}";
    }
    return out + "]";
}

bool has_port(const Json& container, const std::string& name) {
    const Json& ports = array(container, "ports");
    return std::any_of(ports.begin(), ports.end(),
                       [&](const Json& p) { return str(p, "name") == name; });
}

Json tcp_probe(int port, int initial_delay) {
    return Json{{"tcpSocket", {{"port", port}}},
                {"initialDelaySeconds", initial_delay},
                {"periodSeconds", 5},
                {"timeoutSeconds", 1},
                {"successThreshold", 1},
                {"failureThreshold", 3}};
}

Json http_probe(const std::string& path, int port, const std::string& scheme) {
    return Json{{"httpGet", {{"path", path}, {"port", port}, {"scheme", scheme}}},
                {"initialDelaySeconds", 20},
                {"periodSeconds", 5},
                {"timeoutSeconds", 60},
                {"successThreshold", 1},
                {"failureThreshold", 3}};
}

void add_podinfo_mount(Json& container) {
    if (!at(container, "volumeMounts").is_array()) container["volumeMounts"] = Json::array();
    for (const Json& m : container["volumeMounts"])
        if (str(m, "name") == kPodInfoVolume) return;
    container["volumeMounts"].push_back({{"name", kPodInfoVolume}, {"mountPath", "/etc/podinfo"}});
}

struct Context {
    const Json& sdep;
    const OperatorConfig& config;
    std::string name;  // sdep name
    std::string ns;
    std::string id;  // seldon-deployment-id
    Json owner;
};

// createContainerService's edits to a graph container.
void decorate_graph_container(const Context& ctx, const Json& predictor, const Json& unit,
                              Json& c) {
    const Json& endpoint = at(unit, "endpoint");
    const int http = static_cast<int>(integer(endpoint, "httpPort"));
    const int grpc = static_cast<int>(integer(endpoint, "grpcPort"));
    const bool grpc_endpoint =
        str(endpoint, "type") == "GRPC" || str(at(ctx.sdep, "spec"), "transport") == "grpc";
    if (!at(c, "ports").is_array()) c["ports"] = Json::array();
    if (!has_port(c, "http"))
        c["ports"].push_back({{"name", "http"}, {"containerPort", http}, {"protocol", "TCP"}});
    if (!has_port(c, "grpc"))
        c["ports"].push_back({{"name", "grpc"}, {"containerPort", grpc}, {"protocol", "TCP"}});
    const int probe_port = grpc_endpoint ? grpc : http;
    if (!has(c, "livenessProbe")) c["livenessProbe"] = tcp_probe(probe_port, 60);
    if (!has(c, "readinessProbe")) c["readinessProbe"] = tcp_probe(probe_port, 20);
    if (!has(c, "lifecycle"))
        c["lifecycle"] = {
            {"preStop", {{"exec", {{"command", {"/bin/sh", "-c", "/bin/sleep 10"}}}}}}};

    int metrics = 0;
    for (const Json& p : array(c, "ports"))
        if (str(p, "name") == "metrics") metrics = static_cast<int>(integer(p, "containerPort"));
    const std::string cname = str(c, "name");
    Json params = array(unit, "parameters");
    const std::string model_uri = str(unit, "modelUri");
    if (is_prepack(unit) && !model_uri.empty())
        params.push_back({{"name", "model_uri"}, {"value", kModelMountPath}, {"type", "STRING"}});
    if (!at(c, "env").is_array()) c["env"] = Json::array();
    Json& env = c["env"];
    env.push_back(env_var("PREDICTIVE_UNIT_SERVICE_PORT", std::to_string(probe_port)));
    env.push_back(env_var("PREDICTIVE_UNIT_HTTP_SERVICE_PORT", std::to_string(http)));
    env.push_back(env_var("MLSERVER_HTTP_PORT", std::to_string(http)));
    env.push_back(env_var("PREDICTIVE_UNIT_GRPC_SERVICE_PORT", std::to_string(grpc)));
    env.push_back(env_var("MLSERVER_GRPC_PORT", std::to_string(grpc)));
    if (!params.empty())
        env.push_back(env_var("PREDICTIVE_UNIT_PARAMETERS", parameters_json(params)));
    if (!model_uri.empty()) env.push_back(env_var("MLSERVER_MODEL_URI", kModelMountPath));
    env.push_back(env_var("PREDICTIVE_UNIT_ID", cname));
    env.push_back(env_var("MLSERVER_MODEL_NAME", cname));
    env.push_back(env_var("PREDICTIVE_UNIT_IMAGE", str(c, "image")));
    env.push_back(env_var("PREDICTOR_ID", str(predictor, "name")));
    env.push_back(env_var("PREDICTOR_LABELS", at(predictor, "labels").dump()));
    env.push_back(env_var("SELDON_DEPLOYMENT_ID", ctx.name));
    env.push_back(env_var("SELDON_EXECUTOR_ENABLED", "true"));
    env.push_back(env_var("PREDICTIVE_UNIT_METRICS_SERVICE_PORT", std::to_string(metrics)));
    env.push_back(env_var("PREDICTIVE_UNIT_METRICS_ENDPOINT", ctx.config.prometheus_path));
    env.push_back(env_var("MLSERVER_METRICS_PORT", std::to_string(metrics)));
    env.push_back(env_var("MLSERVER_METRICS_ENDPOINT", ctx.config.prometheus_path));
}

// model_initializer_injector.go: an rclone init container fetching modelUri into an emptyDir.
void inject_storage_initializer(const Context& ctx, const Json& unit, Json& pod_spec, Json& c) {
    const std::string model_uri = str(unit, "modelUri");
    if (model_uri.empty()) return;
    const std::string cname = str(c, "name");
    const std::string volume = cname + "-provision-location";
    std::string image = str(unit, "storageInitializerImage");
    if (image.empty()) image = ctx.config.storage_initializer_image;
    if (!at(pod_spec, "initContainers").is_array()) pod_spec["initContainers"] = Json::array();
    pod_spec["initContainers"].push_back(
        {{"name", cname + "-model-initializer"},
         {"image", image},
         {"args", {model_uri, kModelMountPath}},
         {"volumeMounts", {{{"name", volume}, {"mountPath", kModelMountPath}}}},
         {"imagePullPolicy", "IfNotPresent"},
         {"terminationMessagePath", "/dev/termination-log"},
         {"terminationMessagePolicy", "File"}});
    if (!at(pod_spec, "volumes").is_array()) pod_spec["volumes"] = Json::array();
    pod_spec["volumes"].push_back({{"name", volume}, {"emptyDir", Json::object()}});
    if (!at(c, "volumeMounts").is_array()) c["volumeMounts"] = Json::array();
    c["volumeMounts"].push_back(
        {{"name", volume}, {"mountPath", kModelMountPath}, {"readOnly", true}});
}

Json executor_container(const Context& ctx, const Json& predictor) {
    const Json& spec = at(ctx.sdep, "spec");
    const auto or_default = [](std::string v, const char* d) {
        return v.empty() ? std::string(d) : v;
    };
    const int http = ctx.config.executor_http_port;
    const int grpc = ctx.config.executor_grpc_port;
    const std::string scheme = has(predictor, "ssl") ? "HTTPS" : "HTTP";
    Json env = Json::array(
        {env_var("ENGINE_PREDICTOR", engine_predictor_env(predictor)),
         env_var("REQUEST_LOGGER_DEFAULT_ENDPOINT", ctx.config.request_logger_default_endpoint)});
    for (const Json& e : array(at(predictor, "svcOrchSpec"), "env"))
        env.push_back(e);
    Json resources = at(at(predictor, "svcOrchSpec"), "resources");
    // constants.go: 500m / 512Mi requests = limits; predictor.engineResources is never read.
    if (!resources.is_object())
        resources = {{"requests", {{"cpu", "500m"}, {"memory", "512Mi"}}},
                     {"limits", {{"cpu", "500m"}, {"memory", "512Mi"}}}};
    return Json{
        {"name", kEngineContainer},
        {"image", ctx.config.executor_image},
        {"args",
         {"--sdep",
          ctx.name,
          "--namespace",
          ctx.ns,
          "--predictor",
          str(predictor, "name"),
          "--http_port",
          std::to_string(http),
          "--grpc_port",
          std::to_string(grpc),
          "--protocol",
          or_default(str(spec, "protocol"), "seldon"),
          "--transport",
          or_default(str(spec, "transport"), "rest"),
          "--prometheus_path",
          ctx.config.prometheus_path,
          "--server_type",
          or_default(str(spec, "serverType"), "rpc"),
          "--log_work_buffer_size",
          "10000",
          "--log_write_timeout_ms",
          "2000",
          "--full_health_checks=false"}},
        {"imagePullPolicy", "IfNotPresent"},
        {"ports",
         {{{"name", "http"}, {"containerPort", http}, {"protocol", "TCP"}},
          {{"name", "metrics"}, {"containerPort", http}, {"protocol", "TCP"}},
          {{"name", "grpc"}, {"containerPort", grpc}, {"protocol", "TCP"}}}},
        {"readinessProbe", http_probe("/ready", http, scheme)},
        {"livenessProbe", http_probe("/live", http, scheme)},
        {"env", env},
        {"resources", resources},
        {"securityContext",
         {{"runAsUser", ctx.config.executor_user}, {"allowPrivilegeEscalation", false}}},
        {"volumeMounts", {{{"name", kPodInfoVolume}, {"mountPath", "/etc/podinfo"}}}},
        {"terminationMessagePath", "/dev/termination-log"},
        {"terminationMessagePolicy", "File"},
    };
}

Json object_meta(const Context& ctx, const std::string& name, const Json& labels) {
    Json meta{{"name", name}, {"namespace", ctx.ns}, {"labels", labels}};
    meta["ownerReferences"] = Json::array({ctx.owner});
    return meta;
}

std::optional<std::int64_t> replicas_for(const Json& spec, const Json& predictor,
                                         const Json& component) {
    for (const Json* src : {&component, &predictor, &spec})
        if (at(*src, "replicas").is_number_integer())
            return at(*src, "replicas").get<std::int64_t>();
    return std::nullopt;
}

Json convert_v2beta1_metric(const Json& m) {
    // v1/conversion.go: autoscaling/v2beta1 MetricSpec -> autoscaling/v2.
    Json out = m;
    const std::string type = str(m, "type");
    if (type == "Resource" && at(m, "resource").is_object()) {
        const Json& r = m["resource"];
        Json target;
        if (has(r, "targetAverageUtilization"))
            target = {{"type", "Utilization"},
                      {"averageUtilization", r["targetAverageUtilization"]}};
        else if (has(r, "targetAverageValue"))
            target = {{"type", "AverageValue"}, {"averageValue", r["targetAverageValue"]}};
        out["resource"] = {{"name", str(r, "name")}, {"target", target}};
    } else if (type == "Pods" && at(m, "pods").is_object()) {
        const Json& p = m["pods"];
        out["pods"] = {
            {"metric", {{"name", str(p, "metricName")}}},
            {"target", {{"type", "AverageValue"}, {"averageValue", at(p, "targetAverageValue")}}}};
    }
    return out;
}

Json build_hpa(const Context& ctx, const std::string& dep_name, const Json& hpa_spec) {
    Json metrics = Json::array();
    for (const Json& m : array(hpa_spec, "metrics"))
        metrics.push_back(convert_v2beta1_metric(m));
    for (const Json& m : array(hpa_spec, "metricsv2"))
        metrics.push_back(m);
    Json spec{
        {"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", dep_name}}},
        {"maxReplicas", at(hpa_spec, "maxReplicas")}};
    if (has(hpa_spec, "minReplicas")) spec["minReplicas"] = hpa_spec["minReplicas"];
    if (!metrics.empty()) spec["metrics"] = metrics;
    return Json{{"apiVersion", "autoscaling/v2"},
                {"kind", "HorizontalPodAutoscaler"},
                {"metadata", object_meta(ctx, dep_name, {{"seldon-deployment-id", ctx.id}})},
                {"spec", spec}};
}

Json build_pdb(const Context& ctx, const std::string& dep_name, const Json& pdb_spec) {
    Json spec{{"selector", {{"matchLabels", {{"seldon-deployment-id", ctx.id}}}}}};
    if (has(pdb_spec, "minAvailable")) spec["minAvailable"] = pdb_spec["minAvailable"];
    if (has(pdb_spec, "maxUnavailable")) spec["maxUnavailable"] = pdb_spec["maxUnavailable"];
    return Json{{"apiVersion", "policy/v1"},
                {"kind", "PodDisruptionBudget"},
                {"metadata", object_meta(ctx, dep_name, {{"seldon-deployment-id", ctx.id}})},
                {"spec", spec}};
}

Json base_deployment(const Context& ctx, const Json& predictor, const std::string& dep_name,
                     const Json& component_meta) {
    const Json& spec = at(ctx.sdep, "spec");
    Json labels{{"seldon-deployment-id", ctx.id},
                {"app", dep_name},
                {"fluentd", "true"},
                {kManagedBy, "seldon-core"}};
    for (const Json* src : {&at(predictor, "labels"), &at(component_meta, "labels")})
        if (src->is_object())
            for (const auto& [k, v] : src->items())
                labels[k] = v;
    if (boolean(predictor, "shadow")) labels["seldon.io/shadow"] = "true";
    Json annotations = Json::object();
    for (const Json* src : {&at(spec, "annotations"), &at(predictor, "annotations"),
                            &at(component_meta, "annotations")})
        if (src->is_object())
            for (const auto& [k, v] : src->items())
                annotations[k] = v;
    Json pod_annotations = annotations;
    pod_annotations["prometheus.io/path"] = ctx.config.prometheus_path;
    pod_annotations["prometheus.io/scrape"] = "true";
    Json meta = object_meta(ctx, dep_name, labels);
    if (!annotations.empty()) meta["annotations"] = annotations;
    Json d{
        {"apiVersion", "apps/v1"},
        {"kind", "Deployment"},
        {"metadata", meta},
        {"spec",
         {{"selector", {{"matchLabels", {{"seldon-deployment-id", ctx.id}}}}},
          {"strategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxUnavailable", "10%"}}}}},
          {"template",
           {{"metadata", {{"labels", labels}, {"annotations", pod_annotations}}},
            {"spec", Json::object()}}}}}};
    if (has(predictor, "progressDeadlineSeconds"))
        d["spec"]["progressDeadlineSeconds"] = predictor["progressDeadlineSeconds"];
    return d;
}

void finish_pod_spec(const Context& ctx, Json& pod) {
    if (!has(pod, "terminationGracePeriodSeconds")) pod["terminationGracePeriodSeconds"] = 20;
    if (!has(pod, "securityContext"))
        pod["securityContext"] = {{"runAsUser", ctx.config.default_user_id}};
    if (!at(pod, "volumes").is_array()) pod["volumes"] = Json::array();
    bool has_podinfo = false;
    for (const Json& v : pod["volumes"])
        has_podinfo = has_podinfo || str(v, "name") == kPodInfoVolume;
    if (!has_podinfo)
        pod["volumes"].push_back({{"name", kPodInfoVolume},
                                  {"downwardAPI",
                                   {{"items",
                                     {{{"path", "annotations"},
                                       {"fieldRef", {{"fieldPath", "metadata.annotations"}}}}}}}}});
}

void add_label(Json& deployment, const std::string& key, const std::string& value,
               bool in_selector) {
    deployment["metadata"]["labels"][key] = value;
    deployment["spec"]["template"]["metadata"]["labels"][key] = value;
    if (in_selector) deployment["spec"]["selector"]["matchLabels"][key] = value;
}

Json service(const Context& ctx, const std::string& name, const Json& labels, const Json& selector,
             const Json& ports, const Json& annotations) {
    Json meta = object_meta(ctx, name, labels);
    if (annotations.is_object() && !annotations.empty()) meta["annotations"] = annotations;
    Json spec{{"type", "ClusterIP"},
              {"selector", selector},
              {"ports", ports},
              {"sessionAffinity", "None"}};
    if (at(at(ctx.sdep, "spec"), "annotations").is_object() &&
        at(ctx.sdep["spec"]["annotations"], "seldon.io/headless-svc").is_string())
        spec["clusterIP"] = "None";
    return Json{{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", meta}, {"spec", spec}};
}

Json port(const std::string& name, int number, int target) {
    return Json{{"name", name}, {"port", number}, {"targetPort", target}, {"protocol", "TCP"}};
}

std::string prediction_path(const Json& spec, const Json& first_predictor) {
    // operator/utils/utils.go GetPredictionPath.
    const std::string protocol = str(spec, "protocol");
    const std::string root = str(at(first_predictor, "graph"), "name");
    if (protocol == "tensorflow") return "/v1/models/" + root + ":predict";
    if (protocol == "v2" || protocol == "kfserving") return "/v2/models/" + root + "/infer";
    return "/api/v1.0/predictions";
}

// The first graph node (pre-order) served on localhost: its componentSpec's pod hosts the executor.
const Json* first_localhost_unit(const Json& node) {
    if (str(at(node, "endpoint"), "service_host") == "localhost") return &node;
    for (const Json& child : array(node, "children"))
        if (const Json* found = first_localhost_unit(child)) return found;
    return nullptr;
}

}  // namespace

std::string base64_encode(const std::string& bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                           static_cast<unsigned char>(bytes[i + 2]);
        for (int s : {18, 12, 6, 0})
            out += kAlphabet[(v >> s) & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += "==";
    } else if (rest == 2) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

std::string engine_predictor_env(const Json& predictor) {
    Json p = predictor;
    p.erase("traffic");
    p.erase("explainer");
    p["replicas"] = 0;
    if (at(p, "componentSpecs").is_array())
        for (Json& cs : p["componentSpecs"])
            if (at(cs, "metadata").is_object()) cs["metadata"]["creationTimestamp"] = nullptr;
    return base64_encode(p.dump());
}

namespace {

std::string endpoint_of(const std::string& svc, const std::string& ns, int port) {
    return svc + "." + ns + ":" + std::to_string(port);
}

// The objects of one predictor, added to `out`.
class PredictorBuilder {
  public:
    PredictorBuilder(const Context& ctx, const Json& predictor, DesiredObjects& out)
        : ctx_(ctx),
          p_(predictor),
          out_(out),
          spec_(at(ctx.sdep, "spec")),
          pname_(str(predictor, "name")),
          pred_svc_(predictor_service_name(
              ctx.name, pname_, str(at(predictor, "annotations"), "seldon.io/svc-name"))),
          no_engine_(str(at(predictor, "annotations"), "seldon.io/no-engine") == "true"),
          separate_engine_(str(at(spec_, "annotations"), "seldon.io/engine-separate-pod") ==
                           "true"),
          engine_unit_(first_localhost_unit(at(predictor, "graph"))),
          entry_http_(ctx.config.executor_http_port),
          entry_grpc_(ctx.config.executor_grpc_port) {}

    void build() {
        const Json& specs = array(p_, "componentSpecs");
        const std::size_t engine_spec = engine_spec_index(specs);
        for (std::size_t j = 0; j < specs.size(); ++j)
            component(specs[j], j, j == engine_spec);
        if (separate_engine_ && !no_engine_) svc_orch();
        predictor_service();
    }

  private:
    // The executor joins the pod of the node served on localhost; when a later componentSpec
    // reused that container name (so no node kept localhost), the first pod.
    std::size_t engine_spec_index(const Json& specs) const {
        if (engine_unit_ == nullptr) return 0;
        const std::string unit = str(*engine_unit_, "name");
        for (std::size_t j = 0; j < specs.size(); ++j) {
            const Json& containers = array(at(specs[j], "spec"), "containers");
            if (std::any_of(containers.begin(), containers.end(),
                            [&](const Json& c) { return str(c, "name") == unit; }))
                return j;
        }
        return 0;
    }

    // createContainerService for one graph container of Deployment `d`.
    void graph_container(Json& d, Json& pod, Json& c, const Json& unit) {
        const std::string cname = str(c, "name");
        decorate_graph_container(ctx_, p_, unit, c);
        inject_storage_initializer(ctx_, unit, pod, c);
        const std::string svc = container_service_name(ctx_.name, pname_, cname);
        add_label(d, "seldon-app-svc-" + cname, svc, true);
        const std::string role = role_label(unit);
        if (!role.empty()) add_label(d, role, "true", false);
        const Json& ep = at(unit, "endpoint");
        const int http = static_cast<int>(integer(ep, "httpPort"));
        const int grpc = static_cast<int>(integer(ep, "grpcPort"));
        Json labels{{"seldon-app-svc-" + cname, svc},
                    {"seldon-deployment-id", ctx_.id},
                    {"seldon-app", svc},
                    {kManagedBy, "seldon-core"}};
        if (!role.empty()) labels[role] = "true";
        out_.container_services.push_back(
            service(ctx_, svc, labels, {{"seldon-app-svc-" + cname, svc}},
                    {port("http", http, http), port("grpc", grpc, grpc)}, Json::object()));
        out_.service_status[svc] = {{"svcName", svc},
                                    {"httpEndpoint", endpoint_of(svc, ctx_.ns, http)},
                                    {"grpcEndpoint", endpoint_of(svc, ctx_.ns, grpc)}};
        if (no_engine_ && engine_unit_ == &unit) {  // the entry Service points at the model
            entry_http_ = http;
            entry_grpc_ = grpc;
        }
    }

    void add_executor(Json& d, Json& pod) {
        if (!no_engine_) {
            pod["containers"].push_back(executor_container(ctx_, p_));
            // On the Deployment object only, not on its pods.
            add_label(d, "seldon-deployment-contains-svcorch", "true", false);
            d["spec"]["template"]["metadata"]["labels"].erase("seldon-deployment-contains-svcorch");
        }
        add_label(d, "seldon-app", pred_svc_, true);
    }

    // createDeploymentWithoutEngine (+ the executor when this pod hosts it), HPA/KEDA/PDB.
    void component(const Json& cs, std::size_t j, bool engine_spec) {
        const Json& containers = array(at(cs, "spec"), "containers");
        if (containers.empty()) return;
        std::vector<std::string> cnames;
        for (const Json& c : containers)
            cnames.push_back(str(c, "name"));
        const std::string meta_name = str(at(cs, "metadata"), "name");
        const std::string dep_name = deployment_name(
            ctx_.name, pname_, j, meta_name.empty() ? component_key(cnames) : meta_name,
            ctx_.config.deployment_name_as_prefix);
        Json d = base_deployment(ctx_, p_, dep_name, at(cs, "metadata"));
        Json pod = at(cs, "spec");
        for (Json& c : pod["containers"]) {
            if (!has(c, "imagePullPolicy")) c["imagePullPolicy"] = "IfNotPresent";
            if (!has(c, "terminationMessagePath"))
                c["terminationMessagePath"] = "/dev/termination-log";
            if (!has(c, "terminationMessagePolicy")) c["terminationMessagePolicy"] = "File";
            add_podinfo_mount(c);
            // Containers that are not graph nodes get no Service and no Seldon env.
            if (const Json* unit = find_unit(at(p_, "graph"), str(c, "name")))
                graph_container(d, pod, c, *unit);
        }
        if (engine_spec && !separate_engine_) add_executor(d, pod);
        finish_pod_spec(ctx_, pod);
        d["spec"]["template"]["spec"] = pod;
        const Json& hpa = at(cs, "hpaSpec");
        if (at(cs, "kedaSpec").is_object()) {
            out_.keda = true;
            out_.autoscaled.insert(dep_name);
        } else if (hpa.is_object()) {
            out_.hpas.push_back(build_hpa(ctx_, dep_name, hpa));
            out_.autoscaled.insert(dep_name);
        } else if (const auto r = replicas_for(spec_, p_, cs)) {
            d["spec"]["replicas"] = *r;
        }
        if (at(cs, "pdbSpec").is_object())
            out_.pdbs.push_back(build_pdb(ctx_, dep_name, cs["pdbSpec"]));
        out_.deployments.push_back(std::move(d));
    }

    // seldon.io/engine-separate-pod: the executor alone in "<sdep>-<predictor>-svc-orch".
    void svc_orch() {
        const std::string dep_name = svc_orch_deployment_name(ctx_.name, pname_);
        Json d = base_deployment(ctx_, p_, dep_name, Json::object());
        Json pod{{"containers", Json::array()},
                 {"serviceAccountName", ctx_.config.executor_service_account}};
        add_executor(d, pod);
        finish_pod_spec(ctx_, pod);
        d["spec"]["template"]["spec"] = pod;
        const Json& orch = at(p_, "svcOrchSpec");
        if (at(orch, "replicas").is_number_integer())
            d["spec"]["replicas"] = orch["replicas"];
        else if (const auto r = replicas_for(spec_, p_, Json::object()))
            d["spec"]["replicas"] = *r;
        out_.deployments.push_back(std::move(d));
    }

    void predictor_service() {
        const int http = ctx_.config.executor_http_port;
        const int grpc = ctx_.config.executor_grpc_port;
        const Json labels{{"seldon-app", pred_svc_},
                          {"seldon-deployment-id", ctx_.id},
                          {kManagedBy, "seldon-core"}};
        out_.predictor_services.push_back(
            service(ctx_, pred_svc_, labels, {{"seldon-app", pred_svc_}},
                    {port("http", http, entry_http_), port("grpc", grpc, entry_grpc_)},
                    at(p_, "annotations")));
        out_.service_status[pred_svc_] = {{"svcName", pred_svc_},
                                          {"httpEndpoint", endpoint_of(pred_svc_, ctx_.ns, http)},
                                          {"grpcEndpoint", endpoint_of(pred_svc_, ctx_.ns, grpc)}};
    }

    const Context& ctx_;
    const Json& p_;
    DesiredObjects& out_;
    const Json& spec_;
    const std::string pname_;
    const std::string pred_svc_;
    const bool no_engine_;
    const bool separate_engine_;
    const Json* engine_unit_;
    int entry_http_;
    int entry_grpc_;
};

}  // namespace

DesiredObjects build_desired_objects(const Json& sdep, const OperatorConfig& config) {
    if (config.executor_image.empty())
        throw OperatorError(
            "Environment variable RELATED_IMAGE_EXECUTOR or EXECUTOR_CONTAINER_IMAGE_AND_VERSION "
            "not set");
    const std::string name = str(at(sdep, "metadata"), "name");
    const Context ctx{sdep,
                      config,
                      name,
                      str(at(sdep, "metadata"), "namespace"),
                      seldon_id(name),
                      sim::kube::meta::controller_ref(sdep)};
    DesiredObjects out;
    const Json& spec = at(sdep, "spec");
    const Json& predictors = array(spec, "predictors");
    for (const Json& p : predictors)
        PredictorBuilder(ctx, p, out).build();
    if (config.istio_enabled) {
        IstioObjects istio = build_istio_objects(sdep, out.predictor_services, ctx.owner, config);
        out.virtual_services = std::move(istio.virtual_services);
        out.destination_rules = std::move(istio.destination_rules);
    }
    if (config.ambassador_enabled)
        out.mappings = build_ambassador_mappings(sdep, out.predictor_services, ctx.owner, config);
    if (!predictors.empty()) {
        const Json& first = predictors[0];
        const std::string svc = predictor_service_name(
            ctx.name, str(first, "name"), str(at(first, "annotations"), "seldon.io/svc-name"));
        const bool grpc = str(spec, "transport") == "grpc";
        out.address_url =
            "http://" + svc + "." + ctx.ns + ".svc.cluster.local:" +
            std::to_string(grpc ? config.executor_grpc_port : config.executor_http_port) +
            prediction_path(spec, first);
    }
    return out;
}

}  // namespace sim::controller::seldon
