#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include "sim/kernel/event_loop.hpp"
#include "sim/kernel/random.hpp"

using namespace sim::kernel;

TEST_CASE("events run in time order, same-instant events in scheduling order") {
    EventLoop loop;
    std::vector<int> order;
    loop.schedule_at(30, [&] { order.push_back(3); });
    loop.schedule_at(10, [&] { order.push_back(1); });
    loop.schedule_at(20, [&] { order.push_back(21); });
    loop.schedule_at(20, [&] { order.push_back(22); });
    loop.schedule_at(20, [&] { order.push_back(23); });
    CHECK(loop.run_until_idle(100) == 5);
    CHECK(order == std::vector<int>{1, 21, 22, 23, 3});
    CHECK(loop.now() == 30);
}

TEST_CASE("run_until stops at the instant and moves the clock there") {
    EventLoop loop;
    int ran = 0;
    loop.schedule_at(5, [&] { ++ran; });
    loop.schedule_at(10, [&] { ++ran; });
    loop.schedule_at(11, [&] { ++ran; });
    CHECK(loop.run_until(10) == 2);
    CHECK(ran == 2);
    CHECK(loop.now() == 10);
    CHECK(loop.next_time() == 11);
    CHECK(loop.run_until(100) == 1);
    CHECK(loop.now() == 100);
    CHECK(loop.next_time() == -1);
}

TEST_CASE("events scheduled from events, including at the same instant") {
    EventLoop loop;
    std::vector<int> order;
    loop.schedule_at(1, [&] {
        order.push_back(1);
        loop.schedule_after(0, [&] { order.push_back(3); });
    });
    loop.schedule_at(1, [&] { order.push_back(2); });
    loop.run_until_idle(10);
    CHECK(order == std::vector<int>{1, 2, 3});
}

TEST_CASE("cancel removes a pending event and only that one") {
    EventLoop loop;
    std::vector<int> order;
    const EventId a = loop.schedule_at(1, [&] { order.push_back(1); });
    const EventId b = loop.schedule_at(2, [&] { order.push_back(2); });
    CHECK(loop.pending() == 2);
    CHECK(loop.cancel(a));
    CHECK_FALSE(loop.cancel(a));
    CHECK(loop.pending() == 1);
    CHECK(loop.is_pending(b));
    loop.run_until_idle(10);
    CHECK(order == std::vector<int>{2});
    CHECK_FALSE(loop.cancel(b));  // already ran
    CHECK_FALSE(loop.cancel(EventId{}));
}

TEST_CASE("a cancelled event's slot reused by a new event does not resurrect it") {
    EventLoop loop;
    int ran = 0;
    const EventId a = loop.schedule_at(5, [&] { ran += 1; });
    loop.cancel(a);
    const EventId b = loop.schedule_at(7, [&] { ran += 10; });
    CHECK(b.slot == a.slot);
    CHECK_FALSE(loop.cancel(a));
    loop.run_until_idle(10);
    CHECK(ran == 10);
}

TEST_CASE("callbacks may own move-only state and large captures") {
    EventLoop loop;
    auto owned = std::make_unique<int>(41);
    int seen = 0;
    std::array<std::int64_t, 16> big{};
    big[15] = 1;
    loop.schedule_at(1, [p = std::move(owned), &seen] { seen += *p; });
    loop.schedule_at(2, [big, &seen] { seen += static_cast<int>(big[15]); });
    loop.run_until_idle(10);
    CHECK(seen == 42);
}

TEST_CASE("the loop refuses the past, empty callbacks and too many pending events") {
    EventLoop loop(3);
    loop.schedule_at(10, [] {});
    loop.run_until(10);
    CHECK_THROWS_AS(loop.schedule_at(5, [] {}), std::logic_error);
    CHECK_THROWS_AS(loop.schedule_after(-1, [] {}), std::logic_error);
    CHECK_THROWS_AS(loop.schedule_at(20, Callback{}), std::logic_error);
    loop.schedule_at(20, [] {});
    loop.schedule_at(20, [] {});
    loop.schedule_at(20, [] {});
    CHECK_THROWS_WITH(loop.schedule_at(20, [] {}),
                      Catch::Contains("more than 3 pending events"));
    CHECK_THROWS_AS(EventLoop(0), std::invalid_argument);
}

TEST_CASE("run_until_idle bounds a loop that never ends") {
    EventLoop loop;
    std::function<void()> again = [&] { loop.schedule_after(1, [&] { again(); }); };
    loop.schedule_at(0, [&] { again(); });
    CHECK_THROWS_WITH(loop.run_until_idle(1000), Catch::Contains("still busy after 1000 events"));
}

