#include "components/model/lbfgs.hpp"

#include <algorithm>
#include <cmath>
#include <deque>

namespace components::model {
namespace {

constexpr double kC1 = 1e-4;  // sufficient decrease (Armijo)
constexpr double kC2 = 0.9;   // curvature, the usual value for quasi-Newton methods

struct Point {
    double step = 0.0;
    double value = 0.0;
    double slope = 0.0;  // directional derivative g(x + step d) . d
};

// Minimiser of the cubic through two points with values and slopes, kept safely inside the
// bracket; falls back to bisection when the cubic is degenerate.
double interpolate(const Point& lo, const Point& hi) {
    const double d1 = lo.slope + hi.slope - 3.0 * (lo.value - hi.value) / (lo.step - hi.step);
    const double radicand = d1 * d1 - lo.slope * hi.slope;
    const double mid = 0.5 * (lo.step + hi.step);
    if (radicand < 0.0) return mid;
    const double d2 = std::copysign(std::sqrt(radicand), hi.step - lo.step);
    const double denominator = hi.slope - lo.slope + 2.0 * d2;
    if (denominator == 0.0) return mid;
    const double step = hi.step - (hi.step - lo.step) * (hi.slope + d2 - d1) / denominator;
    const double a = std::min(lo.step, hi.step);
    const double b = std::max(lo.step, hi.step);
    const double margin = 0.1 * (b - a);
    if (!std::isfinite(step) || step < a + margin || step > b - margin) return mid;
    return step;
}

class LineSearch {
  public:
    LineSearch(const Objective& f, const Eigen::VectorXd& x, const Eigen::VectorXd& direction,
               double value, double slope, int max_steps)
        : f_(f), x_(x), d_(direction), start_{0.0, value, slope}, max_steps_(max_steps) {
        trial_x_.resize(x.size());
        trial_g_.resize(x.size());
    }

    // Returns true with x_new/g_new/value_new set when a strong-Wolfe step was found.
    bool run(double initial_step, Eigen::VectorXd& x_new, Eigen::VectorXd& g_new,
             double& value_new) {
        Point previous = start_;
        double step = initial_step;
        for (int i = 0; i < max_steps_; ++i) {
            const Point current = evaluate(step);
            if (current.value > start_.value + kC1 * step * start_.slope ||
                (i > 0 && current.value >= previous.value)) {
                return zoom(previous, current, x_new, g_new, value_new);
            }
            if (std::abs(current.slope) <= -kC2 * start_.slope)
                return accept(x_new, g_new, value_new);
            if (current.slope >= 0.0) return zoom(current, previous, x_new, g_new, value_new);
            previous = current;
            step *= 2.0;
        }
        return false;
    }

  private:
    Point evaluate(double step) {
        trial_x_ = x_ + step * d_;
        const double value = f_(trial_x_, trial_g_);
        last_value_ = value;
        return {step, value, trial_g_.dot(d_)};
    }

    bool accept(Eigen::VectorXd& x_new, Eigen::VectorXd& g_new, double& value_new) {
        x_new = trial_x_;
        g_new = trial_g_;
        value_new = last_value_;
        return true;
    }

    bool zoom(Point lo, Point hi, Eigen::VectorXd& x_new, Eigen::VectorXd& g_new,
              double& value_new) {
        for (int i = 0; i < max_steps_; ++i) {
            const double step = interpolate(lo, hi);
            const Point current = evaluate(step);
            if (current.value > start_.value + kC1 * step * start_.slope ||
                current.value >= lo.value) {
                hi = current;
            } else {
                if (std::abs(current.slope) <= -kC2 * start_.slope) {
                    return accept(x_new, g_new, value_new);
                }
                if (current.slope * (hi.step - lo.step) >= 0.0) hi = lo;
                lo = current;
            }
            if (std::abs(hi.step - lo.step) < 1e-16 * std::max(1.0, std::abs(lo.step))) break;
        }
        // Could not satisfy the curvature condition: take the best sufficient-decrease point.
        if (lo.step > 0.0 && lo.value < start_.value) {
            evaluate(lo.step);
            return accept(x_new, g_new, value_new);
        }
        return false;
    }

