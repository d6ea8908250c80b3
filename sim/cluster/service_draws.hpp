// A service-time stream's lognormal multipliers, drawn a block at a time.
//
// A container's service time is median * det_exp(sigma * z), z the next standard normal of the
// stream "service/<ns>/<pod>/<container>" (Random::lognormal_median_p99 with sigma worked out
// once). Nothing else draws from that stream, so drawing its next kBlock normals at once yields
// the same z's in the same order; working out their multipliers together lets the processor
// overlap the divisions and square roots of independent draws instead of waiting on each in
// turn. The multipliers depend on sigma: a different sigma (a profile change) recomputes the
// ones not yet used from the kept z's. One ServiceDraws per stream name (not per container): a
// pod recreated under the same name continues the sequence exactly where the stream would.
#pragma once

#include <array>
#include <cstddef>

#include "sim/kernel/det_math.hpp"
#include "sim/kernel/random.hpp"

namespace sim::cluster {

class ServiceDraws {
  public:
    static constexpr std::size_t kBlock = 16;

    explicit ServiceDraws(kernel::Random& random) : random_(&random) {}

    // det_exp(sigma * z) for the stream's next standard normal z.
    double next_multiplier(double sigma) {
        if (next_ == kBlock) {
            random_->standard_normals(z_);
            next_ = 0;
            fill(sigma);
        } else if (sigma != sigma_) {
            fill(sigma);
        }
        return multiplier_[next_++];
    }

  private:
    void fill(double sigma) {
        sigma_ = sigma;
        for (std::size_t i = next_; i < kBlock; ++i)
            multiplier_[i] = kernel::det_exp(sigma * z_[i]);
    }

    kernel::Random* random_;
    std::array<double, kBlock> z_{};
    std::array<double, kBlock> multiplier_{};
    std::size_t next_ = kBlock;  // the next unused draw; kBlock: none left
    double sigma_ = 0;
};

}  // namespace sim::cluster
