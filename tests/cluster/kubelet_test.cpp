#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "sim/cluster/kubelet.hpp"
#include "sim/cluster/scheduler.hpp"

using cluster_test::json;
using cluster_test::pod;
using cluster_test::World;
using sim::kernel::kMillisecond;
using sim::kernel::kSecond;

namespace {

sim::cluster::ImageTimings timings_for(const std::string& image) {
    sim::cluster::ImageTimings t;
    if (image == "app:1") {
        t.pull = 15 * kSecond;
        t.startup = 5 * kSecond;
        t.size_bytes = 1000;
    } else if (image == "other:2") {
        t.pull = 8 * kSecond;
        t.startup = 1 * kSecond;
        t.size_bytes = 2000;
    } else if (image == "polite:1") {
        t.exit_after_sigterm = 2 * kSecond;
    } else if (image == "slow:1") {
        t.startup = 60 * kSecond;
    } else if (image == "init:1") {
        t.pull = 1 * kSecond;
        t.startup = 20 * kSecond;  // the init container's task
    }
    return t;
}

struct Node1 {
    World w;
    sim::cluster::Scheduler scheduler{w.client};
    std::unique_ptr<sim::cluster::Kubelet> kubelet;
    Node1() {
        w.add_node("node-1", 1, "4", "8Gi");
        scheduler.start();
        kubelet = std::make_unique<sim::cluster::Kubelet>(
            w.client, "node-1", sim::cluster::KubeletOptions{timings_for, {}});
        kubelet->start();
    }
    json status(const std::string& name) { return w.get_pod(name)["status"]; }
    std::string condition(const std::string& name, const std::string& type) {
        const json s = status(name);
        for (const json& c : s["conditions"])
            if (c["type"] == type) return c["status"];
        return "";
    }
    std::vector<std::string> messages(const std::string& reason) {
        std::vector<std::string> out;
        for (const json& e : w.events(reason))
            out.push_back(e["message"]);
        return out;
    }
};

json with_readiness(json p, int period = 10) {
    p["spec"]["containers"][0]["readinessProbe"] = {
        {"httpGet", {{"path", "/health"}, {"port", 8080}}}, {"periodSeconds", period}};
    return p;
}

}  // namespace

TEST_CASE("pod timeline: pull, start, readiness probe ticks from the start") {
    Node1 n;
    auto& w = n.w;
    w.at(0, [&] { w.create_pod(with_readiness(pod("web-1", "", "", "app:1"))); });
    w.at(14 * kSecond, [&] {
        const json s = n.status("web-1");
        CHECK(s["phase"] == "Pending");
        CHECK(s["podIP"] == "10.244.1.2");
        CHECK(s["hostIP"] == "10.0.0.2");
        CHECK(s["containerStatuses"][0]["state"]["waiting"]["reason"] == "ContainerCreating");
        CHECK(n.condition("web-1", "PodReadyToStartContainers") == "True");
        CHECK(n.condition("web-1", "Initialized") == "True");
        CHECK(n.condition("web-1", "PodScheduled") == "True");
    });
    w.at(15 * kSecond + kMillisecond, [&] {
        const json s = n.status("web-1");
        CHECK(s["phase"] == "Running");
        CHECK(s["containerStatuses"][0]["state"].contains("running"));
        CHECK(s["containerStatuses"][0]["started"] == true);
        CHECK(s["containerStatuses"][0]["ready"] == false);
        CHECK(n.condition("web-1", "Ready") == "False");
    });
    // Probes at 15 s (nothing listens yet: startup 5 s) and 25 s (passes).
    w.at(25 * kSecond - kMillisecond, [&] { CHECK(n.condition("web-1", "Ready") == "False"); });
    w.at(25 * kSecond + kMillisecond, [&] {
        CHECK(n.condition("web-1", "Ready") == "True");
        CHECK(n.condition("web-1", "ContainersReady") == "True");
        const json s = n.status("web-1");
        CHECK(s["containerStatuses"][0]["ready"] == true);
        CHECK(s["containerStatuses"][0]["restartCount"] == 0);
        CHECK(s["containerStatuses"][0]["containerID"].get<std::string>().rfind("containerd://",
                                                                                0) == 0);
        CHECK(n.messages("Pulling") == std::vector<std::string>{"Pulling image \"app:1\""});
        CHECK(n.messages("Pulled") ==
              std::vector<std::string>{"Successfully pulled image \"app:1\" in 15s (15s including "
                                       "waiting). Image size: 1000 bytes."});
        CHECK(n.messages("Created") == std::vector<std::string>{"Created container main"});
        CHECK(n.messages("Started") == std::vector<std::string>{"Started container main"});
        CHECK(n.messages("Unhealthy") ==
              std::vector<std::string>{
                  "Readiness probe failed: Get \"http://10.244.1.2:8080/health\": dial tcp "
                  "10.244.1.2:8080: connect: connection refused"});
        CHECK(w.events("Started")[0]["source"]["component"] == "kubelet");
        CHECK(w.events("Started")[0]["source"]["host"] == "node-1");
    });
    // A second pod: the image is cached (IfNotPresent for a tagged image).
    w.at(30 * kSecond, [&] { w.create_pod(with_readiness(pod("web-2", "", "", "app:1"))); });
    w.at(30 * kSecond + kMillisecond, [&] {
        CHECK(n.status("web-2")["podIP"] == "10.244.1.3");
        CHECK(n.status("web-2")["phase"] == "Running");
        CHECK(n.messages("Pulled").back() ==
              "Container image \"app:1\" already present on machine");
    });
    w.at(40 * kSecond - kMillisecond, [&] { CHECK(n.condition("web-2", "Ready") == "False"); });
    w.at(40 * kSecond + kMillisecond, [&] { CHECK(n.condition("web-2", "Ready") == "True"); });
    w.loop.run_until(50 * kSecond);
}

