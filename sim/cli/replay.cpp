// sim-run replay TRACE [--out DIR] [--scenario FILE]: runs a served session again from its
// trace, injecting each recorded write at its recorded instant, and checks that the new trace
// is byte-identical to the recorded one.
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "sim/cli/command.hpp"
#include "sim/cli/scenario_args.hpp"
#include "sim/cli/session.hpp"
#include "sim/cluster/live_gateway.hpp"
#include "sim/kube/http_router.hpp"
#include "sim/scenario/loader.hpp"
#include "sim/scenario/run_driver.hpp"
#include "sim/scenario/runner.hpp"

namespace sim::cli {
namespace {

using kernel::Nanos;

constexpr std::string_view kHelp =
    "Usage: sim-run replay TRACE [--out DIR] [--scenario FILE]\n"
    "\n"
    "Runs a session recorded by `sim-run serve` again, with no network and no wall clock:\n"
    "the same scenario (the path recorded in run.start's scenarioFile, or the built-in\n"
    "default cluster) and seed, each recorded write (the trace's `input` lines) applied at\n"
    "its recorded virtual instant, up to the instant the session was stopped. The simulation\n"
    "is deterministic, so the new trace must be byte-identical to TRACE; replay says whether\n"
    "it is and, with --out, where the two first differ.\n"
    "\n"
    "Options:\n"
    "  --out DIR        write the replay's DIR/trace.jsonl, summary.txt, junit.xml\n"
    "  --scenario FILE  read the scenario from FILE instead of the recorded path (when the\n"
    "                   session was served from another folder); the trace still names the\n"
    "                   recorded path\n"
    "\n"
    "Example:\n"
    "  $ sim-run serve scenarios/hello-cluster.yaml --out session/     # kubectl..., Ctrl-C\n"
    "  $ sim-run replay session/trace.jsonl\n"
    "  replayed 12 input(s) up to 00:03:41.517\n"
    "  trace sha256: 9b2f...\n"
    "  identical to the recorded trace\n"
    "\n"
    "Exit codes: 0 the replay reproduced the trace, 1 it diverged, 2 bad input.\n";

class ReplayDriver final : public scenario::RunDriver {
  public:
    explicit ReplayDriver(const Session& session) : session_(session) {}

    void annotate_start(kernel::TraceWriter::Line& line) override {
        annotate_session_start(line, session_.start);
    }

    bool wants_request_path() const override { return session_.start.gateway; }

    void attach_requests(cluster::RequestPath* requests) override {
        if (requests && session_.start.gateway)
            gateway_ = std::make_unique<cluster::LiveGateway>(*requests, nullptr);
    }

    void attach(kernel::EventLoop& loop, kube::ApiServer& api,
                kernel::TraceWriter& trace) override {
        loop_ = &loop;
        trace_ = &trace;
        router_ = std::make_unique<kube::HttpRouter>(api);
    }

    std::optional<Nanos> advance_to(Nanos) override {
        const Nanos now = loop_->now();
        bool injected = false;
        while (next_ < session_.inputs.size() && session_.inputs[next_].t <= now) {
            const SessionInput& input = session_.inputs[next_++];
            record_input(*loop_, *trace_, input.request, input.query);
            const kube::HttpRequest& r = input.request;
            if (gateway_ && cluster::LiveGateway::handles(r.path))
                gateway_->handle(r.method, r.path, r.body, [](cluster::GatewayResponse) {});
            else
                router_->handle(r);  // what it answered is in the store, not the trace
            injected = true;
        }
        if (injected) return now;
        if (next_ < session_.inputs.size()) return session_.inputs[next_].t;
        if (now >= session_.end) return std::nullopt;
        return session_.end;
    }

    void detach() override {
        router_.reset();
        gateway_.reset();
    }

    std::size_t injected() const { return next_; }

