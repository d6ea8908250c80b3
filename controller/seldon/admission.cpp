#include "controller/seldon/admission.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "controller/seldon/json_util.hpp"
#include "sim/kube/api_server.hpp"
#include "sim/kube/validation.hpp"

namespace sim::controller::seldon {

namespace kube = sim::kube;

namespace {

// ------------------------------------------------------------------ CRD structural schema

// The OpenAPI type name kube-openapi reports for a JSON value.
std::string openapi_type(const Json& v) {
    if (v.is_string()) return "string";
    if (v.is_boolean()) return "boolean";
    if (v.is_number_integer()) return "integer";
    if (v.is_number()) return "number";
    if (v.is_array()) return "array";
    if (v.is_object()) return "object";
    return "null";
}

class SchemaCheck {
  public:
    kube::FieldErrors errors;

    // apiextensions-apiserver validation.go turns an openapi InvalidType error into
    // field.Invalid(path, <actual type>, "<path> in body must be of type <want>: \"<actual>\"").
    // Nulls are pruned before validation (structural schemas, non-nullable fields).
    bool typed(const Json& v, const std::string& path, const char* want) {
        if (v.is_null()) return false;
        const std::string actual = openapi_type(v);
        const bool ok = actual == want || (std::string(want) == "number" && actual == "integer");
        if (!ok) {
            errors.push_back(kube::invalid(
                path, kube::quote_value(actual),
                path + " in body must be of type " + want + ": " + kube::quote_value(actual)));
        }
        return ok;
    }
    void require(const Json& object, const char* key, const std::string& path) {
        if (at(object, key).is_null()) errors.push_back(kube::required(path + "." + key, ""));
    }
    void strings(const Json& object, const std::string& path,
                 std::initializer_list<const char*> keys) {
        for (const char* k : keys)
            typed(at(object, k), path + "." + k, "string");
    }
    void integers(const Json& object, const std::string& path,
                  std::initializer_list<const char*> keys) {
        for (const char* k : keys)
            typed(at(object, k), path + "." + k, "integer");
    }
    void string_map(const Json& object, const char* key, const std::string& path) {
        const Json& m = at(object, key);
        if (!typed(m, path + "." + key, "object")) return;
        for (const auto& [k, v] : m.items())
            typed(v, path + "." + key + "." + k, "string");
    }

    void graph_node(const Json& node, const std::string& path) {
        if (!typed(node, path, "object")) return;
        require(node, "name", path);
        strings(node, path,
                {"name", "type", "implementation", "modelUri", "serviceAccountName",
                 "envSecretRefName", "storageInitializerImage"});
        const Json& endpoint = at(node, "endpoint");
        if (typed(endpoint, path + ".endpoint", "object")) {
            strings(endpoint, path + ".endpoint", {"service_host", "type"});
            integers(endpoint, path + ".endpoint", {"service_port", "httpPort", "grpcPort"});
        }
        const Json& params = at(node, "parameters");
        if (typed(params, path + ".parameters", "array")) {
            for (std::size_t i = 0; i < params.size(); ++i) {
                const std::string p = path + ".parameters[" + std::to_string(i) + "]";
                if (!typed(params[i], p, "object")) continue;
                require(params[i], "name", p);
                require(params[i], "type", p);
                require(params[i], "value", p);
                strings(params[i], p, {"name", "type", "value"});
            }
        }
        const Json& methods = at(node, "methods");
        if (typed(methods, path + ".methods", "array")) {
            for (std::size_t i = 0; i < methods.size(); ++i)
                typed(methods[i], path + ".methods[" + std::to_string(i) + "]", "string");
        }
        const Json& logger = at(node, "logger");
        if (typed(logger, path + ".logger", "object"))
            strings(logger, path + ".logger", {"url", "mode"});
        const Json& children = at(node, "children");
        if (typed(children, path + ".children", "array")) {
            for (std::size_t i = 0; i < children.size(); ++i)
                graph_node(children[i], path + ".children[" + std::to_string(i) + "]");
        }
    }

