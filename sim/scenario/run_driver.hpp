// Driving a run from outside: `sim-run serve` (virtual time paced against the wall clock,
// HTTP writes injected as they come) and `sim-run replay` (the recorded writes injected again
// at their recorded instants). Without a driver a run plays its timeline to `duration`.
//
// With a driver the runner asks it, before every advance, how far virtual time may go:
//
//   for (;;) {
//       until = driver.advance_to(loop.next_time());   // may block, may inject inputs at now()
//       if (!until) break;                              // the session is over: finish outputs
//       run every instant <= *until, the expectations looking after each
//   }
//
// The run goes on past `duration` (the expectations are closed there) until the driver says
// stop. An input is applied at the instant loop.now() of the call, after every event due at
// or before it has run, so a replay that injects the same inputs at the same instants (and
// runs the instants in between) takes the same path through the simulation.
#pragma once

#include <optional>

#include "sim/kernel/event_loop.hpp"
#include "sim/kernel/time.hpp"
#include "sim/kernel/trace.hpp"

namespace sim::kube {
class ApiServer;
}
namespace sim::cluster {
class RequestPath;
}

namespace sim::scenario {

class RunDriver {
  public:
    virtual ~RunDriver() = default;

    // Appends the driver's keys to the run.start line (after the standard ones).
    virtual void annotate_start(kernel::TraceWriter::Line& line) = 0;
    // True: the run builds the request path even when the scenario has no traffic, and
    // hands it over with attach_requests() (serve's Seldon gateway sends requests into it).
    virtual bool wants_request_path() const { return false; }
    // Just before attach(); `requests` is null when the run has no request path.
    virtual void attach_requests(cluster::RequestPath* requests) { (void)requests; }
    // The cluster is built and the timeline scheduled; nothing has run yet.
    virtual void attach(kernel::EventLoop& loop, kube::ApiServer& api,
                        kernel::TraceWriter& trace) = 0;
    // `next_event` is the next pending event's instant, or -1 when none is pending. Returns
    // the instant the run may advance to (>= loop.now()), or nullopt to end the run now.
    virtual std::optional<kernel::Nanos> advance_to(kernel::Nanos next_event) = 0;
    // The run is over (before the outputs are written and the API server goes away).
    virtual void detach() = 0;
};

}  // namespace sim::scenario
