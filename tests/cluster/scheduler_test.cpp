#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "fixtures.hpp"
#include "sim/cluster/scheduler.hpp"

using cluster_test::json;
using cluster_test::pod;
using cluster_test::World;
using sim::cluster::SchedNode;
using sim::kernel::kMillisecond;
using sim::kernel::kSecond;

namespace {

SchedNode node(const std::string& name, std::int64_t milli_cpu, std::int64_t memory_mi) {
    SchedNode n;
    n.name = name;
    n.allocatable = {milli_cpu, memory_mi * 1024 * 1024, 110};
    return n;
}

}  // namespace

TEST_CASE("scores follow LeastAllocated and BalancedAllocation") {
    const SchedNode empty = node("a", 4000, 8192);
    // 1 cpu / 2Gi on 4 cpu / 8Gi: least (75 + 75) / 2 = 75; balanced 1 - |0.25-0.25|/2 -> 100.
    CHECK(sim::cluster::least_allocated_score(empty, pod("p", "1", "2Gi")) == 75);
    CHECK(sim::cluster::balanced_allocation_score(empty, pod("p", "1", "2Gi")) == 100);
    CHECK(sim::cluster::score_node(empty, pod("p", "1", "2Gi")) == 175);
    // No requests: scored as 100m / 200Mi: cpu 3900*100/4000 = 97, memory 7992*100/8192 = 97;
    // BalancedAllocation skips a pod without requests.
    CHECK(sim::cluster::least_allocated_score(empty, pod("p")) == 97);
    CHECK(sim::cluster::balanced_allocation_score(empty, pod("p")) == 0);
    // 2 cpu / 1Gi: cpu 50, memory 87 -> 68; fractions 0.5 and 0.125 -> (1 - 0.1875) * 100 = 81.
    CHECK(sim::cluster::least_allocated_score(empty, pod("p", "2", "1Gi")) == 68);
    CHECK(sim::cluster::balanced_allocation_score(empty, pod("p", "2", "1Gi")) == 81);
    // Requests above what is free score 0 for that resource.
    SchedNode busy = empty;
    busy.non_zero_requested = {3500, 0};
    busy.requested = {3500, 0};
    CHECK(sim::cluster::least_allocated_score(busy, pod("p", "1", "2Gi")) == (0 + 75) / 2);
}

TEST_CASE("filters name the first failing plugin, resources list every shortage") {
    SchedNode n = node("a", 1000, 1024);
    CHECK(sim::cluster::filter_node(n, pod("p", "500m", "512Mi")).reasons.empty());
    auto r = sim::cluster::filter_node(n, pod("p", "2", "2Gi"));
    CHECK(r.reasons == std::vector<std::string>{"Insufficient cpu", "Insufficient memory"});
    CHECK(r.resolvable_by_preemption);
    n.pod_count = 110;
    CHECK(sim::cluster::filter_node(n, pod("p")).reasons ==
          std::vector<std::string>{"Too many pods"});
    n.pod_count = 0;
    n.taints = json::array({{{"key", "dedicated"}, {"value", "gpu"}, {"effect", "NoSchedule"}}});
    r = sim::cluster::filter_node(n, pod("p", "2"));
    CHECK(r.reasons == std::vector<std::string>{"node(s) had untolerated taint {dedicated: gpu}"});
    CHECK_FALSE(r.resolvable_by_preemption);
    json tolerant = pod("p");
    tolerant["spec"]["tolerations"] = json::array({{{"key", "dedicated"}, {"operator", "Exists"}}});
    CHECK(sim::cluster::filter_node(n, tolerant).reasons.empty());
    tolerant["spec"]["tolerations"] =
        json::array({{{"key", "dedicated"}, {"value", "cpu"}, {"effect", "NoSchedule"}}});
    CHECK_FALSE(sim::cluster::filter_node(n, tolerant).reasons.empty());
    // PreferNoSchedule never filters.
    n.taints[0]["effect"] = "PreferNoSchedule";
    CHECK(sim::cluster::filter_node(n, pod("p")).reasons.empty());
    n.unschedulable = true;
    CHECK(sim::cluster::filter_node(n, pod("p")).reasons ==
          std::vector<std::string>{"node(s) were unschedulable"});
}

