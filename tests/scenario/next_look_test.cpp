// ExpectationTracker::next_look: the runner skips observe() before it, so it must name every
// instant at which observe() would ask the observer, and none is skipped that would.
#include <catch2/catch.hpp>
#include <limits>
#include <vector>

#include "sim/scenario/expectations.hpp"

using sim::kernel::Nanos;
using namespace sim::scenario;

namespace {

Expectation metric(When when, double at_least) {
    Expectation e;
    e.when = when;
    e.subject = MetricSubject{"requests_lost", {}};
    e.comparison = AtLeastComparison{at_least};
    return e;
}

// An observer that counts its calls and always sees `value`.
struct CountingObserver {
    int calls = 0;
    double value = 1;
    Observer observer() {
        return [this](const Subject&, const When&) {
            ++calls;
            return Observation::of(value);
        };
    }
};

}  // namespace

TEST_CASE("next_look names each expectation's own instants", "[expectations]") {
    const std::vector<Expectation> es{metric(AtTime{5}, 0), metric(DuringWindow{10, 20}, 0),
                                      metric(MetricWindow{0, 30}, 0)};
    const ExpectationTracker tracker(es);
    CHECK(tracker.next_look(0) == 5);
    CHECK(tracker.next_look(6) == 10);
    CHECK(tracker.next_look(15) == 15);
    CHECK(tracker.next_look(21) == 30);
    CHECK(tracker.next_look(31) == std::numeric_limits<Nanos>::max());
}

TEST_CASE("an open `by` looks at every instant until it holds", "[expectations]") {
    const std::vector<Expectation> es{metric(ByTime{50}, 2)};
    ExpectationTracker tracker(es);
    sim::kernel::TraceWriter trace;
    CountingObserver seen;
    seen.value = 1;  // below 2: does not hold yet
    CHECK(tracker.next_look(3) == 3);
    tracker.observe(3, seen.observer(), trace);
    CHECK(seen.calls == 1);
    seen.value = 2;
    tracker.observe(4, seen.observer(), trace);  // holds: decided
    CHECK(tracker.next_look(5) == std::numeric_limits<Nanos>::max());
}

TEST_CASE("observe asks the observer exactly at the instants next_look names", "[expectations]") {
    const std::vector<Expectation> es{metric(AtTime{7}, 0), metric(DuringWindow{12, 18}, 0),
                                      metric(MetricWindow{3, 25}, 0), metric(ByTime{9}, 5)};
    ExpectationTracker tracker(es);
    sim::kernel::TraceWriter trace;
    CountingObserver seen;
    for (Nanos t = 0; t <= 40; ++t) {
        const Nanos look = tracker.next_look(t);
        CHECK(look >= t);
        const int before = seen.calls;
        tracker.observe(t, seen.observer(), trace);
        CHECK((seen.calls > before) == (look == t));
    }
}
