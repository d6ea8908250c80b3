#include "sim/scenario/cluster_runtime.hpp"

#include <algorithm>

#include "sim/kernel/overloaded.hpp"
#include "sim/scenario/glob.hpp"

namespace sim::scenario {
namespace {

using kernel::Overloaded;

// crashLoop: "exits soon after start" — the process lives this long, then exits 1.
constexpr kernel::Nanos kCrashAfter = 2 * kernel::kSecond;

// containerd's answer for an image it cannot resolve, as the kubelet reports it.
std::string pull_error_message(const std::string& image) {
    return "rpc error: code = NotFound desc = failed to pull and unpack image \"" + image +
           "\": failed to resolve reference \"" + image + "\": not found";
}

}  // namespace

ClusterRuntime::ClusterRuntime(kube::ApiServer& api, const Scenario& s,
                               kernel::RandomStreams& streams, kernel::TraceWriter& trace,
                               Narrate narrate)
    : s_(s),
      streams_(streams),
      trace_(trace),
      narrate_(std::move(narrate)),
      scheduler_client_(api, "default-scheduler"),
      endpoints_client_(api, "endpoint-controller"),
      kubelet_client_(api, "kubelet"),
      reader_(api, "sim-run"),
      endpoint_slices_client_(api, "endpointslice-controller") {
    scheduler_ = std::make_unique<cluster::Scheduler>(scheduler_client_);
    scheduler_->start();
    endpoints_ = std::make_unique<cluster::EndpointsController>(endpoints_client_);
    endpoints_->start();
    endpoint_slices_ = std::make_unique<cluster::EndpointSliceController>(endpoint_slices_client_);
    endpoint_slices_->start();
    cluster::KubeletOptions options;
    options.images = [this](const std::string& image) { return image_timings(image); };
    for (const NodeGroup& group : s_.cluster.nodes) {
        for (int i = 1; i <= group.count; ++i) {
            const std::string name = group.node_name(i);
            auto kubelet = std::make_unique<cluster::Kubelet>(kubelet_client_, name, options);
            kubelet->start();
            kubelets_.emplace(name, std::move(kubelet));
        }
    }
}

// Kubelets, the scheduler and the Endpoints controller hold watches: stop them before the
// API server goes.
ClusterRuntime::~ClusterRuntime() = default;

cluster::ImageTimings ClusterRuntime::image_timings(const std::string& image) {
    const ImageRule* rule = find_image_rule(s_.images, image);
    if (!rule && default_images_reported_.insert(image).second) {
        trace_.line(reader_.loop().now(), "image.default").str("image", image);
        narrate_("image " + image +
                 " matches no images: entry; it runs as echo with default timings");
    }
    const ImageTimings timings = effective_timings(rule);
    cluster::ImageTimings out;
    out.pull = timings.pull_time;
    out.startup = timings.startup_time;
    for (const auto& [id, fault] : active_) {
        if (const auto* f = std::get_if<CrashLoopFault>(&fault); f && glob_match(f->image, image)) {
            out.crash_after = kCrashAfter;
        }
        if (const auto* f = std::get_if<ImagePullErrorFault>(&fault);
            f && glob_match(f->image, image)) {
            out.pull_error = pull_error_message(image);
        }
    }
    return out;
}

void ClusterRuntime::begin(std::size_t id, const Fault& fault) {
    std::visit(Overloaded{
                   [&](const PodKillFault& f) {
                       kill(f.namespace_, f.selector, f.count, false, "faults/podKill");
                   },
                   [&](const OomKillFault& f) {
                       kill(f.namespace_, f.selector, f.count, true, "faults/oomKill");
                   },
                   [&](const NodeDownFault& f) {
                       if (cluster::Kubelet* k = kubelet_of(f.node)) {
                           k->stop();
                           narrate_("node " + f.node +
                                    ": the kubelet stops (no heartbeats, pods stop answering)");
                       }
                   },
                   // crashLoop and imagePullError act through image_timings while active.
                   [](const auto&) {},
               },
               fault);
    active_.emplace(id, fault);
    traffic_fault(fault, true);
}

void ClusterRuntime::end(std::size_t id) {
    const auto it = active_.find(id);
    if (it == active_.end()) return;
    if (const auto* f = std::get_if<NodeDownFault>(&it->second)) {
        // The node comes back: its kubelet starts again (Kubelet::start after stop).
        if (cluster::Kubelet* k = kubelet_of(f->node)) {
            k->start();
            narrate_("node " + f->node + " is back: its kubelet posts Ready and restarts its pods");
        }
    }
    const Fault ended = it->second;
    active_.erase(it);
    // A node stays down (above); slow and errors faults stop affecting requests.
    if (!std::holds_alternative<NodeDownFault>(ended)) traffic_fault(ended, false);
}

void ClusterRuntime::kill(const std::string& ns, const std::string& selector, int count, bool oom,
                          const char* stream) {
    kube::ListOptions options;
    options.label_selector = selector;
    const auto list = reader_.list(kube::refs::kPods.in(ns), options);
    if (!list) return;
    std::vector<std::pair<std::string, std::string>> running;  // pod, node
    for (const sim::Json& pod : (*list)["items"]) {
        const std::string node = pod["spec"].value("nodeName", "");
        if (node.empty() || pod["metadata"].contains("deletionTimestamp")) continue;
        if (pod["status"].value("phase", "") != "Running") continue;
        running.emplace_back(pod["metadata"].value("name", ""), node);
    }
    if (static_cast<std::size_t>(count) < running.size()) {
        streams_.get(stream).shuffle(std::span(running));
        running.resize(static_cast<std::size_t>(count));
        std::sort(running.begin(), running.end());
    }
    for (const auto& [pod, node] : running) {
        cluster::Kubelet* kubelet = kubelet_of(node);
        if (!kubelet) continue;
        if (oom) {
            const auto p = reader_.get(kube::refs::kPods.in(ns), pod);
            if (!p) continue;
            const std::string container = (*p)["spec"]["containers"][0].value("name", "");
            kubelet->kill_container(ns, pod, container, "OOMKilled", 137);
        } else {
            kubelet->kill_pod(ns, pod);
        }
        narrate_((oom ? "OOM-kill " : "kill ") + ns + "/" + pod + " on " + node);
    }
}

cluster::Kubelet* ClusterRuntime::kubelet_of(const std::string& node) {
    const auto it = kubelets_.find(node);
    return it == kubelets_.end() ? nullptr : it->second.get();
}

}  // namespace sim::scenario
