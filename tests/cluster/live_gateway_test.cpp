// sim-run serve's Seldon gateway (live_gateway.hpp), the executors' Prometheus metrics
// (prometheus_metrics.hpp) and graph hops to nodes in another componentSpec's pods, on
// hand-made objects written straight to the API server (as request_path_test does).
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <sstream>

#include "components/builtins.hpp"
#include "components/component.hpp"
#include "components/model/model.hpp"
#include "controller/seldon/objects.hpp"
#include "fixtures.hpp"
#include "sim/cluster/live_gateway.hpp"
#include "sim/cluster/prometheus_metrics.hpp"
#include "sim/cluster/request_path.hpp"

using cluster_test::json;
using cluster_test::World;
using sim::cluster::ContainerProfile;
using sim::cluster::GatewayResponse;
using sim::cluster::LiveGateway;
using sim::cluster::RequestPath;
using sim::kernel::kMillisecond;
using sim::kernel::kSecond;
using sim::kernel::Nanos;

namespace {

constexpr const char* kNs = "seldon";
const std::string kModelFile = std::string(SIM_PROJECT_DIR) + "/fixtures/models/sentiment-v1.json";

json container(const std::string& name, const std::string& image) {
    return {{"name", name}, {"image", image}};
}

json pod_object(const std::string& name, const json& containers) {
    return {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", name}, {"namespace", kNs}}},
            {"spec", {{"nodeName", "node-1"}, {"containers", containers}}}};
}

// The executor container as the operator writes it: --sdep and ENGINE_PREDICTOR.
json engine(const json& predictor) {
    return {{"name", "seldon-container-engine"},
            {"image", "executor:1"},
            {"args", {"--sdep", "sd", "--namespace", kNs, "--predictor", "p"}},
            {"env",
             {{{"name", "ENGINE_PREDICTOR"},
               {"value", sim::controller::seldon::base64_encode(predictor.dump())}}}}};
}

json endpoints(const std::string& service, const std::vector<std::string>& pods) {
    json addresses = json::array();
    for (const std::string& p : pods)
        addresses.push_back({{"ip", "10.0.0.1"}, {"targetRef", {{"kind", "Pod"}, {"name", p}}}});
    json subsets = json::array();
    if (!pods.empty()) subsets.push_back({{"addresses", addresses}});
    return {{"apiVersion", "v1"},
            {"kind", "Endpoints"},
            {"metadata", {{"name", service}, {"namespace", kNs}}},
            {"subsets", subsets}};
}

class CpuBySink final : public sim::cluster::PodUsageSink {
  public:
    void add_cpu(std::string_view, std::string_view pod, std::string_view, Nanos cpu) override {
        cpu_by_pod[std::string(pod)] += cpu;
    }
    void add_requests(std::string_view, std::string_view, std::uint64_t) override {}
    std::map<std::string, Nanos> cpu_by_pod;
};

struct Harness {
    // One predictor "p" with `graph` unless `predictors` says otherwise.
    explicit Harness(json predictors = nullptr) {
        if (predictors.is_null()) predictors = json::array({{{"name", "p"}, {"graph", graph}}});
        (void)world.client
            .create(
                sim::kube::refs::kNamespaces,
                json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kNs}}}})
            .value();
        json sdep = {{"apiVersion", "machinelearning.seldon.io/v1"},
                     {"kind", "SeldonDeployment"},
                     {"metadata", {{"name", "sd"}, {"namespace", kNs}}},
                     {"spec", {{"predictors", predictors}}}};
        (void)world.client.create(sim::kube::refs::kSeldonDeployments.in(kNs), sdep).value();
    }

    void add_pod(const std::string& name, const json& containers) {
        json p = world.client.create(sim::kube::refs::kPods.in(kNs), pod_object(name, containers))
                     .value();
        json statuses = json::array();
        for (const json& c : containers)
            statuses.push_back(
                {{"name", c["name"]}, {"ready", true}, {"state", {{"running", json::object()}}}});
        p["status"] = {{"phase", "Running"}, {"containerStatuses", statuses}};
        (void)world.client.update_status(sim::kube::refs::kPods.in(kNs), p).value();
    }
    void set_endpoints(const std::string& service, const std::vector<std::string>& pods) {
        (void)world.client.create(sim::kube::refs::kEndpoints.in(kNs), endpoints(service, pods))
            .value();
    }

    // The model answers in 3 ms, the executor and the transformer in 1 ms.
    void start(bool with_metrics) {
        sim::cluster::RequestPathOptions options;
        options.profiles = [](const std::string& image) {
            ContainerProfile p;
            p.service_median = p.service_p99 =
                image.starts_with("model:") ? 3 * kMillisecond : kMillisecond;
            p.concurrency = 4;
            p.component = image.starts_with("model:") ? "sentiment-model" : "echo";
            p.model = kModelFile;
            return p;
        };
        options.load_model = [](const std::string& path) {
            return std::make_shared<const components::model::SentimentModel>(
                components::model::load_model_file(path));
        };
        options.usage = &usage;
        options.executor_metrics = with_metrics ? &metrics : nullptr;
        path = std::make_unique<RequestPath>(world.client, world.streams, options);
        path->start(60 * kSecond);
        gateway = std::make_unique<LiveGateway>(*path, with_metrics ? &metrics : nullptr);
    }

    // Sends one request at `t`; the reply lands in the returned slot with its instant.
    struct Answer {
        std::optional<GatewayResponse> response;
        Nanos at = -1;
    };
    std::shared_ptr<Answer> send(Nanos t, std::string method, std::string path_text,
                                 std::string body,
                                 sim::cluster::GatewayRequestHeaders headers = {}) {
        auto answer = std::make_shared<Answer>();
        world.at(t, [=, this] {
            gateway->handle(
                method, path_text, body,
                [=, this](GatewayResponse r) {
                    REQUIRE_FALSE(answer->response);  // exactly once
                    answer->response = std::move(r);
                    answer->at = world.loop.now();
                },
                headers);
        });
        return answer;
    }

    json graph = json::parse(R"({"name": "classifier", "type": "MODEL", "children": [],
        "parameters": [{"name": "method", "type": "STRING", "value": "predict_proba"}]})");
    World world;
    CpuBySink usage;
    sim::cluster::ExecutorMetrics metrics;
    std::unique_ptr<RequestPath> path;
    std::unique_ptr<LiveGateway> gateway;
};

