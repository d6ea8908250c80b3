#include "controller/seldon/istio.hpp"

#include "controller/seldon/ingress_support.hpp"
#include "controller/seldon/json_util.hpp"
#include "controller/seldon/names.hpp"
#include "controller/seldon/objects.hpp"

namespace sim::controller::seldon {

namespace {

Json destination(const std::string& service, const std::string& subset, std::int64_t port) {
    return {{"host", service}, {"subset", subset}, {"port", {{"number", port}}}};
}

}  // namespace

IstioObjects build_istio_objects(const Json& sdep, const std::vector<Json>& predictor_services,
                                 const Json& owner, const OperatorConfig& config) {
    const std::string name = str(at(sdep, "metadata"), "name");
    const std::string ns = str(at(sdep, "metadata"), "namespace");
    const std::string retries_text = sdep_annotation(sdep, "seldon.io/istio-retries", "");
    int retries = 0;
    int retries_timeout_s = 1;
    if (!retries_text.empty()) {
        retries = atoi_or_throw(retries_text);
        retries_timeout_s =
            atoi_or_throw(sdep_annotation(sdep, "seldon.io/istio-retries-timeout", "1"));
    }
    Json rest{{"match", {{{"uri", {{"prefix", "/seldon/" + ns + "/" + name + "/"}}}}}},
              {"rewrite", {{"uri", "/"}}},
              {"route", Json::array()}};
    Json grpc{{"match",
               {{{"uri", {{"regex", kGrpcRegexIstio}}},
                 {"headers", {{"namespace", {{"exact", ns}}}, {"seldon", {{"exact", name}}}}}}}},
              {"route", Json::array()}};
    if (retries > 0) {
        const Json retry{{"attempts", retries},
                         {"perTryTimeout", std::to_string(retries_timeout_s) + "s"},
                         {"retryOn", kIstioRetryOn}};
        rest["retries"] = retry;
        grpc["retries"] = retry;
    }
    IstioObjects out;
    for (const Json& p : array(at(sdep, "spec"), "predictors")) {
        const std::string pname = str(p, "name");
        const std::string svc =
            predictor_service_name(name, pname, str(at(p, "annotations"), "seldon.io/svc-name"));
        const std::int64_t http =
            predictor_service_port(predictor_services, svc, 0, config.executor_http_port);
        const std::int64_t grpc_port =
            predictor_service_port(predictor_services, svc, 1, config.executor_grpc_port);
        out.destination_rules.push_back(
            {{"apiVersion", kIstioApiVersion},
             {"kind", "DestinationRule"},
             {"metadata",
              {{"name", svc}, {"namespace", ns}, {"ownerReferences", Json::array({owner})}}},
             {"spec",
              {{"host", svc},
               {"subsets",
                {{{"name", pname}, {"labels", {{"version", str(at(p, "labels"), "version")}}}}}},
               {"trafficPolicy", {{"connectionPool", {{"http", {{"idleTimeout", "60s"}}}}}}}}}});
        const std::int64_t traffic = integer(p, "traffic");
        if (boolean(p, "shadow")) {
            rest["mirror"] = destination(svc, pname, http);
            grpc["mirror"] = destination(svc, pname, grpc_port);
            if (traffic > 0) {
                rest["mirrorPercentage"] = {{"value", static_cast<double>(traffic)}};
                grpc["mirrorPercentage"] = {{"value", static_cast<double>(traffic)}};
            }
            continue;
        }
        // HTTPRouteDestination.weight is omitempty: 0 is left out (a lone route takes all).
        Json to_rest{{"destination", destination(svc, pname, http)}};
        Json to_grpc{{"destination", destination(svc, pname, grpc_port)}};
        if (traffic != 0) {
            to_rest["weight"] = traffic;
            to_grpc["weight"] = traffic;
        }
        rest["route"].push_back(to_rest);
        grpc["route"].push_back(to_grpc);
    }
    out.virtual_services.push_back(
        {{"apiVersion", kIstioApiVersion},
         {"kind", "VirtualService"},
         {"metadata",
          {{"name", seldon_id(name)},
           {"namespace", ns},
           {"ownerReferences", Json::array({owner})}}},
         {"spec",
          {{"hosts", {sdep_annotation(sdep, "seldon.io/istio-host", "*")}},
           {"gateways", {sdep_annotation(sdep, "seldon.io/istio-gateway", config.istio_gateway)}},
           {"http", {rest, grpc}}}}});
    return out;
}

}  // namespace sim::controller::seldon
