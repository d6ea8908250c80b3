// A controller work queue with client-go's semantics (util/workqueue: queue.go,
// delaying_queue.go, rate_limiting_queue.go, default_rate_limiters.go), in virtual time.
//
// - A key is queued at most once (the dirty set); a key being processed and added again is
//   queued only when done() is called (the processing set), so one key is never worked on
//   twice at once.
// - add_after() waits on the event loop; a key already waiting keeps the earlier time.
// - add_rate_limited() waits for DefaultControllerRateLimiter's delay: the larger of the
//   per-item exponential backoff (5 ms * 2^failures, capped at 1000 s) and an overall token
//   bucket of 10 qps with a burst of 100 (golang.org/x/time/rate reservations).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "sim/kernel/event_loop.hpp"

namespace sim::kube {

class ItemExponentialFailureRateLimiter {
  public:
    ItemExponentialFailureRateLimiter(sim::kernel::Nanos base, sim::kernel::Nanos max)
        : base_(base), max_(max) {}
    sim::kernel::Nanos when(const std::string& item);
    void forget(const std::string& item) { failures_.erase(item); }
    int num_requeues(const std::string& item) const;

  private:
    sim::kernel::Nanos base_;
    sim::kernel::Nanos max_;
    std::map<std::string, int> failures_;
};

// golang.org/x/time/rate.Limiter used through Reserve(): the delay until a token is available
// at `now`, taking it (tokens may go negative, queueing later callers behind).
class TokenBucket {
  public:
    TokenBucket(double qps, int burst) : qps_(qps), burst_(burst), tokens_(burst) {}
    sim::kernel::Nanos reserve(sim::kernel::Nanos now);
    // Limiter.Allow(): takes a token only when one is available now.
    bool allow(sim::kernel::Nanos now);

  private:
    void advance(sim::kernel::Nanos now);
    double qps_;
    int burst_;
    double tokens_;
    sim::kernel::Nanos last_ = 0;
    bool used_ = false;
};

// workqueue.DefaultControllerRateLimiter(): MaxOf(exponential(5ms, 1000s), bucket(10, 100)).
class ControllerRateLimiter {
  public:
    ControllerRateLimiter();
    sim::kernel::Nanos when(const std::string& item, sim::kernel::Nanos now);
    void forget(const std::string& item) { exponential_.forget(item); }
    int num_requeues(const std::string& item) const { return exponential_.num_requeues(item); }

  private:
    ItemExponentialFailureRateLimiter exponential_;
    TokenBucket bucket_;
};

class WorkQueue {
  public:
    explicit WorkQueue(sim::kernel::EventLoop& loop, std::string name = "");
    WorkQueue(const WorkQueue&) = delete;
    WorkQueue& operator=(const WorkQueue&) = delete;
    ~WorkQueue();

    const std::string& name() const { return name_; }

    void add(const std::string& key);
    void add_after(const std::string& key, sim::kernel::Nanos delay);
    void add_rate_limited(const std::string& key);
    void forget(const std::string& key) { limiter_.forget(key); }
    int num_requeues(const std::string& key) const { return limiter_.num_requeues(key); }

    // The next key to work on (now processing), or nullopt when none is ready.
    std::optional<std::string> get();
    // Marks `key` finished; re-queues it if it was added while processing.
    void done(const std::string& key);

    std::size_t len() const { return queue_.size(); }
    std::size_t waiting() const { return waiting_.size(); }
    bool is_processing(const std::string& key) const { return processing_.contains(key); }
    void shut_down();
    bool shutting_down() const { return shutting_down_; }

    // Called (from an event scheduled 0 ns ahead) when keys become available to get(); a
    // controller drains the queue from it. One notification is pending at a time.
    void set_ready_callback(std::function<void()> callback) { ready_ = std::move(callback); }

  private:
    void notify();

    sim::kernel::EventLoop& loop_;
    std::string name_;
    std::deque<std::string> queue_;
    std::set<std::string> dirty_;
    std::set<std::string> processing_;
    struct Waiting {
        sim::kernel::Nanos ready_at;
        sim::kernel::EventId event;
    };
    std::map<std::string, Waiting> waiting_;
    ControllerRateLimiter limiter_;
    std::function<void()> ready_;
    bool notify_pending_ = false;
    bool shutting_down_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sim::kube