// The single-pod predictor: executor + classifier, behind Service sd-p.
void one_pod_predictor(Harness& h) {
    const json predictor = {{"name", "p"}, {"graph", h.graph}};
    h.add_pod("pod-a", {engine(predictor), container("classifier", "model:1")});
    h.set_endpoints("sd-p", {"pod-a"});
}

// What the real model answers for `body` (its component, called directly).
components::HttpReply model_answer(const std::string& body) {
    components::ComponentContext context;
    context.load_model = [](const std::string& path) {
        return std::make_shared<const components::model::SentimentModel>(
            components::model::load_model_file(path));
    };
    context.default_model_uri = kModelFile;
    components::ComponentServer server(
        "classifier", "model:1",
        components::make_builtin_component(
            "sentiment-model", components::Parameters({{"method", "STRING", "predict_proba"}}),
            context));
    return server.handle(components::Method::kPredict, body);
}

}  // namespace

TEST_CASE("gateway paths: /seldon/<ns>/<name>/<executor path>") {
    sim::cluster::GatewayTarget t;
    REQUIRE(sim::cluster::parse_gateway_path("/seldon/seldon/sd/api/v1.0/predictions", t));
    CHECK(t.ns == "seldon");
    CHECK(t.name == "sd");
    CHECK(t.endpoint == "/api/v1.0/predictions");
    CHECK_FALSE(sim::cluster::parse_gateway_path("/seldon/seldon/sd", t));
    CHECK_FALSE(sim::cluster::parse_gateway_path("/seldon//sd/api", t));
    CHECK_FALSE(sim::cluster::parse_gateway_path("/api/v1/pods", t));
    CHECK(LiveGateway::handles("/metrics"));
    CHECK(LiveGateway::handles("/seldon/a/b/c"));
    CHECK_FALSE(LiveGateway::handles("/api/v1/namespaces"));
}

