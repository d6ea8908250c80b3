// RFC 3339 timestamps (whole seconds, what metav1.Time serializes) of virtual instants,
// formatted once per second. The kubelet and the event recorder stamp several fields per write
// with the same second (conditions' lastTransitionTime, firstTimestamp, lastTimestamp), and
// kernel::format_rfc3339 (snprintf) cost as much as the rest of building the object.
#pragma once

#include <cstdint>
#include <string>

#include "sim/kernel/time.hpp"

namespace sim::kube {

class Rfc3339Cache {
  public:
    // kernel::format_rfc3339(unix_nanos): the same text, reformatted only when the second moves.
    const std::string& at(std::int64_t unix_nanos) {
        const std::int64_t second = floor_second(unix_nanos);
        if (!valid_ || second != second_) {
            text_ = kernel::format_rfc3339(unix_nanos);
            second_ = second;
            valid_ = true;
        }
        return text_;
    }

  private:
    // format_rfc3339 truncates towards the earlier second, also before 1970.
    static std::int64_t floor_second(std::int64_t unix_nanos) {
        std::int64_t second = unix_nanos / kernel::kSecond;
        if (unix_nanos % kernel::kSecond < 0) --second;
        return second;
    }

    std::string text_;
    std::int64_t second_ = 0;
    bool valid_ = false;
};

}  // namespace sim::kube
