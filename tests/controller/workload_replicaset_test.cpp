// The ReplicaSet controller against the in-process API server.
#include <catch2/catch.hpp>

#include <regex>

#include "workload_fixture.hpp"

using namespace workload_test;
using sim::controller::is_pod_ready;

TEST_CASE(
    "replicaset: creates generateName pods with a controller ref and SuccessfulCreate events") {
    Env env(7, false);
    env.client.create(replica_set("web", 3)).value();
    env.settle();
    const auto pods = env.active_pods();
    REQUIRE(pods.size() == 3);
    const Json rs = env.get(refs::kReplicaSets, "web");
    const std::regex name_re("web-[bcdfghjklmnpqrstvwxz2456789]{5}");
    for (const Json& p : pods) {
        CHECK(std::regex_match(meta::name(p), name_re));
        CHECK(meta::is_controlled_by(p, rs));
        CHECK(p["metadata"]["labels"]["app"] == "web");
    }
    const auto created = env.events("SuccessfulCreate");
    REQUIRE(created.size() == 3);
    CHECK(created[0]["message"].get<std::string>().rfind("Created pod: web-", 0) == 0);
    CHECK(created[0]["source"]["component"] == "replicaset-controller");
    CHECK(created[0]["involvedObject"]["kind"] == "ReplicaSet");
    CHECK(rs["status"]["replicas"] == 3);
    CHECK(rs["status"]["fullyLabeledReplicas"] == 3);
    CHECK_FALSE(rs["status"].contains("readyReplicas"));
    CHECK(rs["status"]["observedGeneration"] == 1);
}

TEST_CASE("replicaset: ready and available counts, availability after minReadySeconds") {
    Env env(7, false);
    Json rs = replica_set("web", 2);
    rs["spec"]["minReadySeconds"] = 10;
    env.client.create(rs).value();
    env.settle(kSecond / 2);
    // Ready at 1.5 s; metav1.Time keeps whole seconds, so Ready.lastTransitionTime says 1 s.
    for (const Json& p : env.active_pods())
        env.make_ready(p);
    env.settle(8 * kSecond);  // 9.5 s
    Json status = env.get(refs::kReplicaSets, "web")["status"];
    CHECK(status["readyReplicas"] == 2);
    CHECK_FALSE(status.contains("availableReplicas"));
    // The sync at 1.5 s re-queued itself minReadySeconds later: at 11.5 s, 1 s + 10 s < now.
    env.settle(2 * kSecond + kSecond / 10);
    status = env.get(refs::kReplicaSets, "web")["status"];
    CHECK(status["availableReplicas"] == 2);
}

TEST_CASE("replicaset: scale down deletes unready pods first, with SuccessfulDelete events") {
    Env env(7, false);
    env.client.create(replica_set("web", 4)).value();
    env.settle();
    auto pods = env.active_pods();
    REQUIRE(pods.size() == 4);
    env.make_ready(pods[0]);
    env.make_ready(pods[2]);
    env.settle();
    Json rs = env.get(refs::kReplicaSets, "web");
    rs["spec"]["replicas"] = 2;
    env.client.update(rs).value();
    env.settle();
    const auto left = env.active_pods();
    REQUIRE(left.size() == 2);
    for (const Json& p : left)
        CHECK(is_pod_ready(p));
    const auto deleted = env.events("SuccessfulDelete");
    REQUIRE(deleted.size() == 2);
    std::set<std::string> messages;
    for (const Json& e : deleted)
        messages.insert(e["message"]);
    CHECK(messages == std::set<std::string>{"Deleted pod: " + meta::name(pods[1]),
                                            "Deleted pod: " + meta::name(pods[3])});
    // The decision names the victims in ranking order and says why.
    const std::string want_decision = "replicaset-controller default/web: delete 2 pods: ";
    bool decided = false;
    for (const std::string& d : env.decisions)
        if (d.rfind(want_decision, 0) == 0 && d.find("wants 2") != std::string::npos)
            decided = true;
    CHECK(decided);
}

TEST_CASE("replicaset: scale down spreads deletions over crowded nodes") {
    Env env(7, false);
    env.client.create(replica_set("web", 3)).value();
    env.settle();
    auto pods = env.active_pods();
    REQUIRE(pods.size() == 3);
    // Two pods on node-a, one on node-b, all ready at the same instant.
    env.make_ready(pods[0], "node-a");
    env.make_ready(pods[1], "node-a");
    env.make_ready(pods[2], "node-b");
    env.settle();
    Json rs = env.get(refs::kReplicaSets, "web");
    rs["spec"]["replicas"] = 2;
    env.client.update(rs).value();
    env.settle();
    const auto left = env.active_pods();
    REQUIRE(left.size() == 2);
    std::set<std::string> nodes;
    for (const Json& p : left)
        nodes.insert(p["spec"]["nodeName"]);
    CHECK(nodes == std::set<std::string>{"node-a", "node-b"});
}