TEST_CASE(
    "a live prediction takes the request path and answers with the real model's probabilities") {
    Harness h;
    one_pod_predictor(h);
    h.start(false);
    const std::string body = R"({"data":{"ndarray":["This is absolutely amazing!"]}})";
    const auto answer = h.send(kSecond, "POST", "/seldon/seldon/sd/api/v1.0/predictions", body);
    h.world.loop.run_until(2 * kSecond);
    REQUIRE(answer->response);
    CHECK(answer->response->status == 200);
    CHECK(answer->response->content_type == "application/json");
    // The executor passes the model's body on (HTML-escaped, a no-op here).
    const components::HttpReply direct = model_answer(body);
    REQUIRE(direct.status == 200);
    CHECK(answer->response->body == direct.body);
    const json probabilities = json::parse(direct.body)["data"]["ndarray"][0];
    REQUIRE(probabilities.size() == 3);
    CHECK(probabilities[2].get<double>() > 0.5);  // [negative, neutral, positive]
    // Answered when the simulated response completed: the executor's and the model's service
    // times after the instant it was sent.
    CHECK(answer->at == kSecond + 4 * kMillisecond);
    CHECK(h.path->counts().answered == 1);
    sim::cluster::TrafficFilter live;
    live.source = sim::cluster::kLiveSource;
    CHECK(h.path->metrics().totals_so_far(live).responses == 1);
}

TEST_CASE("live gateway errors: unknown deployment, bad body, wrong method, unknown path") {
    Harness h;
    one_pod_predictor(h);
    h.start(false);
    const auto unknown = h.send(kSecond, "POST", "/seldon/seldon/nope/api/v1.0/predictions", "{}");
    const auto bad = h.send(kSecond, "POST", "/seldon/seldon/sd/api/v1.0/predictions", "not json");
    const auto get = h.send(kSecond, "GET", "/seldon/seldon/sd/api/v1.0/predictions", "");
    const auto other = h.send(kSecond, "POST", "/seldon/seldon/sd/api/v1.0/explain", "{}");
    h.world.loop.run_until(2 * kSecond);
    REQUIRE(unknown->response);
    CHECK(unknown->response->status == 404);
    CHECK(unknown->response->body.empty());
    REQUIRE(bad->response);
    CHECK(bad->response->status == 400);
    const json error = json::parse(bad->response->body);
    CHECK(error["status"]["reason"] == "MICROSERVICE_BAD_DATA");
    CHECK(error["status"]["code"] == -1);
    CHECK(bad->at > kSecond);  // it went through the executor to the model's wrapper
    REQUIRE(get->response);
    CHECK(get->response->status == 405);
    REQUIRE(other->response);
    CHECK(other->response->status == 404);
    // The 404 and the 400 are counted requests; 405 and the unknown path never entered.
    CHECK(h.path->counts().sent == 2);
    CHECK(h.path->counts().failed == 2);
}

// The value of response header `name`, or "" when it is absent.
std::string header(const GatewayResponse& r, const std::string& name) {
    for (const auto& [key, value] : r.headers)
        if (key == name) return value;
    return "";
}

