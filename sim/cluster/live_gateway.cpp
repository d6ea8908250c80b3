#include "sim/cluster/live_gateway.hpp"

#include <memory>

namespace sim::cluster {
namespace {

constexpr std::string_view kPrefix = "/seldon/";
constexpr const char* kText = "text/plain; charset=utf-8";

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
    : requests_(requests), metrics_(metrics) {}

bool LiveGateway::handles(std::string_view path) {
    return path == "/metrics" || path.starts_with(kPrefix);
}

void LiveGateway::handle(const std::string& method, const std::string& path, std::string body,
                         GatewayReply reply) {
    if (path == "/metrics") {
        if (method != "GET") return reply({405, kText, "method not allowed\n"});
        // Prometheus' text exposition format, version 0.0.4.
        return reply({200, "text/plain; version=0.0.4; charset=utf-8",
                      metrics_ ? metrics_->text(requests_.now()) : std::string()});
    }
    GatewayTarget target;
    // No route matches "/seldon/" without a namespace and a name: Envoy's 404.
    if (!parse_gateway_path(path, target)) return reply({404, kText, ""});
    const bool predictions = is_predictions(target.endpoint);
    const bool feedback = is_feedback(target.endpoint);
    // gorilla/mux: an unknown path is 404 with net/http's text, a known one with another
    // method 405 (the executor also answers OPTIONS for CORS; not simulated).
    if (!predictions && !feedback) return reply({404, kText, "404 page not found\n"});
    if (method != "POST") return reply({405, kText, ""});
    requests_.send_live(target.ns + "/" + target.name, std::move(body), feedback,
                        [reply = std::move(reply)](int status, std::string answer) {
                            // The executor answers JSON; Envoy's own failures are plain text.
                            const bool json =
                                !answer.empty() && (answer.front() == '{' || answer.front() == '[');
                            reply({status, json ? "application/json" : kText, std::move(answer)});
                        });
}

}  // namespace sim::cluster
