// A scenario traffic source as the request path needs it: when requests arrive, and what they
// carry. Arrivals follow a piecewise-linear rate (constant, ramp and steps all reduce to it):
// Poisson arrivals by thinning (Lewis & Shedler, 1979: candidates at the peak rate, each kept
// with probability rate(t)/peak), uniform arrivals one 1/rate(t) apart. Payload texts are
// shuffled once from the source's own stream and then cycled; request bodies are rendered once,
// up front, so sending a request builds no JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/kernel/random.hpp"
#include "sim/kernel/time.hpp"

namespace sim::cluster {

// Rate in requests per second, linear from rate_from at `from` to rate_to at `to`.
struct RatePiece {
    kernel::Nanos from = 0;
    kernel::Nanos to = 0;
    double rate_from = 0;
    double rate_to = 0;
};

struct TrafficSourceSpec {
    std::string name;
    std::string sdep_namespace;
    std::string sdep_name;
    kernel::Nanos from = 0;
    kernel::Nanos to = 0;
    std::vector<RatePiece> rate;  // in time order, within [from, to); zero elsewhere
    bool poisson = true;
    bool str_data = false;  // body {"strData": text} instead of {"data":{"ndarray":[text]}}
    std::vector<std::string> texts;
    std::vector<std::string> labels;  // same length as texts (may be empty strings)
    bool feedback = false;            // send /feedback, reward 1 when the label is right
};

// The Seldon protocol v1 request body for one text.
std::string request_body(const std::string& text, bool str_data);

class ArrivalProcess {
  public:
    ArrivalProcess(const TrafficSourceSpec& spec, kernel::Random& random);
    // The first arrival strictly after `after` (or at `spec.from` for the first call), or
    // nullopt when the source has no more.
    std::optional<kernel::Nanos> next(kernel::Nanos after);
    double rate_at(kernel::Nanos t) const;  // requests per second

  private:
    const TrafficSourceSpec& spec_;
    kernel::Random& random_;
    double peak_ = 0;
    bool started_ = false;
};

}  // namespace sim::cluster
