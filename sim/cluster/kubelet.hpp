// A kubelet for one node (k8s-semantics.md §3d): it watches the pods bound to its node and
// drives each through the real lifecycle in virtual time, writing pod status through the
// status subresource and the kubelet's Events (source {component: kubelet, host: <node>}).
//
//   bound -> sandbox (podIP from the node's /24, startTime, PodReadyToStartContainers)
//   -> init containers one by one (pull, create, start, run for the image's startupTime,
//      exit 0) -> Initialized
//   -> containers in spec order: pull (per-node serialized puller, image cache,
//      imagePullPolicy), create, start -> phase Running
//   -> probes: startup, then readiness/liveness workers ticking every periodSeconds from the
//      container's start, skipped before initialDelaySeconds; a probe passes once the
//      container has been up for its image's startupTime; success/failure thresholds
//   -> ContainersReady / Ready.
// Exits (kill_container, liveness failure) restart per restartPolicy through the kubelet's
// CrashLoopBackOff (10 s doubling to 300 s, from finishedAt; reset after 10 min running).
// Deletion with grace G: Killing, SIGTERM; a container that does not exit by itself is
// killed at G (exit 137); then the terminal status and the final DELETE with grace 0.
#pragma once

#include "sim/kernel/byte_order.hpp"
#include "sim/kernel/json.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/kernel/time.hpp"
#include "sim/kube/client.hpp"
#include "sim/kube/events.hpp"
#include "sim/kube/informer.hpp"
#include "sim/kube/rfc3339_cache.hpp"

namespace sim::cluster {

// How an image behaves when simulated (the scenario's `images:` rules supply these).
struct ImageTimings {
    kernel::Nanos pull = 0;       // pulling it into a node's cache
    kernel::Nanos startup = 0;    // from start until the process listens (probes pass); an init
                                  // container runs this long and exits 0
    std::int64_t size_bytes = 0;  // reported by the Pulled event
    // Time to exit after SIGTERM; nullopt: it ignores SIGTERM and is killed at the grace period.
    std::optional<kernel::Nanos> exit_after_sigterm;
    // Non-empty: pulling fails with this error (imagePullError); ErrImagePull, then
    // ImagePullBackOff, retried with the image backoff (10 s doubling to 300 s).
    std::string pull_error;
    // Set: the process exits with crash_exit_code this long after each start (crashLoop).
    std::optional<kernel::Nanos> crash_after;
    int crash_exit_code = 1;
};
// Asked at admission and again before every container start, so a scenario can make pulls fail or
// recover over time.
using ImageBehaviour = std::function<ImageTimings(const std::string& image)>;

struct KubeletOptions {
    ImageBehaviour images;                      // empty: every image has zero timings
    std::vector<std::string> preloaded_images;  // already in the node's cache
};

class Kubelet {
  public:
    Kubelet(kube::Client& client, std::string node_name, KubeletOptions options = {});
    Kubelet(const Kubelet&) = delete;
    Kubelet& operator=(const Kubelet&) = delete;
    ~Kubelet();

    // Reads its Node (addresses, podCIDR), starts watching its pods and heartbeating: the
    // Lease kube-node-lease/<node> (40 s) renewed every 10 s, and the Node's conditions'
    // lastHeartbeatTime re-posted every 5 min (nodeStatusReportFrequency; nothing else changes
    // a simulated node's status).
    void start();
    // nodeDown: the kubelet stops (no more status writes, timers dropped, nothing restarts).
    // The machine is down: its containers are gone from that instant.
    void stop();
    // After stop(), start() is the node coming back (a reboot): the kubelet posts the node's
    // status (Ready True again), renews its Lease, finishes pods deleted meanwhile (nothing
    // runs, so at once: terminal status, final DELETE) and starts the others in a new sandbox
    // (SandboxChanged; new pod IP), every container that was running counted as a restart
    // with lastState terminated Unknown exit 255, as containerd reports a container lost
    // with its machine. The image cache survives (it is on disk).
    bool running() const { return running_; }

    const std::string& node_name() const { return node_; }
    // Ends a running container now with `exit_code` and `reason` (terminated reason as
    // containerd reports it: "Error", "OOMKilled", "Completed"); it then restarts per
    // restartPolicy and CrashLoopBackOff. False when no such running container.
    bool kill_container(const std::string& ns, const std::string& pod, const std::string& container,
                        const std::string& reason, int exit_code);
    // Kills every running container of the pod (podKill: exit 137, reason Error).
    bool kill_pod(const std::string& ns, const std::string& pod);

    bool has_image(const std::string& image) const { return cache_.contains(image); }
    // Lease renewals so far (kube-node-lease/<node>, every 10 s while running).
    std::uint64_t heartbeats() const { return heartbeats_; }
    std::size_t pod_count() const { return pods_.size(); }