TEST_CASE("pulls are serialized per node, a pod without probes is ready when started") {
    Node1 n;
    auto& w = n.w;
    w.at(0, [&] {
        w.create_pod(pod("a", "", "", "app:1"));
        w.create_pod(pod("b", "", "", "other:2"));
    });
    w.at(15 * kSecond + kMillisecond, [&] {
        CHECK(n.condition("a", "Ready") == "True");
        CHECK(n.status("b")["phase"] == "Pending");
    });
    w.at(23 * kSecond - kMillisecond, [&] { CHECK(n.status("b")["phase"] == "Pending"); });
    w.at(23 * kSecond + kMillisecond, [&] {
        CHECK(n.condition("b", "Ready") == "True");
        CHECK(n.messages("Pulled").back() ==
              "Successfully pulled image \"other:2\" in 8s (23s including waiting). Image size: "
              "2000 bytes.");
        CHECK(n.kubelet->has_image("other:2"));
    });
    w.loop.run_until(30 * kSecond);
}

TEST_CASE("graceful deletion: Killing, SIGKILL at the grace period, final delete") {
    Node1 n;
    auto& w = n.w;
    const auto pods = sim::kube::refs::kPods.in("default");
    w.at(0, [&] {
        w.create_pod(pod("stubborn", "", "", "app:1"));
        w.create_pod(pod("polite", "", "", "polite:1"));
    });
    w.at(100 * kSecond, [&] {
        (void)w.client.remove(pods, "stubborn");
        (void)w.client.remove(pods, "polite");
    });
    w.at(100 * kSecond + kMillisecond, [&] {
        CHECK(n.messages("Killing") ==
              std::vector<std::string>{"Stopping container main", "Stopping container main"});
        CHECK(w.get_pod("stubborn")["metadata"].contains("deletionTimestamp"));
    });
    w.at(102 * kSecond - kMillisecond, [&] { CHECK(w.client.get(pods, "polite").ok()); });
    w.at(102 * kSecond + kMillisecond, [&] { CHECK(w.client.get(pods, "polite").is_not_found()); });
    w.at(130 * kSecond - kMillisecond, [&] { CHECK(w.client.get(pods, "stubborn").ok()); });
    w.at(130 * kSecond + kMillisecond, [&] {
        CHECK(w.client.get(pods, "stubborn").is_not_found());
        CHECK(n.kubelet->pod_count() == 0);
    });
    w.loop.run_until(140 * kSecond);
}

