#include "sim/cluster/traffic_source.hpp"

#include <algorithm>

#include "sim/kernel/trace.hpp"

namespace sim::cluster {

std::string request_body(const std::string& text, bool str_data) {
    std::string body = str_data ? "{\"strData\":" : "{\"data\":{\"ndarray\":[";
    kernel::append_json_string(body, text);
    body += str_data ? "}" : "]}}";
    return body;
}

ArrivalProcess::ArrivalProcess(const TrafficSourceSpec& spec, kernel::Random& random)
    : spec_(spec), random_(random) {
    for (const RatePiece& p : spec.rate)
        peak_ = std::max({peak_, p.rate_from, p.rate_to});
}

double ArrivalProcess::rate_at(kernel::Nanos t) const {
    if (t < spec_.from || t >= spec_.to) return 0;
    for (const RatePiece& p : spec_.rate) {
        if (t < p.from || t >= p.to) continue;
        if (p.to <= p.from) return p.rate_from;
        const double f = static_cast<double>(t - p.from) / static_cast<double>(p.to - p.from);
        return p.rate_from + (p.rate_to - p.rate_from) * f;
    }
    return 0;
}

ArrivalProcess::Candidate ArrivalProcess::next_candidate() {
    if (next_candidate_ == kBlock) {
        // Random::exponential(1 / peak) is exponential_of(uniform01(), 1 / peak): the same
        // draws in the same order, transformed after the block is drawn.
        for (Candidate& c : candidates_) {
            c.gap_s = random_.uniform01();
            c.keep_u = random_.uniform01();
        }
        for (Candidate& c : candidates_)
            c.gap_s = kernel::Random::exponential_of(c.gap_s, 1.0 / peak_);
        next_candidate_ = 0;
    }
    return candidates_[next_candidate_++];
}

std::optional<kernel::Nanos> ArrivalProcess::next(kernel::Nanos after) {
    const std::optional<kernel::Nanos> arrival = next_arrival(after);
    if (!arrival) finished_ = true;
    return arrival;
}

std::optional<kernel::Nanos> ArrivalProcess::next_arrival(kernel::Nanos after) {
    if (peak_ <= 0 || finished_) return std::nullopt;
    kernel::Nanos t = after;
    if (!started_) {
        started_ = true;
        t = std::max(after, spec_.from);
        if (!spec_.poisson && rate_at(t) > 0) return t;
    }
    const auto step = [](double rate) {
        return std::max<kernel::Nanos>(1, static_cast<kernel::Nanos>(1e9 / rate));
    };
    while (t < spec_.to) {
        if (spec_.poisson) {
            const Candidate c = next_candidate();
            t += std::max<kernel::Nanos>(1, static_cast<kernel::Nanos>(c.gap_s * 1e9));
            if (t >= spec_.to) return std::nullopt;
            if (c.keep_u * peak_ < rate_at(t)) return t;
            continue;
        }
        const double rate = rate_at(t);
        if (rate > 0) {
            t += step(rate);
            if (t < spec_.to && rate_at(t) > 0) return t;
            continue;
        }
        // A ramp up from zero: creep forward until the rate is positive.
        const bool ramping = std::any_of(
            spec_.rate.begin(), spec_.rate.end(),
            [&](const RatePiece& p) { return t >= p.from && t < p.to && p.rate_to > 0; });
        if (ramping) {
            t += kernel::kMillisecond;
            continue;
        }
        // Uniform arrivals in a zero-rate stretch: skip to the next piece that has a rate.
        kernel::Nanos resume = spec_.to;
        for (const RatePiece& p : spec_.rate) {
            if (p.from > t && (p.rate_from > 0 || p.rate_to > 0)) resume = std::min(resume, p.from);
        }
        if (resume >= spec_.to) return std::nullopt;
        t = resume;
        if (rate_at(t) > 0) return t;
    }
    return std::nullopt;
}

}  // namespace sim::cluster
