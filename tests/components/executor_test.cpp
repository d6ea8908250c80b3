#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include <deque>
#include <map>
#include <memory>

#include "components/builtins.hpp"
#include "components/executor.hpp"
#include "components/model/model.hpp"

using namespace components;
using protocol::Json;

namespace {

using Log = std::vector<std::string>;

// A numeric test component: predict/transforms compute x * mul + add element-wise; route
// returns a fixed branch; every call is logged as "node method".
class Step final : public Component {
  public:
    Step(std::string name, Log& log, double mul, double add, int route)
        : name_(std::move(name)), log_(log), mul_(mul), add_(add), route_(route) {}
    std::optional<ComponentOutput> predict(const ComponentInput& in) override {
        return apply(in, "predict");
    }
    std::optional<ComponentOutput> transform_input(const ComponentInput& in) override {
        return apply(in, "transform-input");
    }
    std::optional<ComponentOutput> transform_output(const ComponentInput& in) override {
        return apply(in, "transform-output");
    }
    std::optional<int> route(const ComponentInput&) override {
        log_.push_back(name_ + " route");
        return route_;
    }
    bool send_feedback(const ComponentInput&, double, const ComponentInput*,
                       std::optional<int> routing) override {
        log_.push_back(name_ + " feedback" + (routing ? " " + std::to_string(*routing) : ""));
        return true;
    }

  private:
    ComponentOutput apply(const ComponentInput& in, const std::string& method) {
        log_.push_back(name_ + " " + method);
        Json out = in.array.values;
        for (Json& row : out) {
            for (Json& v : row)
                v = v.get<double>() * mul_ + add_;
        }
        return ComponentOutput::of_array(out);
    }
    std::string name_;
    Log& log_;
    double mul_, add_;
    int route_;
};

// Owns the servers of a graph and calls them directly; can fail chosen nodes.
struct Harness {
    Log log;
    std::map<std::string, std::unique_ptr<ComponentServer>> servers;
    std::map<std::string, HttpReply> failures;  // node -> reply instead of calling it
    sim::kernel::Random abtest = sim::kernel::Random::stream(1, "abtest");

    struct Caller final : ComponentCaller {
        explicit Caller(Harness* harness) : h(harness) {}
        Harness* h;
        void call(const PredictiveUnit& node, Method method, std::string body,
                  std::function<void(HttpReply)> done) override {
            if (const auto f = h->failures.find(node.name); f != h->failures.end()) {
                h->log.push_back(node.name + " failed");
                done(f->second);
                return;
            }
            done(h->servers.at(node.name)->handle(method, body));
        }
    } caller{this};

    void step(const std::string& name, double mul, double add, int route = -1) {
        servers[name] = std::make_unique<ComponentServer>(
            name, name + ":1", std::make_unique<Step>(name, log, mul, add, route));
    }
    void builtin(const std::string& name, std::string_view impl) {
        ComponentContext c;
        servers[name] = std::make_unique<ComponentServer>(
            name, name + ":1", make_builtin_component(impl, Parameters(), c));
    }
    HttpReply predict(const std::string& graph_json,
                      const std::string& body = R"({"data":{"ndarray":[[1.0]]}})",
                      ExecutorOptions options = {}) {
        GraphExecutor executor(graph_from_json(Json::parse(graph_json)), caller, &abtest, options);
        std::optional<HttpReply> out;
        executor.predict(body, [&](HttpReply r) {
            REQUIRE(!out);
            out = std::move(r);
        });
        REQUIRE(out);
        return *out;
    }
};

double value_of(const HttpReply& reply) {
    REQUIRE(reply.status == 200);
    return Json::parse(reply.body)["data"]["ndarray"][0][0].get<double>();
}

}  // namespace

TEST_CASE("transformer -> model (graph-metadata/input-transformer)", "[executor]") {
    Harness h;
    h.step("input-transformer", 1, 1);
    h.step("model", 10, 0);
    const HttpReply r = h.predict(
        R"({"name":"input-transformer","type":"TRANSFORMER","children":[{"name":"model","type":"MODEL"}]})");
    CHECK(value_of(r) == 20.0);
    CHECK(h.log == Log{"input-transformer transform-input", "model predict"});
    CHECK(Json::parse(r.body)["meta"]["requestPath"] ==
          Json::parse(R"({"input-transformer":"input-transformer:1","model":"model:1"})"));
}

