// The Deployment controller with the ReplicaSet controller, pods made ready by the test.
#include <catch2/catch.hpp>

#include <regex>

#include "controller/deployment_util.hpp"
#include "workload_fixture.hpp"

using namespace workload_test;
using sim::controller::kRevisionAnnotation;

namespace {

// The condition of `type`, or null (a copy: callers pass temporaries).
std::optional<Json> condition(const Json& d, const std::string& type) {
    for (const Json& c : d["status"].value("conditions", Json::array()))
        if (c["type"] == type) return c;
    return std::nullopt;
}

std::vector<Json> owned_rss(Env& env, const std::string& d) {
    std::vector<Json> out;
    for (const Json& rs : env.replica_sets())
        if (rs["metadata"]["labels"].value("app", "") == d) out.push_back(rs);
    return out;
}

// {new RS spec.replicas, Σ old RS spec.replicas}; the new RS has the highest revision.
std::pair<std::int64_t, std::int64_t> sizes(Env& env, const std::string& d) {
    auto rss = owned_rss(env, d);
    sim::controller::sort_by_revision(rss);
    std::int64_t old = 0;
    for (std::size_t i = 0; i + 1 < rss.size(); ++i)
        old += rss[i]["spec"]["replicas"].get<std::int64_t>();
    return {rss.back()["spec"]["replicas"].get<std::int64_t>(), old};
}

// kubectl rollout status's "successfully rolled out".
bool rolled_out(const Json& d) {
    const Json& s = d["status"];
    const std::int64_t want = d["spec"]["replicas"];
    return s.value("observedGeneration", 0) >= d["metadata"]["generation"].get<std::int64_t>() &&
           s.value("updatedReplicas", 0) == want && s.value("replicas", 0) == want &&
           s.value("availableReplicas", 0) == want;
}

void converge(Env& env, const std::string& name) {
    for (int i = 0; i < 30 && !rolled_out(env.get(refs::kDeployments, name)); ++i) {
        env.make_all_ready();
        env.settle();
    }
    REQUIRE(rolled_out(env.get(refs::kDeployments, name)));
}

void set_image(Env& env, const std::string& name, const std::string& image) {
    Json d = env.get(refs::kDeployments, name);
    d["spec"]["template"]["spec"]["containers"][0]["image"] = image;
    env.client.update(d).value();
}

// Template change, then: record sizes, make every pod ready, settle; until rolled out.
std::vector<std::pair<std::int64_t, std::int64_t>> rollout_steps(Env& env,
                                                                 const std::string& name) {
    set_image(env, name, "nginx:2");
    env.settle();
    std::vector<std::pair<std::int64_t, std::int64_t>> steps;
    for (int i = 0; i < 30; ++i) {
        steps.push_back(sizes(env, name));
        if (rolled_out(env.get(refs::kDeployments, name))) break;
        env.make_all_ready();
        env.settle();
    }
    return steps;
}

using Steps = std::vector<std::pair<std::int64_t, std::int64_t>>;

}  // namespace