TEST_CASE("executor answers carry the REST middlewares' headers: Seldon-Puid, CORS, nosniff") {
    Harness h;
    one_pod_predictor(h);
    h.start(false);
    const std::string body = R"({"data":{"ndarray":["fine"]}})";
    const std::string path = "/seldon/seldon/sd/api/v1.0/predictions";
    const auto fresh = h.send(kSecond, "POST", path, body);
    sim::cluster::GatewayRequestHeaders given;
    given.seldon_puid = "my-puid";
    given.cloudevent = true;
    const auto echoed = h.send(kSecond, "POST", path, body, given);
    const auto preflight = h.send(kSecond, "OPTIONS", path, "");
    const auto preflight_unknown =
        h.send(kSecond, "OPTIONS", "/seldon/seldon/nope/api/v1.0/predictions", "");
    h.world.loop.run_until(2 * kSecond);

    REQUIRE(fresh->response);
    const std::string puid = header(*fresh->response, "Seldon-Puid");
    // A random (version 4) UUID: 8-4-4-4-12 hex digits, version nibble 4, variant 8..b.
    REQUIRE(puid.size() == 36);
    CHECK(puid[8] == '-');
    CHECK(puid[14] == '4');
    CHECK(std::string("89ab").find(puid[19]) != std::string::npos);
    CHECK(header(*fresh->response, "X-Content-Type-Options") == "nosniff");
    CHECK(header(*fresh->response, "Access-Control-Allow-Origin") == "*");
    CHECK(header(*fresh->response, "Access-Control-Allow-Methods") == "GET, OPTIONS, POST");
    CHECK(header(*fresh->response, "Ce-Id").empty());  // not a CloudEvents request

    REQUIRE(echoed->response);
    CHECK(header(*echoed->response, "Seldon-Puid") == "my-puid");
    CHECK(header(*echoed->response, "Ce-Id") == "my-puid");
    CHECK(header(*echoed->response, "Ce-Specversion") == "0.3");
    CHECK(header(*echoed->response, "Ce-Path") == "/api/v1.0/predictions");
    CHECK(header(*echoed->response, "Ce-Type") == "seldon.sd.seldon.response");
    CHECK(header(*echoed->response, "Ce-Source") == "seldon.sd");

    // The preflight is the executor's (200, empty body, the same headers), answered at once
    // and not counted as a request; without a routing Envoy answers 404 on its own.
    REQUIRE(preflight->response);
    CHECK(preflight->response->status == 200);
    CHECK(preflight->response->body.empty());
    CHECK(preflight->at == kSecond);
    CHECK(header(*preflight->response, "Access-Control-Allow-Headers") ==
          "Accept, Accept-Encoding, Authorization, Content-Length, Content-Type, X-CSRF-Token");
    REQUIRE(preflight_unknown->response);
    CHECK(preflight_unknown->response->status == 404);
    CHECK(preflight_unknown->response->headers.empty());
    CHECK(h.path->counts().sent == 2);
}

TEST_CASE("Envoy's own answers carry no executor headers") {
    Harness h;
    one_pod_predictor(h);
    h.start(false);
    const auto unknown = h.send(kSecond, "POST", "/seldon/seldon/nope/api/v1.0/predictions", "{}");
    h.world.loop.run_until(2 * kSecond);
    REQUIRE(unknown->response);
    CHECK(unknown->response->status == 404);
    CHECK(unknown->response->headers.empty());
}

TEST_CASE("live feedback reaches the model's send-feedback through the executor") {
    Harness h;
    one_pod_predictor(h);
    h.start(false);
    const auto fb = h.send(kSecond, "POST", "/seldon/seldon/sd/api/v1.0/feedback",
                           R"({"request":{"data":{"ndarray":["good"]}},"reward":1})");
    h.world.loop.run_until(2 * kSecond);
    REQUIRE(fb->response);
    CHECK(fb->response->status == 200);
    CHECK(h.path->counts().feedback_answered == 1);
}