TEST_CASE("output transformer applies after its children (graph_examples/tin-model-tout)",
          "[executor]") {
    Harness h;
    h.step("output-transformer", 1, 100);
    h.step("input-transformer", 1, 1);
    h.step("model", 10, 0);
    const HttpReply r =
        h.predict(R"({"name":"output-transformer","type":"OUTPUT_TRANSFORMER","children":[
        {"name":"input-transformer","type":"TRANSFORMER","children":[{"name":"model","type":"MODEL"}]}]})");
    CHECK(value_of(r) == 120.0);
    CHECK(h.log == Log{"input-transformer transform-input", "model predict",
                       "output-transformer transform-output"});
}

TEST_CASE("combiner over 2 and 3 models (graph_examples/combiner)", "[executor]") {
    Harness h;
    h.builtin("combiner", "average-combiner");
    h.step("model-1", 2, 0);
    h.step("model-2", 4, 0);
    h.step("model-3", 6, 0);
    CHECK(value_of(h.predict(R"({"name":"combiner","type":"COMBINER","children":[
        {"name":"model-1","type":"MODEL"},{"name":"model-2","type":"MODEL"}]})")) == 3.0);
    CHECK(value_of(h.predict(R"({"name":"combiner","type":"COMBINER","children":[
        {"name":"model-1","type":"MODEL"},{"name":"model-2","type":"MODEL"},{"name":"model-3","type":"MODEL"}]})")) ==
          4.0);
    // implementation AVERAGE_COMBINER without a type: the Go executor returns the first child.
    CHECK(value_of(h.predict(R"({"name":"combiner","implementation":"AVERAGE_COMBINER","children":[
        {"name":"model-1","type":"MODEL"},{"name":"model-2","type":"MODEL"}]})")) == 2.0);
}

TEST_CASE("router over 3 branches calls only the chosen child", "[executor]") {
    const std::string graph = R"({"name":"router","type":"ROUTER","children":[
        {"name":"a","type":"MODEL"},{"name":"b","type":"MODEL"},{"name":"c","type":"MODEL"}]})";
    Harness h;
    h.step("a", 1, 1);
    h.step("b", 1, 2);
    h.step("c", 1, 3);
    h.step("router", 1, 0, 2);
    CHECK(value_of(h.predict(graph)) == 4.0);
    CHECK(h.log == Log{"router route", "c predict"});
    // -1: all children, first child's output (no combiner).
    h.step("router", 1, 0, -1);
    h.log.clear();
    CHECK(value_of(h.predict(graph)) == 2.0);
    CHECK(h.log.size() == 4);
    // -2: the input is the answer.
    h.step("router", 1, 0, -2);
    h.log.clear();
    CHECK(value_of(h.predict(graph)) == 1.0);
    CHECK(h.log == Log{"router route"});
    // Out of range: an executor error, not a crash.
    h.step("router", 1, 0, 3);
    const HttpReply bad = h.predict(graph);
    CHECK(bad.status == 500);
    CHECK(Json::parse(bad.body)["status"]["status"] == "FAILURE");
    CHECK(bad.body.find("out of range") != std::string::npos);
}

TEST_CASE("nested graph with RANDOM_ABTEST (notebooks/resources/complex_graph)", "[executor]") {
    const std::string graph = R"({"name":"outlier-detector","type":"TRANSFORMER","children":[
        {"name":"random-abtest","implementation":"RANDOM_ABTEST","parameters":[{"name":"ratioA","type":"FLOAT","value":"0.3"}],
         "children":[
           {"name":"transformer","type":"TRANSFORMER","children":[{"name":"classifier-1","type":"MODEL"}]},
           {"name":"ensemble","type":"COMBINER","children":[
              {"name":"classifier-2","type":"MODEL"},{"name":"classifier-3","type":"MODEL"}]}]}]})";
    Harness h;
    h.step("outlier-detector", 1, 0);
    h.step("transformer", 1, 1);
    h.step("classifier-1", 10, 0);
    h.step("classifier-2", 2, 0);
    h.step("classifier-3", 4, 0);
    h.builtin("ensemble", "average-combiner");
    int a = 0;
    for (int i = 0; i < 1000; ++i) {
        const double v = value_of(h.predict(graph));
        REQUIRE((v == 20.0 || v == 3.0));
        a += v == 20.0;
    }
    CHECK(a == Approx(300).margin(50));
}

