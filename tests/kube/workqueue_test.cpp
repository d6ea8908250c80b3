#include <catch2/catch.hpp>

#include "sim/kernel/event_loop.hpp"
#include "sim/kube/workqueue.hpp"

using namespace sim::kube;
using sim::kernel::EventLoop;
using sim::kernel::kMillisecond;
using sim::kernel::kSecond;

TEST_CASE("the queue de-duplicates keys and holds re-adds of a processing key until done") {
    EventLoop loop;
    WorkQueue q(loop);
    q.add("a");
    q.add("b");
    q.add("a");
    CHECK(q.len() == 2);
    const auto first = q.get();
    REQUIRE(first == "a");
    q.add("a");  // dirty while processing: not queued yet
    CHECK(q.len() == 1);
    CHECK(q.get() == "b");
    CHECK_FALSE(q.get().has_value());
    q.done("a");
    CHECK(q.len() == 1);
    CHECK(q.get() == "a");
    q.done("a");
    q.done("b");
    CHECK(q.len() == 0);
}

TEST_CASE("per-item exponential backoff: 5 ms doubling, capped at 1000 s") {
    ItemExponentialFailureRateLimiter limiter(5 * kMillisecond, 1000 * kSecond);
    CHECK(limiter.when("x") == 5 * kMillisecond);
    CHECK(limiter.when("x") == 10 * kMillisecond);
    CHECK(limiter.when("x") == 20 * kMillisecond);
    CHECK(limiter.when("y") == 5 * kMillisecond);
    CHECK(limiter.num_requeues("x") == 3);
    for (int i = 0; i < 30; ++i)
        limiter.when("x");
    CHECK(limiter.when("x") == 1000 * kSecond);
    limiter.forget("x");
    CHECK(limiter.when("x") == 5 * kMillisecond);
}

TEST_CASE("token bucket: burst of 100, then 10 per second") {
    TokenBucket bucket(10.0, 100);
    for (int i = 0; i < 100; ++i)
        REQUIRE(bucket.reserve(0) == 0);
    CHECK(bucket.reserve(0) == 100 * kMillisecond);
    CHECK(bucket.reserve(0) == 200 * kMillisecond);
    // One second later ten tokens have refilled; two were owed, so eight are left.
    for (int i = 0; i < 8; ++i)
        REQUIRE(bucket.reserve(kSecond) == 0);
    CHECK(bucket.reserve(kSecond) == 100 * kMillisecond);
}

TEST_CASE("add_rate_limited waits in virtual time, forget resets the backoff") {
    EventLoop loop;
    WorkQueue q(loop);
    std::vector<sim::kernel::Nanos> ready_at;
    q.set_ready_callback([&] {
        while (auto key = q.get()) {
            ready_at.push_back(loop.now());
            q.done(*key);
        }
    });
    q.add_rate_limited("k");
    loop.run_until_idle(100);
    q.add_rate_limited("k");
    loop.run_until_idle(100);
    q.add_rate_limited("k");
    loop.run_until_idle(100);
    CHECK(ready_at ==
          std::vector<sim::kernel::Nanos>{5 * kMillisecond, 15 * kMillisecond, 35 * kMillisecond});
    CHECK(q.num_requeues("k") == 3);
    q.forget("k");
    q.add_rate_limited("k");
    loop.run_until_idle(100);
    CHECK(ready_at.back() == 40 * kMillisecond);
}

TEST_CASE("add_after keeps the earlier of two waits") {
    EventLoop loop;
    WorkQueue q(loop);
    q.add_after("k", 10 * kSecond);
    q.add_after("k", 3 * kSecond);
    q.add_after("k", 5 * kSecond);
    CHECK(q.waiting() == 1);
    loop.run_until(3 * kSecond);
    CHECK(q.len() == 1);
    loop.run_until_idle(100);
    CHECK(q.len() == 1);
}

TEST_CASE("more than the burst of rate-limited keys spread at 10 per second") {
    EventLoop loop;
    WorkQueue q(loop);
    for (int i = 0; i < 120; ++i)
        q.add_rate_limited("k" + std::to_string(i));
    loop.run_until(5 * kMillisecond);
    CHECK(q.len() == 100);
    loop.run_until(kSecond);
    CHECK(q.len() == 110);  // the extras wait 100 ms, 200 ms, ..., 1000 ms, ...
    loop.run_until(kSecond + 50 * kMillisecond);
    CHECK(q.len() == 110);
    loop.run_until(2 * kSecond);
    CHECK(q.len() == 120);
}

TEST_CASE("a shut-down queue ignores adds and cancels waits") {
    EventLoop loop;
    WorkQueue q(loop);
    q.add_after("k", kSecond);
    q.shut_down();
    q.add("j");
    loop.run_until_idle(100);
    CHECK(q.len() == 0);
    CHECK(q.waiting() == 0);
    CHECK(q.shutting_down());
}

TEST_CASE("the ready callback drains keys re-added during processing") {
    EventLoop loop;
    WorkQueue q(loop);
    std::vector<std::string> worked;
    int requeues = 0;
    q.set_ready_callback([&] {
        while (auto key = q.get()) {
            worked.push_back(*key);
            if (requeues++ < 2) q.add(*key);  // dirty while processing
            q.done(*key);
        }
    });
    q.add("k");
    loop.run_until_idle(100);
    CHECK(worked == std::vector<std::string>{"k", "k", "k"});
}
