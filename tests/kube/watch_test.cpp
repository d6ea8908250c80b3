#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "sim/kube/object_meta.hpp"

using namespace sim::kube;
using namespace kube_test;

namespace {

struct Recorder {
    std::vector<WatchEvent> events;
    WatchHandler handler() {
        return [this](const WatchEvent& e) { events.push_back(e); };
    }
    std::vector<std::string> summary() const {
        std::vector<std::string> out;
        for (const auto& e : events)
            out.push_back(to_string(e.type) + " " + meta::name(e.object));
        return out;
    }
};

}  // namespace

TEST_CASE("watch from now delivers ADDED, MODIFIED, DELETED through the event loop") {
    Cluster c;
    Recorder rec;
    const std::string rv = std::to_string(c.server.revision());
    auto w =
        c.client.watch(refs::kConfigMaps.in("default"), {.resource_version = rv}, rec.handler());
    REQUIRE(w.ok());
    Json a = c.client.create(config_map("a")).value();
    CHECK(rec.events.empty());  // delivered by the loop, not inside the write
    a["data"]["k"] = "2";
    REQUIRE(c.client.update(a).ok());
    REQUIRE(c.client.remove(refs::kConfigMaps.in("default"), "a").ok());
    c.loop.run_until_idle(100);
    CHECK(rec.summary() == std::vector<std::string>{"ADDED a", "MODIFIED a", "DELETED a"});
    // DELETED carries the last state with the delete revision.
    CHECK(rec.events[2].object["data"]["k"] == "2");
    CHECK(rec.events[2].object["metadata"]["resourceVersion"] ==
          std::to_string(c.server.revision()));
    CHECK(rec.events[0].to_json()["type"] == "ADDED");
}

TEST_CASE("watch without a resourceVersion starts with synthetic ADDED events in key order") {
    Cluster c;
    for (const char* n : {"b", "a"})
        REQUIRE(c.client.create(config_map(n)).ok());
    Recorder rec;
    auto w = c.client.watch(refs::kConfigMaps.in("default"), {}, rec.handler());
    REQUIRE(c.client.create(config_map("c")).ok());
    c.loop.run_until_idle(100);
    CHECK(rec.summary() == std::vector<std::string>{"ADDED a", "ADDED b", "ADDED c"});
}

TEST_CASE("watch replays history after a resourceVersion") {
    Cluster c;
    const std::string start = std::to_string(c.server.revision());
    Json a = c.client.create(config_map("a")).value();
    a["data"]["k"] = "3";
    REQUIRE(c.client.update(a).ok());
    Recorder rec;
    auto w = c.client.watch(refs::kConfigMaps, {.resource_version = start}, rec.handler());
    c.loop.run_until_idle(100);
    CHECK(rec.summary() == std::vector<std::string>{"ADDED a", "MODIFIED a"});
}

TEST_CASE("selector transitions arrive as ADDED and DELETED") {
    Cluster c;
    Recorder rec;
    auto w = c.client.watch(refs::kConfigMaps.in("default"),
                            {.label_selector = "role=web", .resource_version = "1"}, rec.handler());
    Json a = c.client.create(config_map("a")).value();
    a["metadata"]["labels"] = {{"role", "web"}};
    a = c.client.update(a).value();
    a["data"]["k"] = "9";
    a = c.client.update(a).value();
    a["metadata"]["labels"]["role"] = "db";
    const Json moved = c.client.update(a).value();
    c.loop.run_until_idle(100);
    CHECK(rec.summary() == std::vector<std::string>{"ADDED a", "MODIFIED a", "DELETED a"});
    // The DELETED event carries the old (matching) state with the new revision.
    CHECK(rec.events[2].object["metadata"]["labels"]["role"] == "web");
    CHECK(rec.events[2].object["metadata"]["resourceVersion"] ==
          moved["metadata"]["resourceVersion"]);
}

TEST_CASE("a field selector watch on metadata.name sees only that object") {
    Cluster c;
    Recorder rec;
    auto w = c.client.watch(refs::kConfigMaps.in("default"), {.field_selector = "metadata.name=b"},
                            rec.handler());
    for (const char* n : {"a", "b", "c"})
        REQUIRE(c.client.create(config_map(n)).ok());
    c.loop.run_until_idle(100);
    CHECK(rec.summary() == std::vector<std::string>{"ADDED b"});
}

TEST_CASE("watching from a compacted revision is 410 Expired with the real message") {
    Cluster c(1, ServerOptions{.watch_history = 3});
    for (const char* n : {"a", "b", "c", "d", "e"})
        REQUIRE(c.client.create(config_map(n)).ok());
    const auto r =
        c.client.watch(refs::kConfigMaps, {.resource_version = "2"}, [](const WatchEvent&) {});
    REQUIRE_FALSE(r.ok());
    const std::uint64_t oldest = c.server.revision() - 2;
    CHECK(r.error().status() ==
          Json{{"kind", "Status"},
               {"apiVersion", "v1"},
               {"metadata", Json::object()},
               {"status", "Failure"},
               {"message", "too old resource version: 2 (" + std::to_string(oldest - 1) + ")"},
               {"reason", "Expired"},
               {"code", 410}});
    CHECK(c.client
              .watch(refs::kConfigMaps, {.resource_version = std::to_string(oldest - 1)},
                     [](const WatchEvent&) {})
              .ok());
}

