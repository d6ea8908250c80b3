// The Seldon executor's Prometheus metrics, as its /prometheus endpoint exposes them
// (seldon-core v1.17.1 executor/api/metric: constants.go, server.go, client.go; the REST
// server and client instrument with promhttp, see ../shared/seldon-v1.md §2g):
//
//   seldon_api_executor_server_requests_seconds{deployment_name, predictor_name,
//       predictor_version, service, method, code}
//     requests the executor answered; service "predictions" or "feedback"
//   seldon_api_executor_client_requests_seconds{deployment_name, predictor_name,
//       predictor_version, service, model_name, model_image, model_version, method, code}
//     the executor's calls to graph nodes; service is the component path ("/predict",
//     "/transform-input", ...); calls that got no HTTP answer are not observed (promhttp
//     observes only round trips without a transport error)
//
// Both are histograms over the executor's buckets (DefBuckets, 0.005 s .. 10 s) with `_bucket`,
// `_sum` and `_count` series; `method` is promhttp's lower-case HTTP method ("post") and
// `code` the status as digits. The executor also exports `_summary` twins (sliding-window
// quantiles); they are not simulated. Latencies are virtual time.
//
// Only `sim-run serve` records into one (RequestPathOptions::executor_metrics): scenario runs
// pay nothing for it.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "sim/kernel/time.hpp"

namespace sim::cluster {

// What an executor knows about itself: its SeldonDeployment (--sdep) and predictor.
struct ExecutorIdentity {
    std::string deployment_name;
    std::string predictor_name;
    std::string predictor_version;  // the predictor's annotation `version` (usually empty)
};

class ExecutorMetrics {
  public:
    // executor/api/metric/constants.go DefBuckets, in seconds.
    static constexpr std::array<double, 14> kBuckets{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                                     0.5,   0.75, 1,     2.5,  5,     7.5, 10};

    // The executor answered a request on its REST server: service "predictions" | "feedback".
    void server_request(const ExecutorIdentity& who, std::string_view service, int code,
                        kernel::Nanos latency);
    // The executor called graph node `model_name` (container image `image`) at `service_path`.
    void client_request(const ExecutorIdentity& who, std::string_view service_path,
                        const std::string& model_name, const std::string& image, int code,
                        kernel::Nanos latency);

    // The text exposition format (version 0.0.4), series sorted by their labels.
    std::string text() const;

    // Requests observed so far on the server side (all label sets), for tests and summaries.
    std::uint64_t server_count() const;
    std::uint64_t client_count() const;

  private:
    struct Histogram {
        std::array<std::uint64_t, kBuckets.size()> buckets{};  // not cumulative
        std::uint64_t count = 0;
        double sum_seconds = 0;
        void observe(kernel::Nanos latency);
    };
    static void render(std::string& out, const char* name, const char* help,
                       const std::map<std::string, Histogram>& series);

    std::map<std::string, Histogram> server_;  // by rendered label set
    std::map<std::string, Histogram> client_;
};

// Prometheus label value escaping: backslash, double quote and newline.
std::string prometheus_escape(std::string_view value);

}  // namespace sim::cluster
