// The event recorder's bookkeeping (sim/kube/events.cpp): one record per involved object
// holding the spam bucket, the aggregates and the observed Events. These cases pin what the
// record's identity (kind, namespace, name, uid, apiVersion) and its keys must keep apart.
#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "sim/kube/compact_event.hpp"
#include "sim/kube/events.hpp"
#include "sim/kube/object_meta.hpp"
#include "sim/kube/rfc3339_cache.hpp"

using namespace sim::kube;
using namespace kube_test;

namespace {

std::size_t event_count(Cluster& c) {
    return c.client.list(refs::kEvents.in("default")).value()["items"].size();
}

}  // namespace

TEST_CASE("a pod recreated under the same name gets new Events, not a count on the old ones") {
    Cluster c;
    EventRecorder kubelet(c.client, "kubelet", "node-1");
    const Json first = c.client.create(pod("p")).value();
    const Json a = recorded(c, kubelet.record_event(first, "Normal", "Pulled", "already present"));
    REQUIRE(c.client.remove(refs::kPods.in("default"), "p").ok());
    c.loop.run_until(sim::kernel::kSecond);
    const Json second = c.client.create(pod("p")).value();
    REQUIRE(meta::uid(first) != meta::uid(second));
    const Json b = recorded(c, kubelet.record_event(second, "Normal", "Pulled", "already present"));
    CHECK(b["count"] == 1);
    CHECK(b["metadata"]["name"] != a["metadata"]["name"]);
    CHECK(b["involvedObject"]["uid"] == meta::uid(second));
    CHECK(event_count(c) == 2);
}

TEST_CASE("repeats are counted per type, reason and message of one object") {
    Cluster c;
    EventRecorder kubelet(c.client, "kubelet", "node-1");
    const Json p = c.client.create(pod("p")).value();
    const Json created =
        recorded(c, kubelet.record_event(p, "Normal", "Created", "Created container a"));
    const Json started =
        recorded(c, kubelet.record_event(p, "Normal", "Started", "Started container a"));
    const Json other =
        recorded(c, kubelet.record_event(p, "Normal", "Created", "Created container b"));
    const Json warning =
        recorded(c, kubelet.record_event(p, "Warning", "Created", "Created container a"));
    CHECK(event_count(c) == 4);
    c.loop.run_until(sim::kernel::kSecond);
    const Json again =
        recorded(c, kubelet.record_event(p, "Normal", "Created", "Created container a"));
    CHECK(again["metadata"]["name"] == created["metadata"]["name"]);
    CHECK(again["count"] == 2);
    CHECK(again["lastTimestamp"] == "2025-01-01T00:00:01Z");
    CHECK(again["firstTimestamp"] == "2025-01-01T00:00:00Z");
    CHECK(event_count(c) == 4);
    CHECK(started["count"] == 1);
    CHECK(other["message"] == "Created container b");
    CHECK(warning["type"] == "Warning");
}

TEST_CASE("an Event deleted meanwhile is written anew with its message and count 1") {
    Cluster c;
    EventRecorder scheduler(c.client, "default-scheduler");
    const Json p = c.client.create(pod("p")).value();
    const Json first = recorded(
        c, scheduler.record_event(p, "Warning", "FailedScheduling", "0/1 nodes are available"));
    REQUIRE(c.client.remove(refs::kEvents.in("default"), meta::name(first)).ok());
    c.loop.run_until(sim::kernel::kSecond);
    const Json again = recorded(
        c, scheduler.record_event(p, "Warning", "FailedScheduling", "0/1 nodes are available"));
    CHECK(again["count"] == 1);
    CHECK(again["message"] == "0/1 nodes are available");
    CHECK(again["source"] == Json{{"component", "default-scheduler"}});
    CHECK(again["reportingComponent"] == "default-scheduler");
    CHECK(again["reportingInstance"] == "");
    CHECK(again["metadata"]["name"] != first["metadata"]["name"]);
    CHECK(event_count(c) == 1);
}