TEST_CASE("a MODEL with children is a chain (graph-metadata/two-levels)", "[executor]") {
    Harness h;
    h.step("node-one", 2, 0);
    h.step("node-two", 1, 5);
    CHECK(
        value_of(h.predict(
            R"({"name":"node-one","type":"MODEL","children":[{"name":"node-two","type":"MODEL"}]})")) ==
        7.0);
}

TEST_CASE("errors propagate with their status, first failing child wins", "[executor]") {
    const std::string graph = R"({"name":"combiner","type":"COMBINER","children":[
        {"name":"a","type":"MODEL"},{"name":"b","type":"MODEL"},{"name":"c","type":"MODEL"}]})";
    Harness h;
    h.builtin("combiner", "average-combiner");
    h.step("a", 1, 0);
    h.step("b", 1, 0);
    h.step("c", 1, 0);
    h.failures["c"] = {503, "c down"};
    h.failures["b"] = {400, "b bad"};
    CHECK(h.predict(graph) == HttpReply{400, "b bad"});
    h.failures.erase("b");
    h.failures["c"] = {kTransportFailure, "dial tcp 10.0.0.3:9000: connection refused"};
    CHECK(
        h.predict(graph) ==
        HttpReply{
            500,
            R"({"status":{"code":500,"info":"dial tcp 10.0.0.3:9000: connection refused","status":"FAILURE"}})"});
    // A bad body reaches the first component, which answers with the wrapper's 400.
    h.failures.clear();
    const HttpReply bad = h.predict(graph, "not json");
    CHECK(bad.status == 400);
    CHECK(bad.body.find("Can't find JSON in data") != std::string::npos);
}

TEST_CASE("feedback walks routed children, calling MODEL and ROUTER nodes", "[executor]") {
    const std::string graph_json = R"({"name":"router","type":"ROUTER","children":[
        {"name":"a","type":"MODEL"},{"name":"b","type":"MODEL"}]})";
    Harness h;
    h.step("a", 1, 0);
    h.step("b", 1, 0);
    h.step("router", 1, 0, 1);
    const HttpReply response =
        h.predict(graph_json, R"({"data":{"ndarray":[[1.0]]}})", {.inject_routing = true});
    const Json routed = Json::parse(response.body);
    CHECK(routed["meta"]["routing"] ==
          Json::parse(R"({"b":-1,"router":1})"));  // visited nodes only
    h.log.clear();
    GraphExecutor executor(graph_from_json(Json::parse(graph_json)), h.caller, &h.abtest);
    const Json feedback = {
        {"request", {{"data", {{"ndarray", {{1.0}}}}}}}, {"response", routed}, {"reward", 1.0}};
    std::optional<HttpReply> out;
    executor.feedback(feedback.dump(), [&](HttpReply r) { out = r; });
    REQUIRE(out);
    CHECK(out->status == 200);
    CHECK(h.log == Log{"b feedback -1", "router feedback 1"});
    // Without routing: every child, then the router.
    h.log.clear();
    executor.feedback(R"({"request":{"data":{"ndarray":[[1]]}},"reward":0})",
                      [&](HttpReply r) { out = r; });
    CHECK(h.log == Log{"a feedback", "b feedback", "router feedback"});
    executor.feedback("nope", [&](HttpReply r) { out = r; });
    CHECK(out->status == 500);
}

TEST_CASE("the executor HTML-escapes its final body like Go's json.HTMLEscape", "[executor]") {
    CHECK(html_escape_json(R"({"strData":"a<b>&c\u2028"})") ==
          R"({"strData":"a\u003cb\u003e\u0026c\u2028"})");
    CHECK(html_escape_json("x\xE2\x80\xA8y\xE2\x80\xA9") == R"(x\u2028y\u2029)");
    Harness h;
    h.builtin("echo", "echo");
    const HttpReply r = h.predict(R"({"name":"echo","type":"MODEL"})", R"({"strData":"<b>"})");
    CHECK(r.body.find(R"("strData":"\u003cb\u003e")") != std::string::npos);
}

