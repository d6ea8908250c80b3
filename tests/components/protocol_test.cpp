#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include "components/protocol/message.hpp"

using namespace components::protocol;

TEST_CASE("every data shape parses and serialises with sorted keys", "[protocol]") {
    const std::string ndarray = R"({"data":{"names":["a","b"],"ndarray":[[1,2],[3,4]]}})";
    const SeldonMessage m = parse_message(ndarray);
    CHECK(m.payload == SeldonMessage::Payload::kData);
    CHECK(m.data.kind == DefaultData::Kind::kNdarray);
    CHECK(m.data.names == std::vector<std::string>{"a", "b"});
    CHECK(serialize(m) == ndarray);
    const Array a = array_from_data(m.data);
    CHECK(a.shape == std::vector<std::size_t>{2, 2});
    CHECK(a.numeric);

    const SeldonMessage t =
        parse_message(R"({"data":{"tensor":{"shape":[1,2],"values":[1,2.5]}}})");
    CHECK(t.data.kind == DefaultData::Kind::kTensor);
    CHECK(t.data.tensor.shape == std::vector<std::int64_t>{1, 2});
    CHECK(serialize(t) == R"({"data":{"tensor":{"shape":[1,2],"values":[1.0,2.5]}}})");
    CHECK(array_from_data(t.data).values == Json::parse("[[1.0,2.5]]"));

    CHECK(serialize(parse_message(R"({"strData":"hello"})")) == R"({"strData":"hello"})");
    CHECK(serialize(parse_message(R"({"jsonData":{"z":1,"a":[true,null]}})")) ==
          R"({"jsonData":{"a":[true,null],"z":1}})");
    CHECK(serialize(parse_message(R"({"binData":"aGk="})")) == R"({"binData":"aGk="})");
    // Non-ASCII is escaped as Flask's jsonify does.
    CHECK(serialize(parse_message(R"({"strData":"café"})")) == R"({"strData":"caf\u00e9"})");
}

TEST_CASE("meta and status fields", "[protocol]") {
    const std::string body =
        R"({"meta":{"metrics":[{"key":"c","type":"COUNTER","value":1.0},{"key":"t","tags":{"k":"v"},"type":"TIMER","value":20.5}],)"
        R"("puid":"p1","requestPath":{"m":"img:1"},"routing":{"r":2},"tags":{"x":[1]}},)"
        R"("status":{"code":200,"info":"ok","reason":"","status":"SUCCESS"}})";
    const SeldonMessage m = parse_message(body);
    REQUIRE(m.meta);
    CHECK(m.meta->puid == "p1");
    CHECK(m.meta->routing.at("r") == 2);
    CHECK(m.meta->request_path.at("m") == "img:1");
    REQUIRE(m.meta->metrics.size() == 2);
    CHECK(m.meta->metrics[1].type == MetricType::kTimer);
    CHECK(m.meta->metrics[1].tags.at("k") == "v");
    CHECK(m.status->code == 200);
    CHECK(serialize(m) == body);
    // The wrapper's numeric FAILURE status reads as "FAILURE".
    CHECK(parse_message(R"({"status":{"status":1}})").status->status == "FAILURE");
}

TEST_CASE("feedback and message lists", "[protocol]") {
    const Feedback f = parse_feedback(
        R"({"request":{"data":{"ndarray":[["x"]]}},"response":{"meta":{"routing":{"eg":1}}},"reward":1,"truth":{"data":{"ndarray":[[1]]}}})");
    CHECK(f.reward == 1.0);
    CHECK(f.response->meta->routing.at("eg") == 1);
    CHECK(f.truth->payload == SeldonMessage::Payload::kData);
    CHECK(feedback_from_json(to_json(f)) == f);
    CHECK(parse_message_list(R"([{"strData":"a"},{"strData":"b"}])").size() == 2);
    CHECK(parse_message_list(R"({"seldonMessages":[{"strData":"a"}]})").size() == 1);
}

