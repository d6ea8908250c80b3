// `sim-run bench api`: the in-process API server's throughput (docs/performance.md).
//
//   creates  N small pods through ApiServer::create_shared (defaulting, validation, admission,
//            the watch history; the stored object comes back), one namespace; and N more in a
//            fresh server through create (a copy of it comes back)
//   gets     M gets of random pods by name, through get (returns a copy) and get_shared
//            (returns the stored, immutable object)
//   list     label-selector lists over the N pods, one matching 1% of them, one matching all,
//            through list (copies every item into a JSON List) and list_shared (pointers)
//   watch    10 watchers on pods while K pods are created; every event reaches each watcher
//            through the event loop
// Times are the process's CPU time (CLOCK_PROCESS_CPUTIME_ID), so the figures hold on a
// shared, loaded machine; the clock measures the simulator, it never feeds it.
#include <sys/resource.h>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>

#include "sim/cli/bench_api.hpp"
#include "sim/cli/command.hpp"
#include "sim/kernel/event_loop.hpp"
#include "sim/kernel/random.hpp"
#include "sim/kube/api_server.hpp"

namespace sim::cli {
namespace {

// The process's CPU time: what the bench costs, whatever else the machine runs.
struct Clock {
    using time_point = double;
    static double now() {
        timespec ts{};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
    }
};
using json = sim::Json;

double seconds_since(Clock::time_point start) {
    return Clock::now() - start;
}

// The system part of the process's CPU time: mostly first-touch page faults when a bench fills
// fresh memory (docs/performance.md, "Where a create's time goes").
double system_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_stime.tv_usec) * 1e-6;
}

// A small pod: one container, two labels; `app` takes 100 values (a selector on one matches
// 1% of the pods).
json small_pod(std::size_t i) {
    return json{{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata",
                 {{"name", "pod-" + std::to_string(i)},
                  {"labels", {{"app", "app-" + std::to_string(i % 100)}, {"tier", "web"}}}}},
                {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "busybox"}}})}}}};
}

std::optional<std::uint64_t> parse_count(const std::string& text) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size() || n == 0) return std::nullopt;
    return n;
}

struct Fixture {
    kernel::EventLoop loop;
    kernel::RandomStreams streams{1};
    kube::ApiServer server{loop, streams};
};

void report(const char* what, std::uint64_t count, double seconds, const char* unit) {
    std::printf("%-34s %10llu %10.3f s %14.0f %s\n", what, static_cast<unsigned long long>(count),
                seconds, static_cast<double>(count) / seconds, unit);
}

// Creates `pods` small pods in `f`'s server through create_shared (what controllers use: the
// stored object comes back, no copy) or create (a copy comes back). The manifests are built
// off the clock, `batch` at a time, and moved in: batch = pods builds them all first (each
// create then reads a manifest built long before, cold in the cache); a small batch hands the
// server manifests built just before, as a controller that builds a pod and creates it does.
bool bench_creates(Fixture& f, std::uint64_t pods, bool shared, std::uint64_t batch,
                   const char* label) {
    const kube::ResourceRef ref = kube::refs::kPods.in("default");
    std::vector<json> manifests;
    manifests.reserve(std::min(batch, pods));
    double seconds = 0;
    double system = 0;
    for (std::uint64_t first = 0; first < pods; first += batch) {
        manifests.clear();
        for (std::uint64_t i = first; i < std::min(pods, first + batch); ++i)
            manifests.push_back(small_pod(i));
        const double system_start = system_seconds();
        const auto start = Clock::now();
        for (json& m : manifests) {
            const bool ok = shared ? f.server.create_shared(ref, std::move(m)).ok()
                                   : f.server.create(ref, std::move(m)).ok();
            if (!ok) {
                std::fprintf(stderr, "bench api: a create failed\n");
                return false;
            }
        }
        seconds += seconds_since(start);
        system += system_seconds() - system_start;
    }
    report(label, pods, seconds, "creates/s");
    std::printf("  of which system time (page faults) %8.3f s\n", system);
    return true;
}