TEST_CASE("executor metrics count every request the executors answered, in Prometheus text") {
    Harness h;
    one_pod_predictor(h);
    h.start(true);
    constexpr int kRequests = 7;
    for (int i = 0; i < kRequests; ++i)
        h.send(kSecond + i * kMillisecond, "POST", "/seldon/seldon/sd/api/v1.0/predictions",
               R"({"data":{"ndarray":["fine"]}})");
    h.send(kSecond, "POST", "/seldon/seldon/sd/api/v0.1/predictions", "oops");
    const auto scrape = std::make_shared<std::optional<GatewayResponse>>();
    h.world.at(3 * kSecond, [&h, scrape] {
        h.gateway->handle("GET", "/metrics", "", [scrape](GatewayResponse r) { *scrape = r; });
    });
    h.world.loop.run_until(4 * kSecond);
    REQUIRE(*scrape);
    CHECK((*scrape)->status == 200);
    CHECK((*scrape)->content_type.starts_with("text/plain; version=0.0.4"));
    CHECK(h.metrics.server_count() == kRequests + 1);
    CHECK(h.metrics.client_count() == kRequests + 1);

    // Parse the exposition: every sample line is NAME{LABELS} VALUE.
    std::map<std::string, double> samples;
    std::istringstream in((*scrape)->body);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line.starts_with("#")) continue;
        const std::size_t space = line.rfind(' ');
        REQUIRE(space != std::string::npos);
        REQUIRE(line.find('{') < space);
        REQUIRE(line[space - 1] == '}');
        samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    const std::string server =
        R"(seldon_api_executor_server_requests_seconds_count{code="200",deployment_name="sd",)"
        R"(method="post",predictor_name="p",predictor_version="",service="predictions"})";
    CHECK(samples[server] == kRequests);
    const std::string bad =
        R"(seldon_api_executor_server_requests_seconds_count{code="400",deployment_name="sd",)"
        R"(method="post",predictor_name="p",predictor_version="",service="predictions"})";
    CHECK(samples[bad] == 1);
    const std::string client =
        R"(seldon_api_executor_client_requests_seconds_count{code="200",deployment_name="sd",)"
        R"(method="post",model_image="model",model_name="classifier",model_version="1",)"
        R"(predictor_name="p",predictor_version="",service="/predict"})";
    CHECK(samples[client] == kRequests);
    // Buckets are cumulative and end with +Inf = count; every latency here is 4 ms or less.
    const std::string first_bucket =
        R"(seldon_api_executor_server_requests_seconds_bucket{code="200",deployment_name="sd",)"
        R"(method="post",predictor_name="p",predictor_version="",service="predictions",le="0.005"})";
    const std::string inf_bucket =
        R"(seldon_api_executor_server_requests_seconds_bucket{code="200",deployment_name="sd",)"
        R"(method="post",predictor_name="p",predictor_version="",service="predictions",le="+Inf"})";
    CHECK(samples[first_bucket] == kRequests);
    CHECK(samples[inf_bucket] == kRequests);
}

