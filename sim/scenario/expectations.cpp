#include "sim/scenario/expectations.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/kernel/overloaded.hpp"
#include "sim/kube/quantity.hpp"

namespace sim::scenario {
namespace {

using kernel::Overloaded;

// A number, or a string holding a number or a Kubernetes quantity ("500m", "2Gi").
std::optional<double> as_number(const sim::Json& v) {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
        if (const auto q = kube::parse_quantity(v.get<std::string>())) {
            return static_cast<double>(q->milli) / 1000.0;
        }
    }
    return std::nullopt;
}

std::string render(const sim::Json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string number_text(double x) {
    std::string out;
    kernel::append_json_number(out, x);
    return out;
}

}  // namespace

bool satisfies(const Comparison& comparison, const sim::Json& observed, std::string* why) {
    const auto fail = [&](std::string message) {
        if (why) *why = std::move(message);
        return false;
    };
    const auto numeric = [&](const char* what) -> std::optional<double> {
        const auto n = as_number(observed);
        if (!n) fail(std::string(what) + " needs a number, observed " + observed.dump());
        return n;
    };
    return std::visit(
        Overloaded{
            [&](const EqualsComparison& c) {
                const sim::Json expected = sim::Json::parse(c.json);
                const bool equal = (expected.is_number() && observed.is_number())
                                       ? expected.get<double>() == observed.get<double>()
                                       : expected == observed;
                return equal ||
                       fail("expected " + expected.dump() + ", observed " + observed.dump());
            },
            [&](const AtLeastComparison& c) {
                const auto n = numeric("atLeast");
                return n && (*n >= c.value || fail("expected at least " + number_text(c.value) +
                                                   ", observed " + number_text(*n)));
            },
            [&](const AtMostComparison& c) {
                const auto n = numeric("atMost");
                return n && (*n <= c.value || fail("expected at most " + number_text(c.value) +
                                                   ", observed " + number_text(*n)));
            },
            [&](const BetweenComparison& c) {
                const auto n = numeric("between");
                return n && ((*n >= c.lo && *n <= c.hi) ||
                             fail("expected between " + number_text(c.lo) + " and " +
                                  number_text(c.hi) + ", observed " + number_text(*n)));
            },
            [&](const MatchesComparison& c) {
                return c.regex.search(render(observed)) ||
                       fail("expected a match for /" + c.regex.pattern + "/, observed " +
                            observed.dump());
            },
        },
        comparison);
}

ExpectationTracker::ExpectationTracker(const std::vector<Expectation>& expectations) {
    states_.reserve(expectations.size());
    for (const Expectation& e : expectations) {
        State state{&e, false, std::nullopt, {}};
        state.result.name = e.name;
        state.result.where = e.where;
        states_.push_back(std::move(state));
    }
}

std::vector<Nanos> ExpectationTracker::checkpoints(Nanos duration) const {
    std::vector<Nanos> out;
    for (const State& s : states_) {
        std::visit(Overloaded{
                       [&](const AtTime& w) { out.push_back(w.at); },
                       [&](const ByTime& w) { out.push_back(w.by); },
                       [&](const DuringWindow& w) {
                           out.push_back(w.from);
                           out.push_back(w.to);
                       },
                       [&](const MetricWindow& w) {
                           out.push_back(w.from);
                           out.push_back(w.to);
                       },
                   },
                   s.expectation->when);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    std::erase_if(out, [&](Nanos t) { return t < 0 || t > duration; });
    return out;
}

// Mirrors the `looks` test of observe(): a look at an instant this skips would have done nothing.
Nanos ExpectationTracker::next_look(Nanos now) const {
    Nanos next = std::numeric_limits<Nanos>::max();
    for (const State& s : states_) {
        if (s.decided) continue;
        std::visit(Overloaded{
                       [&](const AtTime& w) {
                           if (w.at >= now) next = std::min(next, w.at);
                       },
                       [&](const ByTime& w) {
                           if (now <= w.by) next = std::min(next, now);
                       },
                       [&](const DuringWindow& w) {
                           if (now <= w.to) next = std::min(next, std::max(now, w.from));
                       },
                       [&](const MetricWindow& w) {
                           if (w.to >= now) next = std::min(next, w.to);
                       },
                   },
                   s.expectation->when);
    }
    return next;
}

void ExpectationTracker::observe(Nanos now, const Observer& observer, kernel::TraceWriter& trace,
                                 std::optional<std::uint64_t> cluster_revision) {
    for (State& s : states_) {
        if (s.decided) continue;
        const Expectation& e = *s.expectation;
        // Which instants this expectation looks at, and what a look decides.
        bool looks = false, at_end = false;
        std::visit(Overloaded{
                       [&](const AtTime& w) { looks = at_end = now == w.at; },
                       [&](const ByTime& w) {
                           looks = now <= w.by;
                           at_end = now == w.by;
                       },
                       [&](const DuringWindow& w) {
                           looks = now >= w.from && now <= w.to;
                           at_end = now == w.to;
                       },
                       [&](const MetricWindow& w) { looks = at_end = now == w.to; },
                   },
                   e.when);
        if (!looks) continue;
        if (cluster_revision && !std::holds_alternative<MetricSubject>(e.subject)) {
            if (!at_end && s.seen_revision == cluster_revision) continue;
            s.seen_revision = cluster_revision;
        }

        const Observation seen = observer(e.subject, e.when);
        if (seen.unavailable) {
            decide(s, now, false, "", "cannot be evaluated: " + seen.missing, trace);
            continue;
        }
        std::string why;
        const bool holds = seen.value && satisfies(e.comparison, *seen.value, &why);
        if (!seen.value) why = seen.missing;
        const std::string observed = seen.value ? seen.value->dump() : seen.missing;
        const bool is_during = std::holds_alternative<DuringWindow>(e.when);
        const bool is_by = std::holds_alternative<ByTime>(e.when);
        if (is_during) {
            if (!holds)
                decide(s, now, false, observed, why, trace);
            else if (at_end)
                decide(s, now, true, observed, "", trace);
        } else if (is_by) {
            if (holds)
                decide(s, now, true, observed, "", trace);
            else if (at_end)
                decide(s, now, false, observed, why + " (never held by then)", trace);
        } else {
            decide(s, now, holds, observed, holds ? "" : why, trace);
        }
    }
}

void ExpectationTracker::close(Nanos end, kernel::TraceWriter& trace) {
    for (State& s : states_) {
        if (!s.decided) {
            decide(s, end, false, "", "the run ended before this expectation could be checked",
                   trace);
        }
    }
}

void ExpectationTracker::decide(State& s, Nanos now, bool passed, std::string observed,
                                std::string message, kernel::TraceWriter& trace) {
    s.decided = true;
    s.result.passed = passed;
    s.result.decided_at = now;
    s.result.observed = std::move(observed);
    s.result.message = std::move(message);
    auto line = trace.line(now, "expect");
    line.num("index", static_cast<std::uint64_t>(s.expectation->index))
        .str("name", s.result.name)
        .str("result", passed ? "pass" : "fail")
        .str("observed", s.result.observed);
    if (!passed) line.str("message", s.result.message);
    line.end();
    if (on_decided_) on_decided_(s.result);
}

std::vector<ExpectationResult> ExpectationTracker::results() const {
    std::vector<ExpectationResult> out;
    out.reserve(states_.size());
    for (const State& s : states_)
        out.push_back(s.result);
    return out;
}

}  // namespace sim::scenario
