// sim-run serve [SCENARIO] [--listen HOST:PORT] [--speed X] [--seed N] [--out DIR]: runs a
// simulation paced against the wall clock and serves its Kubernetes API over HTTP.
//
// The only place the wall clock exists. A Boost.Asio steady_timer paces virtual time: the run
// may advance to (wall time since start) x speed; between events the thread sleeps on the
// timer, and an HTTP request (the face's wake callback posts to the io_context) or a signal
// wakes it. Requests are answered at the current virtual instant; writes are recorded as
// `input` lines (session.hpp), so `sim-run replay` can run the session again.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>

#include "sim/cli/command.hpp"
#include "sim/cli/scenario_args.hpp"
#include "sim/cli/session.hpp"
#include "sim/cluster/live_gateway.hpp"
#include "sim/cluster/prometheus_metrics.hpp"
#include "sim/kube/http_face.hpp"
#include "sim/scenario/loader.hpp"
#include "sim/scenario/run_driver.hpp"
#include "sim/scenario/runner.hpp"

namespace sim::cli {
namespace {

using Clock = std::chrono::steady_clock;
using kernel::Nanos;

constexpr std::string_view kHelp =
    "Usage: sim-run serve [SCENARIO] [--listen HOST:PORT] [--speed X] [--seed N] [--out DIR]\n"
    "                     [--start-time now|RFC3339]\n"
    "\n"
    "Runs a simulation with virtual time paced against the wall clock and serves its\n"
    "Kubernetes API over HTTP, so the real kubectl (or any client) can watch the cluster and\n"
    "change it while it runs. With a SCENARIO file the run builds its cluster and plays its\n"
    "timeline; without one it runs the default cluster: three nodes (4 CPU, 16Gi, 110 pods\n"
    "each) with Seldon Core installed and nothing applied. The run goes on past the\n"
    "scenario's duration (its expectations are decided there) until you stop it with Ctrl-C\n"
    "or SIGTERM; it then writes its outputs and prints the trace's SHA-256.\n"
    "\n"
    "Every write that arrives (POST, PUT, PATCH, DELETE) is applied at the current virtual\n"
    "instant and recorded in the trace as an `input` line; `sim-run replay DIR/trace.jsonl`\n"
    "runs the session again without a network and reaches the same trace.\n"
    "\n"
    "Options:\n"
    "  --listen HOST:PORT  where to listen (default 127.0.0.1:8001; port 0 picks a free one).\n"
    "                      There is no authentication and no TLS: keep it on 127.0.0.1.\n"
    "  --speed X           virtual seconds per wall-clock second (default 1; 10 runs ten\n"
    "                      times faster than real time, 0.5 at half speed)\n"
    "  --seed N            use seed N instead of the scenario's spec.seed\n"
    "  --out DIR           write DIR/trace.jsonl, DIR/summary.txt, DIR/junit.xml at the end\n"
    "  --start-time T      virtual time 0 is T: `now` (the wall clock) or an RFC 3339 time\n"
    "                      (default: the scenario's startTime). With `now` and --speed 1 the\n"
    "                      ages kubectl computes itself (describe's events) read right\n"
    "\n"
    "It is also the Seldon gateway, as Istio routes it: POST\n"
    "/seldon/<ns>/<name>/api/v1.0/predictions (and /feedback) goes through the simulated\n"
    "cluster and the real model and is answered when the simulated response completes;\n"
    "GET /metrics serves the executors' Prometheus metrics. Both kinds of POST are recorded\n"
    "as inputs too (docs/serve.md).\n"
    "\n"
    "Request bodies above 3 MiB are refused with 413 RequestEntityTooLarge.\n"
    "\n"
    "Example:\n"
    "  $ sim-run serve --speed 10 --out session/ &\n"
    "  sim-run serve: serving serve-default on http://127.0.0.1:8001 (speed 10)\n"
    "  $ kubectl --server http://127.0.0.1:8001 apply -f fixtures/manifests/namespace.yaml\n"
    "  $ kubectl --server http://127.0.0.1:8001 apply -f fixtures/manifests/sentiment-v1.yaml\n"
    "  $ kubectl --server http://127.0.0.1:8001 get pods -n seldon -w\n"
    "  $ kill -INT %1          # or Ctrl-C in its terminal\n"
    "  $ sim-run replay session/trace.jsonl\n"
    "\n"
    "See docs/kubectl.md for a whole session. Exit codes: 0 stopped and every expectation\n"
    "held, 1 an expectation or step failed or the address could not be bound, 2 bad input.\n";

struct ServeArgs {
    std::string file;  // "" : the default cluster
    std::string host = "127.0.0.1";
    int port = 8001;
    double speed = 1;
    std::optional<std::uint64_t> seed;
    std::optional<std::filesystem::path> out_dir;
    std::optional<std::int64_t> start_unix_nanos;  // --start-time
};

// --start-time now|RFC3339: "now" is the wall clock, whole seconds (recorded in run.start's
// startTime, which replay reads back).
std::optional<std::string> parse_start_time(const std::string& v, ServeArgs& out) {
    if (v == "now") {
        const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
        out.start_unix_nanos = static_cast<std::int64_t>(seconds.count()) * 1'000'000'000LL;
        return std::nullopt;
    }
    std::string error;
    const auto t = kernel::parse_rfc3339_unix_nanos(v, &error);
    if (!t)
        return "--start-time: expected now or an RFC 3339 time such as 2025-01-01T00:00:00Z, got "
               "\"" +
               v + "\"";
    // run.start prints whole seconds, and replay reads the time back from there.
    if (*t % 1'000'000'000LL != 0) return "--start-time: use whole seconds, got \"" + v + "\"";
    out.start_unix_nanos = *t;
    return std::nullopt;
}

std::optional<std::string> parse_listen(const std::string& v, ServeArgs& out) {
    const std::size_t colon = v.rfind(':');
    if (colon == std::string::npos || colon == 0)
        return "--listen: expected HOST:PORT such as 127.0.0.1:8001, got \"" + v + "\"";
    const std::string port = v.substr(colon + 1);
    int n = -1;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (ec != std::errc{} || end != port.data() + port.size() || n < 0 || n > 65535)
        return "--listen: the port must be an integer from 0 to 65535, got \"" + port + "\"";
    out.host = v.substr(0, colon);
    out.port = n;
    return std::nullopt;
}

std::optional<std::string> parse_speed(const std::string& v, ServeArgs& out) {
    double x = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc{} || end != v.data() + v.size() || !std::isfinite(x) || x <= 0 || x > 1e6)
        return "--speed: expected a positive number of virtual seconds per second (at most "
               "1e6), got \"" +
               v + "\"";
    out.speed = x;
    return std::nullopt;
}

std::optional<std::string> parse_serve_args(std::span<const std::string> args, ServeArgs& out) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const bool has_value = i + 1 < args.size();
        if (a == "--listen" || a == "--speed" || a == "--seed" || a == "--out" ||
            a == "--start-time") {
            if (!has_value) return a + " needs a value";
            const std::string& v = args[++i];
            std::optional<std::string> error;
            if (a == "--listen") error = parse_listen(v, out);
            if (a == "--speed") error = parse_speed(v, out);
            if (a == "--start-time") error = parse_start_time(v, out);
            if (a == "--out") out.out_dir = v;
            if (a == "--seed") {
                std::uint64_t seed = 0;
                const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seed);
                if (ec != std::errc{} || end != v.data() + v.size())
                    return "--seed: expected a non-negative integer, got \"" + v + "\"";
                out.seed = seed;
            }
            if (error) return error;
        } else if (a.starts_with("-")) {
            return "unknown option " + a;
        } else if (!out.file.empty()) {
            return "expected at most one SCENARIO file, got a second: " + a;
        } else {
            out.file = a;
        }
    }
    return std::nullopt;
}