TEST_CASE("route values: ndarray, nested ndarray, tensor, bare list", "[executor]") {
    int r = 0;
    CHECK((parse_route(R"({"data":{"ndarray":[[2]]}})", r) && r == 2));
    CHECK((parse_route(R"({"data":{"ndarray":[1]}})", r) && r == 1));
    CHECK((parse_route(R"({"data":{"tensor":{"shape":[1,1],"values":[0]}}})", r) && r == 0));
    CHECK((parse_route("[-2]", r) && r == -2));
    CHECK(!parse_route(R"({"strData":"1"})", r));
    CHECK(!parse_route("x", r));
}

// ---- property: every request ends in exactly one response or one error --------------------

namespace {

// Queues calls; the test answers them in an arbitrary order.
struct DeferredCaller final : ComponentCaller {
    struct Pending {
        std::string node;
        Method method;
        std::string body;
        std::function<void(HttpReply)> done;
    };
    std::deque<Pending> pending;
    void call(const PredictiveUnit& node, Method method, std::string body,
              std::function<void(HttpReply)> done) override {
        pending.push_back({node.name, method, std::move(body), std::move(done)});
    }
};

PredictiveUnit random_graph(int depth, int& counter) {
    static const std::vector<std::string> types{"MODEL",  "TRANSFORMER", "OUTPUT_TRANSFORMER",
                                                "ROUTER", "COMBINER",    ""};
    PredictiveUnit unit;
    unit.name = "n" + std::to_string(counter++);
    unit.type = *rc::gen::elementOf(types);
    if (unit.type.empty() && *rc::gen::arbitrary<bool>()) unit.implementation = "RANDOM_ABTEST";
    const int children = depth >= 4 ? 0 : *rc::gen::inRange(0, 4);
    for (int i = 0; i < children; ++i)
        unit.children.push_back(random_graph(depth + 1, counter));
    return unit;
}

}  // namespace

TEST_CASE("random graphs with random failures: exactly one answer per request",
          "[executor][property]") {
    rc::prop("one response or one error", [] {
        int counter = 0;
        const PredictiveUnit graph = random_graph(1, counter);
        DeferredCaller caller;
        sim::kernel::Random random =
            sim::kernel::Random::stream(*rc::gen::inRange(0, 1000), "abtest");
        GraphExecutor executor(graph, caller, &random);
        int answers = 0;
        HttpReply last;
        const bool feedback = *rc::gen::arbitrary<bool>();
        const auto done = [&](HttpReply r) {
            ++answers;
            last = std::move(r);
        };
        if (feedback) {
            executor.feedback(R"({"request":{"data":{"ndarray":[[1]]}},"reward":1})", done);
        } else {
            executor.predict(R"({"data":{"ndarray":[[1]]}})", done);
        }
        int calls = 0;
        while (!caller.pending.empty()) {
            RC_ASSERT(answers == 0);
            RC_ASSERT(++calls < 10000);
            const auto index =
                static_cast<std::size_t>(*rc::gen::inRange<std::size_t>(0, caller.pending.size()));
            DeferredCaller::Pending p = std::move(caller.pending[index]);
            caller.pending.erase(caller.pending.begin() + static_cast<std::ptrdiff_t>(index));
            const int outcome = *rc::gen::inRange(0, 10);
            if (outcome == 0) {
                p.done({kTransportFailure, "timeout"});
            } else if (outcome == 1) {
                p.done(
                    {400,
                     R"({"status":{"code":-1,"info":"bad","reason":"MICROSERVICE_BAD_DATA","status":1}})"});
            } else if (p.method == Method::kRoute) {
                const int route = *rc::gen::inRange(-3, 5);
                p.done({200, "[[" + std::to_string(route) + "]]"});
            } else {
                p.done({200, R"({"data":{"ndarray":[[1]]}})"});
            }
        }
        RC_ASSERT(answers == 1);
        RC_ASSERT((last.status == 200 || last.status == 400 || last.status == 500));
    });
}

// ---- end to end with the built-in components -----------------------------------------------

