#include "controller/seldon/defaults.hpp"

#include <map>
#include <set>

#include "controller/seldon/json_util.hpp"
#include "controller/seldon/names.hpp"

namespace sim::controller::seldon {

namespace {

void default_graph(Json& node) {
    // addDefaultsToGraph: untyped, method-less, implementation-less nodes are models.
    const bool no_type = !at(node, "type").is_string();
    const bool no_impl = !at(node, "implementation").is_string();
    const bool no_methods = !at(node, "methods").is_array();
    if (no_type && no_impl && no_methods) node["type"] = "MODEL";
    if (no_impl) node["implementation"] = "UNKNOWN_IMPLEMENTATION";
    if (is_prepack(node)) node["type"] = "MODEL";
    if (at(node, "children").is_array())
        for (Json& child : node["children"])
            default_graph(child);
}

// getUpdatePortNumMap: the first time a container name is seen it takes the next number.
int port_for(const std::string& name, int& next, std::map<std::string, int>& ports) {
    const auto [it, inserted] = ports.emplace(name, next);
    if (inserted) ++next;
    return it->second;
}

const Json* named_port(const Json& container, const std::string& name) {
    for (const Json& p : array(container, "ports"))
        if (str(p, "name") == name) return &p;
    return nullptr;
}

void add_prepack_containers(Json& predictor, const OperatorConfig& config,
                            const std::string& protocol) {
    // addModelDefaultServers: a prepackaged node without its own container gets one, named
    // after the node, in componentSpecs[0] (created when absent).
    std::vector<Json*> stack{&predictor["graph"]};
    while (!stack.empty()) {
        Json& node = *stack.back();
        stack.pop_back();
        if (at(node, "children").is_array())
            for (Json& child : node["children"])
                stack.push_back(&child);
        if (!is_prepack(node)) continue;
        const std::string name = str(node, "name");
        const auto server = config.predictor_servers.find(str(node, "implementation"));
        if (server == config.predictor_servers.end()) continue;
        std::string image = server->second.seldon_image;
        if (protocol == "tensorflow" && !server->second.tensorflow_image.empty())
            image = server->second.tensorflow_image;
        if ((protocol == "v2" || protocol == "kfserving" || image.empty()) &&
            !server->second.v2_image.empty())
            image = server->second.v2_image;
        // A container named after the node but without an image gets the server's image.
        bool found = false;
        if (at(predictor, "componentSpecs").is_array()) {
            for (Json& cs : predictor["componentSpecs"]) {
                if (!at(at(cs, "spec"), "containers").is_array()) continue;
                for (Json& c : cs["spec"]["containers"]) {
                    if (str(c, "name") != name) continue;
                    found = true;
                    if (str(c, "image").empty()) c["image"] = image;
                }
            }
        }
        if (found) {
            if (!at(node, "endpoint").is_object()) node["endpoint"] = {{"type", "REST"}};
            continue;
        }
        if (!at(predictor, "componentSpecs").is_array() || predictor["componentSpecs"].empty())
            predictor["componentSpecs"] =
                Json::array({Json{{"spec", {{"containers", Json::array()}}}}});
        Json& first = predictor["componentSpecs"][0];
        if (!at(at(first, "spec"), "containers").is_array())
            first["spec"]["containers"] = Json::array();
        first["spec"]["containers"].push_back(Json{{"name", name}, {"image", image}});
        if (!at(node, "endpoint").is_object()) node["endpoint"] = {{"type", "REST"}};
    }
}

}  // namespace

Json* find_unit(Json& graph, const std::string& name) {
    if (!graph.is_object()) return nullptr;
    if (str(graph, "name") == name) return &graph;
    if (!at(graph, "children").is_array()) return nullptr;
    for (Json& child : graph["children"])
        if (Json* found = find_unit(child, name)) return found;
    return nullptr;
}

const Json* find_unit(const Json& graph, const std::string& name) {
    return find_unit(const_cast<Json&>(graph), name);  // NOLINT: same search, read-only use
}

bool is_prepack(const Json& unit) {
    static const std::set<std::string> kGraphImplementations{"SIMPLE_MODEL", "SIMPLE_ROUTER",
                                                             "RANDOM_ABTEST", "AVERAGE_COMBINER",
                                                             "UNKNOWN_IMPLEMENTATION"};
    const std::string impl = str(unit, "implementation");
    return !impl.empty() && !kGraphImplementations.contains(impl);
}

void default_seldon_deployment(Json& sdep, const OperatorConfig& config) {
    Json& meta = sdep["metadata"];
    if (str(meta, "namespace").empty()) meta["namespace"] = "default";
    const std::string ns = str(meta, "namespace");
    const std::string sdep_name = str(meta, "name");
    Json& spec = sdep["spec"];
    const std::string protocol = str(spec, "protocol");
    const std::string transport = str(spec, "transport");
    const bool separate_engine =
        str(at(spec, "annotations"), "seldon.io/engine-separate-pod") == "true";

    int next_http = kFirstHttpPort;
    int next_grpc = kFirstGrpcPort;
    int next_metrics = kFirstMetricsPort;
    std::map<std::string, int> http_ports, grpc_ports, metrics_ports;

    if (!at(spec, "predictors").is_array()) return;
    for (Json& p : spec["predictors"]) {
        if (!at(p, "labels").is_object()) p["labels"] = Json::object();
        if (!p["labels"].contains("version")) p["labels"]["version"] = str(p, "name");
        default_graph(p["graph"]);
        add_prepack_containers(p, config, protocol);
        if (!at(p, "componentSpecs").is_array()) continue;
        Json& specs = p["componentSpecs"];
        for (std::size_t j = 0; j < specs.size(); ++j) {
            if (!at(at(specs[j], "spec"), "containers").is_array()) continue;
            for (Json& c : specs[j]["spec"]["containers"]) {
                const std::string cname = str(c, "name");
                int http = port_for(cname, next_http, http_ports);
                int grpc = port_for(cname, next_grpc, grpc_ports);
                Json* unit = find_unit(p["graph"], cname);
                if (unit == nullptr) continue;
                if (!at(*unit, "endpoint").is_object()) (*unit)["endpoint"] = {{"type", "REST"}};
                Json& endpoint = (*unit)["endpoint"];
                const int metrics = port_for(cname, next_metrics, metrics_ports);
                if (named_port(c, "metrics") == nullptr) {
                    if (!at(c, "ports").is_array()) c["ports"] = Json::array();
                    c["ports"].push_back(
                        {{"name", "metrics"}, {"containerPort", metrics}, {"protocol", "TCP"}});
                }
                if (const Json* existing = named_port(c, "http"))
                    http = static_cast<int>(integer(*existing, "containerPort"));
                if (const Json* existing = named_port(c, "grpc"))
                    grpc = static_cast<int>(integer(*existing, "containerPort"));
                // The first componentSpec's pod hosts the executor, which reaches it on localhost.
                if (j == 0 && !separate_engine) {
                    endpoint["service_host"] = "localhost";
                } else {
                    endpoint["service_host"] =
                        container_service_name(sdep_name, str(p, "name"), cname) + "." + ns +
                        ".svc.cluster.local";
                }
                const bool use_grpc = str(endpoint, "type") == "GRPC" || transport == "grpc";
                endpoint["service_port"] = use_grpc ? grpc : http;
                endpoint["httpPort"] = http;
                endpoint["grpcPort"] = grpc;
            }
        }
    }
}

}  // namespace sim::controller::seldon