TEST_CASE("nodeSelector and required node affinity") {
    SchedNode n = node("node-1", 1000, 1024);
    n.labels = {{"zone", "a"}, {"gen", "5"}};
    json p = pod("p");
    p["spec"]["nodeSelector"] = {{"zone", "a"}};
    CHECK(sim::cluster::filter_node(n, p).reasons.empty());
    p["spec"]["nodeSelector"] = {{"zone", "b"}};
    CHECK(sim::cluster::filter_node(n, p).reasons ==
          std::vector<std::string>{"node(s) didn't match Pod's node affinity/selector"});
    p["spec"].erase("nodeSelector");
    const auto with_terms = [&](json terms) {
        json q = p;
        q["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
         ["nodeSelectorTerms"] = std::move(terms);
        return sim::cluster::filter_node(n, q).reasons.empty();
    };
    CHECK(with_terms(json::parse(
        R"([{"matchExpressions": [{"key": "gen", "operator": "Gt", "values": ["4"]}]}])")));
    CHECK_FALSE(with_terms(json::parse(
        R"([{"matchExpressions": [{"key": "gen", "operator": "Lt", "values": ["4"]}]}])")));
    // Terms are ORed, expressions ANDed.
    CHECK(with_terms(json::parse(R"([
        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["b"]}]},
        {"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["b"]},
                              {"key": "ssd", "operator": "DoesNotExist"}]}])")));
    CHECK(with_terms(json::parse(
        R"([{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-1"]}]}])")));
    CHECK_FALSE(with_terms(json::parse(R"([{}])")));
}

TEST_CASE("the FitError message sorts '<count> <reason>' strings") {
    using sim::cluster::FilterResult;
    const std::vector<FilterResult> failures{
        {{"Insufficient cpu"}, true},
        {{"node(s) had untolerated taint {dedicated: gpu}"}, false},
        {{"Insufficient cpu"}, true}};
    CHECK(sim::cluster::fit_error_message(3, failures, false) ==
          "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 "
          "Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful "
          "for scheduling, 2 No preemption victims found for incoming pod.");
    CHECK(sim::cluster::fit_error_message(1, {{{"Insufficient cpu", "Insufficient memory"}, true}},
                                          true) ==
          "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. preemption: not "
          "eligible due to preemptionPolicy=Never.");
}

TEST_CASE("the scheduler binds to the best node, ties going to the lowest name") {
    World w;
    w.add_node("node-b", 1, "2", "4Gi");
    w.add_node("node-a", 2, "2", "4Gi");
    w.add_node("node-c", 3, "2", "4Gi");
    sim::cluster::Scheduler scheduler(w.client);
    scheduler.start();
    w.at(0, [&] { w.create_pod(pod("first", "1", "1Gi")); });
    w.at(kSecond, [&] {
        // All empty: equal scores, node-a wins by name.
        CHECK(w.get_pod("first")["spec"]["nodeName"] == "node-a");
        w.create_pod(pod("second", "500m", "512Mi"));
    });
    w.at(2 * kSecond, [&] {
        CHECK(w.get_pod("second")["spec"]["nodeName"] == "node-b");
        const auto scheduled = w.events("Scheduled");
        REQUIRE(scheduled.size() == 2);
        CHECK(scheduled[0]["message"] == "Successfully assigned default/first to node-a");
        CHECK(scheduled[0]["source"]["component"] == "default-scheduler");
        const json condition = w.get_pod("first")["status"]["conditions"][0];
        CHECK(condition["type"] == "PodScheduled");
        CHECK(condition["status"] == "True");
        REQUIRE(scheduler.node("node-a"));
        CHECK(scheduler.node("node-a")->requested.milli_cpu == 1000);
        CHECK(scheduler.node("node-a")->pod_count == 1);
    });
    w.loop.run_until(3 * kSecond);
    CHECK(scheduler.bindings() == 2);
}

TEST_CASE("ties go to the lowest name when filtering wraps around past failing nodes") {
    // 150 nodes: an attempt visits 100 (numFeasibleNodesToFind) from where the last one
    // stopped. The second attempt starts at n100, finds n100..n109 tainted, then n110..n149
    // and, wrapping, n000..n059 feasible: every empty node ties and n001 must win by name,
    // whatever order the attempt visited the nodes in.
    World w;
    char name[8];
    for (int i = 0; i < 150; ++i) {
        std::snprintf(name, sizeof name, "n%03d", i);
        std::vector<sim::cluster::NodeTaint> taints;
        if (i >= 100 && i < 110) taints.push_back({"dedicated", "gpu", "NoSchedule"});
        w.add_node(name, i + 1, "2", "4Gi", "110", taints);
    }
    sim::cluster::Scheduler scheduler(w.client);
    scheduler.start();
    w.at(0, [&] { w.create_pod(pod("first", "1", "1Gi")); });
    w.at(kSecond, [&] { w.create_pod(pod("second", "1", "1Gi")); });
    w.loop.run_until(2 * kSecond);
    CHECK(w.get_pod("first")["spec"]["nodeName"] == "n000");
    CHECK(w.get_pod("second")["spec"]["nodeName"] == "n001");
}

