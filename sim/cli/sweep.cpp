// sim-run sweep FILE --seeds A..B [-j N] [--list]: runs a scenario under many seeds in
// parallel and names the seeds whose expectations fail, with the command that reproduces each.
//
// One simulation per thread and nothing shared between them but the parsed scenario, which the
// runs only read: every run owns its event loop, API server, random streams and trace, and
// the simulator keeps no mutable global state (only function-local `static const` tables).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "sim/cli/command.hpp"
#include "sim/cli/scenario_args.hpp"
#include "sim/scenario/runner.hpp"

namespace sim::cli {
namespace {

constexpr std::string_view kHelp =
    "Usage: sim-run sweep FILE --seeds A..B [-j N] [--list]\n"
    "\n"
    "Runs a scenario once per seed, several at a time, and reports the seeds whose\n"
    "expectations or timeline steps fail. A scenario's lesson should hold whatever the dice\n"
    "say (which pod a podKill picks, which endpoint serves a request, when Poisson arrivals\n"
    "come); a sweep finds the seeds where it does not. For each failing seed it prints what\n"
    "failed and the exact command that replays that run, so you can look at it with --out\n"
    "and report.html.\n"
    "\n"
    "Options:\n"
    "  --seeds S   the seeds: A..B (inclusive), a single seed, or a comma-separated list of\n"
    "              both (1..100,500,900..910)\n"
    "  -j N        run N simulations at once (default: the number of cores); each runs on\n"
    "              its own thread and shares nothing with the others\n"
    "  --list      also print every seed's verdict and trace hash\n"
    "\n"
    "A progress line appears on stderr when the sweep takes more than a second.\n"
    "\n"
    "Example:\n"
    "  $ sim-run sweep scenarios/canary-crashloop.yaml --seeds 1..200 -j 2\n"
    "  FAIL seed 17: expectation \"old predictor keeps serving\" at 00:03:00: ...\n"
    "       reproduce: scripts/sim-run run scenarios/canary-crashloop.yaml --seed 17\n"
    "  199 of 200 seeds passed; failed: 17\n"
    "\n"
    "Exit codes: 0 every seed passed, 1 at least one seed failed, 2 bad input.\n";

constexpr std::uint64_t kMaxSeeds = 1'000'000;

struct SweepArgs {
    std::string file;
    std::vector<std::uint64_t> seeds;
    unsigned jobs = 0;
    bool list = false;
};

std::optional<std::uint64_t> parse_u64(std::string_view text) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return v;
}

std::optional<std::string> parse_seeds(const std::string& text, std::vector<std::uint64_t>& out) {
    const std::string hint = "--seeds: expected A..B, a seed, or a comma-separated list of them";
    std::string_view rest = text;
    while (true) {
        const std::size_t comma = rest.find(',');
        const std::string_view item = rest.substr(0, comma);
        const std::size_t dots = item.find("..");
        const auto first = parse_u64(item.substr(0, dots));
        const auto last = dots == std::string_view::npos ? first : parse_u64(item.substr(dots + 2));
        if (!first || !last) return hint + ", got \"" + std::string(item) + "\"";
        if (*last < *first) return "--seeds: " + std::string(item) + " runs backwards";
        if (*last - *first >= kMaxSeeds || out.size() + (*last - *first) >= kMaxSeeds)
            return "--seeds: more than " + std::to_string(kMaxSeeds) + " seeds";
        for (std::uint64_t s = *first;; ++s) {
            out.push_back(s);
            if (s == *last) break;
        }
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return std::nullopt;
}

std::optional<std::string> parse_sweep_args(std::span<const std::string> args, SweepArgs& out) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const bool has_value = i + 1 < args.size();
        if (a == "--seeds") {
            if (!has_value) return "--seeds needs a range such as 1..200";
            if (auto error = parse_seeds(args[++i], out.seeds)) return error;
        } else if (a == "-j" || a == "--jobs") {
            if (!has_value) return a + " needs a number of threads";
            const auto n = parse_u64(args[++i]);
            if (!n || *n < 1 || *n > 256) return a + ": expected 1 to 256, got \"" + args[i] + "\"";
            out.jobs = static_cast<unsigned>(*n);
        } else if (a == "--list") {
            out.list = true;
        } else if (a.starts_with("-")) {
            return "unknown option " + a;
        } else if (!out.file.empty()) {
            return "expected one scenario FILE, got a second: " + a;
        } else {
            out.file = a;
        }
    }
    if (out.file.empty()) return "expected a scenario FILE";
    if (out.seeds.empty()) return "--seeds is required (for example --seeds 1..200)";
    return std::nullopt;
}

struct SeedOutcome {
    int exit_code = 0;
    std::string hash;
    std::string failure;  // the first thing that failed, for the report
    std::vector<scenario::Diagnostic> input_errors;
};

std::string first_failure(const scenario::RunResult& r) {
    for (const auto& f : r.step_failures)
        return "timeline step " + std::to_string(f.index) + " at " + kernel::format_offset(f.at) +
               ": " + f.message;
    for (const auto& e : r.expectations)
        if (!e.passed)
            return "expectation \"" + e.name + "\" at " + kernel::format_offset(e.decided_at) +
                   ": " + e.message;
    return "";
}

