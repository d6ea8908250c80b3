// The Seldon gateway as `sim-run serve` exposes it over HTTP: what Istio's VirtualService (or
// Ambassador's Mapping) routes under /seldon/<ns>/<name>/, and the executors' Prometheus
// metrics. It knows nothing of sockets: the HTTP face hands it requests on the simulation
// thread and sends the reply it gets back.
//
//   POST /seldon/<ns>/<name>/api/v1.0/predictions   (and /api/v0.1/..., as the executor serves)
//   POST /seldon/<ns>/<name>/api/v1.0/feedback
//       -> RequestPath::send_live at the current virtual instant; the reply comes when the
//          simulated response completes: the executor's status and JSON body (a bad body
//          gets the model wrapper's 400 MICROSERVICE_BAD_DATA, passed on by the executor),
//          404 with an empty body when no routing is published for <ns>/<name>, Envoy's
//          503/504 text when no pod can answer
//   GET  /metrics
//       -> ExecutorMetrics::text(), answered at once
//
//   OPTIONS /seldon/<ns>/<name>/api/v1.0/predictions (or feedback): a CORS preflight, which
//       the executor answers 200 with an empty body; answered at once (not routed to a pod),
//       404 when no routing is published
//
// Anything else under /seldon/<ns>/<name>/ gets what the executor's router answers for a path
// it does not serve (404 "404 page not found"), or 405 for a method it does not accept; both
// are answered at once, without entering the simulation.
//
// Every answer that comes from an executor (its JSON answers and preflights, not Envoy's own
// 404/503/504) carries the headers of the executor's REST middlewares (executor/api/rest/
// middlewares.go): Seldon-Puid (the request's, or a new random UUID from the stream
// gateway/live/puid), X-Content-Type-Options: nosniff, the three CORS headers, and, for a
// CloudEvents request (one with a Ce-Specversion header), Ce-Id, Ce-Specversion, Ce-Path,
// Ce-Type and Ce-Source.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/cluster/prometheus_metrics.hpp"
#include "sim/cluster/request_path.hpp"

namespace sim::cluster {

// What a gateway path names: the SeldonDeployment and the executor endpoint behind it.
struct GatewayTarget {
    std::string ns, name;
    std::string endpoint;  // the path after the prefix rewrite, e.g. "/api/v1.0/predictions"
};
// Splits "/seldon/<ns>/<name>/<endpoint>"; false when the path has no such shape.
bool parse_gateway_path(std::string_view path, GatewayTarget& out);

struct GatewayResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // beyond Content-Type
};
// The request headers the executor's middlewares read.
struct GatewayRequestHeaders {
    std::optional<std::string> seldon_puid;  // Seldon-Puid
    bool cloudevent = false;                 // a Ce-Specversion header is present
};
using GatewayReply = std::function<void(GatewayResponse)>;

class LiveGateway {
  public:
    // `metrics` is what RequestPathOptions::executor_metrics of `requests` points to (or null).
    LiveGateway(RequestPath& requests, const ExecutorMetrics* metrics);

    // True for the paths this gateway answers (/seldon/... and /metrics).
    static bool handles(std::string_view path);

    // Answers one request; `reply` is called exactly once, now or when the simulated response
    // completes (on the simulation thread either way).
    void handle(const std::string& method, const std::string& path, std::string body,
                GatewayReply reply, const GatewayRequestHeaders& headers = {});

  private:
    // The executor middlewares' response headers for a request to `target`.
    std::vector<std::pair<std::string, std::string>> executor_headers(
        const GatewayTarget& target, const GatewayRequestHeaders& headers);

    RequestPath& requests_;
    const ExecutorMetrics* metrics_;
    kernel::Random& puids_;
};

}  // namespace sim::cluster
