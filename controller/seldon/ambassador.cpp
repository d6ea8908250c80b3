#include "controller/seldon/ambassador.hpp"

#include "controller/seldon/ingress_support.hpp"
#include "controller/seldon/json_util.hpp"
#include "controller/seldon/names.hpp"
#include "controller/seldon/objects.hpp"

namespace sim::controller::seldon {

namespace {

// AMBASSADOR_IDLE_TIMEOUT (ms): a longer request timeout also raises the idle timeout.
constexpr int kAmbassadorIdleTimeoutMs = 300000;

// What every Mapping of one SeldonDeployment shares (getV2Mapping's inputs from annotations).
struct Common {
    std::string sdep, ns, seldon_id, external_name;
    int timeout_ms = 3000;  // seldon.io/rest-timeout
    int retries = 0;        // seldon.io/ambassador-retries
    std::string header;     // seldon.io/ambassador-header ("name" or "name:value")
    std::string ambassador_id;
    Json owner;
};

void add_custom_header(Json& headers, const std::string& header) {
    if (header.empty()) return;
    std::vector<std::string> parts{""};
    for (const char c : header) {
        if (c == ':')
            parts.emplace_back();
        else
            parts.back() += c;
    }
    const auto trim = [](std::string s) {
        const auto first = s.find_first_not_of(" \t");
        const auto last = s.find_last_not_of(" \t");
        return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
    };
    if (parts.size() > 2) {
        throw OperatorError(
            "Only a single custom header match is allowed at present but you provided: " + header);
    }
    headers[trim(parts[0])] = parts.size() == 1 ? Json(true) : Json(trim(parts[1]));
}

// getV2Mapping for the namespaced names (AMBASSADOR_SINGLE_NAMESPACE=false, the default).
Json mapping(const Common& c, const std::string& predictor, const std::string& service,
             std::int64_t port, bool rest, const Json* weight, bool shadow) {
    Json spec = Json::object();
    Json headers = Json::object();
    if (rest) {
        spec["prefix"] = "/seldon/" + c.ns + "/" + c.external_name + "/";
        spec["rewrite"] = "/";
    } else {
        spec["grpc"] = true;
        spec["prefix"] = kGrpcRegexAmbassador;
        spec["prefix_regex"] = true;
        spec["rewrite"] = "";
        headers["seldon"] = c.external_name;
    }
    spec["service"] = service + "." + c.ns + ":" + std::to_string(port);
    spec["timeout_ms"] = c.timeout_ms;
    if (c.retries != 0)
        spec["retry_policy"] = {{"retry_on", "gateway-error"}, {"num_retries", c.retries}};
    if (weight) spec["weight"] = *weight;
    if (c.timeout_ms > kAmbassadorIdleTimeoutMs) spec["idle_timeout_ms"] = c.timeout_ms;
    add_custom_header(headers, c.header);
    if (!headers.empty()) spec["headers"] = headers;  // omitempty
    if (shadow) spec["shadow"] = true;
    if (!c.ambassador_id.empty()) spec["ambassador_id"] = Json::array({c.ambassador_id});
    return {
        {"apiVersion", kAmbassadorApiVersion},
        {"kind", "Mapping"},
        {"metadata",
         {{"name", "seldon-" + c.ns + "-" + c.sdep + "-" + predictor + (rest ? "-rest" : "-grpc")},
          {"namespace", c.ns},
          {"labels", {{"seldon-deployment-id", c.seldon_id}}},
          {"ownerReferences", Json::array({c.owner})}}},
        {"spec", spec}};
}

}  // namespace

std::vector<Json> build_ambassador_mappings(const Json& sdep,
                                            const std::vector<Json>& predictor_services,
                                            const Json& owner, const OperatorConfig& config) {
    Common c;
    c.sdep = str(at(sdep, "metadata"), "name");
    c.ns = str(at(sdep, "metadata"), "namespace");
    c.seldon_id = seldon_id(c.sdep);
    c.external_name = sdep_annotation(sdep, "seldon.io/ambassador-service-name", c.sdep);
    c.timeout_ms = atoi_or_throw(sdep_annotation(sdep, "seldon.io/rest-timeout", "3000"));
    c.retries = atoi_or_throw(sdep_annotation(sdep, "seldon.io/ambassador-retries", "0"));
    c.header = sdep_annotation(sdep, "seldon.io/ambassador-header", "");
    c.ambassador_id = sdep_annotation(sdep, "seldon.io/ambassador-id", "");
    c.owner = owner;
    std::vector<Json> out;
    const Json& predictors = array(at(sdep, "spec"), "predictors");
    for (const Json& p : predictors) {
        const std::string pname = str(p, "name");
        const std::string svc =
            predictor_service_name(c.sdep, pname, str(at(p, "annotations"), "seldon.io/svc-name"));
        const bool shadow = boolean(p, "shadow");
        // The first predictor has no weight: Ambassador gives it what the others leave.
        const Json traffic = integer(p, "traffic");
        const Json* weight =
            shadow || str(predictors.front(), "name") != pname ? &traffic : nullptr;
        out.push_back(
            mapping(c, pname, svc,
                    predictor_service_port(predictor_services, svc, 0, config.executor_http_port),
                    true, weight, shadow));
        out.push_back(
            mapping(c, pname, svc,
                    predictor_service_port(predictor_services, svc, 1, config.executor_grpc_port),
                    false, weight, shadow));
    }
    return out;
}

}  // namespace sim::controller::seldon