    void container(const Json& c, const std::string& path) {
        if (!typed(c, path, "object")) return;
        require(c, "name", path);
        strings(c, path, {"name", "image", "imagePullPolicy"});
        for (const char* list : {"ports", "env", "volumeMounts", "args", "command"})
            typed(at(c, list), path + "." + list, "array");
        const Json& ports = at(c, "ports");
        if (ports.is_array()) {
            for (std::size_t i = 0; i < ports.size(); ++i) {
                const std::string p = path + ".ports[" + std::to_string(i) + "]";
                if (!typed(ports[i], p, "object")) continue;
                require(ports[i], "containerPort", p);
                integers(ports[i], p, {"containerPort"});
                strings(ports[i], p, {"name", "protocol"});
            }
        }
        const Json& env = at(c, "env");
        if (env.is_array()) {
            for (std::size_t i = 0; i < env.size(); ++i) {
                const std::string p = path + ".env[" + std::to_string(i) + "]";
                if (!typed(env[i], p, "object")) continue;
                require(env[i], "name", p);
                strings(env[i], p, {"name", "value"});
            }
        }
    }

    void component_spec(const Json& cs, const std::string& path) {
        if (!typed(cs, path, "object")) return;
        integers(cs, path, {"replicas"});
        const Json& hpa = at(cs, "hpaSpec");
        if (typed(hpa, path + ".hpaSpec", "object")) {
            require(hpa, "maxReplicas", path + ".hpaSpec");
            integers(hpa, path + ".hpaSpec", {"minReplicas", "maxReplicas"});
        }
        const Json& keda = at(cs, "kedaSpec");
        if (typed(keda, path + ".kedaSpec", "object"))
            require(keda, "triggers", path + ".kedaSpec");
        typed(at(cs, "pdbSpec"), path + ".pdbSpec", "object");
        typed(at(cs, "metadata"), path + ".metadata", "object");
        const Json& pod = at(cs, "spec");
        if (!typed(pod, path + ".spec", "object")) return;
        require(pod, "containers", path + ".spec");
        integers(pod, path + ".spec", {"terminationGracePeriodSeconds"});
        for (const char* list : {"containers", "initContainers"}) {
            const Json& cs_list = at(pod, list);
            if (!typed(cs_list, path + ".spec." + list, "array")) continue;
            for (std::size_t i = 0; i < cs_list.size(); ++i)
                container(cs_list[i], path + ".spec." + list + "[" + std::to_string(i) + "]");
        }
    }

    void predictor(const Json& p, const std::string& path) {
        if (!typed(p, path, "object")) return;
        // graph and name are checked by the API server's own schema check (sim/kube).
        strings(p, path, {"name"});
        integers(p, path, {"replicas", "traffic", "progressDeadlineSeconds"});
        typed(at(p, "shadow"), path + ".shadow", "boolean");
        string_map(p, "annotations", path);
        string_map(p, "labels", path);
        if (has(p, "graph")) graph_node(at(p, "graph"), path + ".graph");
        const Json& specs = at(p, "componentSpecs");
        if (typed(specs, path + ".componentSpecs", "array")) {
            for (std::size_t i = 0; i < specs.size(); ++i)
                component_spec(specs[i], path + ".componentSpecs[" + std::to_string(i) + "]");
        }
        const Json& orch = at(p, "svcOrchSpec");
        if (typed(orch, path + ".svcOrchSpec", "object")) {
            typed(at(orch, "env"), path + ".svcOrchSpec.env", "array");
            integers(orch, path + ".svcOrchSpec", {"replicas"});
        }
    }