bool is_loopback(const std::string& host) {
    return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.starts_with("127.");
}

class ServeDriver final : public scenario::RunDriver {
  public:
    ServeDriver(const ServeArgs& args, std::string scenario_name)
        : args_(args),
          scenario_name_(std::move(scenario_name)),
          signals_(io_, SIGINT, SIGTERM),
          timer_(io_) {
        signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
            if (!ec) stop_signal_ = signal;
        });
    }

    void annotate_start(kernel::TraceWriter::Line& line) override {
        SessionStart start;
        start.scenario_file = args_.file;
        start.speed = args_.speed;
        start.gateway = true;
        annotate_session_start(line, start);
    }

    bool wants_request_path() const override { return true; }

    void attach_requests(cluster::RequestPath* requests) override {
        if (!requests) return;
        requests->set_executor_metrics(&executor_metrics_);
        gateway_ = std::make_unique<cluster::LiveGateway>(*requests, &executor_metrics_);
    }

    void attach(kernel::EventLoop& loop, kube::ApiServer& api,
                kernel::TraceWriter& trace) override {
        loop_ = &loop;
        trace_ = &trace;
        kube::HttpFaceOptions options;
        options.router.server_address = args_.host + ":" + std::to_string(args_.port);
        face_ = std::make_unique<kube::HttpFace>(api, options);
        face_->set_request_observer([this](const kube::HttpRequest& r) {
            if (!is_input(r)) return;
            record_input(*loop_, *trace_, r, encode_query(r.query));
            ++inputs_;
        });
        // The Seldon gateway: predictions are answered when their simulated response completes.
        face_->set_interceptor([this](const kube::HttpRequest& r, kube::HttpFace::Respond respond) {
            if (!gateway_ || !cluster::LiveGateway::handles(r.path)) return false;
            cluster::GatewayRequestHeaders headers;
            headers.seldon_puid = r.header("Seldon-Puid");
            headers.cloudevent = r.header("Ce-Specversion").has_value();
            gateway_->handle(
                r.method, r.path, r.body,
                [respond = std::move(respond)](cluster::GatewayResponse g) {
                    kube::HttpResponse out;
                    out.status = g.status;
                    out.content_type = std::move(g.content_type);
                    out.body = std::move(g.body);
                    out.headers = std::move(g.headers);
                    respond(std::move(out));
                },
                headers);
            return true;
        });
        face_->set_wake_callback([this] { boost::asio::post(io_, [] {}); });
        bound_port_ = face_->start(args_.host, args_.port);
        if (bound_port_ < 0) return;
        std::cout << "sim-run serve: serving " << scenario_name_ << " on http://" << args_.host
                  << ":" << bound_port_ << " (speed " << args_.speed
                  << "); Ctrl-C or SIGTERM stops it" << std::endl;
        if (!is_loopback(args_.host))
            std::cerr << "sim-run serve: warning: listening on " << args_.host
                      << " without authentication or TLS\n";
        wall_origin_ = Clock::now();
        virtual_origin_ = loop.now();
    }

    std::optional<Nanos> advance_to(Nanos next_event) override {
        if (bound_port_ < 0) return std::nullopt;
        poll();
        if (stop_signal_ != 0) return std::nullopt;
        const Nanos now = loop_->now();
        if (face_->wait_for_work(std::chrono::milliseconds(0))) {
            // One batch per instant: a replay injects an instant's inputs together.
            if (now > last_pump_) {
                face_->pump();
                last_pump_ = now;
                return now;  // run what the writes set off at this instant
            }
            return std::max(paced(), now + 1);
        }
        const Nanos target = std::max(now, paced());
        if (next_event >= 0 && next_event <= target) return target;
        Clock::time_point deadline = Clock::now() + kIdleWait;
        if (next_event >= 0) deadline = std::min(deadline, wall_time_of(next_event));
        wait_until(deadline);
        return std::max(now, paced());
    }

    void detach() override {
        if (face_) face_->stop();
        gateway_.reset();  // the request path goes away with the run
        if (stop_signal_ != 0 && loop_) {
            std::cout << "sim-run serve: " << (stop_signal_ == SIGINT ? "SIGINT" : "SIGTERM")
                      << " at virtual " << kernel::format_offset(loop_->now()) << ": stopping; "
                      << inputs_ << " write(s) recorded" << std::endl;
        }
    }

    bool listen_failed() const { return bound_port_ < 0; }

  private:
    // The longest sleep without looking at the inbox and the signals (both also wake it).
    static constexpr std::chrono::milliseconds kIdleWait{200};

    void poll() {
        if (io_.stopped()) io_.restart();
        io_.poll();
    }

    // Sleeps on the steady_timer until `deadline`, or less when a request or signal arrives.
    void wait_until(Clock::time_point deadline) {
        if (io_.stopped()) io_.restart();
        bool fired = false;
        timer_.expires_at(deadline);
        timer_.async_wait([&fired](const boost::system::error_code&) { fired = true; });
        io_.run_one();
        if (fired) return;
        timer_.cancel();
        while (!fired && io_.run_one() > 0) {
        }
    }

    // The virtual instant the wall clock allows now.
    Nanos paced() const {
        const auto wall = std::chrono::duration<double, std::nano>(Clock::now() - wall_origin_);
        return virtual_origin_ + static_cast<Nanos>(wall.count() * args_.speed);
    }

    Clock::time_point wall_time_of(Nanos virtual_instant) const {
        const double wall_ns = static_cast<double>(virtual_instant - virtual_origin_) / args_.speed;
        if (wall_ns > 1e15) return Clock::time_point::max();  // beyond any idle wait
        return wall_origin_ + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double, std::nano>(wall_ns));
    }

    ServeArgs args_;
    std::string scenario_name_;
    boost::asio::io_context io_;
    boost::asio::signal_set signals_;
    boost::asio::steady_timer timer_;
    int stop_signal_ = 0;
    kernel::EventLoop* loop_ = nullptr;
    kernel::TraceWriter* trace_ = nullptr;
    cluster::ExecutorMetrics executor_metrics_;
    std::unique_ptr<cluster::LiveGateway> gateway_;  // before face_: the face calls into it
    std::unique_ptr<kube::HttpFace> face_;
    int bound_port_ = -1;
    Clock::time_point wall_origin_{};
    Nanos virtual_origin_ = 0;
    Nanos last_pump_ = -1;
    std::uint64_t inputs_ = 0;
};

