// `sim-run bench cluster`: the cluster layer at scale. Registers N nodes (1,000 by default)
// with a kubelet each, starts the scheduler, creates P pods (100,000) directly, and runs
// virtual time until every pod is bound and Ready. Reports the wall time (the one place a
// wall clock is allowed: it measures the simulator, it never feeds it), the process's CPU time
// up to that point (the figure to compare on a shared machine; tearing the objects down at exit
// comes after it), the virtual time it took, events run and the peak resident memory
// (getrusage).
#include <sys/resource.h>
#include <time.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <unordered_set>

#include "sim/cli/command.hpp"
#include "sim/cluster/kubelet.hpp"
#include "sim/cluster/nodes.hpp"
#include "sim/cluster/scheduler.hpp"
#include "sim/kernel/event_loop.hpp"
#include "sim/kernel/random.hpp"
#include "sim/kube/api_server.hpp"
#include "sim/kube/client.hpp"

namespace sim::cli {
namespace {

using kernel::kSecond;
using json = sim::Json;

std::optional<std::uint64_t> parse_positive(const std::string& text) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size() || n == 0) return std::nullopt;
    return n;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double peak_rss_mib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: KiB
}

json bench_pod_template() {
    return json{{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"namespace", "default"}, {"labels", {{"app", "bench"}}}}},
                {"spec",
                 {{"containers",
                   json::array({{{"name", "app"},
                                 {"image", "bench:1"},
                                 {"resources",
                                  {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}}}}}})}}}};
}

// The template with its name: a copy costs a fraction of building the object from
// initializer lists, which was a tenth of the pods' create path.
json bench_pod(const json& pod_template, std::uint64_t i) {
    json pod = pod_template;
    pod["metadata"]["name"] = "bench-" + std::to_string(i);
    return pod;
}

bool pod_bound(const json& pod) {
    const auto spec = pod.find("spec");
    return spec != pod.end() && !spec->value("nodeName", "").empty();
}

bool pod_ready(const json& pod) {
    const auto status = pod.find("status");
    if (status == pod.end()) return false;
    const auto conditions = status->find("conditions");
    if (conditions == status->end() || !conditions->is_array()) return false;
    for (const json& c : *conditions)
        if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
    return false;
}

}  // namespace