TEST_CASE("bad bodies give the wrapper's 400 MICROSERVICE_BAD_DATA", "[protocol]") {
    const auto error_of = [](auto&& f) -> std::string {
        try {
            f();
        } catch (const MicroserviceError& e) {
            CHECK(e.http_status() == 400);
            CHECK(e.reason() == "MICROSERVICE_BAD_DATA");
            return e.what();
        }
        FAIL("no error");
        return "";
    };
    CHECK(error_of([] { parse_message("not json"); }) == "Can't find JSON in data");
    CHECK(error_of([] { parse_message("[1]"); }).find("expected a JSON object") !=
          std::string::npos);
    CHECK(error_of([] { parse_message(R"({"data":{"names":"a"}})"); }).find("data.names") !=
          std::string::npos);
    CHECK(error_of([] {
              parse_message(R"({"data":{"tensor":{"values":["x"]}}})");
          }).find("data.tensor.values[0]") != std::string::npos);
    CHECK(error_of([] { parse_message(R"({"data":{"ndarray":{"a":1}}})"); }).find("data.ndarray") !=
          std::string::npos);
    CHECK(error_of([] {
              parse_message(R"({"meta":{"routing":{"r":"x"}}})");
          }).find("meta.routing.r") != std::string::npos);
    CHECK(error_of([] {
              parse_message(R"({"meta":{"metrics":[{"type":"HISTOGRAM"}]}})");
          }).find("COUNTER, GAUGE or TIMER") != std::string::npos);
    CHECK(error_of([] { parse_message(R"({"strData":5})"); }).find("strData") != std::string::npos);
    CHECK(error_of([] {
              array_from_data(parse_message(R"({"data":{"ndarray":[[1,2],[3]]}})").data);
          }).find("Ragged") != std::string::npos);
    CHECK(error_of([] {
              array_from_data(parse_message(R"({"data":{"ndarray":[1,[2]]}})").data);
          }).find("Ragged") != std::string::npos);
    CHECK(error_of([] {
              array_from_data(
                  parse_message(R"({"data":{"tensor":{"shape":[2,2],"values":[1,2,3]}}})").data);
          }).find("shape") != std::string::npos);
}

