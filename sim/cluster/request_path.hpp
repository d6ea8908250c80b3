// The request path (design.md §Requests): scenario traffic through the simulated Seldon
// cluster, as a chain of events in virtual time.
//
//   traffic source (arrivals, payload)                                  traffic_source.hpp
//   -> gateway: the SeldonDeployment's predictors by `traffic` weight (Istio VirtualService
//      semantics, controller/seldon/routing.hpp), shadow predictors get a mirrored copy whose
//      answer is counted and discarded
//   -> the predictor Service: a Ready address of its Endpoints object, picked at random as
//      kube-proxy's iptables rules do; none -> 503
//   -> the pod: the executor container (seldon-container-engine) reads the graph from its
//      ENGINE_PREDICTOR, walks it (components/executor.hpp) and calls each graph node's
//      container over localhost
//   -> each container: a FIFO queue served `concurrency` at a time, each request taking a
//      lognormal service time {median, p99} from the container's own stream (plus a `slow`
//      fault's latency), costing `cpuPerRequest` (PodUsageSink::add_cpu when a call completes;
//      add_requests once per prediction the pod answers) and answering
//      with the real component (the sentiment model really runs; pure components' answers are
//      memoised by request body, which changes no answer) or, under an `errors` fault, 500.
//
// What a client sees when something is wrong (Envoy's answers at the gateway):
//   no SeldonDeployment: 404; no Ready endpoint, the pod gone or terminating, its executor
//   container not running: 503 (connection refused); a component container not running: the
//   executor answers 500 (transport failure); a pod on a node that is down never answers: the
//   request fails with 504 at its timeout. The timeout is the SeldonDeployment's
//   `seldon.io/rest-timeout` annotation (milliseconds, as the executor and Ambassador read it),
//   else kDefaultRequestTimeout.
//
// Every request ends in exactly one response or one counted error: requests live in a slab
// with a generation per slot, the first outcome wins, and a deadline queue per timeout value
// fails whatever is still in flight at its deadline (one timer per queue, not per request).
// requests_lost counts requests still in flight past their deadline: non-zero only on a bug.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "sim/cluster/pod_usage.hpp"
#include "sim/cluster/traffic_metrics.hpp"
#include "sim/cluster/traffic_source.hpp"
#include "sim/kernel/random.hpp"
#include "sim/kernel/time.hpp"
#include "sim/kernel/trace.hpp"
#include "sim/kube/client.hpp"

namespace components::model {
struct SentimentModel;
}
namespace components {
struct HttpReply;
}

namespace sim::cluster {

class ExecutorMetrics;  // prometheus_metrics.hpp

// The traffic-source name of requests from outside (`sim-run serve`'s gateway) in the
// `traffic` and `request` trace lines and in request metrics.
inline constexpr const char* kLiveSource = "live";

// The reference project's UI gives up on the model after 30 s (httpx timeout, seldon-v1.md
// §1.5); a SeldonDeployment without seldon.io/rest-timeout waits that long.
inline constexpr kernel::Nanos kDefaultRequestTimeout = 30 * kernel::kSecond;

// How one container image serves requests (the scenario's `images:` rule plus active faults).
struct ContainerProfile {
    // Built-in component ("sentiment-model", "echo", ...); empty: the image's own behaviour
    // (SKLEARN_SERVER nodes: sklearn-server; anything else: echo).
    std::string component;
    std::string model;  // default model path or URI for model components
    kernel::Nanos service_median = 2 * kernel::kMillisecond;
    kernel::Nanos service_p99 = 10 * kernel::kMillisecond;
    kernel::Nanos cpu_per_request = 2 * kernel::kMillisecond;
    int concurrency = 1;
    kernel::Nanos add_latency = 0;  // `slow` fault
    double error_rate = 0;          // `errors` fault: probability of answering 500
};
using ContainerProfiles = std::function<ContainerProfile(const std::string& image)>;
using ModelLoader =
    std::function<std::shared_ptr<const components::model::SentimentModel>(const std::string& uri)>;

struct RequestPathOptions {
    ContainerProfiles profiles;  // empty: every image echoes with ContainerProfile defaults
    ModelLoader load_model;      // empty: model components fail to start
    PodUsageSink* usage = nullptr;
    kernel::TraceWriter* trace = nullptr;  // `traffic` lines (and `request` lines if asked)
    bool trace_requests = false;
    std::function<void(const std::string&)> note;  // one-off remarks for the trace/narration
    // The executors' Prometheus metrics (`sim-run serve`'s /metrics); null: not kept. Set it
    // before pods exist: a pod reads its executor's identity when it is built.
    ExecutorMetrics* executor_metrics = nullptr;
};

struct RequestCounts {
    std::uint64_t sent = 0, answered = 0, failed = 0;  // live requests (shadows included)
    std::uint64_t in_flight = 0;
    std::uint64_t feedback_sent = 0, feedback_answered = 0, feedback_failed = 0;
    std::uint64_t feedback_correct = 0;  // feedback sent with reward 1 (the label was right)
    std::uint64_t late_replies = 0;      // replies that came after their request had ended
};

// What the executor answers for a one-node MODEL graph given the model's reply (the request
// path's fast path for that graph; equal to GraphExecutor's answer).
components::HttpReply leaf_model_answer(components::HttpReply reply);

class RequestPath {
  public:
    RequestPath(kube::Client& client, kernel::RandomStreams& streams, RequestPathOptions options);
    RequestPath(const RequestPath&) = delete;
    RequestPath& operator=(const RequestPath&) = delete;
    ~RequestPath();

    // Starts the informers (SeldonDeployments, Endpoints, Pods) and the per-second bookkeeping,
    // which runs until `end`.
    void start(kernel::Nanos end);
    // Schedules the source's arrivals.
    void add_source(TrafficSourceSpec spec);

    void set_node_down(const std::string& node, bool down);
    // Faults began or ended: every container asks for its profile again.
    void profiles_changed();
    void set_usage_sink(PodUsageSink* sink);
    // RequestPathOptions::executor_metrics, before any pod exists.
    void set_executor_metrics(ExecutorMetrics* metrics);
    // The simulation's current virtual instant (what a live scrape of the metrics sees).
    kernel::Nanos now() const;
    // True when a routing is published for SeldonDeployment `sdep_key` ("ns/name"): the
    // gateway has somewhere to send its requests (else send_live answers 404).
    bool has_route(const std::string& sdep_key) const;
    // The named random stream of this simulation's seed (RandomStreams::get).
    kernel::Random& stream(std::string_view name);

    // A request from outside the simulation (sim-run serve's gateway, live_gateway.hpp) to
    // SeldonDeployment `sdep_key` ("ns/name"), at the current instant: split by the published
    // routing (stream gateway/live/split; shadows get a mirrored copy, stream
    // gateway/live/mirror), then the same Service, executor and containers as scenario
    // traffic. `done` gets the client's answer once, when the simulated response completes
    // (404 with an empty body when no routing is published, Envoy's 503/504 bodies, or the
    // executor's status and body). Counted in the metrics under source kLiveSource.
    using LiveDone = std::function<void(int status, std::string body)>;
    void send_live(const std::string& sdep_key, std::string body, bool feedback, LiveDone done);

    const TrafficMetrics& metrics() const;
    RequestCounts counts() const;
    // Requests in flight past their deadline (0 unless the simulator has a bug).
    std::uint64_t lost_now() const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace sim::cluster
