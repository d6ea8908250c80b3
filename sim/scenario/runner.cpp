#include "sim/scenario/runner.hpp"

#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <variant>

#include "controller/deployment.hpp"
#include "controller/disruption.hpp"
#include "controller/hpa.hpp"
#include "controller/manager.hpp"
#include "controller/nodelifecycle.hpp"
#include "controller/replicaset.hpp"
#include "controller/seldon/admission.hpp"
#include "controller/seldon/controller.hpp"
#include "sim/cluster/metrics_server.hpp"
#include "sim/cluster/nodes.hpp"
#include "sim/kernel/event_loop.hpp"
#include "sim/kernel/json.hpp"
#include "sim/kernel/overloaded.hpp"
#include "sim/kernel/random.hpp"
#include "sim/kernel/trace.hpp"
#include "sim/kube/api_server.hpp"
#include "sim/kube/client.hpp"
#include "sim/kube/garbage_collector.hpp"
#include "sim/scenario/cluster_runtime.hpp"
#include "sim/scenario/cluster_trace.hpp"
#include "sim/scenario/drain.hpp"
#include "sim/scenario/expectations.hpp"
#include "sim/scenario/manifest.hpp"
#include "sim/scenario/observe.hpp"
#include "sim/scenario/outputs.hpp"
#include "sim/scenario/progress.hpp"
#include "sim/scenario/report.hpp"
#include "sim/scenario/run_driver.hpp"
#include "sim/scenario/steps.hpp"
#include "sim/scenario/traffic_runtime.hpp"

namespace sim::scenario {
namespace {

namespace fs = std::filesystem;
using kernel::EventLoop;
using kernel::format_duration;
using kernel::format_offset;
using kernel::Nanos;
using kernel::TraceWriter;

using kernel::Overloaded;

// Paths in the trace are relative to the scenario's folder, so the trace (and its hash) is
// the same wherever the project is checked out.
std::string trace_path(const Scenario& s, const fs::path& p) {
    return fs::relative(p, s.folder).generic_string();
}

std::string json_string_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ",";
        kernel::append_json_string(out, items[i]);
    }
    return out + "]";
}

class Run {
  public:
    Run(const Scenario& s, const RunOptions& options, std::ostream& err)
        : s_(s),
          options_(options),
          err_(err),
          seed_(options.seed.value_or(s.seed)),
          streams_(seed_),
          api_(loop_, streams_, server_options(s, seed_)),
          client_(api_, "kubectl"),
          operator_client_(api_, "seldon-controller-manager"),
          controller_manager_client_(api_, "kube-controller-manager"),
          progress_(err, "sim-run " + s.metadata.name, s.duration, options.progress) {}

    RunResult execute() {
        result_.seed = seed_;
        load_manifests();
        open_outputs();
        if (!result_.input_errors.empty()) {
            result_.exit_code = 2;
            return std::move(result_);
        }
        TraceWriter trace(trace_file_.is_open() ? &trace_file_ : nullptr);
        trace_ = &trace;
        expectations_.emplace(s_.expectations);
        expectations_->on_decided([this](const ExpectationResult& r) {
            narrate((r.passed ? "expectation holds: " : "expectation FAILS: ") + r.name +
                    (r.passed ? "" : " (" + r.message + ")"));
        });

        trace_start();
        cluster_trace_.emplace(client_, trace, [this](const std::string& s) { narrate(s); });
        start_control_plane();
        build_nodes();
        machines_.emplace(api_, s_, streams_, trace, [this](const std::string& s) { narrate(s); });
        machines_->set_usage_sink(&*metrics_);  // requests cost CPU: load drives the HPA
        if (auto bad = machines_->start_traffic(
                api_, s_.duration, options_.trace_requests,
                options_.driver != nullptr && options_.driver->wants_request_path());
            !bad.empty()) {
            result_.input_errors = std::move(bad);
            result_.exit_code = 2;
            return std::move(result_);
        }
        if (options_.executor_metrics && machines_->requests())
            machines_->requests()->set_executor_metrics(options_.executor_metrics);
        schedule_timeline();
        for (const Nanos t : expectations_->checkpoints(s_.duration)) {
            loop_.schedule_at(t, [] {});  // stop here so expectations see this instant
        }
        options_.driver ? simulate_driven() : simulate();
        finish();
        return std::move(result_);
    }