    void sdep(const Json& object) {
        const Json& spec = at(object, "spec");
        if (!spec.is_object()) return;  // "spec: Required value" comes from sim/kube
        strings(spec, "spec",
                {"name", "protocol", "transport", "serverType", "oauth_key", "oauth_secret"});
        integers(spec, "spec", {"replicas"});
        string_map(spec, "annotations", "spec");
        const Json& preds = at(spec, "predictors");
        if (!preds.is_array()) return;
        for (std::size_t i = 0; i < preds.size(); ++i)
            predictor(preds[i], "spec.predictors[" + std::to_string(i) + "]");
    }
};

// -------------------------------------------------------------------------------- webhook

const std::set<std::string>& non_prepack_implementations() {
    // v1/prepack.go IsPrepack: these five are implemented by the graph itself.
    static const std::set<std::string> kSet{"SIMPLE_MODEL", "SIMPLE_ROUTER", "RANDOM_ABTEST",
                                            "AVERAGE_COMBINER", "UNKNOWN_IMPLEMENTATION"};
    return kSet;
}

const Json* find_container(const Json& predictor, const std::string& name) {
    for (const Json& cs : array(predictor, "componentSpecs")) {
        for (const Json& c : array(at(cs, "spec"), "containers")) {
            if (str(c, "name") == name) return &c;
        }
    }
    return nullptr;
}

std::size_t size_of_graph(const Json& node) {
    std::size_t n = 1;
    for (const Json& child : array(node, "children"))
        n += size_of_graph(child);
    return n;
}

void collect_transports(const Json& node, std::set<std::string>& found) {
    const std::string type = str(at(node, "endpoint"), "type");
    if (!type.empty()) found.insert(type);
    for (const Json& child : array(node, "children"))
        collect_transports(child, found);
}

kube::FieldError invalid_string(const std::string& path, const std::string& value,
                                std::string detail) {
    return kube::invalid(path, kube::quote_value(value), std::move(detail));
}

void check_predictive_units(const Json& spec, const Json& node, const Json& predictor,
                            const std::string& path, const OperatorConfig& config,
                            kube::FieldErrors& errs) {
    const std::string name = str(node, "name");
    const Json& impl_json = at(node, "implementation");
    const bool impl_nil = !impl_json.is_string();
    const std::string impl = impl_nil ? "" : impl_json.get<std::string>();
    if (impl_nil || impl == "UNKNOWN_IMPLEMENTATION") {
        if (find_container(predictor, name) == nullptr)
            errs.push_back(invalid_string(path, name, "Can't find container for Predictive Unit"));
        const Json& methods = at(node, "methods");
        if (str(node, "type") == "UNKNOWN_TYPE" && (!methods.is_array() || methods.empty()))
            errs.push_back(
                invalid_string(path, name,
                               "Predictive Unit has no implementation methods defined. Change to a "
                               "known type or add what methods it defines"));
    } else if (!impl.empty() && !non_prepack_implementations().contains(impl)) {
        if (str(node, "modelUri").empty() && impl != "HUGGINGFACE_SERVER")
            errs.push_back(invalid_string(
                path, name, "Predictive unit modelUri required when using standalone servers"));
        const Json* c = find_container(predictor, name);
        if (str(spec, "protocol") == "tensorflow" &&
            (impl == "SKLEARN_SERVER" || impl == "XGBOOST_SERVER" || impl == "MLFLOW_SERVER" ||
             impl == "HUGGINGFACE_SERVER"))
            errs.push_back(invalid_string(
                path, name, "Prepackaged server does not handle tensorflow protocol " + impl));
        if ((c == nullptr || str(*c, "image").empty()) && !config.predictor_servers.contains(impl))
            errs.push_back(invalid_string(path, name, "No entry in predictors map for " + impl));
    }
    const Json& logger = at(node, "logger");
    if (logger.is_object() && str(logger, "mode").empty())
        errs.push_back(invalid_string(path, "", "No logger mode specified"));
    const Json& children = array(node, "children");
    for (std::size_t i = 0; i < children.size(); ++i)
        check_predictive_units(spec, children[i], predictor, path + "[" + std::to_string(i) + "]",
                               config, errs);
}

std::string predictor_path(std::size_t i) {
    return "spec.predictors[" + std::to_string(i) + "]";
}

void validate_kafka(const Json& spec, kube::FieldErrors& errs) {
    if (str(spec, "serverType") != "kafka") return;
    const Json& preds = array(spec, "predictors");
    for (std::size_t i = 0; i < preds.size(); ++i) {
        const Json& env = array(at(preds[i], "svcOrchSpec"), "env");
        const auto found = std::count_if(env.begin(), env.end(), [](const Json& e) {
            const std::string n = str(e, "name");
            return n == "KAFKA_BROKER" || n == "KAFKA_INPUT_TOPIC" || n == "KAFKA_OUTPUT_TOPIC";
        });
        if (env.empty() || found < 3)
            errs.push_back(invalid_string(predictor_path(i), str(preds[i], "name"),
                                          "For kafka please supply svcOrchSpec envs KAFKA_BROKER, "
                                          "KAFKA_INPUT_TOPIC, KAFKA_OUTPUT_TOPIC"));
    }
}

void validate_shadow(const Json& spec, kube::FieldErrors& errs) {
    const Json& preds = array(spec, "predictors");
    if (preds.size() == 1 && boolean(preds[0], "shadow"))
        errs.push_back(invalid_string(predictor_path(0), str(preds[0], "name"),
                                      "Shadow can not exist as only predictor"));
}

void validate_svc_names(const Json& spec, kube::FieldErrors& errs) {
    std::set<std::string> seen;
    const Json& preds = array(spec, "predictors");
    for (std::size_t i = 0; i < preds.size(); ++i) {
        const Json& v = at(at(preds[i], "annotations"), "seldon.io/svc-name");
        if (!v.is_string()) continue;
        const std::string svc = v.get<std::string>();
        if (!seen.insert(svc).second)
            errs.push_back(invalid_string(
                predictor_path(i), str(preds[i], "name"),
                "Found duplicate service name in seldon.io/svc-name with value " + svc));
    }
}

void check_traffic(const Json& spec, kube::FieldErrors& errs) {
    const Json& preds = array(spec, "predictors");
    std::int64_t sum = 0;
    std::size_t shadows = 0;
    for (const Json& p : preds) {
        const std::int64_t traffic = integer(p, "traffic");
        if (!boolean(p, "shadow")) {
            sum += traffic;
            continue;
        }
        ++shadows;
        if (shadows > 1)
            errs.push_back(
                invalid_string("spec", str(p, "name"), "Multiple shadows are not allowed"));
        if (traffic < 0 || traffic > 100)
            errs.push_back(invalid_string(
                "spec", str(p, "name"),
                "shadow traffic is illegal, the traffic number should be between [0, 100]"));
    }
    const std::string first = preds.empty() ? "" : str(preds[0], "name");
    if (sum != 100 && preds.size() - shadows > 1)
        errs.push_back(
            invalid_string("spec", first, "Traffic must sum to 100 for multiple predictors"));
    if (sum > 0 && sum < 100 && preds.size() == 1)
        errs.push_back(invalid_string("spec", first,
                                      "Traffic must sum be 100 for a single predictor when set"));
}

}  // namespace

kube::FieldErrors crd_schema_errors(const Json& sdep) {
    SchemaCheck check;
    check.sdep(sdep);
    return std::move(check.errors);
}

kube::FieldErrors validate_seldon_spec(const Json& spec, const OperatorConfig& config) {
    kube::FieldErrors errs;
    const std::string protocol = str(spec, "protocol");
    if (!(protocol.empty() || protocol == "seldon" || protocol == "tensorflow" ||
          protocol == "kfserving" || protocol == "v2"))
        errs.push_back(invalid_string("spec", protocol, "Invalid protocol"));
    const std::string transport = str(spec, "transport");
    if (!(transport.empty() || transport == "rest" || transport == "grpc"))
        errs.push_back(invalid_string("spec", transport, "Invalid transport"));
    const std::string server_type = str(spec, "serverType");
    if (!(server_type.empty() || server_type == "rpc" || server_type == "kafka" ||
          server_type == "rabbitmq"))
        errs.push_back(invalid_string("spec", server_type, "Invalid serverType"));
    validate_kafka(spec, errs);
    validate_shadow(spec, errs);
    validate_svc_names(spec, errs);

    const Json& preds = array(spec, "predictors");
    if (preds.empty())
        errs.push_back(invalid_string("spec", transport, "Graph contains no predictors"));
    std::set<std::string> transports;
    std::set<std::string> names;
    for (std::size_t i = 0; i < preds.size(); ++i) {
        const Json& p = preds[i];
        const Json& graph = at(p, "graph");
        collect_transports(graph, transports);
        const bool no_engine = at(p, "annotations").is_object() &&
                               at(p, "annotations").contains("seldon.io/no-engine");
        if (no_engine && size_of_graph(graph) > 1)
            errs.push_back(
                invalid_string(predictor_path(i), str(p, "name"),
                               "Running without engine only valid for single element graphs"));
        if (!names.insert(str(p, "name")).second)
            errs.push_back(
                invalid_string(predictor_path(i), str(p, "name"), "Duplicate predictor name"));
        check_predictive_units(spec, graph, p, predictor_path(i) + ".graph", config, errs);
    }
    if (transports.size() > 1) {
        errs.push_back(invalid_string(
            "spec", "",
            "Multiple endpoint.types found - can only have 1 type in graph. Please use "
            "spec.transport"));
    } else if (transports.size() == 1 && !transport.empty()) {
        const std::string& k = *transports.begin();
        if ((k == "REST" && transport != "rest") || (k == "GRPC" && transport != "grpc"))
            errs.push_back(invalid_string(
                "spec", "",
                "Mixed transport types found. Remove graph endpoint.types if transport "
                "set at deployment level"));
    }
    check_traffic(spec, errs);
    return errs;
}

kube::ApiError webhook_denial(const Json& spec, const kube::FieldErrors& errors) {
    // apierrors.NewInvalid(GroupKind{"machinelearing.seldon.io", "SeldonDeployment"}, spec.Name,
    // errs), passed through controller-runtime's validationResponseFromStatus, then wrapped by the
    // API server's webhookerrors.ToStatusErr.
    const kube::ApiError inner =
        kube::invalid_object({kWebhookGroup, "SeldonDeployment"}, str(spec, "name"), errors);
    Json status = inner.status();
    status["message"] = std::string("admission webhook \"") + kWebhookName +
                        "\" denied the request: " + inner.message();
    return kube::ApiError(std::move(status));
}

void install_seldon_admission(kube::ApiServer& server, OperatorConfig config) {
    const std::string gr = "seldondeployments.machinelearning.seldon.io";
    const std::vector<kube::Operation> ops{kube::Operation::Create, kube::Operation::Update};
    // The API server's schema validation of a custom resource. sim/kube checks metadata and the
    // top-level `required` lists; the rest of the structural schema is checked here, in the
    // stage before built-in validation, reporting everything in one 422 like the real one.
    server.admission().add_mutating(
        {gr, ops, false, [](kube::AdmissionRequest& request) {
             kube::FieldErrors errs = crd_schema_errors(*request.object);
             if (errs.empty()) return;
             kube::FieldErrors all = kube::validate_object_meta(*request.resource, *request.object);
             const kube::FieldErrors builtin =
                 kube::validate_object(*request.resource, *request.object, request.old);
             all.insert(all.end(), builtin.begin(), builtin.end());
             for (const kube::FieldError& e : errs) {
                 // sim/kube checks the top-level `required` lists itself: report each once.
                 const bool seen = std::any_of(
                     all.begin(), all.end(),
                     [&](const kube::FieldError& a) { return a.message() == e.message(); });
                 if (!seen) all.push_back(e);
             }
             throw kube::invalid_object({request.resource->group, request.resource->kind},
                                        request.name, all);
         }});
    server.admission().add_validating(
        {gr, ops, false, [config = std::move(config)](kube::AdmissionRequest& request) {
             const Json& spec = at(*request.object, "spec");
             const kube::FieldErrors errs = validate_seldon_spec(spec, config);
             if (!errs.empty()) throw webhook_denial(spec, errs);
         }});
}

}  // namespace sim::controller::seldon
