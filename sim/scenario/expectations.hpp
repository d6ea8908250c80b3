// Checking expectations while the simulation runs.
//
// The runner calls observe() after every instant at which something happened (and at each
// expectation's own instants, which it schedules as checkpoints), so "every instant" in a
// `during` window means every instant at which the cluster could have changed.
//   at:     decided at that instant.
//   by:     passes at the first instant it holds; fails at `by` if it never did.
//   during: fails at the first instant in the window where it does not hold; passes at its end.
//   window: the metric aggregated over the window, decided at the window's end.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/kernel/json.hpp"
#include "sim/kernel/trace.hpp"
#include "sim/scenario/runner.hpp"
#include "sim/scenario/scenario.hpp"

namespace sim::scenario {

// What the cluster shows for an expectation's subject at one instant.
struct Observation {
    std::optional<sim::Json> value;  // absent: nothing there (see `missing`)
    std::string missing;             // "no value at status.state", or why it can't be seen
    bool unavailable = false;        // this build cannot observe the subject at all

    static Observation of(sim::Json v) { return {std::move(v), {}, false}; }
    static Observation none(std::string why) { return {std::nullopt, std::move(why), false}; }
    static Observation cannot(std::string why) { return {std::nullopt, std::move(why), true}; }
};

// Looks at the cluster: the subject, and the expectation's timing (for windowed metrics).
using Observer = std::function<Observation(const Subject& subject, const When& when)>;

// Whether an observed value satisfies a comparison; `why` says how it does not.
bool satisfies(const Comparison& comparison, const sim::Json& observed, std::string* why);

class ExpectationTracker {
  public:
    explicit ExpectationTracker(const std::vector<Expectation>& expectations);

    // The instants the runner must stop at: every at, by, and window bound within the run.
    std::vector<Nanos> checkpoints(Nanos duration) const;
    // Evaluates every expectation that is still open and cares about `now`. With
    // `cluster_revision` (the API server's resourceVersion counter), an object, count or event
    // expectation that already looked at this revision is not evaluated again before its last
    // instant: nothing it reads can have changed (metrics are always evaluated).
    void observe(Nanos now, const Observer& observer, kernel::TraceWriter& trace,
                 std::optional<std::uint64_t> cluster_revision = std::nullopt);
    // The earliest instant at or after `now` at which an open expectation looks (observe() at
    // any earlier instant does nothing); the largest Nanos when none will look again.
    Nanos next_look(Nanos now) const;
    // Decides whatever is still open at the end of the run (at `end`).
    void close(Nanos end, kernel::TraceWriter& trace);

    std::vector<ExpectationResult> results() const;
    // Called once per expectation, when it is decided (for narration).
    void on_decided(std::function<void(const ExpectationResult&)> callback) {
        on_decided_ = std::move(callback);
    }

  private:
    struct State {
        const Expectation* expectation;
        bool decided = false;
        std::optional<std::uint64_t> seen_revision;  // the cluster state it last looked at
        ExpectationResult result;
    };
    void decide(State& state, Nanos now, bool passed, std::string observed, std::string message,
                kernel::TraceWriter& trace);

    std::vector<State> states_;
    std::function<void(const ExpectationResult&)> on_decided_;
};

}  // namespace sim::scenario