  private:
    static kube::ServerOptions server_options(const Scenario& s, std::uint64_t seed) {
        kube::ServerOptions options;
        options.seed = seed;
        options.start_unix_nanos = s.start_time_unix_nanos;
        return options;
    }

    void load_manifests() {
        ScenarioManifests loaded = load_scenario_manifests(s_);
        manifests_ = std::move(loaded.by_path);
        result_.input_errors = std::move(loaded.diagnostics);
    }

    void open_outputs() {
        if (!options_.out_dir) return;
        std::error_code ec;
        fs::create_directories(*options_.out_dir, ec);
        trace_file_.open(*options_.out_dir / "trace.jsonl", std::ios::binary | std::ios::trunc);
        if (ec || !trace_file_) {
            result_.input_errors.push_back(
                {{options_.out_dir->string(), 0, 0}, "--out", "cannot write to this folder"});
        }
    }

    void narrate(const std::string& sentence) {
        if (options_.narration) {
            *options_.narration << "t=" << format_offset(loop_.now()) << "  " << sentence << "\n";
        }
    }

    void trace_start() {
        auto line = trace_->line(0, "run.start");
        line.str("scenario", s_.metadata.name)
            .num("seed", seed_)
            .str("duration", format_duration(s_.duration))
            .str("startTime", kernel::format_rfc3339(s_.start_time_unix_nanos));
        if (options_.driver) options_.driver->annotate_start(line);
    }

    // Seldon Core installed: its validating webhook and its operator (the controllers of the
    // workload and cluster layers join here as they land).
    void start_control_plane() {
        controller::seldon::install_seldon_admission(api_);
        if (s_.ingress == Ingress::Istio) kube::add_istio_resources(api_.registry());
        if (s_.ingress == Ingress::Ambassador) kube::add_ambassador_resources(api_.registry());
        start_operator();
        // kube-controller-manager's workload controllers.
        controllers_.emplace(controller_manager_client_);
        controllers_->add(std::make_unique<controller::ReplicaSetController>());
        controllers_->add(std::make_unique<controller::DeploymentController>());
        add_autoscaling();
        controllers_->add(std::make_unique<controller::NodeLifecycleController>());
        controllers_->add(std::make_unique<controller::TaintEvictionController>());
        controllers_->add(std::make_unique<controller::DisruptionController>());
        controllers_->on_decision(
            [this](const std::string& controller, const std::string& key, const std::string& what,
                   const std::string& why) { trace_decision(controller, key, what, why); });
        controllers_->start();
        start_garbage_collector();
    }

    // A kube-controller-manager controller's decision: a trace line and a narration.
    void trace_decision(const std::string& controller, const std::string& key,
                        const std::string& what, const std::string& why) {
        trace_->line(loop_.now(), "decision")
            .str("controller", controller)
            .str("key", key)
            .str("decision", what)
            .str("reason", why);
        narrate(controller + " " + key + ": " + what + " (" + why + ")");
    }

    // kube-controller-manager's garbage collector: ownerReference cascades (a deleted
    // SeldonDeployment's Deployments, a deleted Deployment's ReplicaSets and pods).
    void start_garbage_collector() {
        garbage_collector_.emplace(controller_manager_client_);
        garbage_collector_->on_decision(
            [this](const std::string& object, const std::string& what, const std::string& why) {
                trace_decision("garbage-collector-controller", object, what, why);
            });
        garbage_collector_->start();
    }

    // metrics-server (serving metrics.k8s.io and the custom metric requests_per_second) and
    // the HPA controller, whose every sync is a trace line of kind `hpa` (docs/trace.md).
    void add_autoscaling() {
        metrics_.emplace(api_);
        auto hpa = std::make_unique<controller::HorizontalPodAutoscalerController>(&*metrics_);
        hpa->on_sync([this](const controller::HpaSync& sync) {
            trace_->line(loop_.now(), "hpa")
                .str("hpa", sync.hpa)
                .num("current", static_cast<std::int64_t>(sync.current))
                .num("desired", static_cast<std::int64_t>(sync.desired))
                .str("metrics", sync.metrics)
                .str("reason", sync.reason);
        });
        controllers_->add(std::move(hpa));
    }

  public:
    // Where the request path reports what serving costs (the metrics-server).
    cluster::PodUsageSink& usage() { return *metrics_; }