  private:
    struct Probe {
        std::string kind;  // "Readiness", "Liveness", "Startup"
        sim::Json spec;
        int successes = 0;
        int failures = 0;
    };
    struct Container {
        std::string name;
        std::string image;
        std::string pull_policy;
        bool init = false;
        ImageTimings timings;
        std::optional<Probe> readiness, liveness, startup;
        std::string state = "waiting";  // waiting, running, terminated
        std::string waiting_reason;
        std::string waiting_message;
        kernel::Nanos started_at = 0;
        kernel::Nanos finished_at = 0;
        int exit_code = 0;
        std::string terminated_reason;
        sim::Json last_state = sim::Json::object();
        bool ready = false;
        bool started = false;
        int restart_count = 0;
        int run = 0;  // bumps on each start; stale timers compare it
        std::string container_id;
        bool image_ready = false;
        std::string image_id;  // the image's digest, worked out once it is pulled
        // CrashLoopBackOff entry (client-go flowcontrol.Backoff).
        kernel::Nanos backoff = 0;
        kernel::Nanos backoff_updated = 0;
        bool has_backoff = false;
        // Image pull backoff (image_manager.go, key podUID_image).
        kernel::Nanos pull_backoff = 0;
        bool pull_failed_before = false;
    };
    struct PodRun {
        // The pod itself is read from the informer's cache (pod_of), never copied here.
        std::string key;  // "ns/name", the informer's key
        std::string ns, name, uid;
        // Set only when the cache moved on to another pod of the same name (a new uid already
        // terminal) while this run goes on: the last object this run saw.
        std::optional<sim::Json> detached;
        std::string ip;
        kernel::Nanos start_time = 0;
        std::vector<Container> containers;  // init containers first
        std::size_t next = 0;               // next container to start in sequence
        std::uint64_t epoch = 0;
        bool terminating = false;
        bool finished = false;
        // The conditions the kubelet owns, in kConditionTypes' order: their last status and
        // when it last changed (unix nanos), for lastTransitionTime.
        struct Transition {
            bool known = false;
            bool status = false;
            std::int64_t since_unix_nanos = 0;
        };
        std::array<Transition, 4> transitions;
        bool status_dirty = false;
    };

    void heartbeat();
    void post_node_status();
    struct Previous {  // what a pod's containers were when the node went down
        std::string uid;
        std::map<std::string, std::pair<int, sim::Json>> restarts;  // name -> count, lastState
    };
    void on_pod(const sim::Json& pod, const sim::Json* old_pod);
    // The run's pod as the informer last delivered it (by reference: no copy).
    const sim::Json& pod_of(const PodRun& run) const;
    void on_pod_deleted(const sim::Json& pod);
    void admit(const sim::Json& pod);
    void start_next(const std::string& key);
    void pull_then_start(const std::string& key, std::size_t index);
    void start_container(const std::string& key, std::size_t index);
    void pull_failed(const std::string& key, std::size_t index, const std::string& error);
    void container_exited(const std::string& key, std::size_t index, int exit_code,
                          const std::string& reason);
    void schedule_restart(const std::string& key, std::size_t index);
    void probe_tick(const std::string& key, std::size_t index, const std::string& kind, int run);
    void begin_termination(const std::string& key);
    void finish_termination(const std::string& key);
    void mark_dirty(const std::string& key);
    void write_status(const std::string& key);
    sim::Json build_status(PodRun& run);
    enum class Condition { ReadyToStartContainers, Initialized, Ready, ContainersReady };
    sim::Json condition(PodRun& run, Condition type, bool status, const char* reason,
                        const std::string& message);
    sim::Json container_status(const PodRun& run, const Container& c);
    std::string allocate_ip();
    void release_ip(const std::string& ip);
    void event(const PodRun& run, const std::string& type, const std::string& reason,
               const std::string& message);
    PodRun* find(const std::string& key, std::uint64_t epoch);
    template <class F>
    void at(kernel::Nanos when, const std::string& key, F&& f);
    bool all_stopped(const PodRun& run) const;
    std::string pod_ref(const PodRun& run) const;
    // The image's digest (imageID), hashed once per image and node.
    const std::string& digest_of(const std::string& image);
    // format_rfc3339 of a virtual instant (since the simulation's start), once per second.
    const std::string& rfc3339_at(kernel::Nanos t);

    kube::Client& client_;
    std::string node_;
    KubeletOptions options_;
    kube::EventRecorder recorder_;
    std::unique_ptr<kube::Informer> informer_;
    std::map<std::string, PodRun, BytesLess> pods_;  // by "ns/name"
    std::map<std::string, kernel::Nanos> cache_;     // image -> present from
    std::map<std::string, std::string> digests_;     // image -> imageID
    kernel::Nanos puller_free_at_ = 0;
    kernel::Nanos last_status_report_ = 0;
    std::uint64_t heartbeats_ = 0;
    std::string host_ip_;
    std::string pod_prefix_;  // "10.244.<n>."
    int last_ip_ = 1;
    std::set<int> used_ips_;
    bool running_ = false;
    std::optional<kernel::Nanos> stopped_at_;
    std::map<std::string, Previous> previous_;  // by "ns/name", filled when coming back
    kube::Rfc3339Cache times_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sim::cluster