TEST_CASE("the recorder remembers the last 4096 objects, as client-go's LRU caches do") {
    Cluster c;
    EventRecorder kubelet(c.client, "kubelet", "node-1");
    const auto object = [](std::size_t i) {
        const std::string n = std::to_string(i);
        return Json{{"apiVersion", "v1"},
                    {"kind", "Pod"},
                    {"metadata", {{"name", "p" + n}, {"namespace", "default"}, {"uid", "u" + n}}}};
    };
    const auto pulled = [&](std::size_t i) {
        return recorded(c, kubelet.record_event(object(i), "Normal", "Pulled", "present"));
    };
    const Json first = pulled(0);
    for (std::size_t i = 1; i < EventRecorder::kMaxRecords; ++i)
        (void)pulled(i);
    c.loop.run_until(sim::kernel::kSecond);
    // 4,095 others since: object 0 is remembered, its repeat counted on its Event.
    const Json repeat = pulled(0);
    CHECK(repeat["count"] == 2);
    CHECK(repeat["metadata"]["name"] == first["metadata"]["name"]);
    // 4,096 others since its last use: forgotten, so the same Event is written anew.
    for (std::size_t i = EventRecorder::kMaxRecords; i < 2 * EventRecorder::kMaxRecords; ++i)
        (void)pulled(i);
    c.loop.run_until(2 * sim::kernel::kSecond);
    const Json fresh = pulled(0);
    CHECK(fresh["count"] == 1);
    CHECK(fresh["metadata"]["name"] != first["metadata"]["name"]);
    // ...while the most recent ones are still counted.
    CHECK(pulled(2 * EventRecorder::kMaxRecords - 1)["count"] == 2);
}

TEST_CASE("Events of one object at one instant get distinct names") {
    Cluster c;
    EventRecorder kubelet(c.client, "kubelet", "node-1");
    const Json p = c.client.create(pod("p")).value();
    std::set<std::string> names;
    for (const char* reason : {"Pulling", "Pulled", "Created", "Started"})
        names.insert(kubelet.record_event(p, "Normal", reason, reason).value());
    CHECK(names.size() == 4);
    // The real format <name>.<hex nanos>, the clock ticking one nanosecond per Event.
    CHECK(names == std::set<std::string>{"p.1816687ec0570000", "p.1816687ec0570001",
                                         "p.1816687ec0570002", "p.1816687ec0570003"});
    // Another recorder (the scheduler's) at the same instant takes the next free one.
    EventRecorder scheduler(c.client, "default-scheduler");
    CHECK(scheduler.record_event(p, "Normal", "Scheduled", "Scheduled").value() ==
          "p.1816687ec0570004");
}

// An Event spec as the kubelet's recorder makes one.
EventSpec pulled_spec(std::string_view name, std::string_view ns = "default") {
    EventSpec spec;
    spec.name = name;
    spec.ns = ns;
    spec.involved_api_version = "v1";
    spec.involved_kind = "Pod";
    spec.involved_name = "p";
    spec.involved_namespace = ns;
    spec.involved_resource_version = "7";
    spec.involved_uid = "0b5c2d1e-0000-4000-8000-000000000001";
    spec.type = "Normal";
    spec.reason = "Pulled";
    spec.message = "Container image \"nginx\" already present on machine";
    spec.component = "kubelet";
    spec.host = "node-1";
    spec.timestamp = "2025-01-01T00:00:00Z";
    return spec;
}

