#include <catch2/catch.hpp>

#include "sim/cluster/json_view.hpp"

using json = sim::Json;
using namespace sim::cluster;

TEST_CASE("json_view reads members in place, as json::value would answer") {
    const json pod = json::parse(R"({"spec": {"containers": [{"name": "a"}], "x": 3},
                                     "status": "odd"})");
    // By reference: the very member, not a copy.
    CHECK(&object_member(pod, "spec") == &pod["spec"]);
    CHECK(&array_member(pod["spec"], "containers") == &pod["spec"]["containers"]);
    // Absent members and non-objects give the fallback.
    CHECK(object_member(pod, "metadata") == json::object());
    CHECK(array_member(pod["spec"], "initContainers") == json::array());
    CHECK(object_member(json(3), "spec") == json::object());
    CHECK(array_member(json::array(), "spec") == json::array());
    const json fallback = "none";
    CHECK(&member_or(pod, "missing", fallback) == &fallback);
    // A member of another type comes back as it is, like json::value(key, json).
    CHECK(object_member(pod, "status") == "odd");
    CHECK(object_member(pod, "status") == pod.value("status", json::object()));
    CHECK(member_or(pod["spec"], "x", fallback) == 3);
}