int serve_main(std::span<const std::string> args) {
    ServeArgs parsed;
    if (const auto error = parse_serve_args(args, parsed))
        return usage_error(kServeCommand, *error);
    std::optional<scenario::Scenario> loaded;
    if (parsed.file.empty()) {
        auto result = scenario::load_scenario_text(kDefaultClusterYaml, kDefaultClusterName);
        if (!result.ok()) throw std::logic_error("the built-in default cluster does not load");
        loaded = std::move(result.scenario);
    } else {
        loaded = load_or_report(parsed.file);
        if (!loaded) return kExitBadInput;
    }

    if (parsed.start_unix_nanos) loaded->start_time_unix_nanos = *parsed.start_unix_nanos;
    ServeDriver driver(parsed, loaded->metadata.name);
    const auto run = run_session(*loaded, parsed.seed, parsed.out_dir, driver);
    if (!run) return kExitBadInput;
    const scenario::RunResult& result = *run;
    if (driver.listen_failed()) {
        std::cerr << "sim-run serve: cannot listen on " << parsed.host << ":" << parsed.port
                  << " (is the port in use? --listen 127.0.0.1:0 picks a free one)\n";
        return kExitExpectationFailed;
    }
    std::cout << scenario::format_summary(*loaded, result);
    if (parsed.out_dir)
        std::cout << "wrote " << parsed.out_dir->string()
                  << "/{trace.jsonl,summary.txt,junit.xml}\n";
    std::cout << "trace sha256: " << result.trace_sha256 << "\n";
    return result.exit_code;
}

}  // namespace

extern const Command kServeCommand{"serve", "run a simulation paced in real time; serve its API",
                                   kHelp, serve_main};

}  // namespace sim::cli