TEST_CASE("property: any schedule/cancel sequence runs in (time, scheduling) order") {
    rc::prop("events run in non-decreasing time, ties by scheduling order", [] {
        const auto ops = *rc::gen::container<std::vector<std::tuple<bool, std::int64_t, std::size_t>>>(
            rc::gen::tuple(rc::gen::arbitrary<bool>(), rc::gen::inRange<std::int64_t>(0, 50),
                           rc::gen::inRange<std::size_t>(0, 1000)));
        // 0 and 1: always the radix heap; 4 and 16: moves between it and the small queue.
        const auto small_queue =
            *rc::gen::element<std::size_t>(0, 1, 4, 16, EventLoop::kDefaultSmallQueue);
        EventLoop loop(EventLoop::kDefaultMaxPending, small_queue);
        struct Scheduled {
            Nanos time;
            std::size_t order;
            EventId id;
            bool cancelled = false;
        };
        std::vector<Scheduled> scheduled;
        std::vector<std::size_t> ran;
        for (const auto& [cancel, delay, target] : ops) {
            if (cancel && !scheduled.empty()) {
                Scheduled& s = scheduled[target % scheduled.size()];
                const bool was_pending = !s.cancelled;
                RC_ASSERT(loop.cancel(s.id) == was_pending);
                s.cancelled = true;
            } else {
                const std::size_t order = scheduled.size();
                const EventId id = loop.schedule_at(delay, [&ran, order] { ran.push_back(order); });
                scheduled.push_back({delay, order, id});
            }
        }
        loop.run_until_idle(ops.size() + 1);
        std::vector<std::size_t> expected;
        for (const Scheduled& s : scheduled) {
            if (!s.cancelled) expected.push_back(s.order);
        }
        std::stable_sort(expected.begin(), expected.end(), [&](std::size_t a, std::size_t b) {
            return scheduled[a].time < scheduled[b].time;
        });
        RC_ASSERT(ran == expected);
        RC_ASSERT(loop.pending() == 0u);
    });
}

