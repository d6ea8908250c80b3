#include "sim/scenario/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace sim::scenario {

Progress::Progress(std::ostream& out, std::string label, kernel::Nanos duration, bool enabled)
    : out_(out),
      label_(std::move(label)),
      duration_(duration),
      enabled_(enabled),
      terminal_(::isatty(STDERR_FILENO) == 1) {}

void Progress::update(kernel::Nanos now, std::uint64_t events) {
    if (!enabled_ || (++calls_ & 4095) != 0) return;
    const Clock::time_point wall = Clock::now();
    if (wall - start_ < std::chrono::seconds(1)) return;
    const auto every = terminal_ ? std::chrono::milliseconds(250) : std::chrono::milliseconds(5000);
    if (shown_ && wall - last_draw_ < every) return;
    last_draw_ = wall;
    draw(now, events);
}

void Progress::draw(kernel::Nanos now, std::uint64_t events) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    const double fraction =
        duration_ > 0 ? static_cast<double>(now) / static_cast<double>(duration_) : 1.0;
    char line[256];
    std::snprintf(line, sizeof line, "%s: %s / %s virtual (%3.0f%%), %llu events, %.1fs",
                  label_.c_str(), kernel::format_offset(now).c_str(),
                  kernel::format_offset(duration_).c_str(), 100.0 * fraction,
                  static_cast<unsigned long long>(events), elapsed);
    out_ << (terminal_ ? "\r\x1b[K" : "") << line << (terminal_ ? "" : "\n") << std::flush;
    shown_ = true;
}

void Progress::finish() {
    if (shown_ && terminal_) out_ << "\r\x1b[K" << std::flush;
    shown_ = false;
}

}  // namespace sim::scenario
