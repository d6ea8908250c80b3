#include <catch2/catch.hpp>

#include "sim/scenario/scenario.hpp"

using sim::scenario::FieldPath;
using sim::scenario::FieldPathSegment;
using sim::scenario::parse_field_path;
using Kind = FieldPathSegment::Kind;

namespace {

FieldPath parse_ok(std::string_view text) {
    std::string error;
    const auto path = parse_field_path(text, &error);
    INFO(error);
    REQUIRE(path.has_value());
    return *path;
}

std::string parse_error(std::string_view text) {
    std::string error;
    const auto path = parse_field_path(text, &error);
    CHECK_FALSE(path.has_value());
    return error;
}

}  // namespace

TEST_CASE("field path: dotted keys") {
    const FieldPath p = parse_ok("status.state");
    REQUIRE(p.segments.size() == 2);
    CHECK(p.segments[0].kind == Kind::Key);
    CHECK(p.segments[0].key == "status");
    CHECK(p.segments[1].key == "state");
    CHECK(p.text == "status.state");
}

TEST_CASE("field path: a number selects by index, dotted or bracketed") {
    for (const char* text :
         {"status.containerStatuses.0.restartCount", "status.containerStatuses[0].restartCount"}) {
        const FieldPath p = parse_ok(text);
        REQUIRE(p.segments.size() == 4);
        CHECK(p.segments[1].kind == Kind::Key);
        CHECK(p.segments[1].key == "containerStatuses");
        CHECK(p.segments[2].kind == Kind::Index);
        CHECK(p.segments[2].index == 0);
        CHECK(p.segments[3].key == "restartCount");
    }
    const FieldPath dotted = parse_ok("a.12.b");
    REQUIRE(dotted.segments.size() == 3);
    CHECK(dotted.segments[1].kind == Kind::Index);
    CHECK(dotted.segments[1].index == 12);
    const FieldPath bracketed = parse_ok("a[3]");
    REQUIRE(bracketed.segments.size() == 2);
    CHECK(bracketed.segments[1].kind == Kind::Index);
    CHECK(bracketed.segments[1].index == 3);
}

TEST_CASE("field path: [key=value] selects the first matching element") {
    const FieldPath p = parse_ok("status.conditions[type=Ready].status");
    REQUIRE(p.segments.size() == 4);
    CHECK(p.segments[2].kind == Kind::Match);
    CHECK(p.segments[2].key == "type");
    CHECK(p.segments[2].match_value == "Ready");
    CHECK(p.segments[3].key == "status");
}

TEST_CASE("field path: [\"...\"] names a key with dots and slashes") {
    const FieldPath p = parse_ok("metadata.annotations[\"deployment.kubernetes.io/revision\"]");
    REQUIRE(p.segments.size() == 3);
    CHECK(p.segments[2].kind == Kind::Key);
    CHECK(p.segments[2].key == "deployment.kubernetes.io/revision");
    const FieldPath escaped = parse_ok("a[\"say \\\"hi\\\"\"].b");
    REQUIRE(escaped.segments.size() == 3);
    CHECK(escaped.segments[1].key == "say \"hi\"");
}

TEST_CASE("field path: malformed paths say what is wrong and where") {
    CHECK(parse_error("") == "empty field path");
    CHECK(parse_error("status..phase") == "expected a name at position 8, got '.'");
    CHECK(parse_error(".status") == "expected a name at position 1, got '.'");
    CHECK(parse_error("status.") == "path ends with '.'");
    CHECK(parse_error("a[type=Ready") == "unterminated '[' at position 2");
    CHECK(parse_error("a[Ready]") ==
          "expected [index], [key=value] or [\"key\"] at position 2, got [Ready]");
    CHECK(parse_error("a[=x]") == "missing key before '=' at position 2");
    CHECK(parse_error("a[\"x.y]") == "unterminated quoted key starting at position 2");
    CHECK(parse_error("a[0]b") == "expected '.' or '[' at position 5");
    CHECK(parse_error("a]") == "unexpected ']' at position 2");
    CHECK(parse_error("a.[0]") == "expected a name at position 3, got '['");
    CHECK(parse_error("a.99999999999999999999999") == "index too large at position 3");
    CHECK(parse_error("a[99999999999999999999999]") == "index too large at position 2");
}

TEST_CASE("object references: Kind/namespace/name and Kind/name") {
    std::string error;
    const auto namespaced = sim::scenario::parse_object_ref("Pod/seldon/p-1", &error);
    REQUIRE(namespaced.has_value());
    CHECK(namespaced->kind == "Pod");
    CHECK(namespaced->namespace_ == "seldon");
    CHECK(namespaced->name == "p-1");
    CHECK(sim::scenario::format_object_ref(*namespaced) == "Pod/seldon/p-1");
    const auto cluster_scoped = sim::scenario::parse_object_ref("Node/node-2", &error);
    REQUIRE(cluster_scoped.has_value());
    CHECK(cluster_scoped->namespace_.empty());
    CHECK(sim::scenario::format_object_ref(*cluster_scoped) == "Node/node-2");

    CHECK_FALSE(sim::scenario::parse_object_ref("Pod", &error));
    CHECK(error == "expected Kind/namespace/name or Kind/name, got \"Pod\"");
    CHECK_FALSE(sim::scenario::parse_object_ref("Pod//x", &error));
    CHECK(error == "empty part in \"Pod//x\" (expected Kind/namespace/name or Kind/name)");
    CHECK_FALSE(sim::scenario::parse_object_ref("a/b/c/d", &error));
}
