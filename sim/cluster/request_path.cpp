#include "sim/cluster/request_path.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "components/builtins.hpp"
#include "components/executor.hpp"
#include "components/protocol/message.hpp"
#include "controller/seldon/routing.hpp"
#include "sim/cluster/feedback_body.hpp"
#include "sim/cluster/prometheus_metrics.hpp"
#include "sim/cluster/service_draws.hpp"
#include "sim/kernel/det_math.hpp"
#include "sim/kernel/json.hpp"
#include "sim/kube/api_server.hpp"
#include "sim/kube/informer.hpp"

namespace sim::cluster {

using components::HttpReply;
using components::Method;
using kernel::Nanos;
using Json = sim::Json;

namespace {

constexpr const char* kEngineContainer =
    "seldon-container-engine";               // controller/seldon/objects.cpp
constexpr std::size_t kMemoLimit = 1 << 14;  // answers memoised per container, at most

// Envoy's bodies for the failures it answers itself.
constexpr const char* kNoHealthyUpstream = "no healthy upstream";
constexpr const char* kConnectionRefused =
    "upstream connect error or disconnect/reset before headers. reset reason: connection failure";
constexpr const char* kUpstreamTimeout = "upstream request timeout";

std::string base64_decode(std::string_view text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (const char c : text) {
        const int v = value(c);
        if (v < 0) continue;  // padding
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

const Json& field(const Json& j, const char* key) {
    static const Json kNull;
    if (!j.is_object()) return kNull;
    const auto it = j.find(key);
    return it == j.end() ? kNull : *it;
}

std::string text_of(const Json& j, const char* key) {
    const Json& v = field(j, key);
    return v.is_string() ? v.get<std::string>() : std::string();
}

// seldon.io/rest-timeout (milliseconds) from the SeldonDeployment's annotations.
Nanos timeout_of(const Json& sdep) {
    for (const Json* annotations : {&field(field(sdep, "metadata"), "annotations"),
                                    &field(field(sdep, "spec"), "annotations")}) {
        const std::string ms = text_of(*annotations, "seldon.io/rest-timeout");
        if (ms.empty()) continue;
        try {
            const long long v = std::stoll(ms);
            if (v > 0) return v * kernel::kMillisecond;
        } catch (const std::exception&) {
        }
    }
    return kDefaultRequestTimeout;
}

// The modelUri of every graph node, by node name (PredictiveUnit does not carry it).
void model_uris(const Json& unit, std::map<std::string, std::string>& out) {
    const std::string uri = text_of(unit, "modelUri");
    if (!uri.empty()) out[text_of(unit, "name")] = uri;
    for (const Json& child :
         field(unit, "children").is_array() ? field(unit, "children") : Json::array()) {
        model_uris(child, out);
    }
}

bool has_router(const components::PredictiveUnit& unit) {
    if (unit.type == "ROUTER") return true;
    return std::any_of(unit.children.begin(), unit.children.end(), has_router);
}

// Answers of a pure component by request body, one table per method; shared by every
// container that runs the same image, component, model and parameters (the answer is a function
// of those and the body alone). Lookups take the body as a string_view: no key is built.
struct BodyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
struct Memo {
    std::array<std::unordered_map<std::string, HttpReply, BodyHash, std::equal_to<>>, 6> by_method;
    // The fast path's final answers (leaf_model_answer applied) by payload: the request body
    // a traffic source rendered for one of its texts reaches the model unchanged, so its
    // (source, text) names it without hashing the body.
    // Indexed [source][text], flat (a node-based map costs a cache miss per lookup); status -1
    // marks an empty entry.
    std::vector<std::vector<HttpReply>> by_payload;
    std::size_t size = 0;
};

bool is_leaf_model(const components::PredictiveUnit& unit) {
    return unit.type == "MODEL" && unit.children.empty() && unit.methods.empty();
}

bool is_pure(const std::string& component) {
    return component == "sentiment-model" || component == "sklearn-server" || component == "echo";
}

}  // namespace

// ---- implementation ----------------------------------------------------------------------

HttpReply leaf_model_answer(HttpReply reply) {
    // executor.cpp: a failed call becomes the executor's error (transport failures: 500 with
    // its error body); every final body goes through json.HTMLEscape.
    if (reply.status == components::kTransportFailure)
        reply = {500, components::protocol::executor_error_body(reply.body)};
    reply.body = components::html_escape_json(reply.body);
    return reply;
}

struct Ticket {
    std::uint32_t slot = 0;
    std::uint32_t gen = 0;
};

class PodServer;

// A request body a traffic source rendered up front: its key (1 + (source << 32 | text)) and the
// text itself, which outlives the request, so the fast path never copies it.
struct PayloadRef {
    std::uint64_t key = 0;  // 0: not a rendered payload
    const std::string* body = nullptr;
    bool need_body = true;  // the caller reads the answer's body (feedback)
};

struct RequestPath::Impl {
    struct Ready;
    struct Route {
        std::string predictor;
        std::string endpoints_key;  // "ns/service"
        int weight = 0;
        bool shadow = false;
        int mirror = 0;
        // endpoints[endpoints_key] (null: none) as of endpoints_generation `ready_for`.
        mutable Ready* ready = nullptr;
        mutable std::uint64_t ready_for = 0;
    };
    struct Sdep {
        std::vector<Route> routes;
        int weight_sum = 0;
        Nanos timeout = kDefaultRequestTimeout;
        std::uint64_t generation = 0;
    };
    struct Source {
        TrafficSourceSpec spec;
        std::string sdep_key;
        std::vector<std::string> bodies;
        std::vector<std::uint32_t> order;  // payload indices, shuffled once
        std::size_t cursor = 0;
        std::unique_ptr<ArrivalProcess> arrivals;
        kernel::Random* split = nullptr;
        kernel::Random* mirror = nullptr;
        // Series ids by route index, for the Sdep generation they were made for.
        std::uint64_t series_generation = ~std::uint64_t{0};
        std::vector<TrafficMetrics::SeriesId> live_series, shadow_series;
        TrafficMetrics::SeriesId no_predictor = 0;
        bool has_no_predictor = false;
        // sdeps[sdep_key] (null: none) as of sdep_generation `sdep_for`.
        const Sdep* sdep = nullptr;
        std::uint64_t sdep_for = ~std::uint64_t{0};
    };
    // Where one request goes: Envoy's weighted clusters pick one live predictor (the source's
    // split stream), then Istio's mirror copies it to each shadow predictor with its mirror
    // percentage (the mirror stream). Calls dispatch(route index, shadow) in that order.
    template <typename Dispatch>
    static void route_request(Source& src, const Sdep& sdep, Dispatch&& dispatch) {
        auto pick = static_cast<int>(src.split->below(static_cast<std::uint64_t>(sdep.weight_sum)));
        for (std::size_t i = 0; i < sdep.routes.size(); ++i) {
            const Route& r = sdep.routes[i];
            if (r.shadow || r.weight <= 0) continue;
            if (pick < r.weight) {
                dispatch(i, false);
                break;
            }
            pick -= r.weight;
        }
        for (std::size_t i = 0; i < sdep.routes.size(); ++i) {
            const Route& r = sdep.routes[i];
            if (!r.shadow) continue;
            if (r.mirror >= 100 || src.mirror->below(100) < static_cast<std::uint64_t>(r.mirror))
                dispatch(i, true);
        }
    }
    struct Request {
        std::uint32_t gen = 0;
        bool live = false;
        bool feedback = false;
        bool shadow = false;
        std::uint32_t source = 0;
        std::uint32_t text = 0;
        TrafficMetrics::SeriesId series = 0;
        Nanos start = 0;
        Nanos deadline = 0;
        std::uint64_t id = 0;
        std::string sdep_key, predictor;  // for feedback
    };
    struct Deadlines {
        std::deque<std::pair<Nanos, Ticket>> queue;  // deadlines increase along the queue
        bool armed = false;
    };

    Impl(kube::Client& c, kernel::RandomStreams& s, RequestPathOptions o)
        : client(c), streams(s), options(std::move(o)), lb(&s.get("kube-proxy")) {}
    ~Impl();

    kernel::EventLoop& loop() { return client.loop(); }
    void start(Nanos end);
    void tick(Nanos end);
    void add_source(TrafficSourceSpec spec);
    void schedule_arrival(std::uint32_t source, Nanos after);
    void arrive(std::uint32_t source);
    void refresh_series(Source& src, const Sdep& sdep);
    void dispatch(std::uint32_t source, const Sdep& sdep, std::size_t route_index, bool shadow,
                  std::uint32_t text, TrafficMetrics::SeriesId series);
    Ticket open(std::uint32_t source, std::uint32_t text, TrafficMetrics::SeriesId series,
                bool shadow, bool feedback, Nanos timeout);
    void deliver(Ticket t, const std::string& endpoints_key, std::string body, bool feedback,
                 PayloadRef payload = {});
    void deliver_to(Ticket t, Ready* ready, std::string body, bool feedback, PayloadRef payload);
    Ready* ready_of(const Route& route);
    const Sdep* sdep_of(Source& src);
    void finish(Ticket t, int status, const std::string& body);
    void answered(Ticket t, const HttpReply& reply);  // what the pod answered a request
    void send_feedback(const Request& r, const std::string& response_body);
    void arm(Nanos timeout, Deadlines& d);
    void expire(Nanos timeout);

    void on_sdep(const Json& sdep);
    void on_endpoints(const Json& endpoints);
    void on_pod(const Json& pod);
    void on_pod_deleted(const Json& pod);

    kube::Client& client;
    kernel::RandomStreams& streams;
    RequestPathOptions options;
    kernel::Random* lb;
    TrafficMetrics metrics;
    RequestCounts counts;
    std::deque<Source> sources;  // stable addresses: ArrivalProcess and requests point into them
    std::vector<Request> requests;
    std::vector<std::uint32_t> free_slots;
    std::uint64_t next_id = 0;
    std::map<Nanos, Deadlines> deadlines;  // by timeout; never erased, so pointers stay valid
    // deadlines[timeout] for the timeout last asked for (nearly every request has the same).
    Deadlines& deadlines_for(Nanos timeout) {
        if (timeout != last_timeout || !last_deadlines) {
            last_deadlines = &deadlines[timeout];
            last_timeout = timeout;
        }
        return *last_deadlines;
    }
    Deadlines* last_deadlines = nullptr;
    Nanos last_timeout = 0;
    std::map<std::string, Sdep> sdeps;  // "ns/name"
    // A Service's Ready pods ("ns/name"), and those pods' servers resolved for pods_generation.
    struct Ready {
        std::vector<std::string> keys;
        std::vector<PodServer*> servers;
        std::uint64_t resolved_for = 0;
    };
    std::map<std::string, Ready> endpoints;                  // "ns/svc"
    std::uint64_t endpoints_generation = 1;                  // bumped whenever `endpoints` changes
    std::uint64_t pods_generation = 1;                       // bumped whenever `pods` changes
    std::map<std::string, std::unique_ptr<PodServer>> pods;  // "ns/name"
    std::vector<std::unique_ptr<PodServer>> retired;         // replaced or deleted
    std::set<std::string> down_nodes;
    std::uint64_t sdep_generation = 0;
    std::unique_ptr<kube::Informer> sdep_informer, endpoints_informer, pod_informer;
    std::set<std::string> noted;
    std::map<std::string, std::shared_ptr<Memo>> memos;  // by image, component, model, parameters
    std::uint64_t usage_epoch = 0;   // bumped by set_usage_sink (CachedUsageMeter)
    FeedbackBodies feedback_bodies;  // send_feedback's parsed bodies, by body
    std::map<std::string, ServiceDraws> service_draws;  // by service-time stream name

    // ---- requests from outside (send_live) and hops between pods (call_remote) ----
    std::uint32_t live_source();
    void send_live(const std::string& sdep_key, std::string body, bool feedback,
                   RequestPath::LiveDone done);
    void dispatch_live(std::uint32_t source, const Sdep& sdep, std::size_t route_index, bool shadow,
                       std::string body, bool feedback, RequestPath::LiveDone done);
    void answer_live(std::uint64_t id, int status, const std::string& body);
    void call_remote(const std::string& endpoints_key, const components::PredictiveUnit& node,
                     const std::string& model_uri, Method method, std::string body,
                     std::function<void(HttpReply)> done);
    std::uint32_t live_index = ~std::uint32_t{0};  // the kLiveSource entry of `sources`
    std::map<std::uint64_t, RequestPath::LiveDone> live_waiters;  // by request id
    kernel::Random* hop_lb = nullptr;  // kube-proxy's pick for executor -> node Service hops
};

// One pod's processes: the executor and a queue per container.
class PodServer final : public components::ComponentCaller {
  public:
    PodServer(RequestPath::Impl& path, const Json& pod);
    ~PodServer() override = default;

    const std::string& uid() const { return uid_; }
    const std::string& node() const { return node_; }
    bool accepts() const { return !gone_ && !terminating_ && engine_running(); }
    bool unreachable() const { return unreachable_; }
    void set_unreachable(bool u) { unreachable_ = u; }
    void update(const Json& pod);
    void gone();  // deleted: every request in it fails
    void refresh_profiles();

    // A request (or feedback) arrives at the executor's port.
    // `payload` names a rendered body (then `body` may be empty).
    void serve(std::string body, bool feedback, components::GraphExecutor::Done done,
               PayloadRef payload = {});
    // The fast path's prediction for request `t` (has_fast_path()): the same hops as serve's,
    // with the hop state in the job and the answer going to RequestPath::Impl::answered, so no
    // callback is built per request.
    bool has_fast_path() const { return leaf_model_ >= 0; }
    void serve_fast(Ticket t, std::string body, PayloadRef payload);
    void call(const components::PredictiveUnit& node, Method method, std::string body,
              std::function<void(HttpReply)> done) override;
    // A call from another pod's executor to this pod's container `node.name`, which builds
    // its component from `node` and `model_uri` on the first call when this pod has no
    // executor to read the graph from.
    void call_container(const components::PredictiveUnit& node, const std::string& model_uri,
                        Method method, std::string body, std::function<void(HttpReply)> done);
    // Takes connections: neither deleted nor terminating (an executor is not needed).
    bool reachable() const { return !gone_ && !terminating_; }

  private:
    struct Job {
        Method method = Method::kPredict;
        std::string body;
        std::function<void(HttpReply)> done;
        std::uint64_t payload = 0;                 // fast path: 1 + (source << 32 | text); 0: none
        bool final = false;                        // fast path: answer as the executor would
        const std::string* source_body = nullptr;  // fast path: the body, when `body` is empty
        bool need_body = true;                     // fast path: the caller reads the body
        // Where the answer goes: `done`, or (serve_fast) on to the leaf model, then to the path.
        enum class Hop : std::uint8_t { kCallback, kFastEngine, kFastLeaf } hop = Hop::kCallback;
        Ticket ticket{};  // serve_fast's request
    };
    struct Container {
        std::string name, image;
        ContainerProfile profile;
        std::unique_ptr<components::ComponentServer> server;
        std::string start_error;  // why the component could not be built
        std::string component;
        std::shared_ptr<Memo> memo;  // set for pure components
        int busy = 0;
        std::deque<Job> waiting;
        std::vector<std::pair<std::uint64_t, Job>> serving;  // slots: (job id or 0, job)
        std::vector<std::uint32_t> free_serving;
        bool running = false;
        std::uint64_t epoch = 0;
        kernel::Random* service_random = nullptr;
        ServiceDraws* service_draws = nullptr;  // service_random's draws, a block ahead
        double service_sigma = 0;               // the lognormal's sigma for profile's {median, p99}
        kernel::Random* error_random = nullptr;
        kernel::Random* router_random = nullptr;
        CachedUsageMeter cpu_usage;  // the usage sink's meter for this container's CPU
    };

    bool engine_running() const { return engine_ >= 0 && containers_[engine_].running; }
    void build_components(const Json& pod);
    void build_component(Container& c, const components::PredictiveUnit& node,
                         const std::string& model_uri);
    void read_remote_nodes(const Json& predictor, const Json& pod);
    // Executor metrics (options.executor_metrics): `done` wrapped to observe the answer.
    std::function<void(HttpReply)> observe_server(bool feedback,
                                                  std::function<void(HttpReply)> done);
    std::function<void(HttpReply)> observe_client(Method method, const std::string& node,
                                                  std::function<void(HttpReply)> done);
    // By reference: a job is moved once into its container's slot, not once per call.
    void enqueue(std::size_t index, Job&& job);
    void begin(std::size_t index, Job&& job);
    void complete(std::size_t index, std::uint32_t slot, std::uint64_t job, std::uint64_t epoch);
    HttpReply answer(std::size_t index, Job& job);
    HttpReply component_answer(Container& c, Job& job);
    void reset(std::size_t index, const char* why);
    Nanos service_time(Container& c);
    void reply(Job& job, HttpReply r);  // job.done(r), or the serve_fast hop's next step
    void count_answered();  // the pod answered a prediction (PodUsageSink::add_requests)

    RequestPath::Impl& path_;
    std::string ns_, name_, uid_, node_;
    bool terminating_ = false;
    bool gone_ = false;
    bool unreachable_ = false;
    std::vector<Container> containers_;
    int engine_ = -1;
    int leaf_model_ = -1;  // the container of a one-node MODEL graph (the fast path), or -1
    std::unique_ptr<components::GraphExecutor> executor_;
    std::map<std::string, std::string> model_uris_;
    std::uint64_t next_job_ = 1;
    CachedUsageMeter requests_usage_;  // the usage sink's meter for this pod's requests
    // Graph nodes in other componentSpecs: their Service's Endpoints key ("ns/svc"), from
    // endpoint.service_host in ENGINE_PREDICTOR.
    std::map<std::string, std::string> remote_services_;
    ExecutorIdentity identity_;                       // with executor metrics only
    std::map<std::string, std::string> node_images_;  // node -> image, with executor metrics only
};

// ---- PodServer ------------------------------------------------------------------------------

PodServer::PodServer(RequestPath::Impl& path, const Json& pod) : path_(path) {
    const Json& meta = field(pod, "metadata");
    ns_ = text_of(meta, "namespace");
    name_ = text_of(meta, "name");
    uid_ = text_of(meta, "uid");
    for (const Json& c : field(field(pod, "spec"), "containers")) {
        Container container;
        container.name = text_of(c, "name");
        container.image = text_of(c, "image");
        const std::string prefix = ns_ + "/" + name_ + "/" + container.name;
        container.service_random = &path_.streams.get("service/" + prefix);
        container.service_draws =
            &path_.service_draws.try_emplace("service/" + prefix, *container.service_random)
                 .first->second;
        container.error_random = &path_.streams.get("faults/errors/" + prefix);
        container.router_random = &path_.streams.get("router/" + prefix);
        if (container.name == kEngineContainer) engine_ = static_cast<int>(containers_.size());
        containers_.push_back(std::move(container));
    }
    refresh_profiles();
    build_components(pod);
    update(pod);
}

void PodServer::refresh_profiles() {
    for (Container& c : containers_) {
        c.profile = path_.options.profiles ? path_.options.profiles(c.image) : ContainerProfile{};
        c.profile.concurrency = std::max(1, c.profile.concurrency);
        // As Random::lognormal_median_p99 computes it, once instead of on every draw.
        constexpr double kZ99 = 2.3263478740408408;  // standard normal quantile at 0.99
        c.service_sigma =
            c.profile.service_median > 0 && c.profile.service_p99 > c.profile.service_median
                ? kernel::det_log(static_cast<double>(c.profile.service_p99) /
                                  static_cast<double>(c.profile.service_median)) /
                      kZ99
                : 0;
    }
}

void PodServer::build_components(const Json& pod) {
    if (engine_ < 0) return;
    std::string predictor_text;
    for (const Json& e :
         field(field(field(pod, "spec"), "containers")[static_cast<std::size_t>(engine_)], "env")) {
        if (text_of(e, "name") == "ENGINE_PREDICTOR") predictor_text = text_of(e, "value");
    }
    components::PredictiveUnit graph;
    try {
        const Json predictor = Json::parse(base64_decode(predictor_text));
        graph = components::graph_from_json(field(predictor, "graph"));
        model_uris(field(predictor, "graph"), model_uris_);
        read_remote_nodes(predictor, pod);
    } catch (const std::exception& e) {
        if (path_.options.note) {
            path_.options.note("pod " + ns_ + "/" + name_ +
                               ": the executor cannot read ENGINE_PREDICTOR: " + e.what());
        }
        engine_ = -1;
        return;
    }
    const auto nodes = components::graph_nodes(graph);
    for (Container& c : containers_) {
        if (c.name == kEngineContainer) continue;
        const auto node = std::find_if(nodes.begin(), nodes.end(),
                                       [&](const auto* n) { return n->name == c.name; });
        if (node == nodes.end()) continue;
        const auto uri = model_uris_.find(c.name);
        build_component(c, **node, uri != model_uris_.end() ? uri->second : std::string());
    }
    if (is_leaf_model(graph)) {
        for (std::size_t i = 0; i < containers_.size(); ++i)
            if (containers_[i].name == graph.name) leaf_model_ = static_cast<int>(i);
    }
    components::ExecutorOptions options;
    // Bandit routers learn only from feedback that carries meta.routing, so a graph with a
    // router runs as if SELDON_ENABLE_ROUTING_INJECTION were set (docs/scenarios.md).
    options.inject_routing = has_router(graph);
    executor_ = std::make_unique<components::GraphExecutor>(
        std::move(graph), *this, &path_.streams.get("abtest/" + ns_ + "/" + name_), options);
}

void PodServer::build_component(Container& c, const components::PredictiveUnit& node,
                                const std::string& model_uri) {
    c.component = c.profile.component;
    if (c.component.empty())
        c.component = node.implementation == "SKLEARN_SERVER" ? "sklearn-server" : "echo";
    components::ComponentContext context;
    context.random = c.router_random;
    context.load_model = path_.options.load_model;
    context.default_model_uri = model_uri.empty() ? c.profile.model : model_uri;
    try {
        c.server = std::make_unique<components::ComponentServer>(
            c.name, c.image,
            components::make_builtin_component(c.component, components::Parameters(node.parameters),
                                               context));
        if (is_pure(c.component)) {
            std::string key =
                c.image + "\n" + c.name + "\n" + c.component + "\n" + context.default_model_uri;
            for (const auto& p : node.parameters)
                key += "\n" + p.name + "=" + p.type + ":" + p.value;
            auto& memo = path_.memos[key];
            if (!memo) memo = std::make_shared<Memo>();
            c.memo = memo;
        }
    } catch (const std::exception& e) {
        c.start_error = e.what();
        if (path_.options.note && path_.noted.insert(c.image + "/" + c.name).second) {
            path_.options.note("component " + c.name + " (" + c.image +
                               ") cannot start: " + e.what() + "; it answers 500");
        }
    }
}

namespace {
// Every graph node's endpoint.service_host, by node name.
void service_hosts(const Json& unit, std::map<std::string, std::string>& out) {
    const std::string host = text_of(field(unit, "endpoint"), "service_host");
    if (!host.empty()) out[text_of(unit, "name")] = host;
    for (const Json& child :
         field(unit, "children").is_array() ? field(unit, "children") : Json::array()) {
        service_hosts(child, out);
    }
}
}  // namespace

// The operator gives a node outside the executor's componentSpec the service_host
// <sdep>-<predictor>-<node>.<ns>.svc.cluster.local (controller/seldon/defaults.cpp); the
// executor dials that Service. With executor metrics on, also who this executor is
// (its --sdep argument, predictor name and `version` annotation) and each node's image, as
// metric/client.go finds it (GetContainerForPredictiveUnit: the container named like the node).
void PodServer::read_remote_nodes(const Json& predictor, const Json& pod) {
    std::map<std::string, std::string> hosts;
    service_hosts(field(predictor, "graph"), hosts);
    for (const auto& [node, host] : hosts) {
        if (host == "localhost") continue;
        const std::size_t dot = host.find('.');
        const std::string service = host.substr(0, dot);
        std::string ns = ns_;
        if (dot != std::string::npos) {
            const std::size_t next = host.find('.', dot + 1);
            ns = host.substr(dot + 1,
                             next == std::string::npos ? std::string::npos : next - dot - 1);
        }
        remote_services_[node] = ns + "/" + service;
    }
    if (!path_.options.executor_metrics) return;
    identity_.predictor_name = text_of(predictor, "name");
    identity_.predictor_version = text_of(field(predictor, "annotations"), "version");
    const Json& engine = field(field(pod, "spec"), "containers")[static_cast<std::size_t>(engine_)];
    const Json& args = field(engine, "args");
    for (std::size_t i = 0; args.is_array() && i + 1 < args.size(); ++i) {
        if (args[i].is_string() && args[i] == "--sdep" && args[i + 1].is_string())
            identity_.deployment_name = args[i + 1].get<std::string>();
    }
    if (identity_.deployment_name.empty()) {
        identity_.deployment_name =
            text_of(field(field(pod, "metadata"), "labels"), "seldon-deployment-id");
    }
    for (const Json& spec : field(predictor, "componentSpecs")) {
        for (const Json& c : field(field(spec, "spec"), "containers")) {
            const std::string name = text_of(c, "name");
            if (!node_images_.contains(name)) node_images_[name] = text_of(c, "image");
        }
    }
    for (const Container& c : containers_)
        if (!node_images_.contains(c.name)) node_images_[c.name] = c.image;
}

std::function<void(HttpReply)> PodServer::observe_server(bool feedback,
                                                         std::function<void(HttpReply)> done) {
    return [this, feedback, start = path_.loop().now(),
            done = std::move(done)](HttpReply reply) mutable {
        // Status 0: the executor never answered (connection refused, reset): nothing observed.
        if (reply.status != components::kTransportFailure) {
            path_.options.executor_metrics->server_request(
                identity_, feedback ? "feedback" : "predictions", reply.status,
                path_.loop().now() - start);
        }
        done(std::move(reply));
    };
}

std::function<void(HttpReply)> PodServer::observe_client(Method method, const std::string& node,
                                                         std::function<void(HttpReply)> done) {
    return [this, method, node, start = path_.loop().now(),
            done = std::move(done)](HttpReply reply) mutable {
        // promhttp observes only round trips that got an HTTP answer.
        if (reply.status != components::kTransportFailure) {
            const auto image = node_images_.find(node);
            path_.options.executor_metrics->client_request(
                identity_, components::method_path(method), node,
                image == node_images_.end() ? std::string() : image->second, reply.status,
                path_.loop().now() - start, path_.loop().now());
        }
        done(std::move(reply));
    };
}

void PodServer::update(const Json& pod) {
    node_ = text_of(field(pod, "spec"), "nodeName");
    unreachable_ = path_.down_nodes.contains(node_);
    terminating_ = field(field(pod, "metadata"), "deletionTimestamp").is_string();
    std::map<std::string, bool> running;
    for (const Json& s : field(field(pod, "status"), "containerStatuses")) {
        running[text_of(s, "name")] = field(field(s, "state"), "running").is_object();
    }
    for (std::size_t i = 0; i < containers_.size(); ++i) {
        const auto it = running.find(containers_[i].name);
        const bool now_running = it != running.end() && it->second;
        // Not running before the reset: a failed call's handler may try the container again.
        const bool died = containers_[i].running && !now_running;
        containers_[i].running = now_running;
        if (died) reset(i, "connection reset by peer");
    }
}

void PodServer::gone() {
    gone_ = true;
    for (std::size_t i = 0; i < containers_.size(); ++i) {
        const bool died = containers_[i].running;
        containers_[i].running = false;
        if (died) reset(i, "connection reset by peer");
    }
}

// The container's process died: its connections reset, queued requests fail.
void PodServer::reset(std::size_t index, const char* why) {
    Container& c = containers_[index];
    ++c.epoch;
    c.busy = 0;
    std::vector<Job> failed;
    for (auto& [id, job] : c.serving)
        if (id) failed.push_back(std::move(job));
    c.free_serving.clear();
    for (Job& job : c.waiting)
        failed.push_back(std::move(job));
    c.serving.clear();
    c.waiting.clear();
    if (unreachable_) return;  // nobody hears the reset from a node that is down
    for (Job& job : failed)
        reply(job, {components::kTransportFailure, why});
}

void PodServer::serve(std::string body, bool feedback, components::GraphExecutor::Done done,
                      PayloadRef payload) {
    if (path_.options.executor_metrics) done = observe_server(feedback, std::move(done));
    Job job;
    job.method = Method::kPredict;
    job.body = std::move(body);
    const bool fast = leaf_model_ >= 0 && !feedback;
    if (!fast && job.body.empty() && payload.body) job.body = *payload.body;
    if (fast) {
        // The executor's walk of a one-node MODEL graph, without its bookkeeping: one /predict
        // call, then leaf_model_answer (tested against GraphExecutor in request_path_test).
        job.done = [this, payload, done = std::move(done)](HttpReply r) mutable {
            if (r.status != 200) {
                done(std::move(r));
                return;
            }
            // The leaf job's answer is already the executor's (answer() applies
            // leaf_model_answer when `final` is set).
            Job leaf{Method::kPredict, std::move(r.body), std::move(done), payload.key};
            leaf.final = true;
            leaf.source_body = payload.body;
            leaf.need_body = payload.need_body;
            if (path_.options.executor_metrics) {
                leaf.done = observe_client(Method::kPredict, containers_[leaf_model_].name,
                                           std::move(leaf.done));
            }
            enqueue(static_cast<std::size_t>(leaf_model_), std::move(leaf));
        };
        enqueue(static_cast<std::size_t>(engine_), std::move(job));
        return;
    }
    job.done = [this, feedback, done = std::move(done)](HttpReply r) mutable {
        if (r.status != 200 || !executor_) {
            done(std::move(r));
            return;
        }
        if (feedback)
            executor_->feedback(std::move(r.body), std::move(done));
        else
            executor_->predict(std::move(r.body),
                               [this, done = std::move(done)](HttpReply reply) mutable {
                                   if (!unreachable_) count_answered();
                                   done(std::move(reply));
                               });
    };
    enqueue(static_cast<std::size_t>(engine_), std::move(job));
}

void PodServer::call(const components::PredictiveUnit& node, Method method, std::string body,
                     std::function<void(HttpReply)> done) {
    if (path_.options.executor_metrics) done = observe_client(method, node.name, std::move(done));
    // A node in another componentSpec runs in that componentSpec's pods, behind its Service.
    if (const auto remote = remote_services_.find(node.name); remote != remote_services_.end()) {
        const auto uri = model_uris_.find(node.name);
        path_.call_remote(remote->second, node,
                          uri != model_uris_.end() ? uri->second : std::string(), method,
                          std::move(body), std::move(done));
        return;
    }
    for (std::size_t i = 0; i < containers_.size(); ++i) {
        if (containers_[i].name != node.name) continue;
        enqueue(i, Job{method, std::move(body), std::move(done)});
        return;
    }
    done({components::kTransportFailure,
          "node " + node.name + " is not a container of this pod and has no service_host"});
}

void PodServer::call_container(const components::PredictiveUnit& node, const std::string& model_uri,
                               Method method, std::string body,
                               std::function<void(HttpReply)> done) {
    for (std::size_t i = 0; i < containers_.size(); ++i) {
        Container& c = containers_[i];
        if (c.name != node.name) continue;
        if (!c.server && c.start_error.empty()) build_component(c, node, model_uri);
        enqueue(i, Job{method, std::move(body), std::move(done)});
        return;
    }
    // The Service selected a pod without that container: nothing listens on the port.
    done({components::kTransportFailure, "dial tcp: connection refused"});
}

void PodServer::enqueue(std::size_t index, Job&& job) {
    Container& c = containers_[index];
    if (!c.running) {
        reply(job, {components::kTransportFailure, "dial tcp: connection refused"});
        return;
    }
    if (c.busy < c.profile.concurrency) {
        begin(index, std::move(job));
        return;
    }
    c.waiting.push_back(std::move(job));
}

Nanos PodServer::service_time(Container& c) {
    const ContainerProfile& p = c.profile;
    Nanos t = p.service_median;
    if (p.service_median > 0 && p.service_p99 > p.service_median) {
        // Random::lognormal_median_p99 with its sigma precomputed (the same arithmetic).
        t = static_cast<Nanos>(static_cast<double>(p.service_median) *
                               c.service_draws->next_multiplier(c.service_sigma));
    }
    return std::max<Nanos>(0, t) + p.add_latency;
}

void PodServer::begin(std::size_t index, Job&& job) {
    Container& c = containers_[index];
    ++c.busy;
    const std::uint64_t id = next_job_++;
    std::uint32_t slot;
    if (!c.free_serving.empty()) {
        slot = c.free_serving.back();
        c.free_serving.pop_back();
        c.serving[slot].first = id;
        c.serving[slot].second = std::move(job);
    } else {
        slot = static_cast<std::uint32_t>(c.serving.size());
        c.serving.emplace_back(id, std::move(job));
    }
    const std::uint64_t epoch = c.epoch;
    path_.loop().schedule_after(
        service_time(c), [this, index, slot, id, epoch] { complete(index, slot, id, epoch); });
}

HttpReply PodServer::answer(std::size_t index, Job& job) {
    Container& c = containers_[index];
    if (static_cast<int>(index) == engine_) return {200, std::move(job.body)};
    if (!job.final) return component_answer(c, job);
    if (!job.payload || !c.memo || c.profile.error_rate > 0)
        return leaf_model_answer(component_answer(c, job));
    const std::uint64_t source = (job.payload - 1) >> 32;
    const std::uint64_t text = (job.payload - 1) & 0xFFFF'FFFFu;
    auto& by_source = c.memo->by_payload;
    if (source >= by_source.size()) by_source.resize(source + 1);
    auto& table = by_source[source];
    if (text >= table.size()) table.resize(text + 1, HttpReply{-1, {}});
    HttpReply& memo = table[text];
    if (memo.status != -1) {
        if (!job.need_body) return {memo.status, {}};
        return memo;
    }
    HttpReply reply = leaf_model_answer(component_answer(c, job));
    memo = reply;
    return reply;
}

HttpReply PodServer::component_answer(Container& c, Job& job) {
    if (c.profile.error_rate > 0 && c.error_random->bernoulli(c.profile.error_rate)) {
        return {500, components::protocol::wrapper_error_body(
                         "injected fault: errors", components::protocol::kInternalError)};
    }
    if (!c.server) {
        return {500, components::protocol::wrapper_error_body(
                         c.start_error.empty() ? "no component" : c.start_error,
                         components::protocol::kInternalError)};
    }
    const std::string& body = job.source_body && job.body.empty() ? *job.source_body : job.body;
    if (!c.memo) return c.server->handle(job.method, body);
    auto& table = c.memo->by_method[static_cast<std::size_t>(job.method) % 6];
    if (const auto it = table.find(std::string_view(body)); it != table.end()) return it->second;
    HttpReply reply = c.server->handle(job.method, body);
    if (c.memo->size < kMemoLimit) {
        ++c.memo->size;
        table.emplace(std::string(body), reply);
    }
    return reply;
}

void PodServer::complete(std::size_t index, std::uint32_t slot, std::uint64_t id,
                         std::uint64_t epoch) {
    Container& c = containers_[index];
    if (c.epoch != epoch) return;  // the process died meanwhile; reset() failed the job
    if (slot >= c.serving.size() || c.serving[slot].first != id) return;
    Job job = std::move(c.serving[slot].second);
    c.serving[slot].first = 0;
    c.free_serving.push_back(slot);
    --c.busy;
    if (!c.waiting.empty() && c.busy < c.profile.concurrency) {
        Job next = std::move(c.waiting.front());
        c.waiting.pop_front();
        begin(index, std::move(next));
    }
    if (path_.options.usage && c.profile.cpu_per_request > 0) {
        c.cpu_usage.add_cpu(*path_.options.usage, path_.usage_epoch, ns_, name_, c.name,
                            c.profile.cpu_per_request);
    }
    if (unreachable_) return;  // the answer never leaves a node that is down
    HttpReply reply = answer(index, job);
    // The pod answers a prediction (the fast path's last hop; the executor path counts in serve).
    if (job.final) count_answered();
    this->reply(job, std::move(reply));
}

void PodServer::serve_fast(Ticket t, std::string body, PayloadRef payload) {
    Job job;
    job.method = Method::kPredict;
    job.body = std::move(body);
    job.payload = payload.key;
    job.source_body = payload.body;
    job.need_body = payload.need_body;
    job.hop = Job::Hop::kFastEngine;
    job.ticket = t;
    enqueue(static_cast<std::size_t>(engine_), std::move(job));
}

// serve's fast-path callback, step by step: the executor's answer goes on to the leaf model
// (whose answer() applies leaf_model_answer as `final` is set), the leaf's to the path.
void PodServer::reply(Job& job, HttpReply r) {
    switch (job.hop) {
        case Job::Hop::kCallback:
            job.done(std::move(r));
            return;
        case Job::Hop::kFastEngine:
            if (r.status != 200) {
                path_.answered(job.ticket, r);
                return;
            }
            job.body = std::move(r.body);
            job.final = true;
            job.hop = Job::Hop::kFastLeaf;
            enqueue(static_cast<std::size_t>(leaf_model_), std::move(job));
            return;
        case Job::Hop::kFastLeaf:
            path_.answered(job.ticket, r);
            return;
    }
}

void PodServer::count_answered() {
    if (path_.options.usage)
        requests_usage_.add_requests(*path_.options.usage, path_.usage_epoch, ns_, name_, 1);
}

// ---- RequestPath::Impl ----------------------------------------------------------------------

RequestPath::Impl::~Impl() {
    // Informers first: their handlers point here.
    sdep_informer.reset();
    endpoints_informer.reset();
    pod_informer.reset();
}

void RequestPath::Impl::start(Nanos end) {
    sdep_informer = std::make_unique<kube::Informer>(client, kube::refs::kSeldonDeployments);
    sdep_informer->add_handlers(
        {[this](const Json& o) { on_sdep(o); }, [this](const Json&, const Json& o) { on_sdep(o); },
         [this](const Json& o) {
             const Json& m = field(o, "metadata");
             sdeps.erase(text_of(m, "namespace") + "/" + text_of(m, "name"));
             ++sdep_generation;
         }});
    endpoints_informer = std::make_unique<kube::Informer>(client, kube::refs::kEndpoints);
    endpoints_informer->add_handlers({[this](const Json& o) { on_endpoints(o); },
                                      [this](const Json&, const Json& o) { on_endpoints(o); },
                                      [this](const Json& o) {
                                          const Json& m = field(o, "metadata");
                                          endpoints.erase(text_of(m, "namespace") + "/" +
                                                          text_of(m, "name"));
                                          ++endpoints_generation;
                                      }});
    pod_informer = std::make_unique<kube::Informer>(client, kube::refs::kPods);
    pod_informer->add_handlers({[this](const Json& o) { on_pod(o); },
                                [this](const Json&, const Json& o) { on_pod(o); },
                                [this](const Json& o) { on_pod_deleted(o); }});
    sdep_informer->start();
    endpoints_informer->start();
    pod_informer->start();
    const Nanos first = (loop().now() / kernel::kSecond + 1) * kernel::kSecond;
    if (first <= end) loop().schedule_at(first, [this, end] { tick(end); });
}

void RequestPath::Impl::tick(Nanos end) {
    metrics.close_second(loop().now(), options.trace);
    if (loop().now() + kernel::kSecond <= end)
        loop().schedule_after(kernel::kSecond, [this, end] { tick(end); });
}

// The operator publishes a spec's routing (the VirtualService, in a real install) only in a
// pass where every Deployment of that spec is ready, the same pass that sets state Available
// (seldondeployment_controller.go: createIstioResources runs after createDeployments reports
// all ready). Until then the gateway keeps the routing it had, so a new canary gets traffic
// only once it can answer, and a canary that never becomes ready never gets any.
namespace {
bool routing_published(const Json& sdep) {
    const Json& status = field(sdep, "status");
    if (text_of(status, "state") != "Available") return false;
    const Json& observed = field(status, "observedGeneration");
    const Json& generation = field(field(sdep, "metadata"), "generation");
    return observed.is_number_integer() && generation.is_number_integer() &&
           observed.get<std::int64_t>() == generation.get<std::int64_t>();
}
}  // namespace

void RequestPath::Impl::on_sdep(const Json& sdep) {
    const Json& m = field(sdep, "metadata");
    const std::string ns = text_of(m, "namespace");
    const std::string key = ns + "/" + text_of(m, "name");
    if (const auto known = sdeps.find(key); known != sdeps.end() && !routing_published(sdep)) {
        known->second.timeout = timeout_of(sdep);
        return;
    }
    Sdep state;
    try {
        for (const auto& r : controller::seldon::routing_table(sdep)) {
            state.routes.push_back(
                {r.predictor, ns + "/" + r.service, r.weight_percent, r.shadow, r.mirror_percent});
            if (!r.shadow) state.weight_sum += r.weight_percent;
        }
    } catch (const std::exception&) {
        state.routes.clear();
        state.weight_sum = 0;
    }
    state.timeout = timeout_of(sdep);
    state.generation = ++sdep_generation;
    sdeps[key] = std::move(state);
}

void RequestPath::Impl::on_endpoints(const Json& e) {
    const Json& m = field(e, "metadata");
    const std::string ns = text_of(m, "namespace");
    std::vector<std::string> ready;
    for (const Json& subset : field(e, "subsets")) {
        for (const Json& a : field(subset, "addresses")) {
            const Json& target = field(a, "targetRef");
            if (text_of(target, "kind") == "Pod")
                ready.push_back(ns + "/" + text_of(target, "name"));
        }
    }
    endpoints[ns + "/" + text_of(m, "name")] = Ready{std::move(ready), {}, 0};
    ++endpoints_generation;
}

void RequestPath::Impl::on_pod(const Json& pod) {
    const Json& m = field(pod, "metadata");
    const std::string key = text_of(m, "namespace") + "/" + text_of(m, "name");
    auto it = pods.find(key);
    if (it != pods.end() && it->second->uid() != text_of(m, "uid")) {
        it->second->gone();
        retired.push_back(std::move(it->second));
        pods.erase(it);
        it = pods.end();
        ++pods_generation;
    }
    if (it == pods.end()) {
        pods.emplace(key, std::make_unique<PodServer>(*this, pod));
        ++pods_generation;
        return;
    }
    it->second->update(pod);
}

void RequestPath::Impl::on_pod_deleted(const Json& pod) {
    const Json& m = field(pod, "metadata");
    const auto it = pods.find(text_of(m, "namespace") + "/" + text_of(m, "name"));
    if (it == pods.end()) return;
    it->second->gone();
    retired.push_back(std::move(it->second));
    pods.erase(it);
    ++pods_generation;
}

void RequestPath::Impl::add_source(TrafficSourceSpec spec) {
    Source src;
    src.sdep_key = spec.sdep_namespace + "/" + spec.sdep_name;
    for (const std::string& text : spec.texts)
        src.bodies.push_back(request_body(text, spec.str_data));
    src.order.resize(spec.texts.size());
    for (std::uint32_t i = 0; i < src.order.size(); ++i)
        src.order[i] = i;
    streams.get("traffic/" + spec.name + "/payload").shuffle(std::span(src.order));
    src.split = &streams.get("traffic/" + spec.name + "/split");
    src.mirror = &streams.get("traffic/" + spec.name + "/mirror");
    src.spec = std::move(spec);
    sources.push_back(std::move(src));
    const auto index = static_cast<std::uint32_t>(sources.size() - 1);
    Source& s = sources.back();
    s.arrivals = std::make_unique<ArrivalProcess>(
        s.spec, streams.get("traffic/" + s.spec.name + "/arrivals"));
    schedule_arrival(index, loop().now());
}

void RequestPath::Impl::schedule_arrival(std::uint32_t source, Nanos after) {
    const auto next = sources[source].arrivals->next(after);
    if (!next) return;
    loop().schedule_at(*next, [this, source] { arrive(source); });
}

void RequestPath::Impl::refresh_series(Source& src, const Sdep& sdep) {
    if (src.series_generation == sdep.generation) return;
    src.series_generation = sdep.generation;
    src.live_series.clear();
    src.shadow_series.clear();
    for (const Route& r : sdep.routes) {
        src.live_series.push_back(metrics.series(src.spec.name, src.sdep_key, r.predictor, false));
        src.shadow_series.push_back(metrics.series(src.spec.name, src.sdep_key, r.predictor, true));
    }
}

void RequestPath::Impl::arrive(std::uint32_t source) {
    schedule_arrival(source, loop().now());
    Source& src = sources[source];
    if (src.order.empty()) return;
    const std::uint32_t text = src.order[src.cursor++ % src.order.size()];
    const Sdep* const found = sdep_of(src);
    if (!found || found->weight_sum <= 0) {
        // No VirtualService routes this SeldonDeployment: the gateway answers 404.
        if (!src.has_no_predictor) {
            src.no_predictor = metrics.series(src.spec.name, src.sdep_key, kNoPredictor, false);
            src.has_no_predictor = true;
        }
        const Ticket t = open(source, text, src.no_predictor, false, false, kDefaultRequestTimeout);
        finish(t, 404, "");
        return;
    }
    const Sdep& sdep = *found;
    refresh_series(src, sdep);
    route_request(src, sdep, [&](std::size_t i, bool shadow) {
        dispatch(source, sdep, i, shadow, text, shadow ? src.shadow_series[i] : src.live_series[i]);
    });
}

Ticket RequestPath::Impl::open(std::uint32_t source, std::uint32_t text,
                               TrafficMetrics::SeriesId series, bool shadow, bool feedback,
                               Nanos timeout) {
    std::uint32_t slot;
    if (!free_slots.empty()) {
        slot = free_slots.back();
        free_slots.pop_back();
    } else {
        slot = static_cast<std::uint32_t>(requests.size());
        requests.emplace_back();
    }
    Request& r = requests[slot];
    ++r.gen;
    r.live = true;
    r.feedback = feedback;
    r.shadow = shadow;
    r.source = source;
    r.text = text;
    r.series = series;
    r.start = loop().now();
    r.deadline = r.start + timeout;
    r.id = next_id++;
    ++counts.in_flight;
    if (feedback) {
        ++counts.feedback_sent;
    } else {
        ++counts.sent;
        metrics.sent(series);
    }
    const Ticket t{slot, r.gen};
    Deadlines& d = deadlines_for(timeout);
    d.queue.emplace_back(r.deadline, t);
    arm(timeout, d);
    return t;
}

void RequestPath::Impl::arm(Nanos timeout, Deadlines& d) {
    if (d.armed || d.queue.empty()) return;
    d.armed = true;
    loop().schedule_at(d.queue.front().first, [this, timeout] { expire(timeout); });
}

void RequestPath::Impl::expire(Nanos timeout) {
    Deadlines& d = deadlines_for(timeout);
    d.armed = false;
    const Nanos now = loop().now();
    while (!d.queue.empty()) {
        const auto [deadline, t] = d.queue.front();
        const Request& r = requests[t.slot];
        const bool pending = r.live && r.gen == t.gen;
        if (pending && deadline > now) break;
        d.queue.pop_front();
        if (pending) finish(t, 504, kUpstreamTimeout);
    }
    arm(timeout, d);
}

void RequestPath::Impl::dispatch(std::uint32_t source, const Sdep& sdep, std::size_t route_index,
                                 bool shadow, std::uint32_t text, TrafficMetrics::SeriesId series) {
    const Route& route = sdep.routes[route_index];
    const Ticket t = open(source, text, series, shadow, false, sdep.timeout);
    Request& r = requests[t.slot];
    if (sources[source].spec.feedback && !shadow) {
        r.sdep_key = sources[source].sdep_key;
        r.predictor = route.predictor;
    }
    const PayloadRef payload{1 + (std::uint64_t{source} << 32 | text),
                             &sources[source].bodies[text],
                             sources[source].spec.feedback && !shadow};
    deliver_to(t, ready_of(route), std::string(), false, payload);
}

// The lookups by name below happen once per change of `sdeps` or `endpoints`, not per request.
const RequestPath::Impl::Sdep* RequestPath::Impl::sdep_of(Source& src) {
    if (src.sdep_for != sdep_generation) {
        const auto found = sdeps.find(src.sdep_key);
        src.sdep = found == sdeps.end() ? nullptr : &found->second;
        src.sdep_for = sdep_generation;
    }
    return src.sdep;
}

RequestPath::Impl::Ready* RequestPath::Impl::ready_of(const Route& route) {
    if (route.ready_for != endpoints_generation) {
        const auto eps = endpoints.find(route.endpoints_key);
        route.ready = eps == endpoints.end() ? nullptr : &eps->second;
        route.ready_for = endpoints_generation;
    }
    return route.ready;
}

void RequestPath::Impl::deliver(Ticket t, const std::string& endpoints_key, std::string body,
                                bool feedback, PayloadRef payload) {
    const auto eps = endpoints.find(endpoints_key);
    deliver_to(t, eps == endpoints.end() ? nullptr : &eps->second, std::move(body), feedback,
               payload);
}

void RequestPath::Impl::deliver_to(Ticket t, Ready* found, std::string body, bool feedback,
                                   PayloadRef payload) {
    if (!found || found->keys.empty()) {
        finish(t, 503, kNoHealthyUpstream);
        return;
    }
    Ready& ready = *found;
    if (ready.resolved_for != pods_generation) {
        ready.servers.clear();
        for (const std::string& key : ready.keys) {
            const auto found = pods.find(key);
            ready.servers.push_back(found == pods.end() ? nullptr : found->second.get());
        }
        ready.resolved_for = pods_generation;
    }
    PodServer* pod = ready.servers[lb->below(ready.servers.size())];
    if (!pod || !pod->accepts()) {
        finish(t, 503, kConnectionRefused);
        return;
    }
    if (pod->unreachable()) return;  // a node that is down: hangs until the timeout
    // serve_fast has no executor-metrics observers: with metrics on, serve() observes.
    if (pod->has_fast_path() && !feedback && !options.executor_metrics) {
        pod->serve_fast(t, std::move(body), payload);
        return;
    }
    pod->serve(
        std::move(body), feedback, [this, t](const HttpReply& reply) { answered(t, reply); },
        payload);
}

void RequestPath::Impl::answered(Ticket t, const HttpReply& reply) {
    if (reply.status == components::kTransportFailure)
        finish(t, 503, kConnectionRefused);
    else
        finish(t, reply.status, reply.body);
}

void RequestPath::Impl::finish(Ticket t, int status, const std::string& body) {
    Request& r = requests[t.slot];
    if (!r.live || r.gen != t.gen) {
        ++counts.late_replies;
        return;
    }
    r.live = false;
    --counts.in_flight;
    free_slots.push_back(t.slot);
    if (!live_waiters.empty()) answer_live(r.id, status, body);
    const bool ok = status >= 200 && status < 300;
    const Nanos latency = loop().now() - r.start;
    if (r.feedback) {
        ++(ok ? counts.feedback_answered : counts.feedback_failed);
        return;
    }
    ++(ok ? counts.answered : counts.failed);
    if (ok)
        metrics.answered(r.series, latency);
    else
        metrics.failed(r.series);
    if (options.trace && options.trace_requests && !r.shadow) {
        options.trace->line(loop().now(), "request")
            .str("source", sources[r.source].spec.name)
            .num("id", r.id)
            .str("predictor", metrics.predictor_of(r.series))
            .num("code", status)
            .real("latency_ms", static_cast<double>(latency) / 1e6)
            .end();
    }
    if (ok && !r.shadow && sources[r.source].spec.feedback) send_feedback(r, body);
}

// Seldon feedback: {request, response, reward}, reward 1 when the model's label is the text's
// label. It goes to the predictor that answered, through its Service.
void RequestPath::Impl::send_feedback(const Request& r, const std::string& response_body) {
    const Source& src = sources[r.source];
    const auto sdep = sdeps.find(r.sdep_key);
    if (sdep == sdeps.end()) return;
    const auto route = std::find_if(sdep->second.routes.begin(), sdep->second.routes.end(),
                                    [&](const Route& x) { return x.predictor == r.predictor; });
    if (route == sdep->second.routes.end()) return;
    // The response's label and both bodies' canonical forms, memoised by body (FeedbackBodies).
    const std::optional<FeedbackBodies::Response>& response =
        feedback_bodies.response(response_body);
    if (!response) return;
    const std::string& label =
        src.spec.labels.size() > r.text ? src.spec.labels[r.text] : std::string();
    const double reward = !label.empty() && response->predicted == label ? 1.0 : 0.0;
    if (reward > 0) ++counts.feedback_correct;
    metrics.feedback(r.series, reward > 0);
    std::string body = FeedbackBodies::body(feedback_bodies.request(src.bodies[r.text]),
                                            response->canonical, reward);
    const std::uint32_t source = r.source, text = r.text;
    const TrafficMetrics::SeriesId series = r.series;
    const std::string endpoints_key = route->endpoints_key;
    const Ticket t = open(source, text, series, false, true, sdep->second.timeout);
    deliver(t, endpoints_key, std::move(body), true);
}

// ---- requests from outside, hops between pods -------------------------------------------------

std::uint32_t RequestPath::Impl::live_source() {
    if (live_index != ~std::uint32_t{0}) return live_index;
    Source src;
    src.spec.name = kLiveSource;
    src.split = &streams.get("gateway/live/split");
    src.mirror = &streams.get("gateway/live/mirror");
    sources.push_back(std::move(src));
    live_index = static_cast<std::uint32_t>(sources.size() - 1);
    return live_index;
}

void RequestPath::Impl::send_live(const std::string& sdep_key, std::string body, bool feedback,
                                  RequestPath::LiveDone done) {
    const std::uint32_t source = live_source();
    Source& src = sources[source];
    src.sdep_key = sdep_key;
    const auto found = sdeps.find(sdep_key);
    if (found == sdeps.end() || found->second.weight_sum <= 0) {
        // No VirtualService routes this SeldonDeployment: the gateway answers 404.
        const auto series = metrics.series(kLiveSource, sdep_key, kNoPredictor, false);
        const Ticket t = open(source, 0, series, false, feedback, kDefaultRequestTimeout);
        live_waiters.emplace(requests[t.slot].id, std::move(done));
        finish(t, 404, "");
        return;
    }
    const Sdep& sdep = found->second;
    // Istio splits (and mirrors) every request alike: feedback too goes to a predictor picked
    // by weight, not necessarily the one that answered the prediction.
    route_request(src, sdep, [&](std::size_t i, bool shadow) {
        // Only the live predictor's answer goes back to the client.
        dispatch_live(source, sdep, i, shadow, body, feedback,
                      shadow ? RequestPath::LiveDone{} : std::move(done));
    });
}

void RequestPath::Impl::dispatch_live(std::uint32_t source, const Sdep& sdep,
                                      std::size_t route_index, bool shadow, std::string body,
                                      bool feedback, RequestPath::LiveDone done) {
    const Route& route = sdep.routes[route_index];
    const auto series =
        metrics.series(kLiveSource, sources[source].sdep_key, route.predictor, shadow);
    const Ticket t = open(source, 0, series, shadow, feedback, sdep.timeout);
    if (done) live_waiters.emplace(requests[t.slot].id, std::move(done));
    deliver(t, route.endpoints_key, std::move(body), feedback);
}

void RequestPath::Impl::answer_live(std::uint64_t id, int status, const std::string& body) {
    const auto waiter = live_waiters.find(id);
    if (waiter == live_waiters.end()) return;
    RequestPath::LiveDone done = std::move(waiter->second);
    live_waiters.erase(waiter);
    done(status, body);
}

// kube-proxy on the executor's node: one Ready address of the node's Service, picked at
// random (stream kube-proxy/graph-hops, so hops do not shift the gateway's picks).
void RequestPath::Impl::call_remote(const std::string& endpoints_key,
                                    const components::PredictiveUnit& node,
                                    const std::string& model_uri, Method method, std::string body,
                                    std::function<void(HttpReply)> done) {
    const auto eps = endpoints.find(endpoints_key);
    if (eps == endpoints.end() || eps->second.keys.empty()) {
        // A ClusterIP Service without Ready endpoints rejects the connection.
        done({components::kTransportFailure, "dial tcp " + endpoints_key + ": connection refused"});
        return;
    }
    const std::vector<std::string>& keys = eps->second.keys;
    if (!hop_lb) hop_lb = &streams.get("kube-proxy/graph-hops");
    const auto found = pods.find(keys[hop_lb->below(keys.size())]);
    PodServer* pod = found == pods.end() ? nullptr : found->second.get();
    if (!pod || !pod->reachable()) {
        done({components::kTransportFailure, "dial tcp " + endpoints_key + ": connection refused"});
        return;
    }
    if (pod->unreachable()) return;  // a node that is down: the request hangs until its timeout
    pod->call_container(node, model_uri, method, std::move(body), std::move(done));
}

// ---- RequestPath ------------------------------------------------------------------------------

RequestPath::RequestPath(kube::Client& client, kernel::RandomStreams& streams,
                         RequestPathOptions options)
    : impl_(std::make_unique<Impl>(client, streams, std::move(options))) {}

RequestPath::~RequestPath() = default;

void RequestPath::start(Nanos end) {
    impl_->start(end);
}
void RequestPath::add_source(TrafficSourceSpec spec) {
    impl_->add_source(std::move(spec));
}

void RequestPath::set_node_down(const std::string& node, bool down) {
    if (down)
        impl_->down_nodes.insert(node);
    else
        impl_->down_nodes.erase(node);
    for (auto& [key, pod] : impl_->pods) {
        if (pod->node() == node) pod->set_unreachable(down);
    }
}

void RequestPath::profiles_changed() {
    for (auto& [key, pod] : impl_->pods)
        pod->refresh_profiles();
}

void RequestPath::set_usage_sink(PodUsageSink* sink) {
    impl_->options.usage = sink;
    ++impl_->usage_epoch;
}
kernel::Nanos RequestPath::now() const {
    return impl_->client.loop().now();
}
bool RequestPath::has_route(const std::string& sdep_key) const {
    const auto found = impl_->sdeps.find(sdep_key);
    return found != impl_->sdeps.end() && found->second.weight_sum > 0;
}
kernel::Random& RequestPath::stream(std::string_view name) {
    return impl_->streams.get(name);
}
void RequestPath::set_executor_metrics(ExecutorMetrics* metrics) {
    impl_->options.executor_metrics = metrics;
}
void RequestPath::send_live(const std::string& sdep_key, std::string body, bool feedback,
                            LiveDone done) {
    impl_->send_live(sdep_key, std::move(body), feedback, std::move(done));
}
const TrafficMetrics& RequestPath::metrics() const {
    return impl_->metrics;
}
RequestCounts RequestPath::counts() const {
    return impl_->counts;
}

std::uint64_t RequestPath::lost_now() const {
    const Nanos now = impl_->client.loop().now();
    std::uint64_t lost = 0;
    for (const auto& [timeout, d] : impl_->deadlines) {
        for (const auto& [deadline, t] : d.queue) {
            if (deadline >= now) break;
            const auto& r = impl_->requests[t.slot];
            if (r.live && r.gen == t.gen) ++lost;
        }
    }
    return lost;
}

}  // namespace sim::cluster
