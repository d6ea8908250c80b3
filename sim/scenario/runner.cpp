#include "sim/scenario/runner.hpp"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <variant>

#include "sim/kernel/event_loop.hpp"
#include "sim/kernel/random.hpp"
#include "sim/kernel/trace.hpp"
#include "sim/scenario/expectations.hpp"
#include "sim/scenario/manifest.hpp"
#include "sim/scenario/outputs.hpp"
#include "sim/scenario/progress.hpp"

namespace sim::scenario {
namespace {

namespace fs = std::filesystem;
using kernel::EventLoop;
using kernel::format_duration;
using kernel::format_offset;
using kernel::Nanos;
using kernel::TraceWriter;

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

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

        trace_start();
        build_nodes();
        schedule_timeline();
        for (const Nanos t : expectations_->checkpoints(s_.duration)) {
            loop_.schedule_at(t, [] {});  // stop here so expectations see this instant
        }
        simulate();
        finish();
        return std::move(result_);
    }

  private:
    void load_manifests() {
        for (const TimelineStep& step : s_.timeline) {
            const auto* apply = std::get_if<ApplyStep>(&step.action);
            if (!apply || manifests_.count(apply->manifest)) continue;
            ManifestLoad load = load_manifest(apply->manifest);
            for (const Diagnostic& d : load.diagnostics)
                result_.input_errors.push_back(d);
            manifests_.emplace(apply->manifest, std::move(load));
        }
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
        trace_->line(0, "run.start")
            .str("scenario", s_.metadata.name)
            .num("seed", seed_)
            .str("duration", format_duration(s_.duration))
            .str("startTime", kernel::format_rfc3339(s_.start_time_unix_nanos));
    }

    void build_nodes() {
        for (const NodeGroup& group : s_.cluster.nodes) {
            for (int i = 1; i <= group.count; ++i) {
                const std::string name = group.node_name(i);
                std::vector<std::string> taints;
                for (const Taint& t : group.taints) {
                    taints.push_back(t.key + (t.value.empty() ? "" : "=" + t.value) + ":" +
                                     std::string(to_string(t.effect)));
                }
                trace_->line(0, "node.add")
                    .str("node", name)
                    .str("cpu", kube::format_quantity(group.capacity.cpu, false))
                    .str("memory", kube::format_quantity(group.capacity.memory, true))
                    .num("pods", group.capacity.pods.value())
                    .raw("taints", json_string_list(taints));
                narrate("node " + name + " joins the cluster with " +
                        kube::format_quantity(group.capacity.cpu, false) + " CPU and " +
                        kube::format_quantity(group.capacity.memory, true) + " memory");
            }
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
        if (step.expect_error) {
            // Nothing in this build can refuse a step (the API server arrives with its issue),
            // so a step that must be refused fails the run, as the contract says.
            fail_step(step, "expected the API server to refuse this step, but it was accepted");
        }
    }

    void trace_fault(TraceWriter::Line& line, const TimelineStep& step, const Fault& fault) {
        line.str("action", "fault");
        std::optional<Nanos> lasts;
        std::string what;
        std::visit(Overloaded{
                       [&](const PodKillFault& f) {
                           what = "podKill";
                           line.str("fault", what)
                               .str("namespace", f.namespace_)
                               .str("selector", f.selector)
                               .num("count", f.count);
                       },
                       [&](const OomKillFault& f) {
                           what = "oomKill";
                           line.str("fault", what)
                               .str("namespace", f.namespace_)
                               .str("selector", f.selector)
                               .num("count", f.count);
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
    void simulate() {
        for (;;) {
            const Nanos next = loop_.next_time();
            if (next < 0 || next > s_.duration) break;
            loop_.run_until(next);
            expectations_->observe(loop_.now(), observer(), *trace_);
            progress_.update(loop_.now(), loop_.executed());
        }
        loop_.run_until(s_.duration);
        expectations_->observe(loop_.now(), observer(), *trace_);
        expectations_->close(s_.duration, *trace_);
        progress_.finish();
    }

    Observer observer() {
        return [](const Subject& subject, const When&) -> Observation {
            return std::visit(
                Overloaded{
                    [](const ObjectFieldSubject&) {
                        return Observation::cannot(
                            "objects need the API server, not in this build yet");
                    },
                    [](const CountSubject&) {
                        return Observation::cannot(
                            "counting objects needs the API server, not in this build yet");
                    },
                    [](const MetricSubject& m) {
                        return Observation::cannot(
                            "metric " + m.name + " needs the request path, not in this build yet");
                    },
                    [](const EventSubject&) {
                        return Observation::cannot(
                            "Events need the API server, not in this build yet");
                    },
                },
                subject);
        };
    }

    void finish() {
        result_.expectations = expectations_->results();
        result_.events = loop_.executed();
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
    Progress progress_;
    std::map<fs::path, ManifestLoad> manifests_;
    std::ofstream trace_file_;
    TraceWriter* trace_ = nullptr;
    std::optional<ExpectationTracker> expectations_;
    RunResult result_;
};

}  // namespace

RunResult run_scenario(const Scenario& scenario, const RunOptions& options, std::ostream& err) {
    return Run(scenario, options, err).execute();
}

}  // namespace sim::scenario