TEST_CASE("unschedulable pods: condition, event, backoff 1 s, 2 s, 4 s on cluster events") {
    World w;
    w.add_node("small", 1, "1", "4Gi");
    sim::cluster::Scheduler scheduler(w.client);
    scheduler.start();
    const auto ms = [](int n) { return n * kMillisecond; };
    w.at(0, [&] { w.create_pod(pod("big", "2", "1Gi")); });
    w.at(ms(100), [&] {
        const json p = w.get_pod("big");
        CHECK_FALSE(p["spec"].contains("nodeName"));
        const json c = p["status"]["conditions"][0];
        CHECK(c["type"] == "PodScheduled");
        CHECK(c["status"] == "False");
        CHECK(c["reason"] == "Unschedulable");
        const std::string first_message =
            "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 "
            "No preemption victims found for incoming pod.";
        CHECK(c["message"] == first_message);
        REQUIRE(w.events("FailedScheduling").size() == 1);
        CHECK(w.events("FailedScheduling")[0]["message"] == first_message);
        CHECK(w.events("FailedScheduling")[0]["type"] == "Warning");
    });
    // Cluster events that do not help: retries at 1 s, then 1 s + 2 s = 3 s.
    w.at(ms(500), [&] {
        w.add_node("tainted-1", 2, "4", "4Gi", "110", {{"dedicated", "gpu", "NoSchedule"}});
    });
    w.at(ms(999), [&] { CHECK(scheduler.attempts() == 1); });
    w.at(ms(1001), [&] { CHECK(scheduler.attempts() == 2); });
    w.at(ms(1500), [&] {
        w.add_node("tainted-2", 3, "4", "4Gi", "110", {{"dedicated", "gpu", "NoSchedule"}});
    });
    w.at(ms(2999), [&] { CHECK(scheduler.attempts() == 2); });
    w.at(ms(3001), [&] {
        CHECK(scheduler.attempts() == 3);
        CHECK(w.get_pod("big")["status"]["conditions"][0]["message"] ==
              "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint "
              "{dedicated: gpu}. preemption: 0/3 nodes are available: 1 No preemption victims "
              "found for incoming pod, 2 Preemption is not helpful for scheduling.");
        CHECK(w.events("FailedScheduling").size() == 3);  // one per distinct message
    });
    // A node with room: the retry waits for the 4 s backoff after the third attempt (3 s).
    w.at(ms(3500), [&] { w.add_node("large", 4, "4", "8Gi"); });
    w.at(ms(6999), [&] { CHECK_FALSE(w.get_pod("big")["spec"].contains("nodeName")); });
    w.at(ms(7001), [&] {
        CHECK(w.get_pod("big")["spec"]["nodeName"] == "large");
        CHECK(scheduler.attempts() == 4);
        CHECK(scheduler.pending_count() == 0);
    });
    w.loop.run_until(10 * kSecond);
}

TEST_CASE("a deleted pod frees room for a waiting one") {
    World w;
    w.add_node("only", 1, "1", "4Gi");
    sim::cluster::Scheduler scheduler(w.client);
    scheduler.start();
    w.at(0, [&] { w.create_pod(pod("holder", "800m")); });
    w.at(kSecond, [&] { w.create_pod(pod("waiter", "800m")); });
    w.at(20 * kSecond, [&] {
        CHECK_FALSE(w.get_pod("waiter")["spec"].contains("nodeName"));
        // A bound pod is deleted gracefully, then for good (as its kubelet would).
        (void)w.client.remove(sim::kube::refs::kPods.in("default"), "holder");
        sim::kube::DeleteOptions now;
        now.grace_period_seconds = 0;
        (void)w.client.remove(sim::kube::refs::kPods.in("default"), "holder", now);
    });
    w.at(21 * kSecond, [&] { CHECK(w.get_pod("waiter")["spec"]["nodeName"] == "only"); });
    w.loop.run_until(30 * kSecond);
}

namespace {

struct NodeGen {
    int milli_cpu;
    int memory_mi;
};
struct PodGen {
    int milli_cpu;
    int memory_mi;
    int at_ms;
};

}  // namespace

