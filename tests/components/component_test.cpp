#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include <map>
#include <memory>

#include "components/builtins.hpp"
#include "components/component.hpp"
#include "components/model/model.hpp"

using namespace components;
using protocol::Json;

namespace {

std::shared_ptr<const model::SentimentModel> fixture_model(const std::string& uri) {
    static std::map<std::string, std::shared_ptr<const model::SentimentModel>> cache;
    auto& slot = cache[uri];
    if (!slot) slot = std::make_shared<const model::SentimentModel>(model::load_model_file(uri));
    return slot;
}

ComponentContext context(sim::kernel::Random* random = nullptr) {
    ComponentContext c;
    c.random = random;
    c.load_model = fixture_model;
    c.default_model_uri = SIM_SOURCE_DIR "/fixtures/models/sentiment-v1.json";
    return c;
}

ComponentServer server(std::string_view name, std::vector<Parameter> parameters = {},
                       sim::kernel::Random* random = nullptr, std::string unit = "classifier",
                       std::string image = "sentiment-seldon:latest") {
    return ComponentServer(
        unit, image,
        make_builtin_component(name, Parameters(std::move(parameters)), context(random)));
}

}  // namespace

TEST_CASE("sentiment-model answers like the reference wrapper", "[components]") {
    ComponentServer s = server("sentiment-model");
    const HttpReply reply =
        s.handle(Method::kPredict, R"({"data":{"ndarray":[["This is amazing!"]]}})");
    CHECK(reply.status == 200);
    CHECK(
        reply.body ==
        R"({"data":{"names":[],"ndarray":["positive"]},"meta":{"requestPath":{"classifier":"sentiment-seldon:latest"}}})");
    // 1-D input, several texts, in order.
    const HttpReply many =
        s.handle(Method::kPredict,
                 R"({"data":{"ndarray":["This is terrible and awful.","It works fine"]}})");
    CHECK(Json::parse(many.body)["data"]["ndarray"] == Json::parse(R"(["negative","neutral"])"));
}

TEST_CASE("sentiment-model with method predict_proba gives names t:0..t:2", "[components]") {
    ComponentServer s = server("sentiment-model", {{"method", "STRING", "predict_proba"}});
    const Json body =
        Json::parse(s.handle(Method::kPredict, R"({"data":{"ndarray":[["Not good"]]}})").body);
    CHECK(body["data"]["names"] == Json::parse(R"(["t:0","t:1","t:2"])"));
    const Json& row = body["data"]["ndarray"][0];
    REQUIRE(row.size() == 3);
    CHECK(row[0].get<double>() + row[1].get<double>() + row[2].get<double>() == Approx(1.0));
    CHECK_THROWS_WITH(server("sentiment-model", {{"method", "STRING", "explain"}}),
                      Catch::Contains("predict or predict_proba"));
}