TEST_CASE("stopping a watch drops events already scheduled, bookmarks on request") {
    Cluster c;
    Recorder rec;
    Recorder marks;
    auto w = c.client.watch(refs::kConfigMaps, {.resource_version = "1"}, rec.handler()).value();
    auto b = c.client
                 .watch(refs::kConfigMaps, {.resource_version = "1", .allow_watch_bookmarks = true},
                        marks.handler())
                 .value();
    REQUIRE(c.client.create(config_map("a")).ok());
    w.stop();
    c.server.send_bookmarks();
    c.loop.run_until_idle(100);
    CHECK(rec.events.empty());
    REQUIRE(marks.events.size() == 2);
    CHECK(marks.events[1].type == WatchEventType::Bookmark);
    CHECK(marks.events[1].object ==
          Json{{"kind", "ConfigMap"},
               {"apiVersion", "v1"},
               {"metadata", {{"resourceVersion", std::to_string(c.server.revision())}}}});
}

TEST_CASE("watch events replayed onto an empty map reproduce the store") {
    rc::prop("random create/update/patch/delete sequences",
             [](const std::vector<std::pair<int, int>>& ops) {
                 Cluster c;
                 const std::string start = std::to_string(c.server.revision());
                 std::map<std::string, Json> live;
                 std::vector<std::uint64_t> revisions;
                 auto w = c.client.watch(
                     refs::kConfigMaps, {.resource_version = "0"}, [&](const WatchEvent& e) {
                         revisions.push_back(std::stoull(
                             e.object["metadata"]["resourceVersion"].get<std::string>()));
                         if (e.type == WatchEventType::Deleted)
                             live.erase(meta::key_of(e.object));
                         else
                             live[meta::key_of(e.object)] = e.object;
                     });
                 const auto ref = refs::kConfigMaps.in("default");
                 for (const auto& [what, which] : ops) {
                     const std::string name = "cm-" + std::to_string(((which % 4) + 4) % 4);
                     const std::string value = "v" + std::to_string(((which % 1000) + 1000) % 1000);
                     switch (((what % 4) + 4) % 4) {
                         case 0:
                             (void)c.client.create(config_map(name, value));
                             break;
                         case 1: {
                             auto got = c.client.get(ref, name);
                             if (!got) break;
                             Json o = got.value();
                             o["data"]["k"] = value;
                             o["metadata"]["labels"]["v"] = value;
                             RC_ASSERT(c.client.update(o).ok());
                             break;
                         }
                         case 2:
                             (void)c.client.patch(ref, name, PatchType::Merge,
                                                  Json{{"data", {{"p", value}}}});
                             break;
                         case 3:
                             (void)c.client.remove(ref, name);
                             break;
                     }
                     if (which % 3 == 0) c.loop.run_until_idle(10'000);  // interleave deliveries
                 }
                 c.loop.run_until_idle(100'000);
                 std::map<std::string, Json> stored;
                 for (const auto& o : c.server.snapshot("configmaps"))
                     stored[meta::key_of(o)] = o;
                 RC_ASSERT(live == stored);
                 for (std::size_t i = 1; i < revisions.size(); ++i)
                     RC_ASSERT(revisions[i] > revisions[i - 1]);
                 // A watch started afterwards from the starting revision replays the same history.
                 std::map<std::string, Json> replayed;
                 auto late = c.client.watch(refs::kConfigMaps, {.resource_version = start},
                                            [&](const WatchEvent& e) {
                                                if (e.type == WatchEventType::Deleted)
                                                    replayed.erase(meta::key_of(e.object));
                                                else
                                                    replayed[meta::key_of(e.object)] = e.object;
                                            });
                 c.loop.run_until_idle(100'000);
                 RC_ASSERT(replayed == stored);
             });
}

TEST_CASE("a selector watch replayed onto an empty map reproduces the matching subset") {
    rc::prop("label transitions keep the replay in step",
             [](const std::vector<std::pair<int, int>>& ops) {
                 Cluster c;
                 std::map<std::string, Json> live;
                 auto w = c.client.watch(refs::kConfigMaps,
                                         {.label_selector = "role=a", .resource_version = "0"},
                                         [&](const WatchEvent& e) {
                                             if (e.type == WatchEventType::Deleted)
                                                 live.erase(meta::key_of(e.object));
                                             else
                                                 live[meta::key_of(e.object)] = e.object;
                                         });
                 const auto ref = refs::kConfigMaps.in("default");
                 for (const auto& [what, which] : ops) {
                     const std::string name = "cm-" + std::to_string(((which % 5) + 5) % 5);
                     const std::string role = (what / 4) % 2 == 0 ? "a" : "b";
                     switch (((what % 4) + 4) % 4) {
                         case 0: {
                             Json cm = config_map(name);
                             cm["metadata"]["labels"] = {{"role", role}};
                             (void)c.client.create(cm);
                             break;
                         }
                         case 1:
                             (void)c.client.patch(
                                 ref, name, PatchType::Merge,
                                 Json{{"metadata", {{"labels", {{"role", role}}}}}});
                             break;
                         case 2:
                             (void)c.client.patch(ref, name, PatchType::Strategic,
                                                  Json{{"data", {{"x", role}}}});
                             break;
                         case 3:
                             (void)c.client.remove(ref, name);
                             break;
                     }
                 }
                 c.loop.run_until_idle(100'000);
                 std::map<std::string, Json> expected;
                 for (const auto& o : c.server.snapshot("configmaps"))
                     if (meta::labels(o)["role"] == "a") expected[meta::key_of(o)] = o;
                 RC_ASSERT(live == expected);
             });
}

TEST_CASE("the same seed and operations give byte-identical objects and watch streams") {
    const auto run = [](std::uint64_t seed) {
        Cluster c(seed);
        std::string stream;
        auto w = c.client.watch(refs::kPods, {},
                                [&](const WatchEvent& e) { stream += e.to_json().dump() + "\n"; });
        for (int i = 0; i < 20; ++i) {
            Json p = pod("");
            p["metadata"]["generateName"] = "web-";
            const Json created = c.client.create(p).value();
            c.loop.run_until(c.loop.now() + sim::kernel::kSecond);
            if (i % 3 == 0) (void)c.client.bind("default", meta::name(created), "node-1");
            if (i % 4 == 0) (void)c.client.remove(refs::kPods.in("default"), meta::name(created));
        }
        c.loop.run_until_idle(10'000);
        return stream + c.client.list(refs::kPods).value().dump();
    };
    const std::string a = run(11);
    CHECK(a == run(11));
    CHECK(a != run(12));
}

TEST_CASE("removing the last finalizer of a deleting object is one DELETED event") {
    Cluster c;
    Json cm = config_map("a");
    cm["metadata"]["finalizers"] = {"x/y"};
    REQUIRE(c.client.create(cm).ok());
    const Json marked = c.client.remove(refs::kConfigMaps.in("default"), "a").value();
    Recorder rec;
    auto w = c.client.watch(refs::kConfigMaps, {.resource_version = meta::resource_version(marked)},
                            rec.handler());
    Json released = marked;
    released["metadata"].erase("finalizers");
    const Json last = c.client.update(released).value();
    c.loop.run_until_idle(100);
    CHECK(rec.summary() == std::vector<std::string>{"DELETED a"});
    CHECK(rec.events[0].object["metadata"]["finalizers"] == Json::array({"x/y"}));
    CHECK(last["metadata"]["resourceVersion"] == std::to_string(c.server.revision()));
}

TEST_CASE("watchers of the storage version share one object per change, others get theirs") {
    Cluster c;
    const std::string rv = std::to_string(c.server.revision());
    std::vector<Recorder> same(3);
    std::vector<WatchHandle> handles;
    for (Recorder& r : same)
        handles.push_back(
            c.client.watch(refs::kConfigMaps.in("default"), {.resource_version = rv}, r.handler())
                .value());
    Json a = c.client.create(config_map("a")).value();
    a["data"]["k"] = "2";
    REQUIRE(c.client.update(a).ok());
    c.loop.run_until_idle(100);
    for (const Recorder& r : same)
        REQUIRE(r.events.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        // No copy per watcher: the very same immutable object.
        CHECK(&same[1].events[i].object == &same[0].events[i].object);
        CHECK(&same[2].events[i].object == &same[0].events[i].object);
    }
    CHECK(same[0].events[1].object["data"]["k"] == "2");

    // A watcher in another version gets its own converted copy.
    Recorder v1;
    auto w =
        c.client.watch(refs::kHpasV1.in("default"), {.resource_version = rv}, v1.handler()).value();
    Recorder v2;
    auto w2 =
        c.client.watch(refs::kHpas.in("default"), {.resource_version = rv}, v2.handler()).value();
    REQUIRE(
        c.client
            .create(refs::kHpas.in("default"),
                    Json::parse(R"({"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler",
                        "metadata":{"name":"h"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1",
                        "kind":"Deployment","name":"web"},"minReplicas":1,"maxReplicas":3}})"))
            .ok());
    c.loop.run_until_idle(100);
    REQUIRE(v1.events.size() == 1);
    REQUIRE(v2.events.size() == 1);
    CHECK(v1.events[0].object["apiVersion"] == "autoscaling/v1");
    CHECK(v2.events[0].object["apiVersion"] == "autoscaling/v2");
}
