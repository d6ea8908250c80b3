// Table tests of the Deployment helpers and the pod-deletion ranking, with expected values
// worked out by hand from the real formulas (deployment_util.go, controller_utils.go).
#include <catch2/catch.hpp>

#include "controller/deployment_util.hpp"
#include "controller/pod_util.hpp"
#include "controller/replicaset.hpp"
#include "sim/kernel/time.hpp"

using namespace sim::controller;
using json = sim::Json;

TEST_CASE("SafeEncodeString maps decimal digits through the real alphabet") {
    // '0' is byte 48, 48 % 27 = 21 -> '4'; '6' is 54 % 27 = 0 -> 'b'.
    CHECK(safe_encode_string("0123456789") == "456789bcdf");
}

TEST_CASE("FNV-32a matches the reference vectors") {
    CHECK(fnv32a("") == 2166136261u);
    CHECK(fnv32a("a") == 0xe40c292cu);
    CHECK(fnv32a("foobar") == 0xbf9cf968u);
}

TEST_CASE("pod-template-hash: stable, safe-encoded, moved by collisionCount") {
    const json tmpl = {
        {"metadata", {{"labels", {{"app", "web"}}}}},
        {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "nginx"}}})}}}};
    const std::string h = compute_hash(tmpl, std::nullopt);
    CHECK(h == compute_hash(tmpl, std::nullopt));
    CHECK(h == safe_encode_string(std::to_string(fnv32a(tmpl.dump()))));
    CHECK(h.find_first_not_of("bcdfghjklmnpqrstvwxz2456789") == std::string::npos);
    CHECK(compute_hash(tmpl, 1) != h);
    CHECK(compute_hash(tmpl, 1) != compute_hash(tmpl, 2));
    json other = tmpl;
    other["spec"]["containers"][0]["image"] = "nginx:2";
    CHECK(compute_hash(other, std::nullopt) != h);
}

TEST_CASE("fenceposts: surge rounds up, unavailable rounds down, both zero -> unavailable 1") {
    struct Row {
        json surge, unavailable;
        std::int64_t replicas, want_surge, want_unavailable;
    };
    const std::vector<Row> rows = {{"25%", "25%", 3, 1, 0}, {"25%", "25%", 4, 1, 1},
                                   {"25%", "25%", 1, 1, 0}, {"25%", "25%", 10, 3, 2},
                                   {0, 0, 5, 0, 1},         {"0%", "0%", 5, 0, 1},
                                   {"50%", "0%", 5, 3, 0},  {1, "30%", 10, 1, 3},
                                   {2, 0, 7, 2, 0},         {"100%", "100%", 3, 3, 3}};
    for (const Row& r : rows) {
        const Fenceposts f = resolve_fenceposts(r.surge, r.unavailable, r.replicas);
        INFO(r.surge.dump() << " " << r.unavailable.dump() << " x" << r.replicas);
        CHECK(f.max_surge == r.want_surge);
        CHECK(f.max_unavailable == r.want_unavailable);
    }
    CHECK_THROWS_AS(scaled_value("25", 4, true), std::invalid_argument);
}

TEST_CASE("MaxUnavailable is capped by replicas and 0 for Recreate or zero replicas") {
    json d = {{"spec",
               {{"replicas", 3},
                {"strategy",
                 {{"type", "RollingUpdate"},
                  {"rollingUpdate", {{"maxSurge", 0}, {"maxUnavailable", 5}}}}}}}};
    CHECK(max_unavailable(d) == 3);
    CHECK(max_surge(d) == 0);
    d["spec"]["replicas"] = 0;
    CHECK(max_unavailable(d) == 0);
    d["spec"]["replicas"] = 3;
    d["spec"]["strategy"] = {{"type", "Recreate"}};
    CHECK(max_unavailable(d) == 0);
    CHECK(max_surge(d) == 0);
}

TEST_CASE("NewRSNewReplicas: the next scale-up step of a rolling update") {
    const json d = {{"spec",
                     {{"replicas", 4},
                      {"strategy",
                       {{"type", "RollingUpdate"},
                        {"rollingUpdate", {{"maxSurge", 1}, {"maxUnavailable", 1}}}}}}}};
    const auto rs = [](int n) { return json{{"spec", {{"replicas", n}}}}; };
    CHECK(new_rs_new_replicas(d, {rs(4), rs(0)}, rs(0)) == 1);  // 4 < 5: one more
    CHECK(new_rs_new_replicas(d, {rs(3), rs(1)}, rs(1)) == 2);
    CHECK(new_rs_new_replicas(d, {rs(3), rs(2)}, rs(2)) == 2);  // at 5 = 4 + 1: hold
    CHECK(new_rs_new_replicas(d, {rs(0), rs(3)}, rs(3)) == 4);  // capped by replicas
}

TEST_CASE("proportional scaling fractions round like math.Round") {
    // Deployment scaled to 10 with surge 3 (25% of 10 rounded up): 13 allowed.
    const json d = {{"spec",
                     {{"replicas", 10},
                      {"strategy",
                       {{"type", "RollingUpdate"},
                        {"rollingUpdate", {{"maxSurge", "25%"}, {"maxUnavailable", "25%"}}}}}}}};
    const auto rs = [](int n, int max) {
        return json{
            {"metadata", {{"annotations", {{kMaxReplicasAnnotation, std::to_string(max)}}}}},
            {"spec", {{"replicas", n}}}};
    };
    // Sized 3 of an annotated 6 -> round(3 * 13 / 6) = round(6.5) = 7 -> +4.
    CHECK(replica_set_fraction(rs(3, 6), d) == 4);
    CHECK(proportion(rs(3, 6), d, 7, 0) == 4);
    CHECK(proportion(rs(3, 6), d, 7, 5) == 2);  // capped by what is left to add
    CHECK(proportion(rs(0, 6), d, 7, 0) == 0);
}