TEST_CASE("a graph node in another componentSpec is called through its Service") {
    Harness h;
    h.graph = json::parse(R"({"name": "cleaner", "type": "TRANSFORMER",
        "endpoint": {"service_host": "localhost", "service_port": 9000},
        "children": [{"name": "classifier", "type": "MODEL", "children": [],
          "endpoint": {"service_host": "sd-p-classifier.seldon.svc.cluster.local",
                       "service_port": 9001},
          "parameters": [{"name": "method", "type": "STRING", "value": "predict_proba"}]}]})");
    const json predictor = {{"name", "p"}, {"graph", h.graph}};
    h.add_pod("front", {engine(predictor), container("cleaner", "cleaner:1")});
    h.add_pod("model-1", json::array({container("classifier", "model:1")}));
    h.add_pod("model-2", json::array({container("classifier", "model:1")}));
    h.set_endpoints("sd-p", {"front"});
    h.set_endpoints("sd-p-classifier", {"model-1", "model-2"});
    h.start(false);
    const std::string body = R"({"data":{"ndarray":["This is terrible and awful."]}})";
    std::vector<std::shared_ptr<Harness::Answer>> answers;
    for (int i = 0; i < 40; ++i)
        answers.push_back(h.send(kSecond + i * 10 * kMillisecond, "POST",
                                 "/seldon/seldon/sd/api/v1.0/predictions", body));
    h.world.loop.run_until(3 * kSecond);
    const components::HttpReply direct = model_answer(body);
    for (const auto& a : answers) {
        REQUIRE(a->response);
        CHECK(a->response->status == 200);
        // The echo transformer passes the text on; meta.requestPath names both hops.
        const json got = json::parse(a->response->body);
        CHECK(got["data"] == json::parse(direct.body)["data"]);
        CHECK(got["meta"]["requestPath"] ==
              json({{"classifier", "model:1"}, {"cleaner", "cleaner:1"}}));
    }
    // Both classifier pods served hops (kube-proxy's pick), and the front pod never ran a model.
    CHECK(h.usage.cpu_by_pod["model-1"] > 0);
    CHECK(h.usage.cpu_by_pod["model-2"] > 0);
    const Nanos per_request = 2 * kMillisecond;  // ContainerProfile's default cpuPerRequest
    CHECK(h.usage.cpu_by_pod["model-1"] + h.usage.cpu_by_pod["model-2"] == 40 * per_request);
}

TEST_CASE("a hop to a Service without Ready pods fails as the executor's 500") {
    Harness h;
    h.graph = json::parse(R"({"name": "cleaner", "type": "TRANSFORMER",
        "endpoint": {"service_host": "localhost"},
        "children": [{"name": "classifier", "type": "MODEL", "children": [],
          "endpoint": {"service_host": "sd-p-classifier.seldon.svc.cluster.local"}}]})");
    const json predictor = {{"name", "p"}, {"graph", h.graph}};
    h.add_pod("front", {engine(predictor), container("cleaner", "cleaner:1")});
    h.set_endpoints("sd-p", {"front"});
    h.set_endpoints("sd-p-classifier", {});
    h.start(false);
    const auto a = h.send(kSecond, "POST", "/seldon/seldon/sd/api/v1.0/predictions",
                          R"({"data":{"ndarray":["x"]}})");
    h.world.loop.run_until(2 * kSecond);
    REQUIRE(a->response);
    CHECK(a->response->status == 500);
    const json error = json::parse(a->response->body);
    CHECK(error["status"]["status"] == "FAILURE");
    CHECK(error["status"]["info"].get<std::string>().find("connection refused") !=
          std::string::npos);
}

TEST_CASE("a live request is mirrored to the shadow predictor, whose answer is discarded") {
    const json graph = json::parse(R"({"name": "classifier", "type": "MODEL", "children": []})");
    Harness h(json::array({{{"name", "main"}, {"graph", graph}},
                           {{"name", "mirror"}, {"shadow", true}, {"graph", graph}}}));
    h.add_pod("main-pod",
              {engine({{"name", "main"}, {"graph", graph}}), container("classifier", "model:1")});
    h.add_pod("mirror-pod",
              {engine({{"name", "mirror"}, {"graph", graph}}), container("classifier", "model:2")});
    h.set_endpoints("sd-main", {"main-pod"});
    h.set_endpoints("sd-mirror", {"mirror-pod"});
    h.start(false);
    const auto a = h.send(kSecond, "POST", "/seldon/seldon/sd/api/v1.0/predictions",
                          R"({"data":{"ndarray":["great"]}})");
    h.world.loop.run_until(2 * kSecond);
    REQUIRE(a->response);
    CHECK(a->response->status == 200);
    // The client hears the live predictor only.
    CHECK(json::parse(a->response->body)["meta"]["requestPath"]["classifier"] == "model:1");
    const auto c = h.path->counts();
    CHECK(c.sent == 2);  // the request and its mirrored copy
    CHECK(c.answered == 2);
    CHECK(h.usage.cpu_by_pod["mirror-pod"] > 0);  // the shadow really served its copy
}
