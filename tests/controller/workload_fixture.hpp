// A cluster for the workload-controller tests: API server, client, controller manager with
// the ReplicaSet and Deployment controllers, and a stand-in for the kubelet that writes pod
// readiness through the client (the real kubelet is another issue's).
#pragma once

#include <string>
#include <vector>

#include "controller/deployment.hpp"
#include "controller/manager.hpp"
#include "controller/pod_util.hpp"
#include "controller/replicaset.hpp"
#include "sim/kernel/event_loop.hpp"
#include "sim/kernel/json.hpp"
#include "sim/kernel/random.hpp"
#include "sim/kube/api_server.hpp"
#include "sim/kube/client.hpp"
#include "sim/kube/object_meta.hpp"

namespace workload_test {

using sim::kube::Json;
namespace refs = sim::kube::refs;
namespace meta = sim::kube::meta;
using sim::kernel::kSecond;

struct Env {
    explicit Env(std::uint64_t seed = 7, bool with_deployments = true)
        : streams(seed),
          server(loop, streams, options(seed)),
          client(server, "test"),
          manager(client) {
        manager.add(std::make_unique<sim::controller::ReplicaSetController>());
        if (with_deployments)
            manager.add(std::make_unique<sim::controller::DeploymentController>());
        manager.on_decision([this](const std::string& c, const std::string& key,
                                   const std::string& what, const std::string& why) {
            decisions.push_back(c + " " + key + ": " + what + " (" + why + ")");
        });
        manager.start();
        settle();
    }

    static sim::kube::ServerOptions options(std::uint64_t seed) {
        sim::kube::ServerOptions o;
        o.seed = seed;
        return o;
    }

    // Runs every event due within `span` of virtual time (controllers re-queue themselves,
    // so "until idle" would not end). Steps up to a sentinel event rather than calling
    // EventLoop::run_until: run_until peeks at the next event past `until`, and the radix heap
    // then loses events scheduled from outside at an earlier time (reported to the kernel's
    // owner; see docs/controllers.md).
    void settle(sim::kernel::Nanos span = kSecond) {
        bool reached = false;
        loop.schedule_after(span, [&reached] { reached = true; });
        while (!reached && loop.step()) {
        }
    }

    std::vector<Json> pods(const std::string& ns = "default") {
        return client.list(refs::kPods.in(ns)).value()["items"].get<std::vector<Json>>();
    }
    std::vector<Json> active_pods(const std::string& ns = "default") {
        std::vector<Json> out;
        for (const Json& p : pods(ns))
            if (sim::controller::is_pod_active(p)) out.push_back(p);
        return out;
    }
    std::vector<Json> replica_sets(const std::string& ns = "default") {
        return client.list(refs::kReplicaSets.in(ns)).value()["items"].get<std::vector<Json>>();
    }
    Json get(const sim::kube::ResourceRef& ref, const std::string& name) {
        return client.get(ref.in("default"), name).value();
    }
    std::vector<Json> events(const std::string& reason = "") {
        std::vector<Json> out;
        const Json list = client.list(refs::kEvents.in("default")).value();
        for (const Json& e : list["items"])
            if (reason.empty() || e.value("reason", "") == reason) out.push_back(e);
        return out;
    }

    // The kubelet stand-in: marks the pod Running and Ready now.
    void make_ready(const Json& pod, const std::string& node = "") {
        Json p = client.get(refs::kPods.in(meta::namespace_of(pod)), meta::name(pod)).value();
        if (!node.empty() && p["spec"].value("nodeName", "").empty())
            p = client.bind(meta::namespace_of(pod), meta::name(pod), node).value(),
            p = client.get(refs::kPods.in(meta::namespace_of(pod)), meta::name(pod)).value();
        const std::string now = client.now_rfc3339();
        p["status"]["phase"] = "Running";
        p["status"]["conditions"] =
            Json::array({{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", now}}});
        client.update_status(p).value();
    }
    // Marks every active, not-ready pod ready; returns how many.
    int make_all_ready() {
        int n = 0;
        for (const Json& p : active_pods())
            if (!sim::controller::is_pod_ready(p)) make_ready(p), ++n;
        return n;
    }

    sim::kernel::EventLoop loop;
    sim::kernel::RandomStreams streams;
    sim::kube::ApiServer server;
    sim::kube::Client client;
    sim::controller::Manager manager;
    std::vector<std::string> decisions;
};

inline Json deployment(const std::string& name, int replicas, const Json& surge = "25%",
                       const Json& unavailable = "25%", const std::string& image = "nginx:1.27") {
    Json d = Json::parse(R"({"apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": {"name": "", "namespace": "default"},
      "spec": {"selector": {"matchLabels": {}}, "template": {"metadata": {"labels": {}},
        "spec": {"containers": [{"name": "main", "image": ""}]}}}})");
    d["metadata"]["name"] = name;
    d["spec"]["replicas"] = replicas;
    d["spec"]["selector"]["matchLabels"]["app"] = name;
    d["spec"]["template"]["metadata"]["labels"]["app"] = name;
    d["spec"]["template"]["spec"]["containers"][0]["image"] = image;
    d["spec"]["strategy"] = {
        {"type", "RollingUpdate"},
        {"rollingUpdate", {{"maxSurge", surge}, {"maxUnavailable", unavailable}}}};
    return d;
}

inline Json replica_set(const std::string& name, int replicas) {
    Json rs = Json::parse(R"({"apiVersion": "apps/v1", "kind": "ReplicaSet",
      "metadata": {"name": "", "namespace": "default"},
      "spec": {"selector": {"matchLabels": {}}, "template": {"metadata": {"labels": {}},
        "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}]}}}})");
    rs["metadata"]["name"] = name;
    rs["spec"]["replicas"] = replicas;
    rs["spec"]["selector"]["matchLabels"]["app"] = name;
    rs["spec"]["template"]["metadata"]["labels"]["app"] = name;
    return rs;
}

}  // namespace workload_test