TEST_CASE("deployment: new RS <name>-<hash> with annotations, events and conditions") {
    Env env;
    env.client.create(deployment("web", 3)).value();
    env.settle();
    const auto rss = owned_rss(env, "web");
    REQUIRE(rss.size() == 1);
    const Json& rs = rss[0];
    const std::string hash = rs["metadata"]["labels"]["pod-template-hash"];
    CHECK(std::regex_match(hash, std::regex("[bcdfghjklmnpqrstvwxz2456789]+")));
    CHECK(meta::name(rs) == "web-" + hash);
    CHECK(rs["spec"]["selector"]["matchLabels"]["pod-template-hash"] == hash);
    CHECK(rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] == hash);
    CHECK(rs["metadata"]["annotations"][kRevisionAnnotation] == "1");
    CHECK(rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "3");
    CHECK(rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "4");
    const Json d0 = env.get(refs::kDeployments, "web");
    CHECK(meta::is_controlled_by(rs, d0));
    CHECK(d0["metadata"]["annotations"][kRevisionAnnotation] == "1");
    for (const Json& p : env.active_pods())
        CHECK(p["metadata"]["labels"]["pod-template-hash"] == hash);

    const auto scaled = env.events("ScalingReplicaSet");
    REQUIRE(scaled.size() == 1);
    CHECK(scaled[0]["message"] == "Scaled up replica set web-" + hash + " to 3");
    CHECK(scaled[0]["source"]["component"] == "deployment-controller");
    CHECK(scaled[0]["involvedObject"]["kind"] == "Deployment");

    const auto progressing = condition(d0, "Progressing");
    REQUIRE(progressing);
    CHECK((*progressing)["status"] == "True");
    // Either just created, or already progressing once pods exist.
    CHECK(((*progressing)["reason"] == "NewReplicaSetCreated" ||
           (*progressing)["reason"] == "ReplicaSetUpdated"));
    const auto available = condition(d0, "Available");
    REQUIRE(available);
    CHECK((*available)["status"] == "False");
    CHECK((*available)["reason"] == "MinimumReplicasUnavailable");
    CHECK((*available)["message"] == "Deployment does not have minimum availability.");

    converge(env, "web");
    const Json d = env.get(refs::kDeployments, "web");
    CHECK(d["status"]["readyReplicas"] == 3);
    CHECK_FALSE(d["status"].contains("unavailableReplicas"));
    CHECK((*condition(d, "Available"))["reason"] == "MinimumReplicasAvailable");
    CHECK((*condition(d, "Available"))["message"] == "Deployment has minimum availability.");
    CHECK((*condition(d, "Progressing"))["reason"] == "NewReplicaSetAvailable");
    CHECK((*condition(d, "Progressing"))["message"] ==
          "ReplicaSet \"web-" + hash + "\" has successfully progressed.");
}

TEST_CASE("deployment: rolling update steps, 4 replicas, maxSurge 25% maxUnavailable 25% (1/1)") {
    Env env;
    env.client.create(deployment("web", 4)).value();
    env.settle();
    converge(env, "web");
    // Derived from NewRSNewReplicas and reconcileOldReplicaSets: create new at 1 and take
    // one old down (5 pods, 3 available), new to 2; once ready old to 1, new to 4; then 0.
    CHECK(rollout_steps(env, "web") == Steps{{2, 3}, {4, 1}, {4, 0}});
}

TEST_CASE("deployment: rolling update steps, 3 replicas, maxSurge 0 maxUnavailable 1") {
    Env env;
    env.client.create(deployment("web", 3, 0, 1)).value();
    env.settle();
    converge(env, "web");
    CHECK(rollout_steps(env, "web") == Steps{{1, 2}, {2, 1}, {3, 0}, {3, 0}});
}

TEST_CASE("deployment: rolling update steps, 2 replicas, maxSurge 100% maxUnavailable 0") {
    Env env;
    env.client.create(deployment("web", 2, "100%", 0)).value();
    env.settle();
    converge(env, "web");
    CHECK(rollout_steps(env, "web") == Steps{{2, 2}, {2, 0}});
}

TEST_CASE("deployment: rolling update with real scaling messages and revision 2") {
    Env env;
    env.client.create(deployment("web", 3)).value();
    env.settle();
    converge(env, "web");
    const std::string old_name = meta::name(owned_rss(env, "web")[0]);
    set_image(env, "web", "nginx:2");
    env.settle();
    converge(env, "web");
    auto rss = owned_rss(env, "web");
    REQUIRE(rss.size() == 2);
    sim::controller::sort_by_revision(rss);
    const std::string new_name = meta::name(rss[1]);
    CHECK(rss[1]["metadata"]["annotations"][kRevisionAnnotation] == "2");
    CHECK(env.get(refs::kDeployments, "web")["metadata"]["annotations"][kRevisionAnnotation] ==
          "2");
    std::vector<std::string> messages;
    for (const Json& e : env.events("ScalingReplicaSet"))
        messages.push_back(e["message"]);
    // 3 replicas, surge 1, unavailable 0: one up, one down, three times.
    const std::vector<std::string> want = {"Scaled up replica set " + old_name + " to 3",
                                           "Scaled up replica set " + new_name + " to 1",
                                           "Scaled down replica set " + old_name + " to 2 from 3",
                                           "Scaled up replica set " + new_name + " to 2 from 1",
                                           "Scaled down replica set " + old_name + " to 1 from 2",
                                           "Scaled up replica set " + new_name + " to 3 from 2",
                                           "Scaled down replica set " + old_name + " to 0 from 1"};
    CHECK(messages == want);
}