TEST_CASE("an Event stored compact reads, lists and watches as what a create of its JSON stores") {
    Cluster compact;  // the same seed: the same uids and resourceVersions
    Cluster plain;
    std::vector<std::string> seen_compact;
    std::vector<std::string> seen_plain;
    const auto watch = [](Cluster& c, std::vector<std::string>& seen) {
        return c.client
            .watch(refs::kEvents, {},
                   [&seen](const WatchEvent& e) { seen.push_back(e.to_json().dump()); })
            .value();
    };
    const WatchHandle w1 = watch(compact, seen_compact);
    const WatchHandle w2 = watch(plain, seen_plain);
    const ResourceRef events = refs::kEvents.in("default");
    CHECK(compact.client.create_event(events, pulled_spec("p.1")).value() == "p.1");
    REQUIRE(plain.client.create(events, event_json(pulled_spec("p.1"))).ok());
    compact.loop.run_until_idle(100);
    plain.loop.run_until_idle(100);
    const Json got = compact.client.get(events, "p.1").value();
    CHECK(got.dump() == plain.client.get(events, "p.1").value().dump());
    CHECK(got["metadata"]["uid"].get<std::string>().size() == 36);
    CHECK(got["metadata"]["resourceVersion"] == std::to_string(compact.server.revision()));
    CHECK(got["source"] == Json{{"component", "kubelet"}, {"host", "node-1"}});
    CHECK(compact.client.list(events).value().dump() == plain.client.list(events).value().dump());
    REQUIRE(seen_compact.size() == 1);
    CHECK(seen_compact == seen_plain);
    // A field selector reads the compact Event too.
    CHECK(compact.client.list(events, {.field_selector = "involvedObject.name=p,reason=Pulled"})
              .value()["items"]
              .size() == 1);
}

TEST_CASE("an Event the compact path cannot take as is gets the answers of a create") {
    Cluster compact;
    Cluster plain;
    const ResourceRef events = refs::kEvents.in("default");
    const auto both = [&](const ResourceRef& ref, const EventSpec& spec) {
        const auto a = compact.client.create_event(ref, spec);
        const auto b = plain.client.create(ref, event_json(spec));
        REQUIRE(a.ok() == b.ok());
        if (!a.ok()) CHECK(a.error().status().dump() == b.error().status().dump());
        return a.ok() ? std::string() : a.error().reason();
    };
    CHECK(both(events, pulled_spec("Not_A_Name")) == "Invalid");
    CHECK(both(refs::kEvents.in("nowhere"), pulled_spec("p.1", "nowhere")) == "NotFound");
    CHECK(both(refs::kEvents.in("kube-system"), pulled_spec("p.1")) == "BadRequest");
    CHECK(both(events, pulled_spec("p.1")).empty());
    CHECK(both(events, pulled_spec("p.1")) == "AlreadyExists");
    CHECK(compact.client.invalid_writes() == plain.client.invalid_writes());
    // A hook on Events sees them: the compact path steps aside.
    for (Cluster* c : {&compact, &plain})
        c->server.admission().add_mutating(
            {"events", {Operation::Create}, false, [](AdmissionRequest& r) {
                 (*r.object)["metadata"]["labels"]["seen"] = "yes";
             }});
    CHECK(both(events, pulled_spec("p.2")).empty());
    const Json labelled = compact.client.list(events, {.label_selector = "seen=yes"}).value();
    REQUIRE(labelled["items"].size() == 1);
    CHECK(labelled.dump() ==
          plain.client.list(events, {.label_selector = "seen=yes"}).value().dump());
}

TEST_CASE("Rfc3339Cache gives format_rfc3339's text, also across seconds and before 1970") {
    Rfc3339Cache cache;
    // Sorted and unsorted instants around second boundaries, the epoch and negative times.
    for (const std::int64_t t :
         {std::int64_t{1'735'689'600'000'000'000}, std::int64_t{1'735'689'600'999'999'999},
          std::int64_t{1'735'689'601'000'000'000}, std::int64_t{1'735'689'600'500'000'000},
          std::int64_t{0}, std::int64_t{-1}, std::int64_t{-1'000'000'000},
          std::int64_t{-999'999'999}, std::int64_t{-1'000'000'001}})
        CHECK(cache.at(t) == sim::kernel::format_rfc3339(t));
    rc::prop("any sequence of instants", [](const std::vector<std::int64_t>& instants) {
        Rfc3339Cache c;
        for (const std::int64_t t : instants) {
            // Within ±200 years of 1970, where format_rfc3339 is defined.
            const std::int64_t bounded = t % (200LL * 365 * 86'400 * 1'000'000'000LL);
            RC_ASSERT(c.at(bounded) == sim::kernel::format_rfc3339(bounded));
            // And an instant up to about a second later: often the same second, a cache hit.
            const std::int64_t later = bounded + (t & 0x3fff'ffff);
            RC_ASSERT(c.at(later) == sim::kernel::format_rfc3339(later));
        }
    });
}
