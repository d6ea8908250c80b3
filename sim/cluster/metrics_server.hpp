// The metrics-server (sigs.k8s.io/metrics-server v0.7), emulated: it turns what serving
// requests cost each container (PodUsageSink, fed by the request path) into
// metrics.k8s.io/v1beta1 PodMetrics, which the API server serves as an aggregated API (so the
// HPA reads them through its client, and `kubectl top pods` could), and it answers the
// per-pod custom metric `requests_per_second` for Pods and Object metrics.
//
// Sampling (documented in docs/controllers.md):
//  - Scrapes happen at every multiple of `resolution` (15 s, --metric-resolution) of virtual
//    time. A read at time t reports the last complete window [S - 15 s, S), S = the last
//    scrape at or before t: timestamp S, window 15s.
//  - CPU usage of a container = CPU time reported in that window / window length, plus an
//    idle baseline (2 millicores per running container: a Python model server's event loop
//    and health probes when idle), in nanocores like the real one ("2345678n").
//  - Memory = a fixed working set per container (64 MiB unless configured), in Ki.
//  - A pod has metrics only when it is Running, not being deleted, and every container has
//    been running since at least the window's start (two scrapes saw it), as metrics-server
//    needs two cumulative CPU points to compute a rate.
//  - requests_per_second of a pod = requests it answered in the window / window seconds.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "controller/hpa_metrics.hpp"
#include "sim/cluster/pod_usage.hpp"
#include "sim/kernel/json.hpp"
#include "sim/kernel/time.hpp"
#include "sim/kube/api_server.hpp"

namespace sim::cluster {

struct MetricsServerOptions {
    kernel::Nanos resolution = 15 * kernel::kSecond;      // a whole number of milliseconds
    std::int64_t idle_cpu_nanocores = 2'000'000;          // 2m per container
    std::int64_t working_set_bytes = 64LL * 1024 * 1024;  // per container
};

class MetricsServer final : public PodUsageSink,
                            public kube::AggregatedApi,
                            public controller::hpa::CustomMetricsSource {
  public:
    // Registers itself with `api` as the server of pods.metrics.k8s.io; unregisters on
    // destruction.
    explicit MetricsServer(kube::ApiServer& api, MetricsServerOptions options = {});
    ~MetricsServer() override;
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    // PodUsageSink (the request path).
    void add_cpu(std::string_view ns, std::string_view pod, std::string_view container,
                 kernel::Nanos cpu) override;
    void add_requests(std::string_view ns, std::string_view pod, std::uint64_t count) override;
    UsageMeter* cpu_meter(std::string_view ns, std::string_view pod,
                          std::string_view container) override;
    UsageMeter* requests_meter(std::string_view ns, std::string_view pod) override;

    // AggregatedApi: the PodMetrics of every pod with metrics in `ns` ("" = all).
    std::vector<sim::Json> objects(const std::string& ns) const override;

    // CustomMetricsSource: `requests_per_second` only.
    controller::hpa::PodMetricsAnswer pod_metric(
        const std::string& ns, const std::string& metric,
        const kube::LabelSelector& selector) const override;
    controller::hpa::ObjectMetricAnswer object_metric(const std::string& ns,
                                                      const sim::Json& described,
                                                      const std::string& metric) const override;

    const MetricsServerOptions& options() const { return options_; }

  private:
    using ContainerKey = std::tuple<std::string, std::string, std::string>;  // ns, pod, container
    using PodKey = std::pair<std::string, std::string>;                      // ns, pod
    // Amounts by window index. Only the current and the last complete windows are ever read,
    // and time never goes back, so the three latest windows are kept, each in slot index % 3.
    class Buckets final : public UsageMeter {
      public:
        explicit Buckets(const MetricsServer& server) : server_(server) {}
        void add(std::int64_t amount) override;
        std::int64_t amount(std::int64_t index) const;

      private:
        static constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::min();
        const MetricsServer& server_;
        std::int64_t latest_ = kNone;         // the latest window added to
        kernel::Nanos latest_start_ = kNone;  // where it begins (kNone: none yet)
        std::array<std::int64_t, 3> index_{kNone, kNone, kNone};
        std::array<std::int64_t, 3> amount_{};
    };

    std::int64_t window_index(kernel::Nanos t) const { return t / options_.resolution; }
    // The last complete window at the current instant: its index and end (the scrape time).
    std::int64_t last_window() const;
    std::int64_t per_second(std::int64_t amount) const;
    bool has_metrics(const sim::Json& pod, kernel::Nanos window_start) const;
    std::vector<sim::Json> pods_with_metrics(const std::string& ns) const;
    std::int64_t requests_milli_per_second(const std::string& ns, const std::string& pod,
                                           std::int64_t window) const;

    kube::ApiServer& api_;
    MetricsServerOptions options_;
    std::map<ContainerKey, Buckets> cpu_;  // CPU nanoseconds per window
    std::map<PodKey, Buckets> requests_;   // requests per window
};

}  // namespace sim::cluster
