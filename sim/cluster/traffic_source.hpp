// A scenario traffic source as the request path needs it: when requests arrive, and what they
// carry. Arrivals follow a piecewise-linear rate (constant, ramp and steps all reduce to it):
// Poisson arrivals by thinning (Lewis & Shedler, 1979: candidates at the peak rate, each kept
// with probability rate(t)/peak), uniform arrivals one 1/rate(t) apart. Payload texts are
// shuffled once from the source's own stream and then cycled; request bodies are rendered once,
// up front, so sending a request builds no JSON.
#pragma once

#include <array>
#include <cstddef>
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
    // A Poisson candidate: the gap to it at the peak rate (seconds) and the uniform that keeps
    // or thins it.
    struct Candidate {
        double gap_s;
        double keep_u;
    };
    Candidate next_candidate();
    std::optional<kernel::Nanos> next_arrival(kernel::Nanos after);

    const TrafficSourceSpec& spec_;
    kernel::Random& random_;
    double peak_ = 0;
    bool started_ = false;
    bool finished_ = false;  // next() said nullopt: the source has no more
    // Poisson candidates drawn a block ahead. Each candidate takes two draws from the stream,
    // the gap's uniform then the keep test's, so a block of pairs keeps the stream's order; the
    // gaps' logarithms are then worked out together, where their divisions overlap. Only this
    // process draws from its stream (traffic/<name>/arrivals; source names are unique), and
    // draws ahead of the last candidate used are never observed: after the last arrival the
    // stream is not used again (the last gap's keep draw was never needed, and is not drawn
    // again either).
    static constexpr std::size_t kBlock = 16;
    std::array<Candidate, kBlock> candidates_{};
    std::size_t next_candidate_ = kBlock;  // the next unused candidate; kBlock: none left
};

}  // namespace sim::cluster
