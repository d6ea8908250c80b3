#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "sim/kube/events.hpp"
#include "sim/kube/informer.hpp"
#include "sim/kube/object_meta.hpp"

using namespace sim::kube;
using namespace kube_test;

TEST_CASE("an informer's cache follows the watch and calls handlers") {
    Cluster c;
    REQUIRE(c.client.create(config_map("a")).ok());
    Informer informer(c.client, refs::kConfigMaps.in("default"));
    std::vector<std::string> calls;
    informer.add_handlers(
        {[&](const Json& o) { calls.push_back("add " + meta::name(o)); },
         [&](const Json&, const Json& o) { calls.push_back("update " + meta::name(o)); },
         [&](const Json& o) { calls.push_back("delete " + meta::name(o)); }});
    informer.start();
    CHECK_FALSE(informer.has_synced());
    c.loop.run_until_idle(100);
    CHECK(informer.has_synced());
    Json b = c.client.create(config_map("b")).value();
    b["data"]["k"] = "2";
    REQUIRE(c.client.update(b).ok());
    REQUIRE(c.client.remove(refs::kConfigMaps.in("default"), "a").ok());
    c.loop.run_until_idle(100);
    CHECK(calls == std::vector<std::string>{"add a", "add b", "update b", "delete a"});
    REQUIRE(informer.items().size() == 1);
    CHECK(informer.get("default/b").value()["data"]["k"] == "2");
    CHECK(informer.last_resource_version() == std::to_string(c.server.revision()));
    CHECK(informer.list("default", LabelSelector::parse("app=none")).empty());
}

TEST_CASE("an informer relists when its watch cannot resume") {
    Cluster c(1, ServerOptions{.watch_history = 2});
    Informer informer(c.client, refs::kConfigMaps.in("default"));
    informer.start();
    c.loop.run_until_idle(100);
    informer.stop();
    for (const char* n : {"a", "b", "c", "d"})
        REQUIRE(c.client.create(config_map(n)).ok());
    informer.start();  // lists again from scratch
    c.loop.run_until_idle(100);
    CHECK(informer.items().size() == 4);
    CHECK(informer.relists() == 2);
}

TEST_CASE("the event recorder creates events and counts repeats") {
    Cluster c;
    const Json d = c.client.create(deployment("web")).value();
    EventRecorder recorder(c.client, "deployment-controller");
    const Json first = recorded(c, recorder.record_event(d, "Normal", "ScalingReplicaSet",
                                                         "Scaled up replica set web-1 to 2"));
    CHECK(first["involvedObject"]["kind"] == "Deployment");
    CHECK(first["source"] == Json{{"component", "deployment-controller"}});
    CHECK(first["count"] == 1);
    c.loop.run_until(sim::kernel::kSecond);
    const Json second = recorded(c, recorder.record_event(d, "Normal", "ScalingReplicaSet",
                                                          "Scaled up replica set web-1 to 2"));
    CHECK(second["metadata"]["name"] == first["metadata"]["name"]);
    CHECK(second["count"] == 2);
    CHECK(second["lastTimestamp"] == "2025-01-01T00:00:01Z");
    const auto listed =
        c.client.list(refs::kEvents.in("default"),
                      {.field_selector = "involvedObject.name=web,reason=ScalingReplicaSet"});
    CHECK(listed.value()["items"].size() == 1);
}

TEST_CASE("similar events collapse after 10 distinct messages within 600 s") {
    Cluster c;
    const Json d = c.client.create(deployment("web")).value();
    EventRecorder recorder(c.client, "deployment-controller");
    for (int i = 1; i <= 9; ++i) {
        const Json e = recorded(
            c, recorder.record_event(d, "Normal", "ScalingReplicaSet", "msg " + std::to_string(i)));
        CHECK(e["message"] == "msg " + std::to_string(i));
        c.loop.run_until(c.loop.now() + sim::kernel::kSecond);
    }
    const Json combined =
        recorded(c, recorder.record_event(d, "Normal", "ScalingReplicaSet", "msg 10"));
    CHECK(combined["message"] == "(combined from similar events): msg 10");
    CHECK(combined["count"] == 1);
    const Json again =
        recorded(c, recorder.record_event(d, "Normal", "ScalingReplicaSet", "msg 11"));
    CHECK(again["metadata"]["name"] == combined["metadata"]["name"]);
    CHECK(again["count"] == 2);
    CHECK(again["message"] == "(combined from similar events): msg 11");
    CHECK(c.client.list(refs::kEvents.in("default")).value()["items"].size() == 10);
}

TEST_CASE("the spam filter lets 25 events per source and object through, then one per 300 s") {
    Cluster c;
    const Json p = c.client.create(pod("p")).value();
    EventRecorder kubelet(c.client, "kubelet", "node-1");
    for (int i = 0; i < 25; ++i)
        REQUIRE_FALSE(
            kubelet.record_event(p, "Normal", "R" + std::to_string(i), "m").value().empty());
    CHECK(kubelet.record_event(p, "Normal", "R25", "m").value().empty());
    c.loop.run_until(300 * sim::kernel::kSecond);
    CHECK_FALSE(kubelet.record_event(p, "Normal", "R26", "m").value().empty());
    CHECK(kubelet.record_event(p, "Normal", "R27", "m").value().empty());
    // Another object has its own bucket.
    const Json q = c.client.create(pod("q")).value();
    CHECK_FALSE(kubelet.record_event(q, "Normal", "R0", "m").value().empty());
}