  private:
    // The operator starts afresh (as its pod would after a restart): new informers list every
    // SeldonDeployment and reconcile each. It has its own Manager, as its own process:
    // operatorDown drops it, a new one is the restart.
    void start_operator() {
        controller::seldon::OperatorConfig config;
        config.istio_enabled = s_.ingress == Ingress::Istio;
        config.ambassador_enabled = s_.ingress == Ingress::Ambassador;
        operator_.emplace(operator_client_);
        operator_->add(std::make_unique<controller::seldon::SeldonController>(
            config, [this](const std::string& key, const controller::seldon::ReconcileResult& r) {
                trace_reconcile("seldon-controller-manager", key, r);
            }));
        operator_->start();
    }

    // One reconcile: what the controller decided and why (skipped when it decided nothing).
    void trace_reconcile(const std::string& controller, const std::string& key,
                         const controller::seldon::ReconcileResult& r) {
        if (r.decisions.empty()) return;
        std::string decisions = "[";
        for (std::size_t i = 0; i < r.decisions.size(); ++i) {
            const auto& d = r.decisions[i];
            if (i) decisions += ",";
            decisions += "{\"action\":";
            kernel::append_json_string(decisions, d.action);
            decisions += ",\"object\":";
            kernel::append_json_string(decisions, d.object);
            decisions += ",\"reason\":";
            kernel::append_json_string(decisions, d.reason);
            decisions += "}";
            narrate(controller + " " + d.action + (d.object.empty() ? "" : " " + d.object) + ": " +
                    d.reason);
        }
        decisions += "]";
        auto line = trace_->line(loop_.now(), "reconcile");
        line.str("controller", controller).str("key", key);
        if (!r.state.empty()) line.str("state", r.state);
        if (r.requeue) line.boolean("requeue", true);
        if (r.requeue_after > 0) line.str("requeueAfter", format_duration(r.requeue_after));
        line.raw("decisions", decisions);
    }

    // The nodes register as their kubelets would: create the Node, then post its status.
    void build_nodes() {
        int ordinal = 0;
        for (const NodeGroup& group : s_.cluster.nodes) {
            for (int i = 1; i <= group.count; ++i) {
                cluster::NodeSpec spec{group.node_name(i),
                                       ++ordinal,
                                       group.capacity.cpu,
                                       group.capacity.memory,
                                       group.capacity.pods,
                                       group.labels,
                                       {}};
                std::vector<std::string> taints;
                for (const Taint& t : group.taints) {
                    spec.taints.push_back({t.key, t.value, std::string(to_string(t.effect))});
                    taints.push_back(t.key + (t.value.empty() ? "" : "=" + t.value) + ":" +
                                     std::string(to_string(t.effect)));
                }
                trace_->line(0, "node.add")
                    .str("node", spec.name)
                    .str("cpu", kube::format_quantity(spec.cpu, false))
                    .str("memory", kube::format_quantity(spec.memory, true))
                    .num("pods", spec.pods.value())
                    .raw("taints", json_string_list(taints));
                narrate("node " + spec.name + " joins the cluster with " +
                        kube::format_quantity(spec.cpu, false) + " CPU and " +
                        kube::format_quantity(spec.memory, true) + " memory");
                StepOutcome registered;
                auto created = client_.create(kube::refs::kNodes, cluster::node_object(spec));
                record(registered, "create", "Node/" + spec.name, created);
                if (created) {
                    sim::Json node = std::move(created).value();
                    node["status"] = cluster::node_status(spec, client_.now_rfc3339());
                    record(registered, "update", "Node/" + spec.name + "/status",
                           client_.update_status(kube::refs::kNodes, node));
                }
                for (const ApiCall& call : registered.calls)
                    trace_call(call);
                // Registering a node is building the cluster: a refusal there is a bug.
                if (registered.refused) {
                    throw std::runtime_error("cannot register node " + spec.name + ": " +
                                             registered.refusal);
                }
            }
        }
    }

    void trace_call(const ApiCall& call) {
        auto line = trace_->line(loop_.now(), "api");
        line.str("verb", call.verb).str("object", call.object).num("code", call.code);
        if (!call.resource_version.empty()) line.str("resourceVersion", call.resource_version);
        if (!call.uid.empty()) line.str("uid", call.uid);
        if (!call.reason.empty()) line.str("reason", call.reason).str("message", call.message);
        line.end();
        if (call.reason.empty()) {
            narrate("  the API server accepts: " + call.verb + " " + call.object + " (" +
                    std::to_string(call.code) + ", resourceVersion " + call.resource_version + ")");
        } else {
            narrate("  the API server answers " + std::to_string(call.code) + " " + call.reason +
                    ": " + call.message);
        }
    }