    const Objective& f_;
    const Eigen::VectorXd& x_;
    const Eigen::VectorXd& d_;
    Point start_;
    int max_steps_;
    double last_value_ = 0.0;  // value at trial_x_, so accept() need not re-evaluate
    Eigen::VectorXd trial_x_;
    Eigen::VectorXd trial_g_;
};

}  // namespace

LbfgsResult minimise_lbfgs(const Objective& f, Eigen::VectorXd x0, const LbfgsOptions& options) {
    LbfgsResult result;
    Eigen::VectorXd x = std::move(x0);
    Eigen::VectorXd g(x.size());
    double value = f(x, g);
    std::deque<Eigen::VectorXd> s_history;
    std::deque<Eigen::VectorXd> y_history;
    std::deque<double> rho_history;
    Eigen::VectorXd direction(x.size());
    Eigen::VectorXd x_new(x.size());
    Eigen::VectorXd g_new(x.size());
    std::vector<double> alpha(static_cast<std::size_t>(options.memory));

    for (int iteration = 0;; ++iteration) {
        result.gradient_max_abs = g.size() ? g.cwiseAbs().maxCoeff() : 0.0;
        if (result.gradient_max_abs <= options.gradient_tolerance) {
            result.converged = true;
            result.stop_reason = "gradient max-norm below tolerance";
            result.iterations = iteration;
            break;
        }
        if (iteration >= options.max_iterations) {
            result.stop_reason = "iteration limit reached";
            result.iterations = iteration;
            break;
        }
        // Two-loop recursion: direction = -H g.
        direction = -g;
        const std::size_t m = s_history.size();
        for (std::size_t k = m; k-- > 0;) {
            alpha[k] = rho_history[k] * s_history[k].dot(direction);
            direction -= alpha[k] * y_history[k];
        }
        if (m > 0) {
            const double gamma =
                s_history.back().dot(y_history.back()) / y_history.back().squaredNorm();
            direction *= gamma;
        }
        for (std::size_t k = 0; k < m; ++k) {
            const double beta = rho_history[k] * y_history[k].dot(direction);
            direction += (alpha[k] - beta) * s_history[k];
        }
        double slope = g.dot(direction);
        if (!(slope < 0.0)) {  // not a descent direction: restart from steepest descent
            s_history.clear();
            y_history.clear();
            rho_history.clear();
            direction = -g;
            slope = g.dot(direction);
        }
        const double initial_step = m == 0 ? std::min(1.0, 1.0 / direction.norm()) : 1.0;
        LineSearch search(f, x, direction, value, slope, options.max_line_search_steps);
        double value_new = 0.0;
        if (!search.run(initial_step, x_new, g_new, value_new)) {
            result.stop_reason = "objective flat to rounding: the line search made no progress";
            result.iterations = iteration;
            result.converged = result.gradient_max_abs <= options.acceptable_gradient;
            break;
        }
        Eigen::VectorXd s = x_new - x;
        Eigen::VectorXd y = g_new - g;
        const double sy = s.dot(y);
        const double decrease =
            (value - value_new) / std::max({std::abs(value), std::abs(value_new), 1.0});
        x.swap(x_new);
        g.swap(g_new);
        value = value_new;
        if (sy > 1e-300) {
            if (s_history.size() == static_cast<std::size_t>(options.memory)) {
                s_history.pop_front();
                y_history.pop_front();
                rho_history.pop_front();
            }
            s_history.push_back(std::move(s));
            y_history.push_back(std::move(y));
            rho_history.push_back(1.0 / sy);
        }
        if (decrease <= options.relative_decrease_tolerance) {
            result.gradient_max_abs = g.cwiseAbs().maxCoeff();
            result.converged = true;
            result.stop_reason = "relative decrease below tolerance";
            result.iterations = iteration + 1;
            break;
        }
    }
    result.x = std::move(x);
    result.value = value;
    return result;
}

}  // namespace components::model