TEST_CASE("properties: no node over-committed, every pod that fits is bound") {
    rc::prop("scheduler invariants", [] {
        const auto nodes = *rc::gen::container<std::vector<NodeGen>>(
            *rc::gen::inRange(1, 4),
            rc::gen::construct<NodeGen>(rc::gen::inRange(500, 4001), rc::gen::inRange(256, 8193)));
        const auto pods = *rc::gen::container<std::vector<PodGen>>(
            *rc::gen::inRange(1, 25),
            rc::gen::construct<PodGen>(rc::gen::inRange(0, 2001), rc::gen::inRange(0, 2049),
                                       rc::gen::inRange(0, 30'000)));
        const int late_node_ms = *rc::gen::inRange(0, 30'000);
        World w;
        for (std::size_t i = 0; i + 1 < nodes.size() || i == 0; ++i)
            w.add_node("node-" + std::to_string(i), static_cast<int>(i) + 1,
                       std::to_string(nodes[i].milli_cpu) + "m",
                       std::to_string(nodes[i].memory_mi) + "Mi");
        sim::cluster::Scheduler scheduler(w.client);
        scheduler.start();
        for (std::size_t i = 0; i < pods.size(); ++i) {
            const PodGen g = pods[i];
            w.loop.schedule_at(g.at_ms * kMillisecond, [&w, g, i] {
                w.create_pod(pod("p" + std::to_string(i),
                                 g.milli_cpu ? std::to_string(g.milli_cpu) + "m" : "",
                                 g.memory_mi ? std::to_string(g.memory_mi) + "Mi" : ""));
            });
        }
        if (nodes.size() > 1) {
            const NodeGen last = nodes.back();
            w.loop.schedule_at(late_node_ms * kMillisecond, [&w, last, n = nodes.size()] {
                w.add_node("node-late", static_cast<int>(n), std::to_string(last.milli_cpu) + "m",
                           std::to_string(last.memory_mi) + "Mi");
            });
        }
        w.loop.run_until(600 * kSecond);

        // Recompute from the API, not the scheduler's cache.
        std::map<std::string, std::pair<std::int64_t, std::int64_t>> used;
        const json all = w.client.list(sim::kube::refs::kPods.in("default")).value()["items"];
        for (const json& p : all) {
            if (!p["spec"].contains("nodeName")) continue;
            const auto r = sim::cluster::pod_requests(p);
            used[p["spec"]["nodeName"]].first += r.milli_cpu;
            used[p["spec"]["nodeName"]].second += r.memory_bytes;
        }
        const json node_list = w.client.list(sim::kube::refs::kNodes).value()["items"];
        for (const json& n : node_list) {
            const auto a = sim::cluster::node_allocatable(n);
            const auto& u = used[n["metadata"]["name"].get<std::string>()];
            RC_ASSERT(u.first <= a.milli_cpu);
            RC_ASSERT(u.second <= a.memory_bytes);
        }
        for (const json& p : all) {
            if (p["spec"].contains("nodeName")) continue;
            const auto r = sim::cluster::pod_requests(p);
            for (const json& n : node_list) {
                const auto a = sim::cluster::node_allocatable(n);
                const auto& u = used[n["metadata"]["name"].get<std::string>()];
                const bool fits = r.milli_cpu <= a.milli_cpu - u.first &&
                                  r.memory_bytes <= a.memory_bytes - u.second;
                RC_ASSERT(!fits);
            }
        }
    });
}

TEST_CASE("TaintToleration and preferred NodeAffinity scores steer among feasible nodes") {
    SchedNode a = node("a", 4000, 8192);
    a.taints = json::array({{{"key", "spot"}, {"value", "true"}, {"effect", "PreferNoSchedule"}}});
    SchedNode b = node("b", 4000, 8192);
    b.labels = {{"disk", "ssd"}};
    const json p = pod("p", "1", "2Gi");
    // a: 175 + 3·0 (its one intolerable taint is the max) + 2·0; b: 175 + 3·100 + 2·0.
    CHECK(sim::cluster::total_scores({&a, &b}, p) == std::vector<std::int64_t>{175, 475});
    json tolerant = p;
    tolerant["spec"]["tolerations"] = json::array({{{"key", "spot"}, {"operator", "Exists"}}});
    CHECK(sim::cluster::total_scores({&a, &b}, tolerant) == std::vector<std::int64_t>{475, 475});
    json prefers = tolerant;
    prefers["spec"]["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] =
        json::parse(R"([{"weight": 30, "preference": {"matchExpressions":
                        [{"key": "disk", "operator": "In", "values": ["ssd"]}]}}])");
    CHECK(sim::cluster::total_scores({&a, &b}, prefers) == std::vector<std::int64_t>{475, 675});
}