    void schedule_timeline() {
        // The loader sorted steps by `at`, ties in file order; the loop keeps that order.
        for (const TimelineStep& step : s_.timeline) {
            loop_.schedule_at(step.at, [this, &step] { run_step(step); });
        }
    }

    void run_step(const TimelineStep& step) {
        auto line = trace_->line(loop_.now(), "step");
        line.num("index", static_cast<std::uint64_t>(step.index));
        std::visit(
            Overloaded{
                [&](const ApplyStep& a) {
                    std::vector<std::string> objects;
                    for (const ManifestObject& o : manifests_.at(a.manifest).objects) {
                        objects.push_back(describe(o));
                    }
                    line.str("action", "apply")
                        .str("file", trace_path(s_, a.manifest))
                        .raw("objects", json_string_list(objects));
                    narrate("you apply " + trace_path(s_, a.manifest) + " (" +
                            std::to_string(objects.size()) + " object(s))");
                },
                [&](const PatchStep& p) {
                    line.str("action", "patch")
                        .str("object", format_object_ref(p.target))
                        .raw("merge", p.merge_json);
                    narrate("you patch " + format_object_ref(p.target));
                },
                [&](const ScaleStep& sc) {
                    line.str("action", "scale")
                        .str("object", format_object_ref(sc.target))
                        .num("replicas", sc.replicas);
                    narrate("you scale " + format_object_ref(sc.target) + " to " +
                            std::to_string(sc.replicas) + " replicas");
                },
                [&](const DeleteStep& d) {
                    line.str("action", "delete").str("kind", d.kind).str("namespace", d.namespace_);
                    if (d.name) line.str("name", *d.name);
                    if (d.selector) line.str("selector", *d.selector);
                    if (d.count) line.num("count", *d.count);
                    narrate("you delete " + d.kind +
                            (d.name ? " " + *d.name : " matching " + d.selector.value_or("")));
                },
                [&](const FaultStep& f) { trace_fault(line, step, f.fault); },
                [&](const DrainStep& d) {
                    line.str("action", "drain").str("node", d.node);
                    narrate("you drain node " + d.node);
                },
            },
            step.action);
        line.end();
        const StepOutcome outcome = perform(step);
        for (const ApiCall& call : outcome.calls)
            trace_call(call);
        judge(step, outcome);
    }

    StepOutcome perform(const TimelineStep& step) {
        return std::visit(Overloaded{
                              [&](const ApplyStep& a) {
                                  return apply_objects(client_, manifests_.at(a.manifest).objects);
                              },
                              [&](const PatchStep& p) { return patch_object(client_, p); },
                              [&](const ScaleStep& sc) { return scale_object(client_, sc); },
                              [&](const DeleteStep& d) {
                                  return delete_objects(client_, d,
                                                        streams_.get("timeline/delete"));
                              },
                              [&](const FaultStep& f) {
                                  start_fault(step.index, f.fault);
                                  return StepOutcome{};
                              },
                              [&](const DrainStep& d) { return start_drain(d); },
                          },
                          step.action);
    }

    // kubectl drain: cordon now, evictions now and retried every 5 s (drain.hpp).
    StepOutcome start_drain(const DrainStep& d) {
        drains_.push_back(std::make_unique<Drain>(
            client_, d.node, [this](const ApiCall& call) { trace_call(call); },
            [this](const std::string& s) { narrate(s); }));
        return drains_.back()->start();
    }

    // Faults on the control plane take effect here; the ones on nodes, kubelets and
    // containers arrive with the cluster layer and are traced only until then.
    void start_fault(std::size_t index, const Fault& fault) {
        if (std::holds_alternative<OperatorDownFault>(fault)) {
            operator_.reset();
            narrate("the Seldon operator is down: SeldonDeployments are not reconciled");
            return;
        }
        machines_->begin(index, fault);
    }

    void end_fault(std::size_t index, const std::string& what) {
        if (what == "operatorDown") {
            narrate("the Seldon operator is back and resyncs every SeldonDeployment");
            start_operator();
            return;
        }
        machines_->end(index);
    }