TEST_CASE("CrashLoopBackOff: immediate restart, then 10 s, 20 s from finishedAt") {
    Node1 n;
    auto& w = n.w;
    const auto restarts = [&] {
        return n.status("crash")["containerStatuses"][0]["restartCount"].get<int>();
    };
    w.at(0, [&] { w.create_pod(pod("crash", "", "", "app:1")); });
    w.at(100 * kSecond,
         [&] { REQUIRE(n.kubelet->kill_container("default", "crash", "main", "Error", 1)); });
    w.at(100 * kSecond + kMillisecond, [&] {
        const json c = n.status("crash")["containerStatuses"][0];
        CHECK(c["restartCount"] == 1);
        CHECK(c["state"].contains("running"));
        CHECK(c["lastState"]["terminated"]["exitCode"] == 1);
        CHECK(c["lastState"]["terminated"]["reason"] == "Error");
    });
    w.at(105 * kSecond,
         [&] { REQUIRE(n.kubelet->kill_container("default", "crash", "main", "OOMKilled", 137)); });
    w.at(105 * kSecond + kMillisecond, [&] {
        const json c = n.status("crash")["containerStatuses"][0];
        CHECK(c["state"]["waiting"]["reason"] == "CrashLoopBackOff");
        const std::string uid = w.get_pod("crash")["metadata"]["uid"];
        CHECK(c["state"]["waiting"]["message"] ==
              "back-off 10s restarting failed container=main pod=crash_default(" + uid + ")");
        CHECK(c["lastState"]["terminated"]["reason"] == "OOMKilled");
        CHECK(n.status("crash")["phase"] == "Running");
        CHECK(n.condition("crash", "Ready") == "False");
        CHECK(n.messages("BackOff") ==
              std::vector<std::string>{"Back-off restarting failed container main in pod "
                                       "crash_default(" +
                                       uid + ")"});
    });
    w.at(115 * kSecond - kMillisecond, [&] { CHECK(restarts() == 1); });
    w.at(115 * kSecond + kMillisecond, [&] {
        CHECK(restarts() == 2);
        CHECK(n.condition("crash", "Ready") == "True");
    });
    w.at(120 * kSecond,
         [&] { REQUIRE(n.kubelet->kill_container("default", "crash", "main", "Error", 2)); });
    w.at(140 * kSecond - kMillisecond, [&] { CHECK(restarts() == 2); });
    w.at(140 * kSecond + kMillisecond, [&] { CHECK(restarts() == 3); });
    // Running for more than 10 min resets the backoff: the next crash restarts at once.
    w.at(800 * kSecond,
         [&] { REQUIRE(n.kubelet->kill_container("default", "crash", "main", "Error", 1)); });
    w.at(800 * kSecond + kMillisecond, [&] { CHECK(restarts() == 4); });
    w.loop.run_until(810 * kSecond);
}

TEST_CASE("liveness failures kill the container, which restarts") {
    Node1 n;
    auto& w = n.w;
    json p = pod("slow", "", "", "slow:1");
    p["spec"]["containers"][0]["livenessProbe"] = {
        {"tcpSocket", {{"port", 9000}}}, {"periodSeconds", 10}, {"failureThreshold", 3}};
    p["spec"]["terminationGracePeriodSeconds"] = 5;
    w.at(0, [&] { w.create_pod(p); });
    // Started at 0; probes fail at 0, 10, 20 -> Killing at 20, killed at 25 (grace 5 s).
    w.at(20 * kSecond + kMillisecond, [&] {
        CHECK(n.messages("Killing") ==
              std::vector<std::string>{"Container main failed liveness probe, will be restarted"});
        CHECK(n.messages("Unhealthy").front() ==
              "Liveness probe failed: dial tcp 10.244.1.2:9000: connect: connection refused");
    });
    w.at(25 * kSecond - kMillisecond,
         [&] { CHECK(n.status("slow")["containerStatuses"][0]["restartCount"] == 0); });
    w.at(25 * kSecond + kMillisecond, [&] {
        const json c = n.status("slow")["containerStatuses"][0];
        CHECK(c["restartCount"] == 1);
        CHECK(c["lastState"]["terminated"]["exitCode"] == 137);
    });
    w.loop.run_until(30 * kSecond);
}