TEST_CASE("bad bodies get the wrapper's errors, never a crash", "[components]") {
    ComponentServer s = server("sentiment-model");
    CHECK(
        s.handle(Method::kPredict, "{oops") ==
        HttpReply{
            400,
            R"({"status":{"code":-1,"info":"Can't find JSON in data","reason":"MICROSERVICE_BAD_DATA","status":1}})"});
    const HttpReply ragged =
        s.handle(Method::kPredict, R"({"data":{"ndarray":[["a","b"],["c"]]}})");
    CHECK(ragged.status == 400);
    CHECK(ragged.body.find("Ragged") != std::string::npos);
    const HttpReply tensor =
        s.handle(Method::kPredict, R"({"data":{"tensor":{"shape":[3],"values":[1]}}})");
    CHECK(tensor.status == 400);
    const HttpReply no_data = s.handle(Method::kPredict, R"({"meta":{}})");
    CHECK(no_data.status == 400);
    CHECK(no_data.body.find("Can't find data") != std::string::npos);
    // Numbers are not texts: the pipeline itself fails -> 500 MICROSERVICE_INTERNAL_ERROR.
    const HttpReply numbers = s.handle(Method::kPredict, R"({"data":{"ndarray":[[1]]}})");
    CHECK(numbers.status == 500);
    CHECK(numbers.body.find("MICROSERVICE_INTERNAL_ERROR") != std::string::npos);
}

TEST_CASE("sklearn-server: predict_proba on a 1-D string array, 400 for 2-D", "[components]") {
    ComponentServer s =
        server("sklearn-server",
               {{"model_uri", "STRING", SIM_SOURCE_DIR "/fixtures/models/sentiment-v2.json"}});
    const Json ok =
        Json::parse(s.handle(Method::kPredict, R"({"data":{"ndarray":["great","awful"]}})").body);
    CHECK(ok["data"]["names"] == Json::parse(R"(["t:0","t:1","t:2"])"));
    CHECK(ok["data"]["ndarray"].size() == 2);
    const HttpReply two_d = s.handle(Method::kPredict, R"({"data":{"ndarray":[["great"]]}})");
    CHECK(two_d.status == 400);
    CHECK(
        two_d.body.find("Unknown data type returned as payload (must be list or np array):None") !=
        std::string::npos);
    ComponentServer labels = server("sklearn-server", {{"method", "STRING", "predict"}});
    CHECK(Json::parse(labels
                          .handle(Method::kPredict,
                                  R"({"data":{"ndarray":["This is terrible and awful."]}})")
                          .body)["data"] == Json::parse(R"({"names":[],"ndarray":["negative"]})"));
    ComponentServer scores = server("sklearn-server", {{"method", "STRING", "decision_function"}});
    const Json d =
        Json::parse(scores.handle(Method::kPredict, R"({"data":{"ndarray":["great"]}})").body);
    CHECK(d["data"]["ndarray"][0].size() == 3);
}

TEST_CASE("response meta: tags, puid, metrics kept, requestPath merged under the request's",
          "[components]") {
    ComponentServer s = server("echo", {}, nullptr, "node", "echo:1");
    const Json out = Json::parse(
        s.handle(Method::kPredict, R"({"data":{"tensor":{"shape":[1,2],"values":[1,2]}},)"
                                   R"("meta":{"puid":"abc","tags":{"t":1},"routing":{"r":0},)"
                                   R"("metrics":[{"key":"k","type":"GAUGE","value":3}],)"
                                   R"("requestPath":{"node":"other:2","up":"x:1"}}})")
            .body);
    CHECK(out["data"]["tensor"] == Json::parse(R"({"shape":[1,2],"values":[1.0,2.0]})"));
    CHECK(out["data"]["names"] == Json::parse(R"(["t:0","t:1"])"));
    CHECK(out["meta"]["puid"] == "abc");
    CHECK(out["meta"]["tags"] == Json::parse(R"({"t":1})"));
    CHECK(out["meta"]["requestPath"] == Json::parse(R"({"node":"other:2","up":"x:1"})"));
    CHECK(out["meta"]["metrics"].size() == 1);
    CHECK(!out["meta"].contains("routing"));
    // strData and jsonData come back as they went.
    CHECK(Json::parse(s.handle(Method::kPredict, R"({"strData":"hi"})").body)["strData"] == "hi");
    CHECK(Json::parse(s.handle(Method::kPredict, R"({"jsonData":{"a":1}})").body)["jsonData"] ==
          Json::parse(R"({"a":1})"));
}

namespace {
struct Custom final : Component {
    std::vector<protocol::Metric> custom;
    std::optional<ComponentOutput> predict(const ComponentInput& in) override {
        return ComponentOutput::of_array(in.array.values);
    }
    std::vector<protocol::Metric> metrics() override { return custom; }
    Json tags() override { return {{"t", 2}, {"mine", true}}; }
    std::optional<std::vector<std::string>> class_names() override {
        return std::vector<std::string>{"a", "b"};
    }
};
}  // namespace

TEST_CASE("custom metrics, tags and class names", "[components]") {
    auto custom = std::make_unique<Custom>();
    Custom* c = custom.get();
    c->custom = {{"requests", protocol::MetricType::kCounter, 1, {}},
                 {"latency", protocol::MetricType::kTimer, 20.5, {{"k", "v"}}}};
    ComponentServer s("m", "img", std::move(custom));
    const Json out = Json::parse(
        s.handle(Method::kPredict, R"({"data":{"ndarray":[[1,2]]},"meta":{"tags":{"t":1,"u":0}}})")
            .body);
    CHECK(out["data"]["names"] == Json::parse(R"(["a","b"])"));
    CHECK(out["meta"]["tags"] ==
          Json::parse(R"({"mine":true,"t":2,"u":0})"));  // the model's tags win
    CHECK(
        out["meta"]["metrics"] ==
        Json::parse(
            R"([{"key":"requests","type":"COUNTER","value":1.0},{"key":"latency","tags":{"k":"v"},"type":"TIMER","value":20.5}])"));
    c->custom = {{"", protocol::MetricType::kGauge, 1, {}}};
    const HttpReply bad = s.handle(Method::kPredict, R"({"data":{"ndarray":[[1,2]]}})");
    CHECK(bad.status == 500);
    CHECK(bad.body.find("MICROSERVICE_BAD_METRIC") != std::string::npos);
}

TEST_CASE("parameters are typed and validated like the wrapper", "[components]") {
    const Parameters p(
        {{"n", "INT", "3"}, {"x", "DOUBLE", "0.25"}, {"on", "BOOL", "yes"}, {"s", "STRING", "v"}});
    CHECK(p.get_int("n", 0) == 3);
    CHECK(p.get_double("x", 0) == 0.25);
    CHECK(p.get_double("n", 0) == 3.0);
    CHECK(p.get_bool("on", false));
    CHECK(p.get_string("s", "") == "v");
    CHECK(p.get_int("missing", 7) == 7);
    CHECK_THROWS_WITH(Parameters({{"n", "INT", "3.5"}}),
                      Catch::Contains("n") && Catch::Contains("INT"));
    CHECK_THROWS_WITH(Parameters({{"b", "BOOL", "maybe"}}), Catch::Contains("b"));
    CHECK_THROWS_WITH(Parameters({{"z", "COMPLEX", "1"}}), Catch::Contains("unknown type"));
    try {
        Parameters({{"n", "INT", "x"}});
    } catch (const protocol::MicroserviceError& e) {
        CHECK(e.reason() == "MICROSERVICE_BAD_PARAMETER");
    }
    sim::kernel::Random random = sim::kernel::Random::stream(1, "eg");
    CHECK_THROWS_WITH(server("epsilon-greedy", {}, &random), Catch::Contains("n_branches"));
    CHECK_THROWS_WITH(server("epsilon-greedy", {{"n_branches", "INT", "0"}}, &random),
                      Catch::Contains("n_branches"));
    CHECK_THROWS_WITH(
        server("epsilon-greedy", {{"n_branches", "INT", "2"}, {"alpha", "FLOAT", "1"}}, &random),
        Catch::Contains("unexpected keyword argument 'alpha'"));
    CHECK_THROWS_WITH(server("sklearn-server", {{"model_name", "STRING", "x"}}),
                      Catch::Contains("unexpected keyword argument 'model_name'"));
    // The reference SentimentClassifier takes **kwargs (model_name in its manifest).
    CHECK_NOTHROW(server("sentiment-model", {{"model_name", "STRING", "sentiment-classifier"}}));
}

TEST_CASE("average-combiner: element-wise mean, error on shape mismatch", "[components]") {
    ComponentServer s = server("average-combiner", {}, nullptr, "ensemble", "avg");
    const Json out = Json::parse(
        s.handle(Method::kAggregate,
                 R"([{"data":{"ndarray":[[0.2,0.8]]},"meta":{"requestPath":{"a":"1"}}},)"
                 R"({"data":{"ndarray":[[0.4,0.6]]},"meta":{"requestPath":{"b":"2"}}}])")
            .body);
    CHECK(out["data"]["ndarray"][0][0].get<double>() == Approx(0.3));
    CHECK(out["data"]["ndarray"][0][1].get<double>() == Approx(0.7));
    CHECK(out["meta"]["requestPath"] == Json::parse(R"({"a":"1","b":"2","ensemble":"avg"})"));
    const HttpReply bad = s.handle(
        Method::kAggregate, R"([{"data":{"ndarray":[[1,2]]}},{"data":{"ndarray":[[1,2,3]]}}])");
    CHECK(bad.status == 400);
    CHECK(bad.body.find("shape") != std::string::npos);
    CHECK(server("echo").handle(Method::kAggregate, R"([{"strData":"x"}])").status == 500);
}

TEST_CASE("random-abtest routes to child 0 with probability ratioA", "[components][routers]") {
    sim::kernel::Random random = sim::kernel::Random::stream(1, "abtest");
    ComponentServer s = server("random-abtest", {{"ratioA", "FLOAT", "0.25"}}, &random);
    int zeros = 0;
    for (int i = 0; i < 4000; ++i) {
        const Json out =
            Json::parse(s.handle(Method::kRoute, R"({"data":{"ndarray":[["x"]]}})").body);
        zeros += out["data"]["ndarray"][0][0].get<int>() == 0;
        if (i == 0) CHECK(out["data"]["names"] == Json::parse(R"(["t:0"])"));
    }
    CHECK(zeros == Approx(1000).margin(100));
}

namespace {

// Routes, then rewards the chosen branch with Bernoulli(p[branch]) through /send-feedback, as
// the executor would; returns how often the best branch was chosen in the last `measured` rounds.
double best_branch_share(ComponentServer& router, const std::vector<double>& p, int rounds,
                         int measured) {
    sim::kernel::Random rewards = sim::kernel::Random::stream(7, "rewards");
    const std::size_t best =
        static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
    int best_count = 0;
    for (int i = 0; i < rounds; ++i) {
        const HttpReply routed = router.handle(Method::kRoute, R"({"data":{"ndarray":[[1]]}})");
        REQUIRE(routed.status == 200);
        const int branch = Json::parse(routed.body)["data"]["ndarray"][0][0].get<int>();
        REQUIRE(branch >= 0);
        REQUIRE(static_cast<std::size_t>(branch) < p.size());
        if (i >= rounds - measured && static_cast<std::size_t>(branch) == best) ++best_count;
        const double reward = rewards.bernoulli(p[static_cast<std::size_t>(branch)]) ? 1.0 : 0.0;
        const Json feedback = {
            {"request", {{"data", {{"ndarray", {{1}}}}}}},
            {"response", {{"meta", {{"routing", {{router.unit_id(), branch}}}}}}},
            {"reward", reward}};
        REQUIRE(router.handle(Method::kSendFeedback, feedback.dump()).status == 200);
    }
    return static_cast<double>(best_count) / measured;
}

}  // namespace

TEST_CASE("epsilon-greedy picks the best branch >= 90% after 2,000 rounds",
          "[components][routers]") {
    sim::kernel::Random random = sim::kernel::Random::stream(42, "eg-router");
    // epsilon 0.05: Seldon's rule sends an epsilon share to the other branches, so the best
    // branch can get at most 1 - epsilon of the traffic.
    ComponentServer eg =
        server("epsilon-greedy", {{"n_branches", "INT", "3"}, {"epsilon", "FLOAT", "0.05"}},
               &random, "eg");
    const double share = best_branch_share(eg, {0.3, 0.5, 0.7}, 3000, 1000);
    CHECK(share >= 0.9);
    // Feedback without routing for this router is a bad request.
    CHECK(eg.handle(Method::kSendFeedback, R"({"request":{"data":{"ndarray":[[1]]}},"reward":1})")
              .status == 400);
}

TEST_CASE("thompson sampling picks the best branch >= 90% after 2,000 rounds",
          "[components][routers]") {
    sim::kernel::Random random = sim::kernel::Random::stream(42, "ts-router");
    ComponentServer ts = server("thompson-sampling", {{"n_branches", "INT", "3"}}, &random, "ts");
    CHECK(best_branch_share(ts, {0.3, 0.5, 0.7}, 3000, 1000) >= 0.9);
}

TEST_CASE("Beta draws have the right mean", "[components][routers]") {
    sim::kernel::Random random = sim::kernel::Random::stream(3, "beta");
    double sum = 0;
    for (int i = 0; i < 20000; ++i)
        sum += sample_beta(random, 2.0, 6.0);
    CHECK(sum / 20000 == Approx(0.25).margin(0.005));
    double small = 0;
    for (int i = 0; i < 20000; ++i)
        small += sample_beta(random, 0.5, 0.5);
    CHECK(small / 20000 == Approx(0.5).margin(0.01));
}

// ---- property: any body gets a response or the wrapper's error, never an exception --------

namespace {

rc::Gen<Json> arbitrary_json(int depth) {
    auto leaf =
        rc::gen::oneOf(rc::gen::just(Json(nullptr)),
                       rc::gen::map(rc::gen::arbitrary<bool>(), [](bool b) { return Json(b); }),
                       rc::gen::map(rc::gen::inRange(-5, 5), [](int i) { return Json(i); }),
                       rc::gen::map(rc::gen::elementOf(std::vector<std::string>{
                                        "", "ndarray", "tensor", "data", "text", "great"}),
                                    [](std::string s) { return Json(s); }));
    if (depth == 0) return leaf;
    const std::vector<std::string> keys{"data",    "ndarray", "tensor",   "shape",   "values",
                                        "names",   "strData", "jsonData", "binData", "meta",
                                        "routing", "tags",    "request",  "reward"};
    return rc::gen::oneOf(leaf,
                          rc::gen::map(rc::gen::container<std::vector<Json>>(
                                           rc::gen::resize(3, arbitrary_json(depth - 1))),
                                       [](std::vector<Json> v) { return Json(v); }),
                          rc::gen::map(rc::gen::container<std::map<std::string, Json>>(
                                           rc::gen::resize(3, rc::gen::elementOf(keys)),
                                           rc::gen::resize(3, arbitrary_json(depth - 1))),
                                       [](std::map<std::string, Json> m) { return Json(m); }));
}

}  // namespace

TEST_CASE("any body gets a response or the wrapper's error", "[components][property]") {
    sim::kernel::Random random = sim::kernel::Random::stream(5, "fuzz");
    std::vector<ComponentServer> servers;
    servers.push_back(server("sentiment-model"));
    servers.push_back(server("sklearn-server"));
    servers.push_back(server("echo"));
    servers.push_back(server("average-combiner"));
    servers.push_back(server("epsilon-greedy", {{"n_branches", "INT", "2"}}, &random, "eg"));
    servers.push_back(server("thompson-sampling", {{"n_branches", "INT", "2"}}, &random, "ts"));
    rc::prop("status 200, 400 or 500 with a JSON body", [&] {
        const bool raw = *rc::gen::arbitrary<bool>();
        const std::string body =
            raw ? *rc::gen::arbitrary<std::string>() : (*arbitrary_json(4)).dump();
        const auto method = static_cast<Method>(*rc::gen::inRange(0, 6));
        ComponentServer& s = servers[*rc::gen::inRange<std::size_t>(0, servers.size())];
        const HttpReply reply = s.handle(method, body);
        RC_ASSERT((reply.status == 200 || reply.status == 400 || reply.status == 500));
        const Json parsed = Json::parse(reply.body);
        if (reply.status != 200) {
            RC_ASSERT(parsed["status"]["status"] == 1);
            RC_ASSERT(parsed["status"]["code"] == -1);
        }
    });
}