TEST_CASE("slow start batches are 1, 2, 4, ... capped by what remains") {
    CHECK(slow_start_batches(0).empty());
    CHECK(slow_start_batches(1) == std::vector<int>{1});
    CHECK(slow_start_batches(7) == std::vector<int>{1, 2, 4});
    CHECK(slow_start_batches(10) == std::vector<int>{1, 2, 4, 3});
    CHECK(slow_start_batches(20) == std::vector<int>{1, 2, 4, 8, 5});
}

namespace {

const std::int64_t kNow = sim::kernel::parse_rfc3339_unix_nanos("2025-01-01T01:00:00Z").value();

json pod(const std::string& name, const std::string& uid) {
    return {
        {"metadata", {{"name", name}, {"uid", uid}, {"creationTimestamp", "2025-01-01T00:00:00Z"}}},
        {"spec", {{"nodeName", "node-1"}}},
        {"status", {{"phase", "Running"}}}};
}

json ready(json p, const std::string& since) {
    p["status"]["conditions"] =
        json::array({{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", since}}});
    return p;
}

}  // namespace

TEST_CASE("pod deletion ranking follows ActivePodsWithRanks.Less step by step") {
    const json base = ready(pod("a", "u1"), "2025-01-01T00:10:00Z");
    SECTION("1. unassigned before assigned") {
        json b = base;
        b["spec"].erase("nodeName");
        CHECK(pod_deletes_before(b, 1, base, 1, kNow));
        CHECK_FALSE(pod_deletes_before(base, 1, b, 1, kNow));
    }
    SECTION("2. Pending < Unknown < Running") {
        json pending = base, unknown = base;
        pending["status"]["phase"] = "Pending";
        unknown["status"]["phase"] = "Unknown";
        CHECK(pod_deletes_before(pending, 1, unknown, 1, kNow));
        CHECK(pod_deletes_before(unknown, 1, base, 1, kNow));
    }
    SECTION("3. not ready before ready") {
        CHECK(pod_deletes_before(pod("b", "u2"), 1, base, 1, kNow));
    }
    SECTION("4. lower pod-deletion-cost first") {
        json cheap = base, dear = base;
        cheap["metadata"]["annotations"]["controller.kubernetes.io/pod-deletion-cost"] = "-5";
        dear["metadata"]["annotations"]["controller.kubernetes.io/pod-deletion-cost"] = "100";
        CHECK(pod_deletes_before(cheap, 1, base, 1, kNow));
        CHECK(pod_deletes_before(base, 1, dear, 1, kNow));
    }
    SECTION("5. more pods on the same node first") {
        CHECK(pod_deletes_before(base, 3, base, 1, kNow));
    }
    SECTION("6. ready more recently first, by logarithmic buckets, then uid") {
        // 1 min ago vs 50 min ago: different log2 buckets.
        const json recent = ready(pod("r", "u9"), "2025-01-01T00:59:00Z");
        CHECK(pod_deletes_before(recent, 1, base, 1, kNow));
        // 50 min vs 40 min ago: 2^41 ns ~ 36.6 min < both < 2^42 ns ~ 73 min: same bucket,
        // so the smaller uid goes first.
        const json same_bucket = ready(pod("s", "u0"), "2025-01-01T00:20:00Z");
        CHECK(pod_deletes_before(same_bucket, 1, base, 1, kNow));
        CHECK_FALSE(pod_deletes_before(base, 1, same_bucket, 1, kNow));
    }
    SECTION("7. more restarts first") {
        json crashy = base;
        crashy["status"]["containerStatuses"] = json::array({{{"name", "c"}, {"restartCount", 3}}});
        CHECK(pod_deletes_before(crashy, 1, base, 1, kNow));
    }
    SECTION("8. newer first") {
        json newer = base;
        newer["metadata"]["creationTimestamp"] = "2025-01-01T00:59:00Z";
        CHECK(pod_deletes_before(newer, 1, base, 1, kNow));
    }
}

TEST_CASE("pods_to_delete ranks the related pods per node") {
    // Two pods on node-1 and one on node-2: a node-1 pod goes first (rank 2 > 1).
    json p1 = ready(pod("p1", "u1"), "2025-01-01T00:10:00Z");
    json p2 = ready(pod("p2", "u2"), "2025-01-01T00:10:00Z");
    json p3 = ready(pod("p3", "u3"), "2025-01-01T00:10:00Z");
    p3["spec"]["nodeName"] = "node-2";
    const auto victims = pods_to_delete({p3, p1, p2}, {p1, p2, p3}, 1, kNow);
    REQUIRE(victims.size() == 1);
    CHECK(victims[0]["metadata"]["name"] == "p1");
}

TEST_CASE("IsPodAvailable waits minReadySeconds after the Ready transition") {
    const json p = ready(pod("p", "u"), "2025-01-01T00:59:50Z");
    CHECK(is_pod_available(p, 0, kNow));
    CHECK(is_pod_available(p, 9, kNow));
    CHECK_FALSE(is_pod_available(p, 10, kNow));  // strictly after
    CHECK_FALSE(is_pod_available(pod("q", "v"), 0, kNow));
}
