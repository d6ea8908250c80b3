#include <catch2/catch.hpp>

#include <algorithm>

#include "sim/kube/discovery.hpp"

using namespace sim::kube;
using Json = sim::Json;

namespace {
Json entry(const Json& list, const std::string& name) {
    for (const auto& r : list["resources"])
        if (r["name"] == name) return r;
    return Json();
}
}  // namespace

TEST_CASE("core v1 discovery entries match k8s-semantics §2.2") {
    const Json core = api_resource_list(Registry::standard(), "", "v1");
    CHECK(core["groupVersion"] == "v1");
    CHECK(entry(core, "pods") ==
          Json::parse(R"({"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod",
        "verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["po"],"categories":["all"]})"));
    CHECK(
        entry(core, "pods/status") ==
        Json::parse(
            R"({"name":"pods/status","singularName":"","namespaced":true,"kind":"Pod","verbs":["get","patch","update"]})"));
    CHECK(entry(core, "namespaces") ==
          Json::parse(R"({"name":"namespaces","singularName":"namespace","namespaced":false,
        "kind":"Namespace","verbs":["create","delete","get","list","patch","update","watch"],"shortNames":["ns"]})"));
    CHECK(entry(core, "endpoints")["singularName"] == "endpoints");
    std::vector<std::string> names;
    for (const auto& r : core["resources"])
        names.push_back(r["name"]);
    CHECK(std::is_sorted(names.begin(), names.end()));
}

TEST_CASE("apps/v1 has deployments/scale as an autoscaling/v1 Scale") {
    const Json apps = api_resource_list(Registry::standard(), "apps", "v1");
    CHECK(entry(apps, "deployments/scale") ==
          Json::parse(R"({"name":"deployments/scale","singularName":"","namespaced":true,
        "group":"autoscaling","version":"v1","kind":"Scale","verbs":["get","patch","update"]})"));
    CHECK(entry(apps, "deployments")["shortNames"] == Json::array({"deploy"}));
}

TEST_CASE("the SeldonDeployment resource list is exactly the CRD's") {
    const Json list =
        api_resource_list(Registry::standard(), "machinelearning.seldon.io", "v1alpha3");
    CHECK(
        list ==
        Json::parse(
            R"({"kind":"APIResourceList","apiVersion":"v1","groupVersion":"machinelearning.seldon.io/v1alpha3","resources":[
 {"name":"seldondeployments","singularName":"seldondeployment","namespaced":true,"kind":"SeldonDeployment","verbs":["delete","deletecollection","get","list","patch","create","update","watch"],"shortNames":["sdep"]},
 {"name":"seldondeployments/status","singularName":"","namespaced":true,"kind":"SeldonDeployment","verbs":["get","patch","update"]},
 {"name":"seldondeployments/scale","singularName":"","namespaced":true,"group":"autoscaling","version":"v1","kind":"Scale","verbs":["get","patch","update"]}]})"));
    CHECK(api_resource_list(Registry::standard(), "machinelearning.seldon.io", "v2").is_null());
}

TEST_CASE("/api and /apis") {
    CHECK(api_versions("127.0.0.1:6443") == Json::parse(R"({"kind":"APIVersions","versions":["v1"],
        "serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1:6443"}]})"));
    const Json groups = api_group_list(Registry::standard());
    Json autoscaling;
    Json seldon;
    for (const auto& g : groups["groups"]) {
        if (g["name"] == "autoscaling") autoscaling = g;
        if (g["name"] == "machinelearning.seldon.io") seldon = g;
    }
    CHECK(autoscaling["preferredVersion"] ==
          Json::parse(R"({"groupVersion":"autoscaling/v2","version":"v2"})"));
    CHECK(autoscaling["versions"].size() == 2);
    CHECK(seldon["versions"] ==
          Json::parse(R"([{"groupVersion":"machinelearning.seldon.io/v1","version":"v1"},
        {"groupVersion":"machinelearning.seldon.io/v1alpha3","version":"v1alpha3"},
        {"groupVersion":"machinelearning.seldon.io/v1alpha2","version":"v1alpha2"}])"));
}