namespace {

std::shared_ptr<const model::SentimentModel> load_fixture(const std::string& uri) {
    static std::map<std::string, std::shared_ptr<const model::SentimentModel>> cache;
    auto& slot = cache[uri];
    if (!slot) slot = std::make_shared<const model::SentimentModel>(model::load_model_file(uri));
    return slot;
}

struct Cluster {
    std::map<std::string, std::unique_ptr<ComponentServer>> servers;
    std::map<std::string, std::unique_ptr<sim::kernel::Random>> streams;
    DirectCaller caller;
    void add(const std::string& node, std::string_view impl,
             std::vector<Parameter> parameters = {}) {
        streams[node] =
            std::make_unique<sim::kernel::Random>(sim::kernel::Random::stream(42, "node/" + node));
        ComponentContext c;
        c.random = streams[node].get();
        c.load_model = load_fixture;
        c.default_model_uri = SIM_SOURCE_DIR "/fixtures/models/sentiment-v1.json";
        servers[node] = std::make_unique<ComponentServer>(
            node, node + ":1.0",
            make_builtin_component(impl, Parameters(std::move(parameters)), c));
        caller.add(node, *servers[node]);
    }
};

}  // namespace

TEST_CASE("A/B test of two model versions through RANDOM_ABTEST", "[executor][e2e]") {
    Cluster c;
    c.add("v1", "sentiment-model", {{"method", "STRING", "predict_proba"}});
    c.add("v2", "sentiment-model",
          {{"method", "STRING", "predict_proba"},
           {"model", "STRING", SIM_SOURCE_DIR "/fixtures/models/sentiment-v2.json"}});
    sim::kernel::Random abtest = sim::kernel::Random::stream(42, "executor/abtest");
    GraphExecutor executor(
        graph_from_json(Json::parse(R"({"name":"ab","implementation":"RANDOM_ABTEST",
        "parameters":[{"name":"ratioA","type":"FLOAT","value":"0.9"}],
        "children":[{"name":"v1","type":"MODEL"},{"name":"v2","type":"MODEL"}]})")),
        c.caller, &abtest);
    std::map<std::string, int> served;
    for (int i = 0; i < 500; ++i) {
        executor.predict(R"({"data":{"ndarray":[["This is absolutely amazing!"]]}})",
                         [&](HttpReply r) {
                             REQUIRE(r.status == 200);
                             const Json body = Json::parse(r.body);
                             CHECK(body["data"]["names"] == Json::parse(R"(["t:0","t:1","t:2"])"));
                             for (const auto& [node, image] : body["meta"]["requestPath"].items())
                                 ++served[node];
                         });
    }
    CHECK(served["v1"] + served["v2"] == 500);
    CHECK(served["v1"] == Approx(450).margin(25));
}

TEST_CASE("an epsilon-greedy router learns from feedback through the executor", "[executor][e2e]") {
    Cluster c;
    c.add("eg", "epsilon-greedy", {{"n_branches", "INT", "3"}, {"epsilon", "FLOAT", "0.05"}});
    for (const char* m : {"a", "b", "c"})
        c.add(m, "echo");
    GraphExecutor executor(graph_from_json(Json::parse(R"({"name":"eg","type":"ROUTER","children":[
        {"name":"a","type":"MODEL"},{"name":"b","type":"MODEL"},{"name":"c","type":"MODEL"}]})")),
                           c.caller, nullptr, {.inject_routing = true});
    // Branch b pays off 80 % of the time, the others 20 %.
    sim::kernel::Random rewards = sim::kernel::Random::stream(42, "rewards");
    int b_late = 0;
    for (int i = 0; i < 2000; ++i) {
        const std::string request = R"({"data":{"ndarray":[[1]]}})";
        Json response;
        executor.predict(request, [&](HttpReply r) {
            REQUIRE(r.status == 200);
            response = Json::parse(r.body);
        });
        const int branch = response["meta"]["routing"]["eg"].get<int>();
        if (i >= 1000 && branch == 1) ++b_late;
        const double reward = rewards.bernoulli(branch == 1 ? 0.8 : 0.2) ? 1.0 : 0.0;
        const Json feedback = {
            {"request", Json::parse(request)}, {"response", response}, {"reward", reward}};
        executor.feedback(feedback.dump(), [&](HttpReply r) { REQUIRE(r.status == 200); });
    }
    CHECK(b_late >= 900);
}
