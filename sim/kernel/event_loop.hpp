// The simulation's single event loop over integer virtual time.
//
// Events at the same instant run in the order they were scheduled: the queue is ordered by
// the 128-bit key (time, sequence number). Because a simulation never schedules before now,
// the queue is monotone, and a radix heap (Ahuja, Mehlhorn, Orlin & Tarjan, 1990) serves it:
// entries sit in buckets by the highest bit in which their key differs from the last key
// taken, and popping redistributes one bucket into lower ones. Every access is a sequential
// scan of a vector, so it stays fast when hundreds of thousands of events are pending. Peeking
// at the next event (next_time, run_until) re-bases the heap on it; an event then scheduled
// before it (from outside the loop, between two run_until calls) waits in a small side heap
// that is always drained first
// (docs/performance.md). A queue of at most `small_queue` entries (a simulation's usual tens)
// is instead kept as an array sorted from the latest key to the earliest: the next event is the
// last entry, and a new event, usually due soon, is inserted near the end, moving only the few
// entries due before it. It moves into the radix heap when it grows past that size and back
// when it shrinks below half of it. Both serve the same total order, so the choice changes
// nothing that runs. Entries are 16 bytes (time, and the sequence number packed with a
// slot index); callbacks live in a slot table beside them.
//
// Cancellation is lazy: a cancelled event stays queued as a tombstone until it surfaces, or
// until tombstones outnumber live events and the queue is rebuilt. The number of pending
// events is bounded; exceeding the bound throws, since a runaway schedule is a bug to see.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <vector>

#include "sim/kernel/callback.hpp"
#include "sim/kernel/time.hpp"

namespace sim::kernel {

struct EventId {
    std::uint32_t slot = 0;
    std::uint64_t seq = 0;  // 0 never names an event
};

class EventLoop {
  public:
    // At most 2^24 events may be pending (the slot index's width in a queue entry).
    static constexpr std::size_t kMaxPendingLimit = std::size_t{1} << 24;
    static constexpr std::size_t kDefaultMaxPending = 10'000'000;
    static constexpr std::size_t kDefaultSmallQueue = 256;

    explicit EventLoop(std::size_t max_pending = kDefaultMaxPending,
                       std::size_t small_queue = kDefaultSmallQueue);

    Nanos now() const { return now_; }

    // Schedules `callback` at `when` (>= now(), or std::logic_error). Returns an id for cancel.
    EventId schedule_at(Nanos when, Callback callback);
    EventId schedule_after(Nanos delay, Callback callback);
    // The same for any callable, built in place in its slot (no intermediate Callback).
    template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Callback>>>
    EventId schedule_at(Nanos when, F&& callable) {
        const std::uint32_t slot = claim_slot(when);
        slots_[slot].callback.emplace(std::forward<F>(callable));
        return commit(when, slot);
    }
    template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Callback>>>
    EventId schedule_after(Nanos delay, F&& callable) {
        check_delay(delay);
        return schedule_at(now_ + delay, std::forward<F>(callable));
    }

    // Cancels a pending event; false when it already ran, was cancelled, or never existed.
    bool cancel(EventId id);
    bool is_pending(EventId id) const;

    // Runs the next event. False when nothing is pending.
    bool step();
    // Runs every event due at or before `until`, then sets now() to `until` (never backwards).
    // Returns how many events ran.
    std::uint64_t run_until(Nanos until);
    // Runs until nothing is pending; throws std::runtime_error after `max_events` events.
    std::uint64_t run_until_idle(std::uint64_t max_events);

    // Time of the next pending event, or -1 when idle.
    Nanos next_time();
    std::size_t pending() const { return live_; }
    std::uint64_t executed() const { return executed_; }

  private:
    static constexpr int kSlotBits = 24;
    static constexpr std::uint64_t kSlotMask = (std::uint64_t{1} << kSlotBits) - 1;
    static constexpr std::uint64_t kMaxSeq = (std::uint64_t{1} << (64 - kSlotBits)) - 1;
    static constexpr std::size_t kBuckets = 129;  // equal to last, then one per key bit

    struct Entry {
        std::uint64_t time;      // a Nanos >= 0
        std::uint64_t seq_slot;  // seq << kSlotBits | slot; seq is unique, so it alone orders
    };
    struct Slot {
        Callback callback;
    };

    static bool before(const Entry& a, const Entry& b) {
        return a.time < b.time || (a.time == b.time && a.seq_slot < b.seq_slot);
    }
    // The comparator that makes std::push_heap/pop_heap a min-heap.
    static bool later(const Entry& a, const Entry& b) { return before(b, a); }
    bool is_live(const Entry& e) const {
        return slot_seq_[e.seq_slot & kSlotMask] == e.seq_slot >> kSlotBits;
    }
    std::size_t bucket_of(const Entry& e) const;
    void enqueue(const Entry& e);
    // Makes front() the earliest live entry; false when nothing is pending.
    bool settle() { return front_live_ || settle_front(); }
    bool settle_front();
    const Entry& front() const;
    Entry pop_front();
    void compact();
    // Moves between the small queue (sorted_) and the radix heap.
    void to_radix();
    void to_small();
    // Appends the radix heap's live entries (buckets and early side heap) to `live`, emptying it.
    void take_live_from_heap(std::vector<Entry>& live);
    std::uint32_t take_slot();
    // Checks `when` and the bounds, and takes a free slot for the event.
    std::uint32_t claim_slot(Nanos when);
    // Numbers the event in `slot`, queues it and returns its id.
    EventId commit(Nanos when, std::uint32_t slot);
    void check_delay(Nanos delay) const;

    std::array<std::vector<Entry>, kBuckets> buckets_;
    std::array<std::uint64_t, 3> nonempty_{};  // bit b set when buckets_[b] is not empty
    Entry last_{0, 0};                         // the radix base: every bucket entry's key is >= it
    std::vector<Entry> early_;   // min-heap of entries scheduled below last_ (see enqueue)
    std::size_t queued_ = 0;     // entries queued, tombstones included
    bool small_ = true;          // the entries are in sorted_, not in the radix heap
    std::vector<Entry> sorted_;  // the small queue, latest key first
    Entry popped_{0, 0};         // the last entry taken: every queued key is above it
    std::size_t small_max_;      // more entries: the radix heap
    std::size_t small_min_;      // fewer (in the radix heap): the small queue again

    // A deque, so a callback runs in place in its slot while it schedules new events.
    std::deque<Slot> slots_;
    // The event each slot holds (its sequence number; 0 when free or cancelled), apart from
    // the callbacks so the liveness checks read a dense array.
    std::vector<std::uint64_t> slot_seq_;
    // front() is known to be the earliest live entry: set by settle, cleared by whatever can
    // take or kill the front (pop_front, cancel, a change of structure). A new event cannot
    // make it stale: if it becomes the front, it is live.
    bool front_live_ = false;
    std::vector<std::uint32_t> free_slots_;
    std::size_t max_pending_;
    std::size_t live_ = 0;
    Nanos now_ = 0;
    std::uint64_t next_seq_ = 1;
    std::uint64_t executed_ = 0;
};

}  // namespace sim::kernel
