// Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed., Algorithm 7.4 and
// 7.5) with a strong-Wolfe line search (Algorithms 3.5 and 3.6), on Eigen vectors.
// Deterministic: no threads, fixed operation order.
#pragma once

#include <Eigen/Core>
#include <functional>
#include <string>

namespace components::model {

struct LbfgsOptions {
    int max_iterations = 1000;
    int memory = 10;                   // scipy's L-BFGS-B default maxcor
    double gradient_tolerance = 1e-8;  // stop when max |g_i| <= this
    // Stop when (f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) <= this (scipy's ftol criterion).
    double relative_decrease_tolerance = 1e-15;
    int max_line_search_steps = 50;  // scipy's maxls
    // When the line search can make no more progress (the objective is flat to rounding), the
    // run still counts as converged if max |g_i| is at most this.
    double acceptable_gradient = 1e-4;
};

struct LbfgsResult {
    Eigen::VectorXd x;
    double value = 0.0;
    double gradient_max_abs = 0.0;
    int iterations = 0;
    bool converged = false;
    std::string stop_reason;
};

// f(x, gradient_out) returns the objective at x and writes its gradient.
using Objective = std::function<double(const Eigen::VectorXd&, Eigen::VectorXd&)>;

LbfgsResult minimise_lbfgs(const Objective& f, Eigen::VectorXd x0, const LbfgsOptions& options);

}  // namespace components::model