TEST_CASE("replicaset: adopts a matching orphan and releases a pod that stops matching") {
    Env env(7, false);
    Json orphan = {
        {"apiVersion", "v1"},
        {"kind", "Pod"},
        {"metadata", {{"name", "stray"}, {"namespace", "default"}, {"labels", {{"app", "web"}}}}},
        {"spec", {{"containers", Json::array({{{"name", "c"}, {"image", "nginx"}}})}}}};
    env.client.create(orphan).value();
    env.client.create(replica_set("web", 2)).value();
    env.settle();
    const Json rs = env.get(refs::kReplicaSets, "web");
    CHECK(meta::is_controlled_by(env.get(refs::kPods, "stray"), rs));
    CHECK(env.active_pods().size() == 2);
    CHECK(env.events("SuccessfulCreate").size() == 1);

    Json stray = env.get(refs::kPods, "stray");
    stray["metadata"]["labels"]["app"] = "other";
    env.client.update(stray).value();
    env.settle();
    CHECK_FALSE(meta::controller_of(env.get(refs::kPods, "stray")).has_value());
    CHECK(env.active_pods().size() == 3);  // a replacement was created
    CHECK(env.events("SuccessfulCreate").size() == 2);
}

TEST_CASE("replicaset: a deleted pod is replaced") {
    Env env(7, false);
    env.client.create(replica_set("web", 2)).value();
    env.settle();
    const auto pods = env.active_pods();
    env.client.remove(refs::kPods.in("default"), meta::name(pods[0])).value();
    env.settle();
    const auto now_pods = env.active_pods();
    REQUIRE(now_pods.size() == 2);
    CHECK(meta::name(now_pods[0]) != meta::name(pods[0]));
    CHECK(meta::name(now_pods[1]) != meta::name(pods[0]));
}

TEST_CASE("replicaset: the same seed gives the same pod names") {
    const auto names = [] {
        Env env(11, false);
        env.client.create(replica_set("web", 3)).value();
        env.settle();
        std::vector<std::string> out;
        for (const Json& p : env.active_pods())
            out.push_back(meta::name(p));
        return out;
    };
    CHECK(names() == names());
}

TEST_CASE("replicaset: a failing batch stops slow start, FailedCreate and ReplicaFailure") {
    Env env(7, false);
    int allowed = 3;  // a quota-like admission hook: the first three pod creates pass
    int attempts = 0;
    env.server.admission().add_validating({.group_resource = "pods",
                                           .operations = {sim::kube::Operation::Create},
                                           .include_subresources = false,
                                           .hook = [&](sim::kube::AdmissionRequest&) {
                                               ++attempts;
                                               if (allowed-- > 0) return;
                                               throw sim::kube::bad_request("exceeded quota: pods");
                                           }});
    // Attempts made before each "create N pods" decision.
    std::vector<int> before_create;
    env.manager.on_decision(
        [&](const std::string&, const std::string&, const std::string& what, const std::string&) {
            if (what.rfind("create ", 0) == 0) before_create.push_back(attempts);
        });
    env.client.create(replica_set("web", 10)).value();
    env.settle(sim::kernel::kMillisecond);
    // First sync: batches 1 and 2 pass (3 pods), batch 3 (4 creates) fails, the last 3
    // creates are skipped: 7 attempts. Later syncs (status change, retry) try again.
    REQUIRE(before_create.size() >= 2);
    CHECK(before_create[0] == 0);
    CHECK(before_create[1] == 7);
    CHECK(env.active_pods().size() == 3);
    CHECK(env.events("SuccessfulCreate").size() == 3);
    const auto failed = env.events("FailedCreate");
    REQUIRE(failed.size() == 1);  // identical events are counted in place
    CHECK(failed[0]["count"] == attempts - 3);
    CHECK(failed[0]["type"] == "Warning");
    CHECK(failed[0]["message"] == "Error creating: exceeded quota: pods");
    const Json status = env.get(refs::kReplicaSets, "web")["status"];
    REQUIRE(status.contains("conditions"));
    CHECK(status["conditions"][0]["type"] == "ReplicaFailure");
    CHECK(status["conditions"][0]["reason"] == "FailedCreate");
    CHECK(status["conditions"][0]["message"] == "exceeded quota: pods");

    allowed = 1000;  // the quota is lifted: the rate-limited retry converges
    env.settle(5 * kSecond);
    CHECK(env.active_pods().size() == 10);
    CHECK_FALSE(env.get(refs::kReplicaSets, "web")["status"].contains("conditions"));
}
