// Shared helpers for the sim/kube tests: a server on its own loop and a few manifests.
#pragma once

#include "sim/kernel/json.hpp"

#include "sim/kernel/event_loop.hpp"
#include "sim/kernel/random.hpp"
#include "sim/kube/api_server.hpp"
#include "sim/kube/client.hpp"

namespace kube_test {

using sim::kube::Json;

struct Cluster {
    explicit Cluster(std::uint64_t seed = 42, sim::kube::ServerOptions options = {})
        : streams(seed), server(loop, streams, with_seed(options, seed)), client(server, "test") {}

    static sim::kube::ServerOptions with_seed(sim::kube::ServerOptions o, std::uint64_t seed) {
        o.seed = seed;
        return o;
    }

    sim::kernel::EventLoop loop;
    sim::kernel::RandomStreams streams;
    sim::kube::ApiServer server;
    sim::kube::Client client;
};

// The Event an EventRecorder::record_event call wrote (in "default"), read back.
inline Json recorded(Cluster& c, const sim::kube::Result<std::string>& written) {
    return c.client.get(sim::kube::refs::kEvents.in("default"), written.value()).value();
}

inline Json deployment(const std::string& name, int replicas = 2) {
    return Json::parse(R"({
      "apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": {"name": ")" +
                       name + R"(", "namespace": "default", "labels": {"app": ")" + name + R"("}},
      "spec": {"replicas": )" +
                       std::to_string(replicas) + R"(,
        "selector": {"matchLabels": {"app": ")" +
                       name + R"("}},
        "template": {"metadata": {"labels": {"app": ")" +
                       name + R"("}},
          "spec": {"containers": [{"name": "main", "image": "nginx:1.27",
                                   "ports": [{"containerPort": 80}]}]}}}})");
}

inline Json pod(const std::string& name, const std::string& node = "") {
    Json p = Json::parse(R"({"apiVersion": "v1", "kind": "Pod",
      "metadata": {"name": "", "namespace": "default", "labels": {"app": "web"}},
      "spec": {"containers": [{"name": "main", "image": "nginx"}]}})");
    p["metadata"]["name"] = name;
    if (!node.empty()) p["spec"]["nodeName"] = node;
    return p;
}

inline Json config_map(const std::string& name, const std::string& value = "1") {
    return Json{{"apiVersion", "v1"},
                {"kind", "ConfigMap"},
                {"metadata", {{"name", name}, {"namespace", "default"}}},
                {"data", {{"k", value}}}};
}

inline Json seldon_deployment(const std::string& name) {
    return Json::parse(R"({"apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeployment",
      "metadata": {"name": ")" +
                       name + R"(", "namespace": "default"},
      "spec": {"replicas": 1, "predictors": [{"name": "default", "replicas": 1,
        "graph": {"name": "classifier", "implementation": "SKLEARN_SERVER"}}]}})");
}

}  // namespace kube_test