  private:
    const Session& session_;
    kernel::EventLoop* loop_ = nullptr;
    kernel::TraceWriter* trace_ = nullptr;
    std::unique_ptr<kube::HttpRouter> router_;
    std::unique_ptr<cluster::LiveGateway> gateway_;
    std::size_t next_ = 0;
};

struct ReplayArgs {
    std::string trace;
    std::optional<std::filesystem::path> out_dir;
    std::optional<std::string> scenario;
};

std::optional<std::string> parse_replay_args(std::span<const std::string> args, ReplayArgs& out) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--out" || a == "--scenario") {
            if (i + 1 >= args.size()) return a + " needs a value";
            if (a == "--out")
                out.out_dir = args[++i];
            else
                out.scenario = args[++i];
        } else if (a.starts_with("-")) {
            return "unknown option " + a;
        } else if (!out.trace.empty()) {
            return "expected one TRACE file, got a second: " + a;
        } else {
            out.trace = a;
        }
    }
    if (out.trace.empty()) return "expected a TRACE file (DIR/trace.jsonl from sim-run serve)";
    return std::nullopt;
}

// The first line at which two traces differ (1-based), for the divergence message.
std::size_t first_difference(const std::string& a, const std::string& b, std::string& left,
                             std::string& right) {
    std::istringstream x(a), y(b);
    std::size_t line = 0;
    for (;;) {
        ++line;
        const bool more_x = static_cast<bool>(std::getline(x, left));
        const bool more_y = static_cast<bool>(std::getline(y, right));
        if (!more_x) left = "(end of file)";
        if (!more_y) right = "(end of file)";
        if (!more_x && !more_y) return 0;
        if (!more_x || !more_y || left != right) return line;
    }
}

std::optional<scenario::Scenario> scenario_of(const Session& session, const ReplayArgs& args) {
    const std::string file = args.scenario.value_or(session.start.scenario_file);
    if (!file.empty()) return load_or_report(file);
    auto result = scenario::load_scenario_text(kDefaultClusterYaml, kDefaultClusterName);
    if (!result.ok()) throw std::logic_error("the built-in default cluster does not load");
    return std::move(result.scenario);
}

int replay_main(std::span<const std::string> args) {
    ReplayArgs parsed;
    if (const auto error = parse_replay_args(args, parsed))
        return usage_error(kReplayCommand, *error);
    const std::optional<Session> session = read_session(parsed.trace, std::cerr);
    if (!session) return kExitBadInput;
    std::optional<scenario::Scenario> loaded = scenario_of(*session, parsed);
    if (!loaded) {
        std::cerr << "sim-run replay: the scenario recorded in " << parsed.trace
                  << " cannot be loaded; run replay from the folder serve ran in, or pass "
                     "--scenario FILE\n";
        return kExitBadInput;
    }

    // serve may have moved virtual time 0 (--start-time); the trace says where.
    loaded->start_time_unix_nanos = session->start.start_unix_nanos;
    ReplayDriver driver(*session);
    const auto run = run_session(*loaded, session->start.seed, parsed.out_dir, driver);
    if (!run) return kExitBadInput;
    const scenario::RunResult& result = *run;
    std::cout << "replayed " << driver.injected() << " input(s) up to "
              << kernel::format_offset(session->end) << "\n";
    std::cout << "trace sha256: " << result.trace_sha256 << "\n";
    if (result.trace_sha256 == session->sha256) {
        std::cout << "identical to the recorded trace\n";
        return kExitOk;
    }
    std::cout << "DIVERGED from the recorded trace (sha256 " << session->sha256 << ")\n";
    if (parsed.out_dir) {
        std::ifstream in(*parsed.out_dir / "trace.jsonl", std::ios::binary);
        std::ostringstream replayed;
        replayed << in.rdbuf();
        std::string recorded_line, replayed_line;
        const std::size_t line =
            first_difference(session->text, replayed.str(), recorded_line, replayed_line);
        std::cout << "first difference at line " << line << ":\n  recorded: " << recorded_line
                  << "\n  replayed: " << replayed_line << "\n";
    } else {
        std::cout << "run again with --out DIR to see the first line that differs\n";
    }
    return kExitExpectationFailed;
}

}  // namespace

extern const Command kReplayCommand{"replay", "re-run a served session from its trace", kHelp,
                                    replay_main};

}  // namespace sim::cli