TEST_CASE("init containers run first, Initialized follows their completion") {
    Node1 n;
    auto& w = n.w;
    json p = pod("seldon", "", "", "other:2");
    p["spec"]["initContainers"] =
        json::array({{{"name", "model-initializer"}, {"image", "init:1"}}});
    w.at(0, [&] { w.create_pod(p); });
    w.at(1 * kSecond + kMillisecond, [&] {
        const json s = n.status("seldon");
        CHECK(s["phase"] == "Pending");
        CHECK(n.condition("seldon", "Initialized") == "False");
        CHECK(s["containerStatuses"][0]["state"]["waiting"]["reason"] == "PodInitializing");
        CHECK(s["initContainerStatuses"][0]["state"].contains("running"));
    });
    // Init: pull 1 s + run 20 s = 21 s; then the app: pull 8 s -> started at 29 s.
    w.at(21 * kSecond + kMillisecond, [&] {
        CHECK(n.condition("seldon", "Initialized") == "True");
        CHECK(n.status("seldon")["initContainerStatuses"][0]["state"]["terminated"]["reason"] ==
              "Completed");
    });
    w.at(29 * kSecond - kMillisecond, [&] { CHECK(n.status("seldon")["phase"] == "Pending"); });
    w.at(29 * kSecond + kMillisecond, [&] {
        CHECK(n.status("seldon")["phase"] == "Running");
        CHECK(n.condition("seldon", "Ready") == "True");
    });
    w.loop.run_until(30 * kSecond);
}

TEST_CASE("a stopped kubelet does nothing more") {
    Node1 n;
    auto& w = n.w;
    w.at(0, [&] { w.create_pod(pod("a", "", "", "app:1")); });
    w.at(5 * kSecond, [&] { n.kubelet->stop(); });
    w.loop.run_until(60 * kSecond);
    CHECK(n.status("a")["phase"] == "Pending");
    CHECK_FALSE(n.kubelet->kill_pod("default", "a"));
}

TEST_CASE("the same run twice gives the same pods and events") {
    const auto run = [] {
        Node1 n;
        auto& w = n.w;
        w.at(0, [&] {
            for (int i = 0; i < 5; ++i)
                w.create_pod(with_readiness(
                    pod("p" + std::to_string(i), "100m", "64Mi", i % 2 ? "app:1" : "other:2")));
        });
        w.at(40 * kSecond, [&] { (void)n.kubelet->kill_pod("default", "p1"); });
        w.at(45 * kSecond, [&] { (void)n.kubelet->kill_pod("default", "p1"); });
        w.at(50 * kSecond,
             [&] { (void)w.client.remove(sim::kube::refs::kPods.in("default"), "p3"); });
        w.loop.run_until(120 * kSecond);
        return w.client.list(sim::kube::refs::kPods.in("default")).value().dump() +
               w.client.list(sim::kube::refs::kEvents.in("default")).value().dump();
    };
    const std::string first = run();
    CHECK(first == run());
    CHECK(first.find("Back-off restarting failed container main in pod p1_default") !=
          std::string::npos);
}

TEST_CASE("image pull errors: ErrImagePull, ImagePullBackOff, retries at 10 s then 20 s") {
    World w;
    w.add_node("node-1", 1, "4", "8Gi");
    sim::cluster::Scheduler scheduler(w.client);
    scheduler.start();
    bool registry_fixed = false;
    const std::string error =
        "rpc error: code = NotFound desc = failed to pull and unpack image "
        "\"docker.io/library/broken:1\": not found";
    sim::cluster::KubeletOptions options;
    options.images = [&](const std::string&) {
        sim::cluster::ImageTimings t;
        t.pull = 2 * kSecond;
        if (!registry_fixed) t.pull_error = error;
        return t;
    };
    sim::cluster::Kubelet kubelet(w.client, "node-1", options);
    kubelet.start();
    const auto waiting = [&] {
        return w.get_pod("b")["status"]["containerStatuses"][0]["state"].value("waiting",
                                                                               json::object());
    };
    const auto count = [&](const std::string& reason, const std::string& message) {
        for (const json& e : w.events(reason))
            if (e["message"] == message) return e["count"].get<int>();
        return 0;
    };
    w.at(0, [&] { w.create_pod(pod("b", "", "", "broken:1")); });
    w.at(kMillisecond, [&] {
        CHECK(waiting()["reason"] == "ErrImagePull");
        CHECK(waiting()["message"] == error);
        CHECK(w.get_pod("b")["status"]["phase"] == "Pending");
        CHECK(count("Failed", "Failed to pull image \"broken:1\": " + error) == 1);
        CHECK(count("Failed", "Error: ErrImagePull") == 1);
    });
    w.at(kSecond + kMillisecond, [&] {
        CHECK(waiting()["reason"] == "ImagePullBackOff");
        CHECK(waiting()["message"] == "Back-off pulling image \"broken:1\"");
        CHECK(count("BackOff", "Back-off pulling image \"broken:1\"") == 1);
        CHECK(count("Failed", "Error: ImagePullBackOff") == 1);
    });
    w.at(10 * kSecond + kMillisecond, [&] {
        CHECK(waiting()["reason"] == "ErrImagePull");
        CHECK(count("Pulling", "Pulling image \"broken:1\"") == 2);
    });
    w.at(25 * kSecond, [&] { registry_fixed = true; });
    w.at(30 * kSecond - kMillisecond, [&] { CHECK(waiting()["reason"] == "ImagePullBackOff"); });
    w.at(32 * kSecond - kMillisecond,
         [&] { CHECK(w.get_pod("b")["status"]["phase"] == "Pending"); });
    w.at(32 * kSecond + kMillisecond, [&] {
        CHECK(w.get_pod("b")["status"]["phase"] == "Running");
        CHECK(count("Pulling", "Pulling image \"broken:1\"") == 3);
        CHECK(kubelet.has_image("broken:1"));
    });
    w.loop.run_until(40 * kSecond);
}

