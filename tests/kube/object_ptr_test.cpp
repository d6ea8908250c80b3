// make_object: the shared object holds what was moved in, and its teardown (a walk from the
// leaves up, nlohmann's own below a depth) frees any shape, however deep, without overflowing
// the stack. The sanitizer suite checks that nothing leaks or is freed twice.
#include <catch2/catch.hpp>

#include <string>

#include "sim/kernel/json.hpp"
#include "sim/kube/object_ptr.hpp"

using sim::kube::make_object;
using sim::kube::ObjectPtr;

TEST_CASE("make_object: the shared object is the value moved in", "[kube][object_ptr]") {
    const std::string text =
        R"({"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"app":"a"},"name":"p"},)"
        R"("spec":{"containers":[{"image":"busybox","name":"c","ports":[{"containerPort":80}]}]},)"
        R"("status":{"conditions":[],"phase":"Pending","podIP":null}})";
    sim::Json value = sim::Json::parse(text);
    const ObjectPtr shared = make_object(std::move(value));
    REQUIRE(shared->dump() == sim::Json::parse(text).dump());
    const ObjectPtr second = shared;  // the last of two holders takes the tree apart
    REQUIRE(second.use_count() == 2);
}

TEST_CASE("make_object: a tree nested deeper than the walk goes is still freed",
          "[kube][object_ptr]") {
    // 100,000 levels of objects and arrays by turns: far deeper than the walk's limit, so the
    // rest goes through nlohmann's non-recursive teardown (a recursive one would overflow).
    sim::Json deep = "leaf";
    for (int level = 0; level < 100'000; ++level) {
        sim::Json outer = level % 2 == 0 ? sim::Json::object() : sim::Json::array();
        if (outer.is_object())
            outer["k"] = std::move(deep);
        else
            outer.push_back(std::move(deep));
        deep = std::move(outer);
    }
    ObjectPtr shared = make_object(std::move(deep));
    REQUIRE(shared->is_array());
    REQUIRE((*shared)[0]["k"][0]["k"].is_array());
    shared.reset();
    REQUIRE(shared == nullptr);
}