SeedOutcome run_seed(const scenario::Scenario& s, std::uint64_t seed) {
    scenario::RunOptions options;
    options.seed = seed;
    options.progress = false;
    std::ostringstream err;  // this run's own stream: nothing shared between threads
    try {
        const scenario::RunResult r = scenario::run_scenario(s, options, err);
        return {r.exit_code, r.trace_sha256, first_failure(r), r.input_errors};
    } catch (const std::exception& e) {
        return {3, "", std::string("internal error: ") + e.what(), {}};
    }
}

// Redraws "sweep: 37/200 seeds, 2 failing" on stderr while the workers run: in place on a
// terminal, every ten seconds otherwise. The wall clock only paces this line.
class SweepProgress {
  public:
    explicit SweepProgress(std::size_t total)
        : total_(total), terminal_(isatty(fileno(stderr)) != 0) {}

    void wait_until_done(const std::atomic<std::size_t>& done,
                         const std::atomic<std::size_t>& failed, std::mutex& m,
                         std::condition_variable& cv) {
        using namespace std::chrono;
        const auto start = steady_clock::now();
        auto last_draw = start;
        std::unique_lock lock(m);
        while (done.load() < total_) {
            cv.wait_for(lock, milliseconds(250));
            const auto now = steady_clock::now();
            const auto pace = terminal_ ? milliseconds(250) : milliseconds(10'000);
            if (now - start < seconds(1) || now - last_draw < pace) continue;
            last_draw = now;
            shown_ = true;
            std::cerr << (terminal_ ? "\r" : "") << "sweep: " << done.load() << "/" << total_
                      << " seeds, " << failed.load() << " failing" << (terminal_ ? "   " : "\n")
                      << std::flush;
        }
        if (shown_ && terminal_) std::cerr << "\r" << std::string(48, ' ') << "\r" << std::flush;
    }

  private:
    std::size_t total_;
    bool terminal_;
    bool shown_ = false;
};

std::vector<SeedOutcome> run_all(const scenario::Scenario& s,
                                 const std::vector<std::uint64_t>& seeds, unsigned jobs) {
    std::vector<SeedOutcome> outcomes(seeds.size());
    std::atomic<std::size_t> next{0}, done{0}, failed{0};
    std::mutex m;
    std::condition_variable cv;
    std::vector<std::jthread> workers;
    const unsigned threads = std::min<unsigned>(jobs, static_cast<unsigned>(seeds.size()));
    for (unsigned w = 0; w < threads; ++w) {
        workers.emplace_back([&] {
            for (std::size_t i = next++; i < seeds.size(); i = next++) {
                outcomes[i] = run_seed(s, seeds[i]);  // each slot written by one thread only
                if (outcomes[i].exit_code != 0) ++failed;
                ++done;
                cv.notify_one();
            }
        });
    }
    SweepProgress(seeds.size()).wait_until_done(done, failed, m, cv);
    return outcomes;  // the jthreads join here, before outcomes is read
}

int sweep_main(std::span<const std::string> args) {
    SweepArgs parsed;
    if (const auto error = parse_sweep_args(args, parsed))
        return usage_error(kSweepCommand, *error);
    const auto scenario = load_or_report(parsed.file);
    if (!scenario) return kExitBadInput;
    const unsigned jobs =
        parsed.jobs ? parsed.jobs : std::max(1u, std::thread::hardware_concurrency());

    const std::vector<SeedOutcome> outcomes = run_all(*scenario, parsed.seeds, jobs);
    std::vector<std::uint64_t> failing;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        const SeedOutcome& o = outcomes[i];
        const std::uint64_t seed = parsed.seeds[i];
        if (!o.input_errors.empty()) {
            // Bad manifests are bad for every seed: report once and stop.
            for (const auto& d : o.input_errors)
                std::cerr << scenario::format_diagnostic(d) << "\n";
            return kExitBadInput;
        }
        if (parsed.list) {
            std::cout << "seed " << seed << ": " << (o.exit_code == 0 ? "ok  " : "FAIL") << " "
                      << o.hash << "\n";
        }
        if (o.exit_code == 0) continue;
        failing.push_back(seed);
        std::cout << "FAIL seed " << seed << ": " << o.failure << "\n"
                  << "     reproduce: scripts/sim-run run " << parsed.file << " --seed " << seed
                  << "\n";
    }
    std::cout << (outcomes.size() - failing.size()) << " of " << outcomes.size() << " seeds passed";
    if (!failing.empty()) {
        std::cout << "; failed:";
        for (std::size_t i = 0; i < failing.size(); ++i)
            std::cout << (i ? ", " : " ") << failing[i];
    }
    std::cout << "\n";
    return failing.empty() ? kExitOk : kExitExpectationFailed;
}

}  // namespace

extern const Command kSweepCommand{"sweep", "run a scenario under many seeds, in parallel", kHelp,
                                   sweep_main};

}  // namespace sim::cli
