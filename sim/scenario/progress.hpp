// A progress line on stderr for runs that take more than a second of wall time.
//
// The one use of the wall clock in a run: it paces how often the line is redrawn and never
// reaches the trace. On a terminal the line redraws in place; otherwise (CI logs) a line is
// printed every few seconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

#include "sim/kernel/time.hpp"

namespace sim::scenario {

class Progress {
public:
    Progress(std::ostream& out, std::string label, kernel::Nanos duration, bool enabled);
    // Cheap to call often: reads the clock only every 4096 calls.
    void update(kernel::Nanos now, std::uint64_t events);
    // Clears or ends the line if one was shown.
    void finish();

private:
    using Clock = std::chrono::steady_clock;
    void draw(kernel::Nanos now, std::uint64_t events);

    std::ostream& out_;
    std::string label_;
    kernel::Nanos duration_;
    bool enabled_;
    bool terminal_;
    bool shown_ = false;
    std::uint64_t calls_ = 0;
    Clock::time_point start_ = Clock::now();
    Clock::time_point last_draw_ = start_;
};

}  // namespace sim::scenario
