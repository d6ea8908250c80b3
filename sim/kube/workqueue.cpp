#include "sim/kube/workqueue.hpp"

#include <cmath>

namespace sim::kube {

using sim::kernel::kMillisecond;
using sim::kernel::kSecond;
using sim::kernel::Nanos;

Nanos ItemExponentialFailureRateLimiter::when(const std::string& item) {
    const int exp = failures_[item]++;
    // base * 2^exp, saturating at max (default_rate_limiters.go).
    if (exp >= 62) return max_;
    const double backoff = static_cast<double>(base_) * std::ldexp(1.0, exp);
    if (backoff >= static_cast<double>(max_)) return max_;
    return static_cast<Nanos>(backoff);
}

int ItemExponentialFailureRateLimiter::num_requeues(const std::string& item) const {
    const auto it = failures_.find(item);
    return it == failures_.end() ? 0 : it->second;
}

void TokenBucket::advance(Nanos now) {
    if (!used_) {
        used_ = true;
        last_ = now;
    }
    if (now > last_) {
        // advance(): tokens accrue at qps up to the burst.
        const double elapsed_s = static_cast<double>(now - last_) / static_cast<double>(kSecond);
        tokens_ = std::min(static_cast<double>(burst_), tokens_ + elapsed_s * qps_);
        last_ = now;
    }
}

Nanos TokenBucket::reserve(Nanos now) {
    advance(now);
    tokens_ -= 1.0;
    if (tokens_ >= 0) return 0;
    // durationFromTokens: seconds = tokens / limit, truncated to nanoseconds.
    return static_cast<Nanos>(static_cast<double>(kSecond) * (-tokens_ / qps_));
}

bool TokenBucket::allow(Nanos now) {
    advance(now);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
}

ControllerRateLimiter::ControllerRateLimiter()
    : exponential_(5 * kMillisecond, 1000 * kSecond), bucket_(10.0, 100) {}

Nanos ControllerRateLimiter::when(const std::string& item, Nanos now) {
    const Nanos a = exponential_.when(item);
    const Nanos b = bucket_.reserve(now);
    return std::max(a, b);
}

WorkQueue::WorkQueue(sim::kernel::EventLoop& loop, std::string name)
    : loop_(loop), name_(std::move(name)) {}

WorkQueue::~WorkQueue() {
    for (const auto& [key, w] : waiting_)
        loop_.cancel(w.event);
}

void WorkQueue::add(const std::string& key) {
    if (shutting_down_ || dirty_.contains(key)) return;
    dirty_.insert(key);
    if (processing_.contains(key)) return;
    queue_.push_back(key);
    notify();
}

void WorkQueue::add_after(const std::string& key, Nanos delay) {
    if (shutting_down_) return;
    if (delay <= 0) {
        add(key);
        return;
    }
    const Nanos ready_at = loop_.now() + delay;
    const auto it = waiting_.find(key);
    if (it != waiting_.end()) {
        if (it->second.ready_at <= ready_at) return;  // keep the earlier time
        loop_.cancel(it->second.event);
        waiting_.erase(it);
    }
    const auto event =
        loop_.schedule_at(ready_at, [this, key, alive = std::weak_ptr<bool>(alive_)] {
            if (alive.expired()) return;
            waiting_.erase(key);
            add(key);
        });
    waiting_[key] = Waiting{ready_at, event};
}

void WorkQueue::add_rate_limited(const std::string& key) {
    add_after(key, limiter_.when(key, loop_.now()));
}

std::optional<std::string> WorkQueue::get() {
    if (queue_.empty()) return std::nullopt;
    std::string key = std::move(queue_.front());
    queue_.pop_front();
    processing_.insert(key);
    dirty_.erase(key);
    return key;
}

void WorkQueue::done(const std::string& key) {
    processing_.erase(key);
    if (dirty_.contains(key)) {
        queue_.push_back(key);
        notify();
    }
}

void WorkQueue::shut_down() {
    shutting_down_ = true;
    for (const auto& [key, w] : waiting_)
        loop_.cancel(w.event);
    waiting_.clear();
}

void WorkQueue::notify() {
    if (!ready_ || notify_pending_) return;
    notify_pending_ = true;
    loop_.schedule_after(0, [this, alive = std::weak_ptr<bool>(alive_)] {
        if (alive.expired()) return;
        notify_pending_ = false;
        if (!queue_.empty() && ready_) ready_();
    });
}

}  // namespace sim::kube