    // A refused step fails the run unless the scenario expected the refusal (and, when given,
    // its message matches errorMatches); an expected refusal that does not come fails it too.
    void judge(const TimelineStep& step, const StepOutcome& outcome) {
        if (outcome.refused) {
            if (!step.expect_error) {
                fail_step(step, "the API server refused this step: " + outcome.refusal);
            } else if (step.error_matches && !step.error_matches->search(outcome.refusal)) {
                fail_step(step, "the API server refused this step, but its message \"" +
                                    outcome.refusal + "\" does not match /" +
                                    step.error_matches->pattern + "/");
            }
            return;
        }
        if (step.expect_error) {
            fail_step(step, "expected the API server to refuse this step, but it was accepted");
        }
    }

    static void trace_victims(TraceWriter::Line& line, const std::string& ns,
                              const std::string& selector, int count) {
        line.str("namespace", ns).str("selector", selector).num("count", count);
    }

    void trace_fault(TraceWriter::Line& line, const TimelineStep& step, const Fault& fault) {
        line.str("action", "fault");
        std::optional<Nanos> lasts;
        std::string what;
        std::visit(
            Overloaded{
                [&](const PodKillFault& f) {
                    what = "podKill";
                    trace_victims(line.str("fault", what), f.namespace_, f.selector, f.count);
                },
                [&](const OomKillFault& f) {
                    what = "oomKill";
                    trace_victims(line.str("fault", what), f.namespace_, f.selector, f.count);
                },
                [&](const CrashLoopFault& f) {
                    what = "crashLoop";
                    line.str("fault", what).str("image", f.image);
                    lasts = f.for_duration;
                },
                [&](const ImagePullErrorFault& f) {
                    what = "imagePullError";
                    line.str("fault", what).str("image", f.image);
                    lasts = f.for_duration;
                },
                [&](const SlowFault& f) {
                    what = "slow";
                    line.str("fault", what)
                        .str("image", f.image)
                        .str("addLatency", format_duration(f.add_latency));
                    lasts = f.for_duration;
                },
                [&](const ErrorsFault& f) {
                    what = "errors";
                    line.str("fault", what).str("image", f.image).real("rate", f.rate);
                    lasts = f.for_duration;
                },
                [&](const OperatorDownFault& f) {
                    what = "operatorDown";
                    line.str("fault", what);
                    lasts = f.for_duration;
                },
                [&](const NodeDownFault& f) {
                    what = "nodeDown";
                    line.str("fault", what).str("node", f.node);
                    lasts = f.for_duration;
                },
            },
            fault);
        if (lasts) line.str("for", format_duration(*lasts));
        narrate("fault " + what + " begins" + (lasts ? " for " + format_duration(*lasts) : ""));
        if (lasts) {
            const std::size_t index = step.index;
            loop_.schedule_after(*lasts, [this, index, what] {
                trace_->line(loop_.now(), "fault.end")
                    .num("index", static_cast<std::uint64_t>(index))
                    .str("fault", what);
                narrate("fault " + what + " ends");
                end_fault(index, what);
            });
        }
    }

    void fail_step(const TimelineStep& step, const std::string& message) {
        result_.step_failures.push_back({step.index, loop_.now(), message, step.where});
        trace_->line(loop_.now(), "step.failed")
            .num("index", static_cast<std::uint64_t>(step.index))
            .str("message", message);
    }

    // Advances instant by instant: after all events of an instant ran, the expectations look.
    // An instant before the next one an open expectation looks at skips observe(), which would
    // do nothing there (the first instant always looks: it makes the observer).
    void simulate() {
        Nanos look = std::numeric_limits<Nanos>::min();
        for (;;) {
            const Nanos next = loop_.next_time();
            if (next < 0 || next > s_.duration) break;
            loop_.run_until(next);
            if (loop_.now() >= look) {
                expectations_->observe(loop_.now(), observer(), *trace_, api_.revision());
                look = expectations_->next_look(loop_.now() + 1);
            }
            progress_.update(loop_.now(), loop_.executed());
        }
        loop_.run_until(s_.duration);
        expectations_->observe(loop_.now(), observer(), *trace_);
        expectations_->close(s_.duration, *trace_);
        progress_.finish();
    }