TEST_CASE("error bodies are byte-exact", "[protocol]") {
    CHECK(
        wrapper_error_body("Can't find JSON in data", kBadData) ==
        R"({"status":{"code":-1,"info":"Can't find JSON in data","reason":"MICROSERVICE_BAD_DATA","status":1}})");
    CHECK(executor_error_body("dial tcp: connection refused") ==
          R"({"status":{"code":500,"info":"dial tcp: connection refused","status":"FAILURE"}})");
}

// ---- property: any SeldonMessage round-trips through JSON ---------------------------------

namespace {

rc::Gen<std::string> gen_text() {
    return rc::gen::container<std::string>(rc::gen::elementOf(std::string("ab z\"\\\n{}:,\x01~")));
}

rc::Gen<Json> gen_json(int depth) {
    auto leaf = rc::gen::oneOf(
        rc::gen::just(Json(nullptr)),
        rc::gen::map(rc::gen::arbitrary<bool>(), [](bool b) { return Json(b); }),
        rc::gen::map(rc::gen::inRange(-1000, 1000), [](int i) { return Json(i); }),
        rc::gen::map(rc::gen::inRange(-1000, 1000), [](int i) { return Json(i / 8.0); }),
        rc::gen::map(gen_text(), [](std::string s) { return Json(s); }));
    if (depth == 0) return leaf;
    return rc::gen::oneOf(
        leaf,
        rc::gen::map(rc::gen::container<std::vector<Json>>(rc::gen::resize(4, gen_json(depth - 1))),
                     [](std::vector<Json> v) { return Json(v); }),
        rc::gen::map(rc::gen::container<std::map<std::string, Json>>(
                         rc::gen::resize(4, gen_text()), rc::gen::resize(4, gen_json(depth - 1))),
                     [](std::map<std::string, Json> m) { return Json(m); }));
}

rc::Gen<double> gen_double() {
    return rc::gen::map(rc::gen::inRange(-100000, 100000), [](int i) { return i / 64.0; });
}

rc::Gen<SeldonMessage> gen_message() {
    return rc::gen::exec([] {
        SeldonMessage m;
        const int payload = *rc::gen::inRange(0, 5);
        m.payload = static_cast<SeldonMessage::Payload>(payload);
        switch (m.payload) {
            case SeldonMessage::Payload::kData: {
                m.data.has_names = *rc::gen::arbitrary<bool>();
                if (m.data.has_names)
                    m.data.names = *rc::gen::resize(
                        5, rc::gen::container<std::vector<std::string>>(gen_text()));
                const int kind = *rc::gen::inRange(0, 3);
                if (kind == 1) {
                    m.data.kind = DefaultData::Kind::kTensor;
                    const auto rows = *rc::gen::inRange(0, 4);
                    const auto cols = *rc::gen::inRange(0, 4);
                    m.data.tensor.shape = {rows, cols};
                    m.data.tensor.values = *rc::gen::container<std::vector<double>>(
                        static_cast<std::size_t>(rows * cols), gen_double());
                } else if (kind == 2) {
                    m.data.kind = DefaultData::Kind::kNdarray;
                    m.data.ndarray = *rc::gen::map(
                        rc::gen::container<std::vector<Json>>(rc::gen::resize(4, gen_json(2))),
                        [](std::vector<Json> v) { return Json(v); });
                }
                break;
            }
            case SeldonMessage::Payload::kStrData:
                m.str_data = *gen_text();
                break;
            case SeldonMessage::Payload::kBinData:
                m.bin_data = *gen_text();
                break;
            case SeldonMessage::Payload::kJsonData:
                m.json_data = *gen_json(3);
                break;
            case SeldonMessage::Payload::kNone:
                break;
        }
        if (*rc::gen::arbitrary<bool>()) {
            Meta meta;
            if (*rc::gen::arbitrary<bool>()) meta.puid = *gen_text();
            meta.tags = *rc::gen::map(rc::gen::container<std::map<std::string, Json>>(
                                          rc::gen::resize(3, gen_text()), gen_json(1)),
                                      [](std::map<std::string, Json> t) { return Json(t); });
            meta.routing = *rc::gen::container<std::map<std::string, std::int32_t>>(
                gen_text(), rc::gen::inRange(-2, 5));
            meta.request_path =
                *rc::gen::container<std::map<std::string, std::string>>(gen_text(), gen_text());
            const auto n = *rc::gen::inRange(0, 3);
            for (int i = 0; i < n; ++i) {
                Metric metric;
                metric.key = *gen_text();
                metric.type = static_cast<MetricType>(*rc::gen::inRange(0, 3));
                metric.value = *gen_double();
                metric.tags =
                    *rc::gen::container<std::map<std::string, std::string>>(gen_text(), gen_text());
                meta.metrics.push_back(metric);
            }
            m.meta = meta;
        }
        if (*rc::gen::arbitrary<bool>()) {
            Status s;
            s.code = *rc::gen::inRange(-1, 600);
            s.info = *gen_text();
            s.reason = *gen_text();
            s.status = *rc::gen::element(std::string("SUCCESS"), std::string("FAILURE"));
            m.status = s;
        }
        return m;
    });
}

}  // namespace

TEST_CASE("any SeldonMessage round-trips through JSON", "[protocol][property]") {
    rc::prop("parse(serialize(m)) == m", [] {
        const SeldonMessage m = *gen_message();
        const std::string body = serialize(m);
        const SeldonMessage back = parse_message(body);
        RC_ASSERT(back == m);
        RC_ASSERT(serialize(back) == body);
    });
}
