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
//   seldon_api_executor_client_requests_seconds_summary{the client labels, quantile}
//     the same calls as a summary: quantiles 0.5, 0.75, 0.9, 0.99 and 1 (DefObjectives) over a
//     sliding window of the last 8 to 10 minutes, plus `_sum` and `_count` of all calls
//
// The histograms use the executor's buckets (DefBuckets, 0.005 s .. 10 s) with `_bucket`, `_sum`
// and `_count` series; `method` is promhttp's lower-case HTTP method ("post") and `code` the
// status as digits. The server side's `_summary` twin is registered but observed only by the
// gRPC interceptor (metric/server.go; the REST server wraps its handlers with the histogram
// alone), so a REST executor exports no server summary series, and neither does this.
// Latencies and the summary's window are virtual time.
//
// Only `sim-run serve` records into one (RequestPathOptions::executor_metrics): scenario runs
// pay nothing for it.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
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
    // The executor called graph node `model_name` (container image `image`) at `service_path`;
    // the answer came back at virtual instant `now` (the summary's window moves with it).
    void client_request(const ExecutorIdentity& who, std::string_view service_path,
                        const std::string& model_name, const std::string& image, int code,
                        kernel::Nanos latency, kernel::Nanos now);

    // The text exposition format (version 0.0.4) as scraped at virtual instant `now` (not
    // before the last observation): families sorted by name, series by their labels.
    std::string text(kernel::Nanos now) const;

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
    // client_golang's summary (prometheus/summary.go) with its defaults MaxAge 10 min and
    // AgeBuckets 5, as its Observe and Write run: calls wait in a buffer; a flush (by a call
    // made after the buffer's expiry, or by a scrape) moves that expiry past `now` on the
    // 2-minute grid from the series' first call, inserts the buffered calls into all five
    // streams and then, once per grid step passed, empties the head stream and moves the head
    // on. Quantiles come from the head stream. Here a stream is a range of call numbers and a
    // scrape flushes a copy of that small state, so scraping changes nothing later (in the real
    // one it can only matter for a call made at the very instant of a 2-minute mark, as can a
    // flush of a full 500-call buffer). The real streams are CKMS sketches within each
    // objective's error (0.5 +- 0.05 ... 0.99 +- 0.001); here the values are exact and the
    // quantile is the nearest rank, ceil(q * n).
    struct SummaryStreams {
        static constexpr std::size_t kStreams = 5;
        std::uint64_t flushed = 0;  // calls numbered below this are in the streams
        std::array<std::uint64_t, kStreams> first_call{};  // stream s: [first_call[s], flushed)
        std::size_t head = 0;
        kernel::Nanos buffer_expiry = 0;
        kernel::Nanos head_expiry = 0;
        void flush(kernel::Nanos now, std::uint64_t calls);  // `calls` made so far
    };
    struct Summary {
        SummaryStreams streams;
        std::deque<double> seconds;  // calls numbered from `first_kept` on, oldest first
        std::uint64_t first_kept = 0;
        std::uint64_t count = 0;
        double sum_seconds = 0;
        void observe(kernel::Nanos now, kernel::Nanos latency);
        double quantile(kernel::Nanos now, double q) const;  // NaN when the window is empty
    };
    static void render(std::string& out, const char* name, const char* help,
                       const std::map<std::string, Histogram>& series);
    static void render(std::string& out, const char* name, const char* help,
                       const std::map<std::string, Summary>& series, kernel::Nanos now);

    std::map<std::string, Histogram> server_;  // by rendered label set
    std::map<std::string, Histogram> client_;
    std::map<std::string, Summary> client_summary_;
    kernel::Nanos last_observed_at_ = 0;
};

// Prometheus label value escaping: backslash, double quote and newline.
std::string prometheus_escape(std::string_view value);

}  // namespace sim::cluster
