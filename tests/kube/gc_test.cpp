#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "sim/kube/garbage_collector.hpp"
#include "sim/kube/object_meta.hpp"

using namespace sim::kube;
using namespace kube_test;

namespace {

Json replica_set(const std::string& name, const Json& owner) {
    Json rs = Json::parse(
        R"({"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"namespace":"default"},
      "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},
      "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})");
    rs["metadata"]["name"] = name;
    meta::add_owner_reference(rs, meta::controller_ref(owner));
    return rs;
}

Json owned_config_map(const std::string& name, const std::vector<Json>& owners) {
    Json cm = config_map(name);
    for (const auto& o : owners)
        meta::add_owner_reference(cm, meta::controller_ref(o));
    return cm;
}

bool exists(Cluster& c, const ResourceRef& ref, const std::string& name) {
    return c.client.get(ref, name).ok();
}

}  // namespace

TEST_CASE("background deletion cascades through owners once they are gone") {
    Cluster c;
    GarbageCollector gc(c.client);
    gc.start();
    const Json d = c.client.create(deployment("web")).value();
    const Json rs = c.client.create(replica_set("web-1", d)).value();
    REQUIRE(c.client.create(owned_config_map("cm", {rs})).ok());
    c.loop.run_until_idle(1000);
    REQUIRE(
        c.client
            .remove(refs::kDeployments.in("default"), "web", {.propagation_policy = "Background"})
            .ok());
    c.loop.run_until_idle(1000);
    CHECK_FALSE(exists(c, refs::kReplicaSets.in("default"), "web-1"));
    CHECK_FALSE(exists(c, refs::kConfigMaps.in("default"), "cm"));
}

TEST_CASE("a dependent with a surviving owner only loses the dangling reference") {
    Cluster c;
    GarbageCollector gc(c.client);
    gc.start();
    const Json a = c.client.create(config_map("a")).value();
    const Json b = c.client.create(config_map("b")).value();
    Json shared = owned_config_map("shared", {a});
    Json second = meta::controller_ref(b);
    second["controller"] = false;
    meta::add_owner_reference(shared, second);
    REQUIRE(c.client.create(shared).ok());
    REQUIRE(c.client.remove(refs::kConfigMaps.in("default"), "a").ok());
    c.loop.run_until_idle(1000);
    const Json left = c.client.get(refs::kConfigMaps.in("default"), "shared").value();
    REQUIRE(left["metadata"]["ownerReferences"].size() == 1);
    CHECK(left["metadata"]["ownerReferences"][0]["uid"] == meta::uid(b));
}

TEST_CASE("foreground deletion removes dependents first, then the owner") {
    Cluster c;
    GarbageCollector gc(c.client);
    gc.start();
    const Json d = c.client.create(deployment("web")).value();
    const Json rs = c.client.create(replica_set("web-1", d)).value();
    REQUIRE(c.client.create(owned_config_map("cm", {rs})).ok());
    c.loop.run_until_idle(1000);
    std::vector<std::string> deleted;
    auto w = c.client.watch(refs::kReplicaSets,
                            {.resource_version = std::to_string(c.server.revision())},
                            [&](const WatchEvent& e) {
                                if (e.type == WatchEventType::Deleted) deleted.push_back("rs");
                            });
    auto w2 = c.client.watch(refs::kDeployments,
                             {.resource_version = std::to_string(c.server.revision())},
                             [&](const WatchEvent& e) {
                                 if (e.type == WatchEventType::Deleted)
                                     deleted.push_back("deployment");
                             });
    const Json marked =
        c.client
            .remove(refs::kDeployments.in("default"), "web", {.propagation_policy = "Foreground"})
            .value();
    CHECK(marked["metadata"]["finalizers"] == Json::array({"foregroundDeletion"}));
    c.loop.run_until_idle(1000);
    CHECK(deleted == std::vector<std::string>{"rs", "deployment"});
    CHECK_FALSE(exists(c, refs::kConfigMaps.in("default"), "cm"));
}

TEST_CASE("orphan deletion strips the owner from dependents and keeps them") {
    Cluster c;
    GarbageCollector gc(c.client);
    gc.start();
    const Json d = c.client.create(deployment("web")).value();
    REQUIRE(c.client.create(replica_set("web-1", d)).ok());
    c.loop.run_until_idle(1000);
    REQUIRE(
        c.client.remove(refs::kDeployments.in("default"), "web", {.propagation_policy = "Orphan"})
            .ok());
    c.loop.run_until_idle(1000);
    CHECK_FALSE(exists(c, refs::kDeployments.in("default"), "web"));
    const Json rs = c.client.get(refs::kReplicaSets.in("default"), "web-1").value();
    CHECK_FALSE(rs["metadata"].contains("ownerReferences"));
    CHECK(gc.actions() == 2);  // one ownerReferences patch, one finalizer removal
}

TEST_CASE("a dependent whose owner never existed is collected") {
    Cluster c;
    GarbageCollector gc(c.client);
    gc.start();
    Json cm = config_map("stray");
    meta::add_owner_reference(cm, Json{{"apiVersion", "apps/v1"},
                                       {"kind", "Deployment"},
                                       {"name", "ghost"},
                                       {"uid", "00000000-0000-4000-8000-000000000000"},
                                       {"controller", true},
                                       {"blockOwnerDeletion", true}});
    REQUIRE(c.client.create(cm).ok());
    c.loop.run_until_idle(1000);
    CHECK_FALSE(exists(c, refs::kConfigMaps.in("default"), "stray"));
}