    // Driven (`serve`, `replay`): the driver says how far to go; the run goes on past
    // `duration`, where the expectations close. The expectations look after each instant at
    // which the simulation itself did something (events other than deliveries to HTTP
    // watchers, or a write), so a replay without those watchers sees the same instants.
    void simulate_driven() {
        RunDriver& driver = *options_.driver;
        driver.attach_requests(machines_->requests());
        driver.attach(loop_, api_, *trace_);
        bool closed = false;
        std::uint64_t seen_events = internal_events();
        std::uint64_t seen_revision = api_.revision();
        const auto look = [&] {
            if (internal_events() == seen_events && api_.revision() == seen_revision) return;
            seen_events = internal_events();
            seen_revision = api_.revision();
            expectations_->observe(loop_.now(), observer(), *trace_);
        };
        const auto close = [&] {
            loop_.run_until(s_.duration);
            expectations_->observe(loop_.now(), observer(), *trace_);
            expectations_->close(s_.duration, *trace_);
            closed = true;
        };
        while (const std::optional<Nanos> until = driver.advance_to(loop_.next_time())) {
            look();  // after the inputs the driver injected at now()
            for (Nanos next = loop_.next_time(); next >= 0 && next <= *until;
                 next = loop_.next_time()) {
                if (!closed && next > s_.duration) close();
                loop_.run_until(next);
                if (!closed) look();
            }
            if (!closed && *until >= s_.duration) close();
            loop_.run_until(*until);
        }
        if (!closed) expectations_->close(loop_.now(), *trace_);
        driver.detach();
    }

    std::uint64_t internal_events() const {
        return loop_.executed() - api_.external_watch_events();
    }

    // Built once: the runner looks after every instant.
    const Observer& observer() {
        if (!observer_) {
            observer_ = with_metrics(make_cluster_observer(client_),
                                     machines_ ? machines_->requests() : nullptr, client_);
        }
        return *observer_;
    }

    void finish() {
        result_.expectations = expectations_->results();
        result_.events = loop_.executed() - api_.external_watch_events();
        // Everything but the scenario's own steps (client_, "kubectl") is a controller.
        result_.invalid_controller_writes = api_.invalid_client_writes() - client_.invalid_writes();
        const bool failed = !result_.step_failures.empty() ||
                            std::any_of(result_.expectations.begin(), result_.expectations.end(),
                                        [](const ExpectationResult& e) { return !e.passed; });
        result_.exit_code = failed ? 1 : 0;
        trace_->line(loop_.now(), "run.end")
            .num("events", result_.events)
            .num("expectationsFailed", static_cast<std::uint64_t>(std::count_if(
                                           result_.expectations.begin(), result_.expectations.end(),
                                           [](const ExpectationResult& e) { return !e.passed; })))
            .num("stepsFailed", static_cast<std::uint64_t>(result_.step_failures.size()))
            .num("exitCode", result_.exit_code);
        result_.trace_lines = trace_->lines();
        result_.trace_sha256 = trace_->sha256_hex();
        trace_file_.close();
        if (options_.out_dir) {
            write_file(
                *options_.out_dir / "summary.txt",
                format_summary(s_, result_) + "trace sha256: " + result_.trace_sha256 + "\n");
            write_file(*options_.out_dir / "junit.xml", format_junit(s_, result_));
            write_file(
                *options_.out_dir / "report.html",
                format_report_file(report_header(s_, result_), *options_.out_dir / "trace.jsonl"));
        }
    }

    void write_file(const fs::path& path, const std::string& text) {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out) err_ << "sim-run: cannot write " << path.string() << "\n";
    }

    const Scenario& s_;
    const RunOptions& options_;
    std::ostream& err_;
    std::uint64_t seed_;
    EventLoop loop_;
    kernel::RandomStreams streams_;
    kube::ApiServer api_;
    kube::Client client_;
    kube::Client operator_client_;
    kube::Client controller_manager_client_;
    Progress progress_;
    std::map<fs::path, ManifestLoad> manifests_;
    std::ofstream trace_file_;
    TraceWriter* trace_ = nullptr;
    std::optional<ExpectationTracker> expectations_;
    std::optional<ClusterTrace> cluster_trace_;
    std::optional<controller::Manager> operator_;  // the seldon-controller-manager process
    std::optional<cluster::MetricsServer> metrics_;
    std::optional<controller::Manager> controllers_;
    std::optional<kube::GarbageCollector> garbage_collector_;
    std::optional<ClusterRuntime> machines_;
    std::vector<std::unique_ptr<Drain>> drains_;
    std::optional<Observer> observer_;
    RunResult result_;
};

}  // namespace

RunResult run_scenario(const Scenario& scenario, const RunOptions& options, std::ostream& err) {
    return Run(scenario, options, err).execute();
}

}  // namespace sim::scenario
