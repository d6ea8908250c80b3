#include "sim/cluster/kubelet.hpp"

#include <algorithm>
#include <cctype>

#include "sim/cluster/json_view.hpp"
#include "sim/kernel/sha256.hpp"
#include "sim/kube/json_build.hpp"
#include "sim/kube/object_meta.hpp"

namespace sim::cluster {
namespace {

using kernel::kSecond;
using kernel::Nanos;
using json = sim::Json;

// kubelet.go backOffPeriod / MaxContainerBackOff; flowcontrol.Backoff expiry at 2 × max.
constexpr Nanos kInitialBackoff = 10 * kSecond;
constexpr Nanos kMaxBackoff = 300 * kSecond;
constexpr Nanos kBackoffExpiry = 2 * kMaxBackoff;

std::int64_t num(const json& o, const char* key, std::int64_t fallback) {
    if (!o.is_object()) return fallback;
    const auto it = o.find(key);
    return it != o.end() && it->is_number_integer() ? it->get<std::int64_t>() : fallback;
}

std::string names_list(const std::vector<std::string>& names) {
    std::string out = "[";
    for (std::size_t i = 0; i < names.size(); ++i)
        out += (i ? " " : "") + names[i];
    return out + "]";
}

// "nginx:1.27" -> "docker.io/library/nginx@sha256:..." style digests, deterministic per image.
std::string image_id(const std::string& image) {
    std::string repo = image;
    const auto slash = repo.rfind('/');
    const auto colon = repo.rfind(':');
    if (colon != std::string::npos && (slash == std::string::npos || colon > slash))
        repo = repo.substr(0, colon);
    return repo + "@sha256:" + kernel::Sha256::of("image\n" + image);
}

}  // namespace

Kubelet::Kubelet(kube::Client& client, std::string node_name, KubeletOptions options)
    : client_(client),
      node_(std::move(node_name)),
      options_(std::move(options)),
      recorder_(client, "kubelet", node_) {
    for (const std::string& image : options_.preloaded_images)
        cache_[image] = 0;
}

Kubelet::~Kubelet() {
    *alive_ = false;
}

void Kubelet::start() {
    if (running_) return;
    running_ = true;
    if (stopped_at_) {
        // Coming back: every container died with the machine; remember what each pod's
        // containers had been so their restarts count on.
        const std::int64_t origin = client_.now_unix_nanos() - client_.loop().now();
        previous_.clear();
        for (const auto& [key, run] : pods_) {
            Previous p{run.uid, {}};
            for (const Container& c : run.containers) {
                if (c.state != "running") {
                    p.restarts[c.name] = {c.restart_count, c.last_state};
                    continue;
                }
                p.restarts[c.name] = {
                    c.restart_count + 1,
                    json{{"terminated",
                          {{"exitCode", 255},
                           {"reason", "Unknown"},
                           {"startedAt", kernel::format_rfc3339(origin + c.started_at)},
                           {"finishedAt", kernel::format_rfc3339(origin + *stopped_at_)},
                           {"containerID", c.container_id}}}}};
            }
            previous_.emplace(key, std::move(p));
        }
        pods_.clear();
        used_ips_.clear();
        puller_free_at_ = client_.loop().now();
        post_node_status();
    }
    const auto node = client_.get_shared(kube::refs::kNodes, node_);
    int ordinal = 0;
    if (node) {
        for (const json& a : array_member(object_member(*node.value(), "status"), "addresses"))
            if (str(a, "type") == "InternalIP") host_ip_ = str(a, "address");
        const auto dot = host_ip_.rfind('.');
        if (dot != std::string::npos)
            ordinal = std::max(0, std::stoi(host_ip_.substr(dot + 1)) - 1);
        const std::string cidr = str(object_member(*node.value(), "spec"), "podCIDR");
        if (const auto last = cidr.rfind(".0/24"); last != std::string::npos)
            pod_prefix_ = cidr.substr(0, last + 1);
    }
    // The cluster's pod network 10.244.0.0/16, one /24 per node by its ordinal (kubeadm/flannel
    // default), unless the Node says otherwise.
    if (pod_prefix_.empty()) pod_prefix_ = "10.244." + std::to_string(ordinal) + ".";
    kube::ListOptions selector;
    selector.field_selector = "spec.nodeName=" + node_;
    informer_ = std::make_unique<kube::Informer>(client_, kube::refs::kPods, selector);
    informer_->add_handlers({[this](const json& p) { on_pod(p, nullptr); },
                             [this](const json& old, const json& p) { on_pod(p, &old); },
                             [this](const json& p) { on_pod_deleted(p); }});
    informer_->start();
    last_status_report_ = client_.loop().now();
    heartbeat();
}

void Kubelet::heartbeat() {
    // kubelet defaults: nodeLeaseDurationSeconds 40, renew interval 10 s (a quarter of it),
    // nodeStatusReportFrequency 5 min.
    constexpr Nanos kLeaseRenew = 10 * kSecond;
    constexpr Nanos kStatusReport = 5 * kernel::kMinute;
    const Nanos now = client_.loop().now();
    const std::int64_t origin = client_.now_unix_nanos() - now;
    const kube::ResourceRef leases = kube::refs::kLeases.in("kube-node-lease");
    const std::string renew = kernel::format_rfc3339_micro(origin + now);
    auto lease = client_.get_shared(leases, node_);
    if (lease.ok()) {
        json l = *lease.value();
        l["spec"]["renewTime"] = renew;
        (void)client_.update_shared(leases, std::move(l));
    } else if (lease.is_not_found()) {
        json l{{"apiVersion", "coordination.k8s.io/v1"},
               {"kind", "Lease"},
               {"metadata", {{"name", node_}, {"namespace", "kube-node-lease"}}},
               {"spec",
                {{"holderIdentity", node_}, {"leaseDurationSeconds", 40}, {"renewTime", renew}}}};
        if (const auto node = client_.get_shared(kube::refs::kNodes, node_); node.ok())
            l["metadata"]["ownerReferences"] =
                json::array({{{"apiVersion", "v1"},
                              {"kind", "Node"},
                              {"name", node_},
                              {"uid", kube::meta::uid(*node.value())}}});
        (void)client_.create_shared(leases, std::move(l));
    }
    ++heartbeats_;
    if (now - last_status_report_ >= kStatusReport) {
        last_status_report_ = now;
        if (const auto node = client_.get_shared(kube::refs::kNodes, node_); node.ok()) {
            json conditions = array_member(object_member(*node.value(), "status"), "conditions");
            for (json& c : conditions)
                c["lastHeartbeatTime"] = client_.now_rfc3339();
            (void)client_.patch_shared(kube::refs::kNodes, node_, kube::PatchType::Merge,
                                       json{{"status", {{"conditions", conditions}}}}, "status");
        }
    }
    client_.loop().schedule_after(kLeaseRenew, [this, alive = alive_] {
        if (*alive && running_) heartbeat();
    });
}

void Kubelet::post_node_status() {
    // kubelet/nodestatus/setters.go: the conditions as a healthy kubelet posts them; a changed
    // status gets a new lastTransitionTime.
    auto node = client_.get(kube::refs::kNodes, node_);
    if (!node) return;
    const std::string t = client_.now_rfc3339();
    struct Wanted {
        const char* type;
        const char* status;
        const char* reason;
        const char* message;
    };
    const Wanted wanted[] = {
        {"MemoryPressure", "False", "KubeletHasSufficientMemory",
         "kubelet has sufficient memory available"},
        {"DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
        {"PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
        {"Ready", "True", "KubeletReady", "kubelet is posting ready status"}};
    const json old = node.value()["status"].value("conditions", json::array());
    json conditions = json::array();
    for (const Wanted& w : wanted) {
        json c{{"type", w.type},          {"status", w.status}, {"lastHeartbeatTime", t},
               {"lastTransitionTime", t}, {"reason", w.reason}, {"message", w.message}};
        for (const json& o : old)
            if (str(o, "type") == w.type && str(o, "status") == w.status)
                c["lastTransitionTime"] = o.value("lastTransitionTime", t);
        conditions.push_back(std::move(c));
    }
    last_status_report_ = client_.loop().now();
    (void)client_.patch_shared(kube::refs::kNodes, node_, kube::PatchType::Merge,
                               json{{"status", {{"conditions", conditions}}}}, "status");
}

void Kubelet::stop() {
    if (running_) stopped_at_ = client_.loop().now();
    running_ = false;
    *alive_ = false;
    alive_ = std::make_shared<bool>(true);
    if (informer_) informer_->stop();
}

// -------------------------------------------------------------------------------- plumbing

Kubelet::PodRun* Kubelet::find(const std::string& key, std::uint64_t epoch) {
    const auto it = pods_.find(key);
    if (it == pods_.end() || it->second.epoch != epoch) return nullptr;
    return &it->second;
}

template <class F>
void Kubelet::at(Nanos when, const std::string& key, F&& f) {
    const auto it = pods_.find(key);
    if (it == pods_.end()) return;
    const std::uint64_t epoch = it->second.epoch;
    client_.loop().schedule_at(
        std::max(when, client_.loop().now()),
        [this, alive = alive_, key, epoch, f = std::forward<F>(f)]() mutable {
            if (!*alive) return;
            if (PodRun* run = find(key, epoch)) f(*run);
        });
}

void Kubelet::event(const PodRun& run, const std::string& type, const std::string& reason,
                    const std::string& message) {
    (void)recorder_.record_event(pod_of(run), type, reason, message);
}

const json& Kubelet::pod_of(const PodRun& run) const {
    if (run.detached) return *run.detached;
    if (!informer_) return empty_json_object();
    const json* cached = informer_->find(run.key);
    return cached == nullptr ? empty_json_object() : *cached;
}

const std::string& Kubelet::digest_of(const std::string& image) {
    const auto known = digests_.find(image);
    if (known != digests_.end()) return known->second;
    return digests_.emplace(image, image_id(image)).first->second;
}

std::string Kubelet::pod_ref(const PodRun& run) const {
    return run.name + "_" + run.ns + "(" + run.uid + ")";
}

std::string Kubelet::allocate_ip() {
    // host-local IPAM: round robin from the last address handed out, .2 to .254.
    for (int i = 0; i < 253; ++i) {
        last_ip_ = last_ip_ >= 254 ? 2 : last_ip_ + 1;
        if (used_ips_.insert(last_ip_).second) return pod_prefix_ + std::to_string(last_ip_);
    }
    return "";
}

void Kubelet::release_ip(const std::string& ip) {
    if (ip.size() <= pod_prefix_.size()) return;
    used_ips_.erase(std::stoi(ip.substr(pod_prefix_.size())));
}

// ---------------------------------------------------------------------------- pod events

void Kubelet::on_pod(const json& pod, const json* old_pod) {
    if (!running_) return;
    if (str(object_member(pod, "spec"), "nodeName") != node_) return;
    const std::string key = kube::meta::key_of(pod);
    const auto it = pods_.find(key);
    if (it == pods_.end() || it->second.uid != kube::meta::uid(pod)) {
        const std::string phase = str(object_member(pod, "status"), "phase");
        if (phase == "Succeeded" || phase == "Failed") {
            // The run of the pod this one replaced goes on with the object it saw last.
            if (it != pods_.end() && !it->second.detached)
                it->second.detached = old_pod != nullptr ? *old_pod : json::object();
            return;
        }
        if (it != pods_.end()) {
            release_ip(it->second.ip);
            pods_.erase(it);
        }
        admit(pod);
    }
    PodRun& run = pods_.at(key);
    if (!run.terminating && object_member(pod, "metadata").contains("deletionTimestamp"))
        begin_termination(key);
}

void Kubelet::on_pod_deleted(const json& pod) {
    const auto it = pods_.find(kube::meta::key_of(pod));
    if (it == pods_.end() || it->second.uid != kube::meta::uid(pod)) return;
    release_ip(it->second.ip);
    pods_.erase(it);  // its pending timers find no run and do nothing
}

void Kubelet::admit(const json& pod) {
    PodRun run;
    run.key = kube::meta::key_of(pod);
    run.ns = kube::meta::namespace_of(pod);
    run.name = kube::meta::name(pod);
    run.uid = kube::meta::uid(pod);
    run.start_time = client_.loop().now();
    run.ip = allocate_ip();
    const json& spec = object_member(pod, "spec");
    const auto add = [&](const json& c, bool init) {
        Container k;
        k.name = str(c, "name");
        k.image = str(c, "image");
        k.pull_policy = str(c, "imagePullPolicy");
        k.init = init;
        k.timings = options_.images ? options_.images(k.image) : ImageTimings{};
        k.waiting_reason = init || !array_member(spec, "initContainers").empty()
                               ? "PodInitializing"
                               : "ContainerCreating";
        if (!init) {
            if (c.contains("readinessProbe")) k.readiness = Probe{"Readiness", c["readinessProbe"]};
            if (c.contains("livenessProbe")) k.liveness = Probe{"Liveness", c["livenessProbe"]};
            if (c.contains("startupProbe")) k.startup = Probe{"Startup", c["startupProbe"]};
        }
        run.containers.push_back(std::move(k));
    };
    for (const json& c : array_member(spec, "initContainers"))
        add(c, true);
    for (const json& c : array_member(spec, "containers"))
        add(c, false);
    const std::string key = run.key;
    if (const auto prev = previous_.find(key); prev != previous_.end()) {
        if (prev->second.uid == run.uid) {
            for (Container& c : run.containers) {
                const auto r = prev->second.restarts.find(c.name);
                if (r == prev->second.restarts.end()) continue;
                c.restart_count = r->second.first;
                c.last_state = r->second.second;
                if (c.last_state.contains("terminated"))
                    c.exit_code = c.last_state["terminated"].value("exitCode", 0);
            }
            event(run, "Normal", "SandboxChanged",
                  "Pod sandbox changed, it will be killed and re-created.");
        }
        previous_.erase(prev);
    }
    pods_[key] = std::move(run);
    mark_dirty(key);
    // A pod already being deleted (its node was away) gets no new containers.
    if (!object_member(pod, "metadata").contains("deletionTimestamp")) start_next(key);
}

// ------------------------------------------------------------------------------ containers

void Kubelet::start_next(const std::string& key) {
    PodRun& run = pods_.at(key);
    if (run.terminating || run.next >= run.containers.size()) return;
    pull_then_start(key, run.next);
}

void Kubelet::pull_then_start(const std::string& key, std::size_t index) {
    PodRun& run = pods_.at(key);
    Container& c = run.containers[index];
    const Nanos now = client_.loop().now();
    if (options_.images) c.timings = options_.images(c.image);
    const auto cached = cache_.find(c.image);
    const bool present = cached != cache_.end() && cached->second <= now;
    if (present && c.pull_policy != "Always") {
        event(run, "Normal", "Pulled",
              "Container image \"" + c.image + "\" already present on machine");
        c.image_ready = true;
        if (c.image_id.empty()) c.image_id = digest_of(c.image);
        start_container(key, index);
        return;
    }
    if (c.pull_policy == "Never" && cached == cache_.end()) {
        // images/image_manager.go ErrImageNeverPull.
        const std::string message =
            "Container image \"" + c.image + "\" is not present with pull policy of Never";
        c.waiting_reason = "ErrImageNeverPull";
        c.waiting_message = message;
        event(run, "Warning", "ErrImageNeverPull", message);
        mark_dirty(key);
        if (!c.init && index == run.next) {
            ++run.next;
            start_next(key);
        }
        return;
    }
    event(run, "Normal", "Pulling", "Pulling image \"" + c.image + "\"");
    if (!c.timings.pull_error.empty()) {
        // A failing pull waits its turn at the puller, then fails at once.
        const Nanos turn = std::max(now, puller_free_at_);
        at(turn, key, [this, key, index](PodRun& r) {
            pull_failed(key, index, r.containers[index].timings.pull_error);
        });
        return;
    }
    // serializeImagePulls (the kubelet default): one pull at a time per node. A pull of an
    // image already present or on its way costs no transfer time.
    const Nanos begin = std::max(now, puller_free_at_);
    const bool transfer = cached == cache_.end();
    const Nanos done = std::max(begin + (transfer ? c.timings.pull : 0),
                                cached == cache_.end() ? 0 : cached->second);
    puller_free_at_ = done;
    if (transfer) cache_[c.image] = done;
    at(done, key, [this, key, index, begin, now](PodRun& r) {
        Container& k = r.containers[index];
        const Nanos t = client_.loop().now();
        event(r, "Normal", "Pulled",
              "Successfully pulled image \"" + k.image + "\" in " +
                  kernel::format_duration(t - begin) + " (" + kernel::format_duration(t - now) +
                  " including waiting). Image size: " + std::to_string(k.timings.size_bytes) +
                  " bytes.");
        k.image_ready = true;
        if (k.image_id.empty()) k.image_id = digest_of(k.image);
        start_container(key, index);
    });
}

void Kubelet::pull_failed(const std::string& key, std::size_t index, const std::string& error) {
    PodRun& run = pods_.at(key);
    Container& c = run.containers[index];
    // image_manager.go: Failed events, waiting ErrImagePull, backoff Next() (10 s doubling to
    // 300 s); the next sync shows ImagePullBackOff; the pull is retried when the backoff ends.
    event(run, "Warning", "Failed", "Failed to pull image \"" + c.image + "\": " + error);
    event(run, "Warning", "Failed", "Error: ErrImagePull");
    c.pull_backoff =
        c.pull_failed_before ? std::min(2 * c.pull_backoff, kMaxBackoff) : kInitialBackoff;
    c.pull_failed_before = true;
    c.state = "waiting";
    c.waiting_reason = "ErrImagePull";
    c.waiting_message = error;
    mark_dirty(key);
    const Nanos now = client_.loop().now();
    at(now + kSecond, key, [this, key, index](PodRun& r) {
        Container& k = r.containers[index];
        if (k.waiting_reason != "ErrImagePull") return;
        k.waiting_reason = "ImagePullBackOff";
        k.waiting_message = "Back-off pulling image \"" + k.image + "\"";
        event(r, "Normal", "BackOff", k.waiting_message);
        event(r, "Warning", "Failed", "Error: ImagePullBackOff");
        mark_dirty(key);
    });
    at(now + c.pull_backoff, key, [this, key, index](PodRun&) { pull_then_start(key, index); });
    // Later containers of the pod do not wait for this one (SyncPod goes on to the next).
    if (!c.init && index == run.next) {
        ++run.next;
        start_next(key);
    }
}

void Kubelet::start_container(const std::string& key, std::size_t index) {
    PodRun& run = pods_.at(key);
    Container& c = run.containers[index];
    const Nanos now = client_.loop().now();
    event(run, "Normal", "Created", "Created container " + c.name);
    event(run, "Normal", "Started", "Started container " + c.name);
    c.state = "running";
    c.waiting_reason.clear();
    c.waiting_message.clear();
    c.started_at = now;
    ++c.run;
    c.container_id = "containerd://" + kernel::Sha256::of(run.uid + "\n" + c.name + "\n" +
                                                          std::to_string(c.restart_count));
    c.started = !c.startup.has_value();
    c.ready = c.started && !c.readiness.has_value() && !c.init;
    for (std::optional<Probe>* p : {&c.startup, &c.readiness, &c.liveness}) {
        if (!p->has_value()) continue;
        (*p)->successes = 0;
        (*p)->failures = 0;
        // The worker's first run at the container's start (the prober manager triggers it), then
        // every periodSeconds.
        at(now, key, [this, key, index, kind = (*p)->kind, r = c.run](PodRun&) {
            probe_tick(key, index, kind, r);
        });
    }
    mark_dirty(key);
    if (c.timings.crash_after && !c.init) {
        at(now + *c.timings.crash_after, key,
           [this, key, index, r = c.run, code = c.timings.crash_exit_code](PodRun& p) {
               if (p.containers[index].run == r && p.containers[index].state == "running")
                   container_exited(key, index, code, code == 0 ? "Completed" : "Error");
           });
    }
    if (c.init) {
        // An init container runs its task (the image's startupTime, e.g. a model download)
        // and exits 0.
        at(now + c.timings.startup, key, [this, key, index, r = c.run](PodRun& p) {
            if (p.containers[index].run == r && p.containers[index].state == "running")
                container_exited(key, index, 0, "Completed");
        });
        return;
    }
    if (index == run.next) {
        ++run.next;
        start_next(key);
    }
}

void Kubelet::probe_tick(const std::string& key, std::size_t index, const std::string& kind,
                         int run_id) {
    const auto it = pods_.find(key);
    if (it == pods_.end() || it->second.terminating) return;
    PodRun& run = it->second;
    Container& c = run.containers[index];
    if (c.run != run_id || c.state != "running") return;
    std::optional<Probe>& probe = kind == "Readiness"  ? c.readiness
                                  : kind == "Liveness" ? c.liveness
                                                       : c.startup;
    if (!probe) return;
    const Nanos now = client_.loop().now();
    const json& spec = probe->spec;
    const Nanos period = num(spec, "periodSeconds", 10) * kSecond;
    if (kind == "Startup" && c.started) return;  // the startup worker ends with success
    at(now + period, key,
       [this, key, index, kind, run_id](PodRun&) { probe_tick(key, index, kind, run_id); });
    if (kind != "Startup" && c.startup && !c.started) return;
    if (now - c.started_at < num(spec, "initialDelaySeconds", 0) * kSecond) return;

    const bool pass = now - c.started_at >= c.timings.startup;
    if (pass) {
        ++probe->successes;
        probe->failures = 0;
    } else {
        ++probe->failures;
        probe->successes = 0;
        // prober.go: the probe's output (a refused connection while nothing listens).
        std::string output;
        const auto target = [&](const json& action) {
            std::string port = action.contains("port") ? action["port"].dump() : "";
            if (action.contains("port") && action["port"].is_string()) {
                port = action["port"].get<std::string>();
                const json& spec_containers =
                    array_member(object_member(pod_of(run), "spec"), "containers");
                for (const json& sc : spec_containers)
                    if (str(sc, "name") == c.name)
                        for (const json& cp : array_member(sc, "ports"))
                            if (str(cp, "name") == port) port = cp["containerPort"].dump();
            }
            const std::string host = str(action, "host").empty() ? run.ip : str(action, "host");
            return host + ":" + port;
        };
        if (spec.contains("httpGet")) {
            const json& a = spec["httpGet"];
            std::string scheme = str(a, "scheme").empty() ? "HTTP" : str(a, "scheme");
            std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                           [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
            const std::string addr = target(a);
            const std::string path = str(a, "path").empty() ? "/" : str(a, "path");
            output = "Get \"" + scheme + "://" + addr + path + "\": dial tcp " + addr +
                     ": connect: connection refused";
        } else if (spec.contains("tcpSocket")) {
            output = "dial tcp " + target(spec["tcpSocket"]) + ": connect: connection refused";
        }
        event(run, "Warning", "Unhealthy", kind + " probe failed: " + output);
    }
    const int success_threshold = static_cast<int>(num(spec, "successThreshold", 1));
    const int failure_threshold = static_cast<int>(num(spec, "failureThreshold", 3));
    if (kind == "Readiness") {
        const bool before = c.ready;
        if (probe->successes >= success_threshold) c.ready = true;
        if (probe->failures >= failure_threshold) c.ready = false;
        if (c.ready != before) mark_dirty(key);
        return;
    }
    if (kind == "Startup" && probe->successes >= success_threshold) {
        c.started = true;
        if (!c.readiness) c.ready = true;
        mark_dirty(key);
        return;
    }
    if (probe->failures < failure_threshold) return;
    // Liveness or startup failure: kill with the pod's grace period, then restart.
    event(run, "Normal", "Killing",
          "Container " + c.name + " failed " + (kind == "Liveness" ? "liveness" : "startup") +
              " probe, will be restarted");
    ++c.run;  // the probe workers hold until the new container
    const Nanos grace =
        num(object_member(pod_of(run), "spec"), "terminationGracePeriodSeconds", 30) * kSecond;
    const bool exits = c.timings.exit_after_sigterm && *c.timings.exit_after_sigterm <= grace;
    const Nanos after = exits ? *c.timings.exit_after_sigterm : grace;
    at(now + after, key, [this, key, index, exits, r = c.run](PodRun& p) {
        if (p.containers[index].run == r && p.containers[index].state == "running")
            container_exited(key, index, exits ? 0 : 137, exits ? "Completed" : "Error");
    });
}

bool Kubelet::kill_container(const std::string& ns, const std::string& pod,
                             const std::string& container, const std::string& reason,
                             int exit_code) {
    const std::string key = ns + "/" + pod;
    const auto it = pods_.find(key);
    if (!running_ || it == pods_.end()) return false;
    for (std::size_t i = 0; i < it->second.containers.size(); ++i) {
        const Container& c = it->second.containers[i];
        if (c.name != container || c.state != "running") continue;
        container_exited(key, i, exit_code, reason);
        return true;
    }
    return false;
}

bool Kubelet::kill_pod(const std::string& ns, const std::string& pod) {
    const auto it = pods_.find(ns + "/" + pod);
    if (!running_ || it == pods_.end()) return false;
    std::vector<std::string> names;
    for (const Container& c : it->second.containers)
        if (c.state == "running") names.push_back(c.name);
    bool any = false;
    for (const std::string& n : names)
        any = kill_container(ns, pod, n, "Error", 137) || any;
    return any;
}

void Kubelet::container_exited(const std::string& key, std::size_t index, int exit_code,
                               const std::string& reason) {
    PodRun& run = pods_.at(key);
    Container& c = run.containers[index];
    c.state = "terminated";
    c.finished_at = client_.loop().now();
    c.exit_code = exit_code;
    c.terminated_reason = reason;
    c.ready = false;
    c.started = false;
    ++c.run;
    mark_dirty(key);
    if (run.terminating) {
        if (all_stopped(run)) finish_termination(key);
        return;
    }
    if (c.init && exit_code == 0) {
        if (index == run.next) {
            ++run.next;
            for (Container& k : run.containers)
                if (!k.init && k.state == "waiting") k.waiting_reason = "ContainerCreating";
            start_next(key);
        }
        return;
    }
    const std::string policy = str(object_member(pod_of(run), "spec"), "restartPolicy");
    const bool restart = policy == "Always" || policy.empty() ||
                         (policy == "OnFailure" && exit_code != 0) || (c.init && policy != "Never");
    if (restart) schedule_restart(key, index);
}

void Kubelet::schedule_restart(const std::string& key, std::size_t index) {
    PodRun& run = pods_.at(key);
    Container& c = run.containers[index];
    const auto restart = [this, key, index](PodRun& r) {
        Container& k = r.containers[index];
        k.last_state =
            json{{"terminated",
                  {{"exitCode", k.exit_code},
                   {"reason", k.terminated_reason},
                   {"startedAt", kernel::format_rfc3339(client_.now_unix_nanos() -
                                                        client_.loop().now() + k.started_at)},
                   {"finishedAt", kernel::format_rfc3339(client_.now_unix_nanos() -
                                                         client_.loop().now() + k.finished_at)},
                   {"containerID", k.container_id}}}};
        ++k.restart_count;
        pull_then_start(key, index);
    };
    // kuberuntime_manager.go doBackOff with flowcontrol.Backoff: no entry (or one unused for
    // 10 min) restarts at once and starts the backoff at 10 s; otherwise wait out the backoff
    // from finishedAt, then double it (max 300 s).
    if (c.has_backoff && c.finished_at - c.backoff_updated > kBackoffExpiry) c.has_backoff = false;
    if (!c.has_backoff) {
        c.has_backoff = true;
        c.backoff = kInitialBackoff;
        c.backoff_updated = c.finished_at;
        restart(run);
        return;
    }
    c.state = "waiting";
    c.waiting_reason = "CrashLoopBackOff";
    c.waiting_message = "back-off " + kernel::format_duration(c.backoff) +
                        " restarting failed container=" + c.name + " pod=" + pod_ref(run);
    // Keep the terminated details for lastState while waiting.
    c.last_state = json{
        {"terminated",
         {{"exitCode", c.exit_code},
          {"reason", c.terminated_reason},
          {"startedAt",
           kernel::format_rfc3339(client_.now_unix_nanos() - client_.loop().now() + c.started_at)},
          {"finishedAt",
           kernel::format_rfc3339(client_.now_unix_nanos() - client_.loop().now() + c.finished_at)},
          {"containerID", c.container_id}}}};
    event(run, "Warning", "BackOff",
          "Back-off restarting failed container " + c.name + " in pod " + pod_ref(run));
    mark_dirty(key);
    at(c.finished_at + c.backoff, key, [this, key, index](PodRun& r) {
        Container& k = r.containers[index];
        if (k.state != "waiting" || k.waiting_reason != "CrashLoopBackOff") return;
        k.backoff = std::min(2 * k.backoff, kMaxBackoff);
        k.backoff_updated = client_.loop().now();
        ++k.restart_count;
        pull_then_start(key, index);
    });
}

// ----------------------------------------------------------------------------- termination

bool Kubelet::all_stopped(const PodRun& run) const {
    return std::none_of(run.containers.begin(), run.containers.end(),
                        [](const Container& c) { return c.state == "running"; });
}

void Kubelet::begin_termination(const std::string& key) {
    PodRun& run = pods_.at(key);
    run.terminating = true;
    ++run.epoch;  // pending pulls, starts, probes and restarts are dropped
    const Nanos now = client_.loop().now();
    const std::int64_t grace_seconds =
        num(object_member(pod_of(run), "metadata"), "deletionGracePeriodSeconds",
            num(object_member(pod_of(run), "spec"), "terminationGracePeriodSeconds", 30));
    const Nanos grace = grace_seconds * kSecond;
    for (std::size_t i = 0; i < run.containers.size(); ++i) {
        Container& c = run.containers[i];
        if (c.state != "running") continue;
        event(run, "Normal", "Killing", "Stopping container " + c.name);
        // SIGTERM; SIGKILL at the grace period (exit 137).
        const bool exits = c.timings.exit_after_sigterm && *c.timings.exit_after_sigterm < grace;
        const Nanos after = exits ? *c.timings.exit_after_sigterm : grace;
        at(now + after, key, [this, key, i, exits](PodRun& r) {
            if (r.containers[i].state == "running")
                container_exited(key, i, exits ? 0 : 137, exits ? "Completed" : "Error");
        });
    }
    mark_dirty(key);
    if (all_stopped(run)) finish_termination(key);
}

void Kubelet::finish_termination(const std::string& key) {
    PodRun& run = pods_.at(key);
    run.finished = true;
    write_status(key);
    // The status manager's final delete (status_manager.go: grace 0, uid precondition).
    kube::DeleteOptions options;
    options.grace_period_seconds = 0;
    options.precondition_uid = run.uid;
    (void)client_.remove(kube::refs::kPods.in(run.ns), run.name, options);
    const auto it = pods_.find(key);
    if (it != pods_.end()) {
        release_ip(it->second.ip);
        pods_.erase(it);
    }
}

// ---------------------------------------------------------------------------------- status

void Kubelet::mark_dirty(const std::string& key) {
    PodRun& run = pods_.at(key);
    if (run.status_dirty) return;
    run.status_dirty = true;
    const std::string uid = run.uid;
    // One status write per instant, after everything that happened at it (status manager).
    client_.loop().schedule_after(0, [this, alive = alive_, key, uid] {
        if (!*alive) return;
        const auto it = pods_.find(key);
        if (it == pods_.end() || it->second.uid != uid || !it->second.status_dirty) return;
        write_status(key);
    });
}

void Kubelet::write_status(const std::string& key) {
    PodRun& run = pods_.at(key);
    run.status_dirty = false;
    json body = json::object();
    body["status"] = build_status(run);
    (void)client_.patch_shared(kube::refs::kPods.in(run.ns), run.name, kube::PatchType::Merge,
                               std::move(body), "status");
}

namespace {

// The kubelet's conditions in the order it writes them (status/generate.go), by Condition.
constexpr const char* kConditionTypes[] = {"PodReadyToStartContainers", "Initialized", "Ready",
                                           "ContainersReady"};

using kube::put;  // members in key order: one comparison each (sim/kube/json_build.hpp)
using namespace sim::json_literals;  // "name"_key

}  // namespace

const std::string& Kubelet::rfc3339_at(Nanos t) {
    return times_.at(client_.now_unix_nanos() - client_.loop().now() + t);
}

json Kubelet::condition(PodRun& run, Condition type, bool status, const char* reason,
                        const std::string& message) {
    const auto index = static_cast<std::size_t>(type);
    PodRun::Transition& t = run.transitions[index];
    if (!t.known || t.status != status) {
        t.known = true;
        t.status = status;
        t.since_unix_nanos = client_.now_unix_nanos();
    }
    json c = json::object();
    put(c, "lastProbeTime"_key, nullptr);
    put(c, "lastTransitionTime"_key, times_.at(t.since_unix_nanos));
    if (!message.empty()) put(c, "message"_key, message);
    if (*reason != '\0') put(c, "reason"_key, reason);
    put(c, "status"_key, status ? "True" : "False");
    put(c, "type"_key, kConditionTypes[index]);
    return c;
}

json Kubelet::container_status(const PodRun& run, const Container& c) {
    json state = json::object();
    if (c.state == "running") {
        put(put(state, "running"_key, json::object()), "startedAt", rfc3339_at(c.started_at));
    } else if (c.state == "terminated") {
        json& t = put(state, "terminated"_key, json::object());
        put(t, "containerID"_key, c.container_id);
        put(t, "exitCode"_key, c.exit_code);
        put(t, "finishedAt"_key, rfc3339_at(c.finished_at));
        put(t, "reason"_key, c.terminated_reason);
        put(t, "startedAt"_key, rfc3339_at(c.started_at));
    } else {
        json& waiting = put(state, "waiting"_key, json::object());
        if (!c.waiting_message.empty()) put(waiting, "message"_key, c.waiting_message);
        put(waiting, "reason"_key, c.waiting_reason);
    }
    json s = json::object();
    if (!c.container_id.empty()) put(s, "containerID"_key, c.container_id);
    put(s, "image"_key, c.image);
    put(s, "imageID"_key, c.image_ready ? c.image_id : std::string());
    put(s, "lastState"_key, c.last_state);
    put(s, "name"_key, c.name);
    put(s, "ready"_key, c.ready);
    put(s, "restartCount"_key, c.restart_count);
    put(s, "started"_key, c.started);
    put(s, "state"_key, std::move(state));
    (void)run;
    return s;
}

json Kubelet::build_status(PodRun& run) {
    std::vector<std::string> incomplete_init, unready;
    int waiting = 0, running = 0, stopped = 0, failed = 0;
    json init_statuses = json::array();
    std::vector<std::pair<std::string, json>> statuses;
    for (const Container& c : run.containers) {
        if (c.init) {
            if (!(c.state == "terminated" && c.exit_code == 0)) incomplete_init.push_back(c.name);
            init_statuses.push_back(container_status(run, c));
            continue;
        }
        statuses.emplace_back(c.name, container_status(run, c));
        if (!c.ready) unready.push_back(c.name);
        if (c.state == "running") ++running;
        if (c.state == "waiting" && c.last_state.empty()) ++waiting;
        if (c.state == "terminated" || (c.state == "waiting" && !c.last_state.empty())) {
            ++stopped;
            if (c.exit_code != 0) ++failed;
        }
    }
    // kubelet_pods.go getPhase (and terminal on deletion since 1.27).
    const std::string policy = str(object_member(pod_of(run), "spec"), "restartPolicy");
    std::string phase;
    if (run.finished) {
        phase = failed > 0 ? "Failed" : "Succeeded";
    } else if (!incomplete_init.empty() || waiting > 0) {
        phase = "Pending";
    } else if (running > 0) {
        phase = "Running";
    } else if (policy == "Never") {
        phase = failed > 0 ? "Failed" : "Succeeded";
    } else if (policy == "OnFailure") {
        phase = failed > 0 ? "Running" : "Succeeded";
    } else {
        phase = "Running";
    }
    std::sort(statuses.begin(), statuses.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    json container_statuses = json::array();
    for (auto& [name, s] : statuses)
        container_statuses.push_back(std::move(s));

    json conditions = json::array();
    conditions.get_ref<json::array_t&>().reserve(5);
    conditions.push_back(
        condition(run, Condition::ReadyToStartContainers, !run.finished, "", std::string()));
    if (incomplete_init.empty())
        conditions.push_back(condition(run, Condition::Initialized, true, "", std::string()));
    else
        conditions.push_back(
            condition(run, Condition::Initialized, false, "ContainersNotInitialized",
                      "containers with incomplete status: " + names_list(incomplete_init)));
    const char* reason = "";
    std::string message;
    if (run.finished) {
        reason = phase == "Succeeded" ? "PodCompleted" : "PodFailed";
    } else if (!unready.empty()) {
        reason = "ContainersNotReady";
        message = "containers with unready status: " + names_list(unready);
    }
    const bool ready = !run.finished && unready.empty();
    conditions.push_back(condition(run, Condition::Ready, ready, reason, message));
    conditions.push_back(condition(run, Condition::ContainersReady, ready, reason, message));
    // Conditions other components own (PodScheduled, DisruptionTarget, ...) are kept.
    for (const json& c : array_member(object_member(pod_of(run), "status"), "conditions")) {
        const std::string type = str(c, "type");
        if (type != "PodReadyToStartContainers" && type != "Initialized" && type != "Ready" &&
            type != "ContainersReady")
            conditions.push_back(c);
    }

    const auto ip_list = [](const std::string& ip) {
        json entry = json::object();
        put(entry, "ip"_key, ip);
        json list = json::array();
        list.push_back(std::move(entry));
        return list;
    };
    json status = json::object();
    put(status, "conditions"_key, std::move(conditions));
    put(status, "containerStatuses"_key, std::move(container_statuses));
    put(status, "hostIP"_key, host_ip_);
    put(status, "hostIPs"_key, ip_list(host_ip_));
    if (!init_statuses.empty()) put(status, "initContainerStatuses"_key, std::move(init_statuses));
    put(status, "phase"_key, std::move(phase));
    put(status, "podIP"_key, run.ip);
    put(status, "podIPs"_key, ip_list(run.ip));
    put(status, "startTime"_key, rfc3339_at(run.start_time));
    return status;
}

}  // namespace sim::cluster