TEST_CASE("heartbeats: the Lease every 10 s, node conditions every 5 min, none once stopped") {
    Node1 n;
    auto& w = n.w;
    const auto lease = [&] {
        return w.client.get(sim::kube::refs::kLeases.in("kube-node-lease"), "node-1").value();
    };
    const auto heartbeat = [&] {
        const json node = w.client.get(sim::kube::refs::kNodes, "node-1").value();
        return node["status"]["conditions"][0]["lastHeartbeatTime"].get<std::string>();
    };
    w.at(kMillisecond, [&] {
        const json l = lease();
        CHECK(l["spec"]["holderIdentity"] == "node-1");
        CHECK(l["spec"]["leaseDurationSeconds"] == 40);
        CHECK(l["spec"]["renewTime"] == "2025-01-01T00:00:00.000000Z");
        CHECK(l["metadata"]["ownerReferences"][0]["kind"] == "Node");
    });
    w.at(25 * kSecond, [&] {
        CHECK(lease()["spec"]["renewTime"] == "2025-01-01T00:00:20.000000Z");
        CHECK(n.kubelet->heartbeats() == 3);
        CHECK(heartbeat() == "2025-01-01T00:00:00Z");
    });
    w.at(300 * kSecond + kMillisecond, [&] { CHECK(heartbeat() == "2025-01-01T00:05:00Z"); });
    w.at(301 * kSecond, [&] { n.kubelet->stop(); });
    w.at(400 * kSecond, [&] {
        CHECK(lease()["spec"]["renewTime"] == "2025-01-01T00:05:00.000000Z");
        CHECK(n.kubelet->heartbeats() == 31);
    });
    w.loop.run_until(401 * kSecond);
}

TEST_CASE("crashLoop: an image that exits after each start restarts 0 s, 10 s, 20 s later") {
    World w;
    w.add_node("node-1", 1, "4", "8Gi");
    sim::cluster::Scheduler scheduler(w.client);
    scheduler.start();
    bool crashing = true;
    sim::cluster::KubeletOptions options;
    options.images = [&](const std::string&) {
        sim::cluster::ImageTimings t;
        if (crashing) t.crash_after = 2 * kSecond;
        return t;
    };
    sim::cluster::Kubelet kubelet(w.client, "node-1", options);
    kubelet.start();
    const auto container = [&] { return w.get_pod("c")["status"]["containerStatuses"][0]; };
    w.at(0, [&] { w.create_pod(pod("c")); });
    // Starts 0; exits 2 -> restart 2 (first, at once); exits 4 -> waits 10 s -> 14;
    // exits 16 -> waits 20 s -> 36 (the fault is over by then: it keeps running).
    w.at(3 * kSecond, [&] { CHECK(container()["restartCount"] == 1); });
    w.at(5 * kSecond, [&] {
        CHECK(container()["state"]["waiting"]["reason"] == "CrashLoopBackOff");
        CHECK(container()["lastState"]["terminated"]["exitCode"] == 1);
    });
    w.at(14 * kSecond + kMillisecond, [&] { CHECK(container()["restartCount"] == 2); });
    w.at(20 * kSecond, [&] { crashing = false; });
    w.at(36 * kSecond - kMillisecond, [&] { CHECK(container()["restartCount"] == 2); });
    w.at(36 * kSecond + kMillisecond, [&] { CHECK(container()["restartCount"] == 3); });
    w.at(60 * kSecond, [&] {
        CHECK(container()["state"].contains("running"));
        CHECK(w.get_pod("c")["status"]["phase"] == "Running");
    });
    w.loop.run_until(61 * kSecond);
}
