// `sim-run bench kernel`: the event loop's throughput under the classic hold model.
//
// Hold model (Vaucher & Duval, 1975): fill the queue with N events, then repeatedly run the
// earliest and schedule one replacement at now + an exponential increment, so the queue keeps
// N pending. Reports events per second of wall time (the one place a wall clock is allowed:
// it measures the simulator, it never feeds it).
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "sim/cli/bench_api.hpp"
#include "sim/cli/command.hpp"
#include "sim/kernel/event_loop.hpp"
#include "sim/kernel/random.hpp"

namespace sim::cli {
namespace {

using kernel::EventLoop;
using kernel::Nanos;
using kernel::Random;

struct HoldResult {
    std::size_t pending;
    std::uint64_t events;
    double seconds;
};

// The replacement event reschedules itself through this functor, keeping the queue size fixed.
struct Hold {
    EventLoop* loop;
    Random* random;
    std::uint64_t* remaining;
    void operator()() const {
        if (*remaining == 0) return;
        --*remaining;
        const auto delay = static_cast<Nanos>(random->exponential(1'000'000.0)) + 1;
        loop->schedule_after(delay, Hold{*this});
    }
};

HoldResult hold(std::size_t pending, std::uint64_t events) {
    EventLoop loop(EventLoop::kMaxPendingLimit);
    Random random = Random::stream(1, "bench");
    std::uint64_t remaining = events;
    for (std::size_t i = 0; i < pending; ++i) {
        const auto at =
            static_cast<Nanos>(random.exponential(1'000'000.0 * static_cast<double>(pending)));
        loop.schedule_at(at, Hold{&loop, &random, &remaining});
    }
    const auto start = std::chrono::steady_clock::now();
    const std::uint64_t before = loop.executed();
    while (remaining > 0 && loop.step()) {
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return {pending, loop.executed() - before, seconds};
}

std::optional<std::uint64_t> parse_count(const std::string& text) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return n;
}

}  // namespace

// bench_cluster.cpp: `sim-run bench cluster [--nodes N] [--pods P] [--hold S]`.
int bench_cluster(std::span<const std::string> args);

namespace {

int bench_main(std::span<const std::string> args) {
    if (!args.empty() && args[0] == "cluster") return bench_cluster(args.subspan(1));
    if (!args.empty() && args[0] == "api") return bench_api(args.subspan(1));
    if (args.empty() || args[0] != "kernel") {
        return usage_error(kBenchCommand, "expected a target: kernel, cluster or api");
    }
    std::uint64_t events = 10'000'000;
    std::vector<std::size_t> pendings{1'000, 100'000, 1'000'000};
    for (std::size_t i = 1; i < args.size(); ++i) {
        const bool has_value = i + 1 < args.size();
        if (args[i] == "--events" && has_value) {
            const auto n = parse_count(args[++i]);
            if (!n) return usage_error(kBenchCommand, "--events: expected a count");
            events = *n;
        } else if (args[i] == "--pending" && has_value) {
            const auto n = parse_count(args[++i]);
            if (!n || *n == 0 || *n > EventLoop::kMaxPendingLimit) {
                return usage_error(kBenchCommand, "--pending: expected a count in [1, 2^24]");
            }
            pendings = {static_cast<std::size_t>(*n)};
        } else {
            return usage_error(kBenchCommand, "unknown option \"" + args[i] + "\"");
        }
    }
    std::printf("%-12s %12s %10s %14s\n", "pending", "events", "seconds", "events/s");
    for (const std::size_t pending : pendings) {
        const HoldResult r = hold(pending, events);
        std::printf("%-12zu %12llu %10.3f %14.0f\n", r.pending,
                    static_cast<unsigned long long>(r.events), r.seconds,
                    static_cast<double>(r.events) / r.seconds);
    }
    return kExitOk;
}

}  // namespace

extern const Command kBenchCommand{
    "bench", "measure the simulator's speed (bench kernel, bench cluster, bench api)",
    "Usage: sim-run bench kernel [--events N] [--pending P]\n"
    "       sim-run bench cluster [--nodes N] [--pods P] [--hold S]\n"
    "       sim-run bench api [--pods N] [--gets M]\n\n"
    "Measures the event loop with the hold model: N events (default 10,000,000) each run the\n"
    "earliest pending event and schedule one replacement an exponential delay later, with\n"
    "1k, 100k and 1M events pending (or just P with --pending). Prints events per second of\n"
    "wall time. scripts/bench-kernel runs it for docs/performance.md.\n\n"
    "bench cluster registers N nodes (1,000) with a kubelet each and the scheduler, creates\n"
    "P pods (100,000) directly and runs until all are bound and Ready; prints wall time and\n"
    "peak memory, then with --hold runs S more virtual seconds of the idle cluster\n"
    "(heartbeats) and prints their CPU time. scripts/bench-cluster runs it.\n\n"
    "bench api measures the in-process API server: N small-pod creates (default 100,000),\n"
    "M gets by name (default 1,000,000; through get, which copies, and get_shared, which\n"
    "does not), label-selector lists over the N pods (list and list_shared), and N/2\n"
    "creates watched by 10 watchers (each event delivered through the event loop, the\n"
    "object shared, not copied, between watchers).\n\n"
    "Example:\n  sim-run bench kernel --events 5000000\n  sim-run bench api --pods 100000\n",
    bench_main};

}  // namespace sim::cli
