#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "sim/kube/selectors.hpp"

using namespace sim::kube;
using namespace kube_test;

TEST_CASE("label selector forms parse and match like labels.Parse") {
    const Labels web{{"app", "web"}, {"tier", "front"}, {"n", "7"}};
    const Labels db{{"app", "db"}};
    CHECK(LabelSelector::parse("app=web").matches(web));
    CHECK(LabelSelector::parse("app==web").matches(web));
    CHECK_FALSE(LabelSelector::parse("app=web").matches(db));
    CHECK(LabelSelector::parse("app!=web").matches(db));
    CHECK(LabelSelector::parse("tier!=back").matches(db));  // != matches a missing key
    CHECK(LabelSelector::parse("app in (web, db)").matches(db));
    CHECK_FALSE(LabelSelector::parse("tier in (front)").matches(db));  // in needs the key
    CHECK(LabelSelector::parse("tier notin (front)").matches(db));
    CHECK_FALSE(LabelSelector::parse("tier notin (front)").matches(web));
    CHECK(LabelSelector::parse("tier").matches(web));
    CHECK_FALSE(LabelSelector::parse("tier").matches(db));
    CHECK(LabelSelector::parse("!tier").matches(db));
    CHECK(LabelSelector::parse("n>5").matches(web));
    CHECK_FALSE(LabelSelector::parse("n<5").matches(web));
    CHECK(LabelSelector::parse("app=web,tier=front").matches(web));
    CHECK_FALSE(LabelSelector::parse("app=web,tier=back").matches(web));
    CHECK(LabelSelector::parse("").matches(db));
    CHECK(LabelSelector::parse("  app = web ").matches(web));
}

TEST_CASE("label selectors print sorted by key, values sorted") {
    CHECK(LabelSelector::parse("tier in (b,a),app=web,!x").to_string() ==
          "app=web,tier in (a,b),!x");
    const auto s = LabelSelector::from_json(Json::parse(
        R"({"matchLabels":{"app":"web"},"matchExpressions":[{"key":"env","operator":"NotIn","values":["prod","dev"]}]})"));
    CHECK(s.to_string() == "app=web,env notin (dev,prod)");
    CHECK(LabelSelector::from_json(Json(nullptr)).is_nothing());
    CHECK_FALSE(LabelSelector::from_json(Json(nullptr)).matches(Labels{}));
    CHECK(LabelSelector::from_json(Json::object()).matches(Labels{{"a", "b"}}));
}

TEST_CASE("malformed label selectors are 400 with the parser's message") {
    const auto message = [](const char* text) {
        try {
            LabelSelector::parse(text);
        } catch (const ApiError& e) {
            CHECK(e.code() == 400);
            CHECK(e.reason() == "BadRequest");
            return e.message();
        }
        return std::string("parsed");
    };
    CHECK(message("app in web") == "found 'web', expected: '('");
    CHECK(message("app=web,") == "found '', expected: identifier after ','");
    CHECK(message("=web") == "found '=', expected: !, identifier, or 'end of string'");
    CHECK(message("app in ()") ==
          "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be "
          "empty");
    CHECK(
        message("n>x") ==
        "values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer");
    CHECK(message("a b") == "found 'b', expected: in, notin, =, ==, !=, gt, lt");
}

TEST_CASE("field selectors parse with escapes and check supported fields per kind") {
    const auto s = FieldSelector::parse("metadata.name=a\\,b,status.phase!=Running");
    REQUIRE(s.requirements().size() == 2);
    CHECK(s.requirements()[0].value == "a,b");
    CHECK_FALSE(s.requirements()[1].equals);
    const Registry reg = Registry::standard();
    CHECK_NOTHROW(s.check_supported(*reg.find("", "pods")));
    try {
        s.check_supported(*reg.find("apps", "deployments"));
        FAIL("expected 400");
    } catch (const ApiError& e) {
        CHECK(e.status() ==
              Json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
            "message":"field label not supported: status.phase","reason":"BadRequest","code":400})"));
    }
    CHECK_THROWS_AS(FieldSelector::parse("nonsense"), ApiError);
}

TEST_CASE("field selectors match pods, events and nodes") {
    const Json p = Json::parse(R"({"metadata":{"name":"a","namespace":"default"},
        "spec":{"nodeName":"n1"},"status":{"phase":"Running"}})");
    CHECK(FieldSelector::parse("spec.nodeName=n1,status.phase=Running").matches(p));
    CHECK(FieldSelector::parse("spec.nodeName!=n2").matches(p));
    CHECK(FieldSelector::parse("spec.hostNetwork=false").matches(p));
    CHECK_FALSE(FieldSelector::parse("metadata.name=b").matches(p));
    const Json ev =
        Json::parse(R"({"metadata":{"name":"e"},"involvedObject":{"kind":"Deployment","name":"web"},
        "source":{"component":"deployment-controller"},"type":"Normal"})");
    CHECK(FieldSelector::parse("involvedObject.kind=Deployment,source=deployment-controller")
              .matches(ev));
}

TEST_CASE("list filters by label and field selector, bad selectors are 400") {
    Cluster c;
    for (const char* n : {"a", "b", "c"}) {
        Json p = pod(n, std::string(n) == "b" ? "node-1" : "");
        if (std::string(n) == "c") p["metadata"]["labels"]["app"] = "db";
        REQUIRE(c.client.create(p).ok());
    }
    const auto web = c.client.list(refs::kPods.in("default"), {.label_selector = "app=web"});
    REQUIRE(web.ok());
    CHECK(web.value()["items"].size() == 2);
    const auto on_node =
        c.client.list(refs::kPods.in("default"), {.field_selector = "spec.nodeName=node-1"});
    REQUIRE(on_node.value()["items"].size() == 1);
    CHECK(on_node.value()["items"][0]["metadata"]["name"] == "b");
    CHECK(c.client.list(refs::kPods, {.field_selector = "spec.foo=x"}).error().message() ==
          "field label not supported: spec.foo");
    CHECK(c.client.list(refs::kPods, {.label_selector = "app in"}).code() == 400);
}