TEST_CASE("deployment: Recreate scales old to 0, waits for the pods, then creates the new RS") {
    Env env;
    Json d = deployment("web", 3);
    d["spec"]["strategy"] = {{"type", "Recreate"}};
    env.client.create(d).value();
    env.settle();
    converge(env, "web");
    set_image(env, "web", "nginx:2");
    env.settle();
    CHECK(sizes(env, "web") == std::pair<std::int64_t, std::int64_t>{3, 0});
    for (const Json& p : env.active_pods())
        CHECK(p["spec"]["containers"][0]["image"] == "nginx:2");
    converge(env, "web");
}

TEST_CASE("deployment: scaling a complete deployment scales its only RS") {
    Env env;
    env.client.create(deployment("web", 3)).value();
    env.settle();
    converge(env, "web");
    Json d = env.get(refs::kDeployments, "web");
    d["spec"]["replicas"] = 5;
    env.client.update(d).value();
    env.settle();
    const auto rss = owned_rss(env, "web");
    REQUIRE(rss.size() == 1);
    CHECK(rss[0]["spec"]["replicas"] == 5);
    CHECK(rss[0]["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "5");
    CHECK(env.events("ScalingReplicaSet").back()["message"] ==
          "Scaled up replica set " + meta::name(rss[0]) + " to 5 from 3");
    converge(env, "web");
}

TEST_CASE("deployment: proportional scaling during a rollout") {
    Env env;
    // 10 replicas, surge 3 / unavailable 2: mid-rollout the RSs share 13 pods.
    env.client.create(deployment("web", 10)).value();
    env.settle();
    converge(env, "web");
    set_image(env, "web", "nginx:2");
    env.settle();  // no pod becomes ready: the rollout stalls with both RSs active
    const auto before = sizes(env, "web");
    CHECK(before.first + before.second == 13);
    Json d = env.get(refs::kDeployments, "web");
    d["spec"]["replicas"] = 20;  // surge becomes 5: 25 allowed
    env.client.update(d).value();
    env.settle();
    const auto after = sizes(env, "web");
    CHECK(after.first + after.second == 25);
    CHECK(after.first > before.first);
    CHECK(after.second > before.second);
    converge(env, "web");
    CHECK(sizes(env, "web") == std::pair<std::int64_t, std::int64_t>{20, 0});
}

TEST_CASE("deployment: ProgressDeadlineExceeded when pods never become ready") {
    Env env;
    Json d = deployment("web", 2);
    d["spec"]["progressDeadlineSeconds"] = 30;
    env.client.create(d).value();
    env.settle(20 * kSecond);
    CHECK((*condition(env.get(refs::kDeployments, "web"), "Progressing"))["status"] == "True");
    env.settle(20 * kSecond);
    const Json now = env.get(refs::kDeployments, "web");
    const auto p = condition(now, "Progressing");
    REQUIRE(p);
    CHECK((*p)["status"] == "False");
    CHECK((*p)["reason"] == "ProgressDeadlineExceeded");
    const std::string rs = meta::name(owned_rss(env, "web")[0]);
    CHECK((*p)["message"] == "ReplicaSet \"" + rs + "\" has timed out progressing.");
}

TEST_CASE("deployment: revisionHistoryLimit keeps only that many old RSs") {
    Env env;
    Json d = deployment("web", 1);
    d["spec"]["revisionHistoryLimit"] = 1;
    env.client.create(d).value();
    env.settle();
    converge(env, "web");
    for (const char* image : {"nginx:2", "nginx:3", "nginx:4"}) {
        set_image(env, "web", image);
        env.settle();
        converge(env, "web");
        env.settle();
    }
    auto rss = owned_rss(env, "web");
    CHECK(rss.size() == 2);  // the new one and one old
    sim::controller::sort_by_revision(rss);
    CHECK(rss.back()["metadata"]["annotations"][kRevisionAnnotation] == "4");
}

TEST_CASE("deployment: paused deployments scale but do not roll out") {
    Env env;
    env.client.create(deployment("web", 2)).value();
    env.settle();
    converge(env, "web");
    Json d = env.get(refs::kDeployments, "web");
    d["spec"]["paused"] = true;
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2";
    d["spec"]["replicas"] = 3;
    env.client.update(d).value();
    env.settle();
    auto rss = owned_rss(env, "web");
    REQUIRE(rss.size() == 1);
    CHECK(rss[0]["spec"]["replicas"] == 3);
    const auto p = condition(env.get(refs::kDeployments, "web"), "Progressing");
    REQUIRE(p);
    CHECK((*p)["status"] == "Unknown");
    CHECK((*p)["reason"] == "DeploymentPaused");
    CHECK((*p)["message"] == "Deployment is paused");
    d = env.get(refs::kDeployments, "web");
    d["spec"]["paused"] = false;
    env.client.update(d).value();
    env.settle();
    converge(env, "web");
    CHECK(owned_rss(env, "web").size() == 2);
}

TEST_CASE("deployment: an empty selector warns SelectingAll") {
    Env env;
    Json d = deployment("web", 1);
    d["spec"]["selector"] = Json::object();
    d["spec"]["template"]["metadata"]["labels"] = Json::object();
    const auto created = env.client.create(d);
    if (!created) {
        // apps/v1 validation refuses an empty selector before the controller sees it.
        CHECK(created.code() == 422);
        return;
    }
    env.settle();
    CHECK(env.events("SelectingAll").size() == 1);
    CHECK(env.replica_sets().empty());
}

TEST_CASE("deployment: decisions are reported with reasons") {
    Env env;
    env.client.create(deployment("web", 2)).value();
    env.settle();
    bool created = false;
    for (const std::string& line : env.decisions)
        if (line.find("deployment-controller default/web: create replica set web-") == 0 &&
            line.find("no replica set has the current pod template") != std::string::npos)
            created = true;
    CHECK(created);
}

TEST_CASE("deployment: the same seed gives the same names, events and decisions") {
    const auto run = [] {
        Env env(5);
        env.client.create(deployment("web", 3)).value();
        env.settle();
        converge(env, "web");
        set_image(env, "web", "nginx:2");
        env.settle();
        converge(env, "web");
        std::vector<std::string> out = env.decisions;
        for (const Json& e : env.events())
            out.push_back(e["reason"].get<std::string>() + ": " + e["message"].get<std::string>());
        for (const Json& p : env.active_pods())
            out.push_back(meta::name(p));
        return out;
    };
    const auto first = run();
    CHECK(first.size() > 10);
    CHECK(first == run());
}

TEST_CASE("deployment: going back to an earlier template reuses its RS with a new revision") {
    Env env;
    env.client.create(deployment("web", 2)).value();
    env.settle();
    converge(env, "web");
    const std::string first = meta::name(owned_rss(env, "web")[0]);
    set_image(env, "web", "nginx:2");
    env.settle();
    converge(env, "web");
    set_image(env, "web", "nginx:1.27");
    env.settle();
    converge(env, "web");
    const auto rss = owned_rss(env, "web");
    REQUIRE(rss.size() == 2);
    const Json rs = env.get(refs::kReplicaSets, first);
    CHECK(rs["spec"]["replicas"] == 2);
    CHECK(rs["metadata"]["annotations"][kRevisionAnnotation] == "3");
    CHECK(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1");
    CHECK(env.get(refs::kDeployments, "web")["metadata"]["annotations"][kRevisionAnnotation] ==
          "3");
}
