// Property: for random replica changes, template changes and pod failures, with pods becoming ready
// in random order, a RollingUpdate Deployment converges (one RS holds every pod, status matches
// spec), and while a rollout runs, after every single event: active pods <= replicas +
// maxSurge and ready pods >= replicas - maxUnavailable.
#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include "controller/deployment_util.hpp"
#include "workload_fixture.hpp"

using namespace workload_test;

namespace {

bool rolled_out(const Json& d) {
    const Json& s = d["status"];
    const std::int64_t want = d["spec"]["replicas"];
    return s.value("observedGeneration", 0) >= d["metadata"]["generation"].get<std::int64_t>() &&
           s.value("updatedReplicas", 0) == want && s.value("replicas", 0) == want &&
           s.value("availableReplicas", 0) == want;
}

// Marks a random non-empty subset of the unready pods ready.
void make_some_ready(Env& env) {
    std::vector<Json> unready;
    for (const Json& p : env.active_pods())
        if (!sim::controller::is_pod_ready(p)) unready.push_back(p);
    if (unready.empty()) return;
    bool any = false;
    for (const Json& p : unready)
        if (*rc::gen::arbitrary<bool>()) env.make_ready(p), any = true;
    if (!any) env.make_ready(unready.front());
}

struct Bounds {
    std::int64_t max_pods;
    std::int64_t min_ready;
};

// Runs one second of virtual time event by event, checking the bounds after each.
void run_checked(Env& env, const Bounds& b) {
    bool reached = false;
    env.loop.schedule_after(kSecond, [&reached] { reached = true; });
    while (!reached && env.loop.step()) {
        std::int64_t pods = 0, ready = 0;
        for (const Json& p : env.active_pods()) {
            ++pods;
            if (sim::controller::is_pod_ready(p)) ++ready;
        }
        RC_ASSERT(pods <= b.max_pods);
        RC_ASSERT(ready >= b.min_ready);
    }
}

void converge(Env& env, const Bounds* bounds) {
    for (int i = 0; i < 60; ++i) {
        if (rolled_out(env.get(refs::kDeployments, "web"))) return;
        make_some_ready(env);
        if (bounds)
            run_checked(env, *bounds);
        else
            env.settle();
    }
    RC_FAIL("did not converge in 60 rounds");
}

}  // namespace

TEST_CASE("property: rolling updates stay within bounds and converge") {
    rc::prop("deployment converges; rollouts respect maxSurge/maxUnavailable", [] {
        const std::uint64_t seed = *rc::gen::inRange<std::uint64_t>(1, 1000);
        std::int64_t replicas = *rc::gen::inRange(1, 7);
        const Json surge =
            *rc::gen::oneOf(rc::gen::map(rc::gen::inRange(0, 3), [](int v) { return Json(v); }),
                            rc::gen::element(Json("25%"), Json("50%"), Json("0%")));
        const Json unavailable =
            *rc::gen::oneOf(rc::gen::map(rc::gen::inRange(0, 3), [](int v) { return Json(v); }),
                            rc::gen::element(Json("25%"), Json("50%"), Json("0%")));
        const int steps = *rc::gen::inRange(1, 5);

        Env env(seed);
        env.client.create(deployment("web", static_cast<int>(replicas), surge, unavailable))
            .value();
        env.settle();
        converge(env, nullptr);
        int image = 1;
        for (int i = 0; i < steps; ++i) {
            Json d = env.get(refs::kDeployments, "web");
            if (*rc::gen::inRange(0, 4) == 0) {
                // A pod failure between rollouts: the pod is marked Failed (as the kubelet
                // would after an eviction); the ReplicaSet replaces it and the Deployment
                // converges again.
                const std::vector<Json> active = env.active_pods();
                RC_ASSERT(!active.empty());
                Json victim = active[*rc::gen::inRange<std::size_t>(0, active.size())];
                victim = env.client.get(refs::kPods.in("default"), meta::name(victim)).value();
                victim["status"]["phase"] = "Failed";
                victim["status"]["conditions"] =
                    Json::array({{{"type", "Ready"},
                                  {"status", "False"},
                                  {"lastTransitionTime", env.client.now_rfc3339()}}});
                env.client.update_status(victim).value();
                env.settle();
                converge(env, nullptr);
                continue;
            }
            if (*rc::gen::arbitrary<bool>()) {
                replicas = *rc::gen::inRange(1, 7);
                d["spec"]["replicas"] = replicas;
                env.client.update(d).value();
                env.settle();
                converge(env, nullptr);
                continue;
            }
            d["spec"]["template"]["spec"]["containers"][0]["image"] =
                "nginx:" + std::to_string(++image);
            env.client.update(d).value();
            const auto f = sim::controller::resolve_fenceposts(surge, unavailable, replicas);
            const Bounds b{replicas + f.max_surge,
                           replicas - std::min(f.max_unavailable, replicas)};
            run_checked(env, b);
            converge(env, &b);
        }
        env.settle();
        // One RS with every pod, the rest at 0; status matches spec.
        const Json d = env.get(refs::kDeployments, "web");
        RC_ASSERT(rolled_out(d));
        int active_rss = 0;
        for (const Json& rs : env.replica_sets())
            if (rs["spec"]["replicas"].get<std::int64_t>() > 0) {
                ++active_rss;
                RC_ASSERT(rs["spec"]["replicas"].get<std::int64_t>() == replicas);
                RC_ASSERT(rs["status"].value("availableReplicas", 0) == replicas);
            }
        RC_ASSERT(active_rss == 1);
        RC_ASSERT(static_cast<std::int64_t>(env.active_pods().size()) == replicas);
        RC_ASSERT(d["status"].value("updatedReplicas", 0) == replicas);
        RC_ASSERT(d["status"].value("availableReplicas", 0) == replicas);
    });
}
