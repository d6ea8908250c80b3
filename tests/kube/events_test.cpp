// The event recorder's bookkeeping (sim/kube/events.cpp): one record per involved object
// holding the spam bucket, the aggregates and the observed Events. These cases pin what the
// record's identity (kind, namespace, name, uid, apiVersion) and its keys must keep apart.
#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include "fixtures.hpp"
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
    const Json a = *kubelet.record_event(first, "Normal", "Pulled", "already present").value();
    REQUIRE(c.client.remove(refs::kPods.in("default"), "p").ok());
    c.loop.run_until(sim::kernel::kSecond);
    const Json second = c.client.create(pod("p")).value();
    REQUIRE(meta::uid(first) != meta::uid(second));
    const Json b = *kubelet.record_event(second, "Normal", "Pulled", "already present").value();
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
        *kubelet.record_event(p, "Normal", "Created", "Created container a").value();
    const Json started =
        *kubelet.record_event(p, "Normal", "Started", "Started container a").value();
    const Json other = *kubelet.record_event(p, "Normal", "Created", "Created container b").value();
    const Json warning =
        *kubelet.record_event(p, "Warning", "Created", "Created container a").value();
    CHECK(event_count(c) == 4);
    c.loop.run_until(sim::kernel::kSecond);
    const Json again = *kubelet.record_event(p, "Normal", "Created", "Created container a").value();
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
    const Json first =
        *scheduler.record_event(p, "Warning", "FailedScheduling", "0/1 nodes are available")
             .value();
    REQUIRE(c.client.remove(refs::kEvents.in("default"), meta::name(first)).ok());
    c.loop.run_until(sim::kernel::kSecond);
    const Json again =
        *scheduler.record_event(p, "Warning", "FailedScheduling", "0/1 nodes are available")
             .value();
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
        return *kubelet.record_event(object(i), "Normal", "Pulled", "present").value();
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
        names.insert(meta::name(*kubelet.record_event(p, "Normal", reason, reason).value()));
    CHECK(names.size() == 4);
    // The real format <name>.<hex nanos>, the clock ticking one nanosecond per Event.
    CHECK(names == std::set<std::string>{"p.1816687ec0570000", "p.1816687ec0570001",
                                         "p.1816687ec0570002", "p.1816687ec0570003"});
    // Another recorder (the scheduler's) at the same instant takes the next free one.
    EventRecorder scheduler(c.client, "default-scheduler");
    CHECK(meta::name(*scheduler.record_event(p, "Normal", "Scheduled", "Scheduled").value()) ==
          "p.1816687ec0570004");
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
