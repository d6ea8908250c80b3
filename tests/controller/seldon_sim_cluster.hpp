// A whole simulated cluster for the operator's conformance and property tests: the stack
// sim::scenario::run_scenario builds (the API server with Seldon's admission, the operator in
// its own controller manager, kube-controller-manager's ReplicaSet and Deployment controllers,
// registered Nodes, the scheduler, a kubelet per node and the Endpoints controller through
// sim::scenario::ClusterRuntime), but driven step by step so a test can look at the objects
// once a SeldonDeployment is Available and edit it in between.
//
// The nodes are generous (so scheduling never limits what a test checks) and one `images:`
// rule "*" makes every image an echo with fast pulls and startups.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "controller/deployment.hpp"
#include "controller/manager.hpp"
#include "controller/replicaset.hpp"
#include "controller/seldon/admission.hpp"
#include "controller/seldon/controller.hpp"
#include "sim/cluster/nodes.hpp"
#include "sim/kernel/event_loop.hpp"
#include "sim/kernel/json.hpp"
#include "sim/kernel/random.hpp"
#include "sim/kernel/trace.hpp"
#include "sim/kube/api_server.hpp"
#include "sim/kube/client.hpp"
#include "sim/kube/garbage_collector.hpp"
#include "sim/scenario/cluster_runtime.hpp"
#include "sim/scenario/scenario.hpp"

namespace sim::test {

struct SimClusterOptions {
    int nodes = 3;
    std::string cpu = "64";
    std::string memory = "256Gi";
    std::string pods = "250";
    std::uint64_t seed = 1;
};

class SimCluster {
  public:
    explicit SimCluster(SimClusterOptions options = {})
        : streams_(options.seed), api_(loop_, streams_), trace_(nullptr) {
        controller::seldon::install_seldon_admission(api_);
        scenario_ = make_scenario(options);
        operator_.emplace(operator_client_);
        operator_->add(std::make_unique<controller::seldon::SeldonController>());
        operator_->start();
        controllers_.emplace(controller_manager_client_);
        controllers_->add(std::make_unique<controller::ReplicaSetController>());
        controllers_->add(std::make_unique<controller::DeploymentController>());
        controllers_->start();
        // kube-controller-manager's garbage collector: the operator deletes old Deployments
        // in the foreground, which the collector finishes.
        garbage_collector_.emplace(controller_manager_client_);
        garbage_collector_->start();
        register_nodes();
        machines_.emplace(api_, scenario_, streams_, trace_, [](const std::string&) {});
    }
    SimCluster(const SimCluster&) = delete;
    SimCluster& operator=(const SimCluster&) = delete;

    kube::Client& client() { return client_; }
    kernel::EventLoop& loop() { return loop_; }

    void ensure_namespace(const std::string& ns) {
        if (client_.get(kube::refs::kNamespaces, ns).ok()) return;
        client_
            .create(sim::Json{
                {"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}})
            .value();
    }

    std::optional<sim::Json> sdep(const std::string& ns, const std::string& name) {
        const auto r = client_.get(kube::refs::kSeldonDeployments.in(ns), name);
        if (!r.ok()) return std::nullopt;
        return r.value();
    }

    // Runs the loop, one simulated second at a time, until `done` holds or `limit` of virtual
    // time has passed (true when it held). Cheap: the cluster is idle between probe ticks.
    template <class Done>
    bool run_until(Done done, kernel::Nanos limit) {
        const kernel::Nanos until = loop_.now() + limit;
        while (loop_.now() < until) {
            loop_.run_until(loop_.now() + kernel::kSecond);
            if (done()) return true;
        }
        return false;
    }

    // Until the SeldonDeployment is Available for its current generation.
    bool run_until_available(const std::string& ns, const std::string& name,
                             kernel::Nanos limit = 10 * kernel::kMinute) {
        return run_until(
            [&] {
                const auto s = sdep(ns, name);
                if (!s) return false;
                const sim::Json status = s->value("status", sim::Json::object());
                return status.value("state", "") == "Available" &&
                       status.value("observedGeneration", std::int64_t{-1}) ==
                           (*s)["metadata"].value("generation", std::int64_t{0});
            },
            limit);
    }

  private:
    static sim::scenario::Scenario make_scenario(const SimClusterOptions& o) {
        sim::scenario::Scenario s;
        sim::scenario::NodeGroup group;
        group.name_prefix = "node-";
        group.count = o.nodes;
        group.capacity = {*kube::parse_quantity(o.cpu), *kube::parse_quantity(o.memory),
                          *kube::parse_quantity(o.pods)};
        s.cluster.nodes.push_back(group);
        sim::scenario::ImageRule echo;
        echo.pattern = "*";
        echo.run = sim::scenario::Behaviour::Echo;
        echo.pull_time = kernel::kSecond;
        echo.startup_time = kernel::kSecond;
        s.images.push_back(echo);
        return s;
    }

    // As the runner's build_nodes: create each Node, then post its status.
    void register_nodes() {
        int ordinal = 0;
        for (const auto& group : scenario_.cluster.nodes) {
            for (int i = 1; i <= group.count; ++i) {
                const cluster::NodeSpec spec{group.node_name(i),
                                             ++ordinal,
                                             group.capacity.cpu,
                                             group.capacity.memory,
                                             group.capacity.pods,
                                             {},
                                             {}};
                sim::Json node = client_.create(cluster::node_object(spec)).value();
                node["status"] = cluster::node_status(spec, client_.now_rfc3339());
                client_.update_status(kube::refs::kNodes, node).value();
            }
        }
    }

    kernel::EventLoop loop_;
    kernel::RandomStreams streams_;
    kube::ApiServer api_;
    kube::Client client_{api_, "kubectl"};
    kube::Client operator_client_{api_, "seldon-controller-manager"};
    kube::Client controller_manager_client_{api_, "kube-controller-manager"};
    kernel::TraceWriter trace_;
    sim::scenario::Scenario scenario_;
    std::optional<controller::Manager> operator_;
    std::optional<controller::Manager> controllers_;
    std::optional<kube::GarbageCollector> garbage_collector_;
    std::optional<sim::scenario::ClusterRuntime> machines_;
};

}  // namespace sim::test