int bench_cluster(std::span<const std::string> args) {
    std::uint64_t node_count = 1'000;
    std::uint64_t pod_count = 100'000;
    std::uint64_t hold_seconds = 0;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const bool has_value = i + 1 < args.size();
        if (args[i] == "--hold" && has_value) {
            const auto n = parse_positive(args[i + 1]);
            if (!n) return usage_error(kBenchCommand, "--hold: expected virtual seconds >= 1");
            hold_seconds = *n;
            ++i;
        } else if ((args[i] == "--nodes" || args[i] == "--pods") && has_value) {
            const auto n = parse_positive(args[i + 1]);
            if (!n) return usage_error(kBenchCommand, args[i] + ": expected a count >= 1");
            (args[i] == "--nodes" ? node_count : pod_count) = *n;
            ++i;
        } else {
            return usage_error(kBenchCommand, "unknown option \"" + args[i] + "\"");
        }
    }
    const auto start = std::chrono::steady_clock::now();
    kernel::EventLoop loop(kernel::EventLoop::kMaxPendingLimit);
    kernel::RandomStreams streams(1);
    kube::ServerOptions options;
    kube::ApiServer server(loop, streams, options);
    kube::Client client(server, "bench");
    for (std::uint64_t i = 1; i <= node_count; ++i) {
        cluster::NodeSpec spec{"node-" + std::to_string(i),
                               static_cast<int>(i),
                               *kube::parse_quantity("32"),
                               *kube::parse_quantity("128Gi"),
                               *kube::parse_quantity("110"),
                               {},
                               {}};
        // A /24 per node in 10.0.0.0/8 beyond 255 nodes.
        json node = client.create(kube::refs::kNodes, cluster::node_object(spec)).value();
        node["spec"]["podCIDR"] =
            "10." + std::to_string(1 + i / 256) + "." + std::to_string(i % 256) + ".0/24";
        node = client.update(kube::refs::kNodes, node).value();
        node["status"] = cluster::node_status(spec, client.now_rfc3339());
        (void)client.update_status(kube::refs::kNodes, node).value();
    }
    cluster::Scheduler scheduler(client);
    scheduler.start();
    std::vector<std::unique_ptr<cluster::Kubelet>> kubelets;
    for (std::uint64_t i = 1; i <= node_count; ++i) {
        kubelets.push_back(std::make_unique<cluster::Kubelet>(client, "node-" + std::to_string(i)));
        kubelets.back()->start();
    }
    // Only their sizes are printed (never iterated): hashed, the harness's own bookkeeping
    // stays out of the figures.
    std::unordered_set<std::string> ready;
    std::unordered_set<std::string> bound;
    ready.reserve(pod_count);
    bound.reserve(pod_count);
    auto watch = client.watch(kube::refs::kPods, {}, [&](const kube::WatchEvent& e) {
        if (e.type != kube::WatchEventType::Modified) return;
        const std::string& name = e.object["metadata"]["name"].get_ref<const std::string&>();
        if (pod_bound(e.object)) bound.insert(name);
        if (pod_ready(e.object)) ready.insert(name);
    });
    const double setup_seconds = seconds_since(start);
    const json pod_template = bench_pod_template();
    for (std::uint64_t i = 0; i < pod_count; ++i)
        (void)client.create_shared(kube::refs::kPods.in("default"), bench_pod(pod_template, i))
            .value();
    const double created_seconds = seconds_since(start);
    const kernel::Nanos limit = 3600 * kSecond;
    while (ready.size() < pod_count && loop.now() < limit && loop.next_time() >= 0)
        loop.run_until(loop.now() + kSecond);
    const double total_seconds = seconds_since(start);
    const double total_cpu_seconds = cpu_seconds();
    std::printf("nodes %llu, pods %llu: %zu bound, %zu Ready at virtual %s\n",
                static_cast<unsigned long long>(node_count),
                static_cast<unsigned long long>(pod_count), bound.size(), ready.size(),
                kernel::format_duration(loop.now()).c_str());
    std::printf(
        "wall: setup %.2f s, creates %.2f s, total %.2f s; CPU %.2f s; events %llu; peak RSS "
        "%.0f MiB\n",
        setup_seconds, created_seconds - setup_seconds, total_seconds, total_cpu_seconds,
        static_cast<unsigned long long>(loop.executed()), peak_rss_mib());
    if (hold_seconds > 0) {
        // The steady state: nothing changes but the kubelets' Lease renewals (every 10 s) and
        // node status reports (every 5 min).
        const std::uint64_t events_before = loop.executed();
        std::uint64_t renewals_before = 0;
        for (const auto& k : kubelets)
            renewals_before += k->heartbeats();
        loop.run_until(loop.now() + static_cast<kernel::Nanos>(hold_seconds) * kSecond);
        std::uint64_t renewals = 0;
        for (const auto& k : kubelets)
            renewals += k->heartbeats();
        std::printf("hold %llu s virtual: CPU %.2f s, events %llu, Lease renewals %llu\n",
                    static_cast<unsigned long long>(hold_seconds),
                    cpu_seconds() - total_cpu_seconds,
                    static_cast<unsigned long long>(loop.executed() - events_before),
                    static_cast<unsigned long long>(renewals - renewals_before));
    }
    // Leave without tearing the cluster down: freeing millions of JSON nodes one by one costs
    // a third of the run's CPU time and measures nothing; the kernel takes the memory back at
    // once. Nothing is buffered but stdout.
    std::fflush(stdout);
    std::_Exit(ready.size() == pod_count && bound.size() == pod_count ? kExitOk : 1);
}

}  // namespace sim::cli