bool bench_creates_gets_lists(std::uint64_t pods, std::uint64_t gets) {
    {
        Fixture copying;
        if (!bench_creates(copying, pods, false, pods, "create small pod (create, copy)"))
            return false;
    }
    {
        Fixture warm;
        if (!bench_creates(warm, pods, true, 1000, "  create_shared, built just before"))
            return false;
    }
    Fixture f;
    const kube::ResourceRef ref = kube::refs::kPods.in("default");
    if (!bench_creates(f, pods, true, pods, "create small pod (create_shared)")) return false;

    kernel::Random random = kernel::Random::stream(1, "bench/api");
    std::vector<std::string> names;
    for (std::uint64_t i = 0; i < gets; ++i)
        names.push_back("pod-" + std::to_string(random.below(pods)));
    auto start = Clock::now();
    std::size_t found = 0;
    for (const std::string& name : names)
        found += f.server.get(ref, name).ok() ? 1 : 0;
    report("get pod by name (get, copy)", gets, seconds_since(start), "gets/s");
    if (found != gets) return false;
    start = Clock::now();
    found = 0;
    for (const std::string& name : names)
        found += f.server.get_shared(ref, name).ok() ? 1 : 0;
    report("get pod by name (get_shared)", gets, seconds_since(start), "gets/s");
    if (found != gets) return false;

    for (const auto& [label, selector] :
         {std::pair{"list by label, 1% match (list)", "app=app-7"},
          std::pair{"list by label, all match (list)", "tier=web"}}) {
        constexpr int kRounds = 5;
        double best = 1e9;
        std::size_t items = 0;
        for (int round = 0; round < kRounds; ++round) {
            start = Clock::now();
            const auto list = f.server.list(ref, {.label_selector = selector});
            best = std::min(best, seconds_since(start));
            items = list.ok() ? list.value()["items"].size() : 0;
        }
        std::printf("%-34s %10zu items %8.2f ms (best of %d, %llu pods stored)\n", label, items,
                    best * 1e3, kRounds, static_cast<unsigned long long>(pods));
        best = 1e9;
        for (int round = 0; round < kRounds; ++round) {
            start = Clock::now();
            const auto list = f.server.list_shared(ref, {.label_selector = selector});
            best = std::min(best, seconds_since(start));
            items = list.ok() ? list.value().items.size() : 0;
        }
        std::printf("%-34s %10zu items %8.2f ms (best of %d)\n", "  the same with list_shared",
                    items, best * 1e3, kRounds);
    }
    return true;
}

bool bench_watch(std::uint64_t pods, int watchers) {
    Fixture f;
    const kube::ResourceRef ref = kube::refs::kPods.in("default");
    std::uint64_t delivered = 0;
    const json* first_seen = nullptr;
    std::uint64_t shared = 0;  // deliveries that saw the same object as the first watcher
    std::vector<kube::WatchHandle> handles;
    for (int w = 0; w < watchers; ++w) {
        handles.push_back(f.server
                              .watch(ref, {.resource_version = "1"},
                                     [&, w](const kube::WatchEvent& e) {
                                         ++delivered;
                                         if (w == 0)
                                             first_seen = &e.object;
                                         else if (&e.object == first_seen)
                                             ++shared;
                                     })
                              .value());
    }
    const auto start = Clock::now();
    for (std::size_t i = 0; i < pods; ++i) {
        if (!f.server.create(ref, small_pod(i)).ok()) return false;
        f.loop.run_until(f.loop.now());
    }
    const double seconds = seconds_since(start);
    char what[64];
    std::snprintf(what, sizeof what, "create + deliver to %d watchers", watchers);
    report(what, pods, seconds, "creates/s");
    report("  watch deliveries", delivered, seconds, "events/s");
    std::printf("  deliveries sharing the first watcher's object (no copy): %llu of %llu\n",
                static_cast<unsigned long long>(shared),
                static_cast<unsigned long long>(delivered - pods));
    return delivered == pods * static_cast<std::uint64_t>(watchers);
}

}  // namespace

int bench_api(std::span<const std::string> args) {
    std::uint64_t pods = 100'000;
    std::uint64_t gets = 1'000'000;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const bool has_value = i + 1 < args.size();
        if ((args[i] == "--pods" || args[i] == "--gets") && has_value) {
            const auto n = parse_count(args[i + 1]);
            if (!n) return usage_error(kBenchCommand, args[i] + ": expected a positive count");
            (args[i] == "--pods" ? pods : gets) = *n;
            ++i;
        } else {
            return usage_error(kBenchCommand, "unknown option \"" + args[i] + "\"");
        }
    }
    std::printf("%-34s %10s %12s %14s\n", "operation", "count", "CPU time", "rate");
    if (!bench_creates_gets_lists(pods, gets)) return kExitExpectationFailed;
    if (!bench_watch(pods / 2, 10)) return kExitExpectationFailed;
    return kExitOk;
}

}  // namespace sim::cli
