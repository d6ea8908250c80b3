// Shared helpers for the sim/cluster tests: a server on its own loop, nodes and pods.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sim/cluster/nodes.hpp"
#include "sim/kernel/event_loop.hpp"
#include "sim/kernel/json.hpp"
#include "sim/kernel/random.hpp"
#include "sim/kube/api_server.hpp"
#include "sim/kube/client.hpp"

namespace cluster_test {

using json = sim::Json;

struct World {
    explicit World(std::uint64_t seed = 7)
        : streams(seed), server(loop, streams, options(seed)), client(server, "test") {}

    static sim::kube::ServerOptions options(std::uint64_t seed) {
        sim::kube::ServerOptions o;
        o.seed = seed;
        return o;
    }

    // Registers a node as the scenario runner does (create, then post its status).
    void add_node(const std::string& name, int ordinal, const std::string& cpu,
                  const std::string& memory, const std::string& pods = "110",
                  std::vector<sim::cluster::NodeTaint> taints = {},
                  std::vector<std::pair<std::string, std::string>> labels = {}) {
        sim::cluster::NodeSpec spec{name,
                                    ordinal,
                                    *sim::kube::parse_quantity(cpu),
                                    *sim::kube::parse_quantity(memory),
                                    *sim::kube::parse_quantity(pods),
                                    std::move(labels),
                                    std::move(taints)};
        auto created = client.create(sim::kube::refs::kNodes, sim::cluster::node_object(spec));
        json node = created.value();
        node["status"] = sim::cluster::node_status(spec, client.now_rfc3339());
        (void)client.update_status(sim::kube::refs::kNodes, node).value();
    }

    // Runs `fn` at virtual time `t`. Tests schedule every action and check before running the
    // loop once: scheduling from outside the loop after run_until() has peeked at a later
    // event misorders the kernel's radix queue (see docs/cluster.md, "Kernel note").
    void at(sim::kernel::Nanos t, std::function<void()> fn) {
        loop.schedule_at(t, [fn = std::move(fn)] { fn(); });
    }

    json create_pod(const json& pod) {
        return client.create(sim::kube::refs::kPods.in("default"), pod).value();
    }
    json get_pod(const std::string& name) {
        return client.get(sim::kube::refs::kPods.in("default"), name).value();
    }
    std::vector<json> events(const std::string& reason) {
        std::vector<json> out;
        const json list = client.list(sim::kube::refs::kEvents.in("default")).value();
        for (const json& e : list["items"])
            if (e.value("reason", "") == reason) out.push_back(e);
        return out;
    }

    sim::kernel::EventLoop loop;
    sim::kernel::RandomStreams streams;
    sim::kube::ApiServer server;
    sim::kube::Client client;
};

inline json pod(const std::string& name, const std::string& cpu = "",
                const std::string& memory = "", const std::string& image = "nginx:1.27") {
    json container = {{"name", "main"}, {"image", image}};
    json requests = json::object();
    if (!cpu.empty()) requests["cpu"] = cpu;
    if (!memory.empty()) requests["memory"] = memory;
    if (!requests.empty()) container["resources"] = {{"requests", requests}};
    return json{
        {"apiVersion", "v1"},
        {"kind", "Pod"},
        {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", "web"}}}}},
        {"spec", {{"containers", json::array({container})}}}};
}

}  // namespace cluster_test
