#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "sim/kube/status.hpp"

using namespace sim::kube;
using namespace kube_test;

TEST_CASE("404 NotFound body matches the real Status") {
    Cluster c;
    const auto r = c.client.get(refs::kDeployments.in("default"), "web");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().status() == Json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},
        "status":"Failure","message":"deployments.apps \"web\" not found","reason":"NotFound",
        "details":{"name":"web","group":"apps","kind":"deployments"},"code":404})"));
    const auto p = c.client.get(refs::kPods.in("default"), "x");
    CHECK(p.error().status() == Json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},
        "status":"Failure","message":"pods \"x\" not found","reason":"NotFound",
        "details":{"name":"x","kind":"pods"},"code":404})"));
}

TEST_CASE("409 AlreadyExists body matches the real Status") {
    Cluster c;
    REQUIRE(c.client.create(seldon_deployment("iris")).ok());
    const auto r = c.client.create(seldon_deployment("iris"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().status() == Json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},
        "status":"Failure","message":"seldondeployments.machinelearning.seldon.io \"iris\" already exists",
        "reason":"AlreadyExists","details":{"name":"iris","group":"machinelearning.seldon.io",
        "kind":"seldondeployments"},"code":409})"));
}

TEST_CASE("409 Conflict on a stale resourceVersion has the exact message") {
    Cluster c;
    const Json created = c.client.create(deployment("web")).value();
    Json first = created;
    first["spec"]["replicas"] = 3;
    REQUIRE(c.client.update(first).ok());
    Json stale = created;
    stale["spec"]["replicas"] = 4;
    const auto r = c.client.update(stale);
    REQUIRE(r.is_conflict());
    CHECK(r.error().status() == Json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},
        "status":"Failure","message":"Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again",
        "reason":"Conflict","details":{"name":"web","group":"apps","kind":"deployments"},"code":409})"));
}

TEST_CASE("422 Invalid body carries causes and the joined message") {
    Cluster c;
    const auto r = c.client.create(deployment("x", -1));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().status() == Json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},
        "status":"Failure","message":"Deployment.apps \"x\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0",
        "reason":"Invalid","details":{"name":"x","group":"apps","kind":"Deployment",
        "causes":[{"reason":"FieldValueInvalid","message":"Invalid value: -1: must be greater than or equal to 0","field":"spec.replicas"}]},
        "code":422})"));

    Json two = deployment("y", -1);
    two["spec"]["template"]["spec"]["containers"][0].erase("image");
    const auto r2 = c.client.create(two);
    CHECK(r2.error().message() ==
          "Deployment.apps \"y\" is invalid: [spec.replicas: Invalid value: -1: must be greater "
          "than or equal to 0, "
          "spec.template.spec.containers[0].image: Required value]");
    CHECK(r2.error().status()["details"]["causes"].size() == 2);
}

TEST_CASE("core kinds have no group in the invalid message, names are validated") {
    Cluster c;
    Json p = pod("Bad_Name");
    const auto r = c.client.create(p);
    REQUIRE(r.code() == 422);
    CHECK(r.error().message().rfind("Pod \"Bad_Name\" is invalid: metadata.name: Invalid value: "
                                    "\"Bad_Name\": a lowercase RFC 1123 subdomain",
                                    0) == 0);
    Json anonymous = pod("");
    CHECK(c.client.create(anonymous).error().message() ==
          "Pod \"\" is invalid: metadata.name: Required value: name or generateName is required");
}

TEST_CASE("an unknown resource is 404 with the generic message, a missing verb 405") {
    Cluster c;
    const auto r = c.server.get(ResourceRef{"apps", "v1", "widgets", "default"}, "x");
    CHECK(r.error().status() ==
          Json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
        "message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404})"));
    const auto m = c.server.remove_collection(refs::kNamespaces, {});
    CHECK(m.code() == 405);
    CHECK(m.error().message() ==
          "deletecollection is not supported on resources of kind \"namespaces\"");
}

TEST_CASE("a CR update without resourceVersion is 422, a built-in one is unconditional") {
    Cluster c;
    Json sdep = c.client.create(seldon_deployment("iris")).value();
    sdep["metadata"].erase("resourceVersion");
    const auto r = c.client.update(sdep);
    CHECK(r.code() == 422);
    CHECK(r.error().message() ==
          "SeldonDeployment.machinelearning.seldon.io \"iris\" is invalid: "
          "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");
    Json d = c.client.create(deployment("web")).value();
    d["metadata"].erase("resourceVersion");
    d["spec"]["replicas"] = 5;
    CHECK(c.client.update(d).ok());
}

TEST_CASE("creating in a missing namespace is 404 namespaces not found") {
    Cluster c;
    Json cm = config_map("a");
    cm["metadata"]["namespace"] = "nowhere";
    const auto r = c.client.create(cm);
    CHECK(r.error().message() == "namespaces \"nowhere\" not found");
    CHECK(r.code() == 404);
}
