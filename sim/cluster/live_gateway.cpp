#include "sim/cluster/live_gateway.hpp"

#include <memory>

#include "sim/kernel/uuid.hpp"

namespace sim::cluster {
namespace {

constexpr std::string_view kPrefix = "/seldon/";
constexpr const char* kText = "text/plain; charset=utf-8";

// executor/api/rest/middlewares.go: CORS and content-type-options values, CloudEvents version.
constexpr const char* kCorsAllowMethods = "GET, OPTIONS, POST";
constexpr const char* kCorsAllowHeaders =
    "Accept, Accept-Encoding, Authorization, Content-Length, Content-Type, X-CSRF-Token";
constexpr const char* kCloudEventsSpecVersion = "0.3";

// The executor's REST routes (api/rest/server.go at v1.17.1, protocol seldon).
bool is_predictions(std::string_view endpoint) {
    return endpoint == "/api/v1.0/predictions" || endpoint == "/api/v0.1/predictions";
}
bool is_feedback(std::string_view endpoint) {
    return endpoint == "/api/v1.0/feedback" || endpoint == "/api/v0.1/feedback";
}

}  // namespace

bool parse_gateway_path(std::string_view path, GatewayTarget& out) {
    if (!path.starts_with(kPrefix)) return false;
    const std::string_view rest = path.substr(kPrefix.size());
    const std::size_t ns_end = rest.find('/');
    if (ns_end == std::string_view::npos || ns_end == 0) return false;
    const std::size_t name_end = rest.find('/', ns_end + 1);
    if (name_end == std::string_view::npos || name_end == ns_end + 1) return false;
    out.ns = std::string(rest.substr(0, ns_end));
    out.name = std::string(rest.substr(ns_end + 1, name_end - ns_end - 1));
    out.endpoint = std::string(rest.substr(name_end));
    return true;
}

LiveGateway::LiveGateway(RequestPath& requests, const ExecutorMetrics* metrics)
    : requests_(requests), metrics_(metrics), puids_(requests.stream("gateway/live/puid")) {}

std::vector<std::pair<std::string, std::string>> LiveGateway::executor_headers(
    const GatewayTarget& target, const GatewayRequestHeaders& headers) {
    // The middlewares in the order the executor's router applies them: puidHeader (a request
    // without a puid gets a new one, google/uuid v4), the CloudEvents headers, xssMiddleware,
    // handleCORSRequests.
    const std::string puid = headers.seldon_puid && !headers.seldon_puid->empty()
                                 ? *headers.seldon_puid
                                 : kernel::uuid_v4(puids_);
    std::vector<std::pair<std::string, std::string>> out{{"Seldon-Puid", puid}};
    if (headers.cloudevent) {
        out.emplace_back("Ce-Id", puid);
        out.emplace_back("Ce-Specversion", kCloudEventsSpecVersion);
        out.emplace_back("Ce-Path", target.endpoint);
        out.emplace_back("Ce-Type", "seldon." + target.name + "." + target.ns + ".response");
        out.emplace_back("Ce-Source", "seldon." + target.name);
    }
    out.emplace_back("X-Content-Type-Options", "nosniff");
    out.emplace_back("Access-Control-Allow-Origin", "*");
    out.emplace_back("Access-Control-Allow-Methods", kCorsAllowMethods);
    out.emplace_back("Access-Control-Allow-Headers", kCorsAllowHeaders);
    return out;
}

bool LiveGateway::handles(std::string_view path) {
    return path == "/metrics" || path.starts_with(kPrefix);
}

void LiveGateway::handle(const std::string& method, const std::string& path, std::string body,
                         GatewayReply reply, const GatewayRequestHeaders& headers) {
    if (path == "/metrics") {
        if (method != "GET") return reply({405, kText, "method not allowed\n", {}});
        // Prometheus' text exposition format, version 0.0.4.
        return reply({200,
                      "text/plain; version=0.0.4; charset=utf-8",
                      metrics_ ? metrics_->text(requests_.now()) : std::string(),
                      {}});
    }
    GatewayTarget target;
    // No route matches "/seldon/" without a namespace and a name: Envoy's 404.
    if (!parse_gateway_path(path, target)) return reply({404, kText, "", {}});
    const bool predictions = is_predictions(target.endpoint);
    const bool feedback = is_feedback(target.endpoint);
    // gorilla/mux: an unknown path is 404 with net/http's text, a known one with another
    // method 405.
    if (!predictions && !feedback) return reply({404, kText, "404 page not found\n", {}});
    const std::string sdep_key = target.ns + "/" + target.name;
    if (method == "OPTIONS") {
        // A CORS preflight: handleCORSRequests answers it without calling the graph.
        if (!requests_.has_route(sdep_key)) return reply({404, kText, "", {}});
        return reply({200, kText, "", executor_headers(target, headers)});
    }
    if (method != "POST") return reply({405, kText, "", {}});
    requests_.send_live(
        sdep_key, std::move(body), feedback,
        [this, target, headers, reply = std::move(reply)](int status, std::string answer) {
            // The executor answers JSON; Envoy's own failures are plain text and never passed
            // the executor's middlewares.
            const bool json = !answer.empty() && (answer.front() == '{' || answer.front() == '[');
            if (!json) return reply({status, kText, std::move(answer), {}});
            reply(
                {status, "application/json", std::move(answer), executor_headers(target, headers)});
        });
}

}  // namespace sim::cluster