TEST_CASE("property: events scheduled and cancelled from inside events keep the order") {
    rc::prop("a nested random schedule runs in (time, scheduling) order", [] {
        // Each event, when it runs, schedules up to two children at random delays and may
        // cancel a random pending event. A reference model records (time, sequence) of each
        // scheduled event; the run must match the model's sorted order exactly.
        const auto seed = *rc::gen::arbitrary<std::uint64_t>();
        sim::kernel::Random random(seed);
        // 0 and 1: always the radix heap; 4 and 16: moves between it and the small queue.
        const auto small_queue =
            *rc::gen::element<std::size_t>(0, 1, 4, 16, EventLoop::kDefaultSmallQueue);
        EventLoop loop(EventLoop::kDefaultMaxPending, small_queue);
        struct Record {
            Nanos time;
            std::uint64_t order;
            EventId id;
            bool cancelled = false;
            bool ran = false;
        };
        std::vector<Record> records;
        std::vector<std::uint64_t> ran;
        std::function<void(std::uint64_t)> body;
        const auto schedule = [&](Nanos delay) {
            const std::uint64_t order = records.size();
            const Nanos when = loop.now() + delay;
            records.push_back({when, order, {}, false, false});
            records.back().id = loop.schedule_at(when, [&body, order] { body(order); });
        };
        body = [&](std::uint64_t order) {
            RC_ASSERT(loop.now() == records[order].time);
            records[order].ran = true;
            ran.push_back(order);
            if (records.size() < 300) {
                for (int k = static_cast<int>(random.below(3)); k > 0; --k) {
                    schedule(static_cast<Nanos>(random.below(5)));
                }
            }
            if (random.bernoulli(0.3)) {
                Record& victim = records[random.below(records.size())];
                const bool pending = !victim.ran && !victim.cancelled;
                RC_ASSERT(loop.cancel(victim.id) == pending);
                if (pending) victim.cancelled = true;
            }
        };
        for (int i = 0; i < 5; ++i) schedule(static_cast<Nanos>(random.below(3)));
        loop.run_until_idle(10'000);

        // Every event that was not cancelled ran, in (time, scheduling order).
        std::vector<std::uint64_t> expected;
        for (const Record& r : records) {
            if (!r.cancelled) expected.push_back(r.order);
        }
        std::stable_sort(expected.begin(), expected.end(), [&](std::uint64_t a, std::uint64_t b) {
            return records[a].time < records[b].time;
        });
        RC_ASSERT(ran == expected);
    });
}

TEST_CASE("an event scheduled between run_until calls, before a later pending one, runs") {
    // run_until peeks at the next event (601 s) and re-bases the queue on it; an event then
    // scheduled from outside the loop at an earlier instant must still run, and first.
    EventLoop loop;
    std::vector<int> order;
    loop.schedule_at(601 * kSecond, [&] { order.push_back(601); });
    loop.run_until(2 * kSecond);
    loop.run_until(3 * kSecond);
    loop.schedule_after(0, [&] { order.push_back(3); });
    loop.schedule_after(kSecond, [&] { order.push_back(4); });
    CHECK(loop.next_time() == 3 * kSecond);
    loop.run_until(4 * kSecond);
    CHECK(order == std::vector<int>{3, 4});
    loop.run_until_idle(10);
    CHECK(order == std::vector<int>{3, 4, 601});
}

TEST_CASE("property: peeking and scheduling from outside the loop keep the order") {
    rc::prop("run_until / next_time / schedule / cancel from outside, in any mix", [] {
        const auto seed = *rc::gen::arbitrary<std::uint64_t>();
        sim::kernel::Random random(seed);
        // 0 and 1: always the radix heap; 4 and 16: moves between it and the small queue.
        const auto small_queue =
            *rc::gen::element<std::size_t>(0, 1, 4, 16, EventLoop::kDefaultSmallQueue);
        EventLoop loop(EventLoop::kDefaultMaxPending, small_queue);
        struct Record {
            Nanos time;
            EventId id;
            bool cancelled = false;
        };
        std::vector<Record> records;
        std::vector<std::size_t> ran;
        for (int op = 0; op < 200; ++op) {
            const auto choice = random.below(5);
            if (choice <= 1) {  // schedule at now + small or large delay
                const Nanos delay = static_cast<Nanos>(random.bernoulli(0.2) ? random.below(1000)
                                                                             : random.below(5));
                const std::size_t index = records.size();
                records.push_back({loop.now() + delay, {}, false});
                records.back().id = loop.schedule_after(delay, [&ran, index] { ran.push_back(index); });
            } else if (choice == 2 && !records.empty()) {
                Record& r = records[random.below(records.size())];
                if (loop.cancel(r.id)) r.cancelled = true;
            } else if (choice == 3) {
                loop.next_time();
            } else {
                loop.run_until(loop.now() + static_cast<Nanos>(random.below(20)));
            }
        }
        loop.run_until_idle(10'000);
        std::vector<std::size_t> expected;
        for (std::size_t i = 0; i < records.size(); ++i) {
            if (!records[i].cancelled) expected.push_back(i);
        }
        std::stable_sort(expected.begin(), expected.end(), [&](std::size_t a, std::size_t b) {
            return records[a].time < records[b].time;
        });
        RC_ASSERT(ran == expected);
    });
}

TEST_CASE("mass cancellation compacts the queue in either form and keeps the order") {
    for (const std::size_t small_queue :
         {std::size_t{0}, EventLoop::kDefaultSmallQueue, std::size_t{100'000}}) {
        INFO("small_queue " << small_queue);
        EventLoop loop(EventLoop::kDefaultMaxPending, small_queue);
        sim::kernel::Random random(small_queue + 1);
        std::vector<std::pair<Nanos, int>> kept;
        std::vector<int> ran;
        std::vector<EventId> ids;
        for (int i = 0; i < 6000; ++i) {
            const auto when = static_cast<Nanos>(random.below(100'000));
            ids.push_back(loop.schedule_at(when, [&ran, i] { ran.push_back(i); }));
            if (i % 5 == 0) kept.emplace_back(when, i);
        }
        for (int i = 0; i < 6000; ++i) {
            if (i % 5 != 0) CHECK(loop.cancel(ids[static_cast<std::size_t>(i)]));
        }
        CHECK(loop.pending() == 1200u);
        loop.run_until_idle(10'000);
        std::stable_sort(kept.begin(), kept.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<int> expected;
        for (const auto& k : kept)
            expected.push_back(k.second);
        CHECK(ran == expected);
    }
}

TEST_CASE("the small queue and the radix heap hand over in both directions mid-run") {
    // Bursts of events grow the queue past the small queue's size and drain it below a quarter
    // of it, again and again, with peeks (run_until) and outside scheduling in between.
    EventLoop loop(EventLoop::kDefaultMaxPending, 32);
    sim::kernel::Random random(3);
    std::vector<std::pair<Nanos, std::size_t>> scheduled;
    std::vector<std::size_t> ran;
    for (int burst = 0; burst < 20; ++burst) {
        const int n = static_cast<int>(random.below(100));
        for (int i = 0; i < n; ++i) {
            const Nanos when = loop.now() + static_cast<Nanos>(random.below(1000));
            const std::size_t index = scheduled.size();
            scheduled.emplace_back(when, index);
            loop.schedule_at(when, [&ran, index] { ran.push_back(index); });
        }
        loop.run_until(loop.now() + static_cast<Nanos>(random.below(900)));
    }
    loop.run_until_idle(100'000);
    std::stable_sort(scheduled.begin(), scheduled.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::size_t> expected;
    for (const auto& s : scheduled)
        expected.push_back(s.second);
    CHECK(ran == expected);
}
