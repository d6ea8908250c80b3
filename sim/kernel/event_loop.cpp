#include "sim/kernel/event_loop.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <string>

namespace sim::kernel {

EventLoop::EventLoop(std::size_t max_pending, std::size_t small_queue)
    : small_max_(small_queue), small_min_(small_queue / 2), max_pending_(max_pending) {
    if (max_pending_ == 0 || max_pending_ > kMaxPendingLimit) {
        throw std::invalid_argument("event loop: max_pending must be in [1, 2^24], got " +
                                    std::to_string(max_pending));
    }
}

std::uint32_t EventLoop::claim_slot(Nanos when) {
    if (when < now_) {
        throw std::logic_error("event loop: event scheduled in the past (at " +
                               format_duration(when) + ", now " + format_duration(now_) + ")");
    }
    if (live_ >= max_pending_) {
        throw std::length_error("event loop: more than " + std::to_string(max_pending_) +
                                " pending events at " + format_duration(now_) +
                                " (a runaway schedule?)");
    }
    if (next_seq_ > kMaxSeq) throw std::length_error("event loop: sequence numbers exhausted");
    return take_slot();
}

EventId EventLoop::commit(Nanos when, std::uint32_t slot) {
    const std::uint64_t seq = next_seq_++;
    slot_seq_[slot] = seq;
    ++live_;
    // when >= now and seq > every earlier seq, so the key is above every key already run.
    enqueue(Entry{static_cast<std::uint64_t>(when), seq << kSlotBits | slot});
    return EventId{slot, seq};
}

void EventLoop::check_delay(Nanos delay) const {
    if (delay < 0) {
        throw std::logic_error("event loop: negative delay " + format_duration(delay));
    }
}

EventId EventLoop::schedule_at(Nanos when, Callback callback) {
    if (!callback) throw std::logic_error("event loop: empty callback");
    const std::uint32_t slot = claim_slot(when);
    slots_[slot].callback = std::move(callback);
    return commit(when, slot);
}

EventId EventLoop::schedule_after(Nanos delay, Callback callback) {
    check_delay(delay);
    return schedule_at(now_ + delay, std::move(callback));
}

bool EventLoop::is_pending(EventId id) const {
    return id.seq != 0 && id.slot < slot_seq_.size() && slot_seq_[id.slot] == id.seq;
}

bool EventLoop::cancel(EventId id) {
    if (!is_pending(id)) return false;
    slots_[id.slot].callback.reset();
    slot_seq_[id.slot] = 0;
    front_live_ = false;  // it may have been the front
    free_slots_.push_back(id.slot);
    --live_;
    // The queued entry stays as a tombstone; rebuild when tombstones dominate.
    if (queued_ > 1024 && queued_ > 2 * live_ + 1024) compact();
    return true;
}

bool EventLoop::step() {
    if (!settle()) return false;
    const Entry top = pop_front();
    const auto slot_index = static_cast<std::uint32_t>(top.seq_slot & kSlotMask);
    Slot& slot = slots_[slot_index];
    slot_seq_[slot_index] = 0;  // no longer pending: cancelling it from inside is a no-op
    --live_;
    now_ = static_cast<Nanos>(top.time);
    ++executed_;
    // Run in place; the slot is released only afterwards, so nothing the callback schedules
    // can reuse it while it runs (even if it throws).
    struct Release {
        EventLoop& loop;
        Slot& slot;
        std::uint32_t index;
        ~Release() {
            slot.callback.reset();
            loop.free_slots_.push_back(index);
        }
    } release{*this, slot, slot_index};
    slot.callback();
    return true;
}

std::uint64_t EventLoop::run_until(Nanos until) {
    std::uint64_t ran = 0;
    while (settle() && static_cast<Nanos>(front().time) <= until) {
        step();
        ++ran;
    }
    if (until > now_) now_ = until;
    return ran;
}

std::uint64_t EventLoop::run_until_idle(std::uint64_t max_events) {
    std::uint64_t ran = 0;
    while (step()) {
        if (++ran >= max_events && pending() > 0) {
            throw std::runtime_error("event loop: still busy after " + std::to_string(ran) +
                                     " events at " + format_duration(now_));
        }
    }
    return ran;
}

Nanos EventLoop::next_time() {
    return settle() ? static_cast<Nanos>(front().time) : Nanos{-1};
}

// The earliest entry: below-base entries come first (each is below last_, and every bucket
// entry is at or above it).
const EventLoop::Entry& EventLoop::front() const {
    if (small_) return sorted_.back();
    return early_.empty() ? buckets_[0].back() : early_.front();
}

EventLoop::Entry EventLoop::pop_front() {
    --queued_;
    front_live_ = false;
    if (small_) {
        popped_ = sorted_.back();
        sorted_.pop_back();
        return popped_;
    }
    if (!early_.empty()) {
        std::pop_heap(early_.begin(), early_.end(), later);
        popped_ = early_.back();
        early_.pop_back();
        return popped_;
    }
    popped_ = buckets_[0].back();
    buckets_[0].pop_back();
    if (buckets_[0].empty()) nonempty_[0] &= ~std::uint64_t{1};
    return popped_;
}

// Every queued key is above the last one taken (events are scheduled at or after now, with a
// larger sequence number than any before), so that key is a valid radix base.
void EventLoop::to_radix() {
    front_live_ = false;
    std::vector<Entry> entries;
    entries.swap(sorted_);
    small_ = false;
    last_ = popped_;
    queued_ -= entries.size();
    for (const Entry& e : entries)
        enqueue(e);
    entries.clear();
    sorted_.swap(entries);  // keep the capacity for the way back
}

void EventLoop::take_live_from_heap(std::vector<Entry>& live) {
    for (std::vector<Entry>& bucket : buckets_) {
        for (const Entry& e : bucket) {
            if (is_live(e)) live.push_back(e);
        }
        bucket.clear();
    }
    for (const Entry& e : early_) {
        if (is_live(e)) live.push_back(e);
    }
    early_.clear();
    nonempty_ = {};
}

void EventLoop::to_small() {
    front_live_ = false;
    std::vector<Entry> live;
    live.swap(sorted_);
    take_live_from_heap(live);
    std::sort(live.begin(), live.end(), later);
    queued_ = live.size();
    sorted_.swap(live);
    small_ = true;
}

std::uint32_t EventLoop::take_slot() {
    if (!free_slots_.empty()) {
        const std::uint32_t slot = free_slots_.back();
        free_slots_.pop_back();
        return slot;
    }
    slots_.emplace_back();
    slot_seq_.push_back(0);
    return static_cast<std::uint32_t>(slots_.size() - 1);
}

// 0 when the key equals last_, else 1 + the index of the highest bit where they differ,
// counting the 128-bit key (time, seq_slot) from seq_slot's lowest bit.
std::size_t EventLoop::bucket_of(const Entry& e) const {
    if (const std::uint64_t high = e.time ^ last_.time) {
        return 129 - static_cast<std::size_t>(std::countl_zero(high));
    }
    if (const std::uint64_t low = e.seq_slot ^ last_.seq_slot) {
        return 65 - static_cast<std::size_t>(std::countl_zero(low));
    }
    return 0;
}

void EventLoop::enqueue(const Entry& e) {
    ++queued_;
    if (small_) {
        // Keys are unique: every entry before the position is later than e, every one after it
        // earlier. A new event is usually due soon, so its place is near the end: walk from
        // there, moving each earlier entry up one (no call to memmove for a few entries).
        sorted_.push_back(e);
        std::size_t i = sorted_.size() - 1;
        for (; i > 0 && before(sorted_[i - 1], e); --i)
            sorted_[i] = sorted_[i - 1];
        sorted_[i] = e;
        if (sorted_.size() > small_max_) to_radix();
        return;
    }
    if (before(e, last_)) {
        // A peek (next_time, run_until) moved last_ up to the next event; this one was then
        // scheduled between now and it. The radix buckets only hold keys >= last_, so it waits
        // in a small side heap, which the front always drains first.
        early_.push_back(e);
        std::push_heap(early_.begin(), early_.end(), later);
        return;
    }
    const std::size_t b = bucket_of(e);
    buckets_[b].push_back(e);
    nonempty_[b / 64] |= std::uint64_t{1} << (b % 64);
}

bool EventLoop::settle_front() {
    if (small_) {
        while (!sorted_.empty() && !is_live(sorted_.back())) {
            sorted_.pop_back();
            --queued_;
        }
        front_live_ = !sorted_.empty();
        return front_live_;
    }
    if (queued_ < small_min_) {
        to_small();
        return settle_front();
    }
    for (;;) {
        // Drop tombstones that reached the front. Below-base entries go first; while there
        // are any, last_ must not move (they must stay below it).
        while (!early_.empty() && !is_live(early_.front())) {
            std::pop_heap(early_.begin(), early_.end(), later);
            early_.pop_back();
            --queued_;
        }
        if (!early_.empty()) return front_live_ = true;
        while (!buckets_[0].empty() && !is_live(buckets_[0].back())) {
            buckets_[0].pop_back();
            --queued_;
        }
        if (!buckets_[0].empty()) return front_live_ = true;
        nonempty_[0] &= ~std::uint64_t{1};
        if (queued_ == 0) return false;

        // The lowest non-empty bucket holds the minimum; make it the new last_ and spread the
        // bucket over lower buckets (each entry lands strictly lower: radix-heap invariant).
        std::size_t b = 0;
        for (std::size_t w = 0; w < nonempty_.size(); ++w) {
            if (nonempty_[w]) {
                b = w * 64 + static_cast<std::size_t>(std::countr_zero(nonempty_[w]));
                break;
            }
        }
        std::vector<Entry> bucket = std::move(buckets_[b]);
        buckets_[b] = std::vector<Entry>();
        nonempty_[b / 64] &= ~(std::uint64_t{1} << (b % 64));
        Entry minimum = bucket.front();
        for (const Entry& e : bucket) {
            if (before(e, minimum)) minimum = e;
        }
        last_ = minimum;
        // Redistribute, gathering the bucket bits locally: this loop is the queue's hot spot.
        std::array<std::uint64_t, 3> touched{};
        for (const Entry& e : bucket) {
            const std::size_t to = bucket_of(e);
            buckets_[to].push_back(e);
            touched[to / 64] |= std::uint64_t{1} << (to % 64);
        }
        for (std::size_t w = 0; w < touched.size(); ++w)
            nonempty_[w] |= touched[w];
        // Hand the emptied vector's capacity back so the next redistribution reuses it.
        bucket.clear();
        if (buckets_[b].capacity() < bucket.capacity()) buckets_[b] = std::move(bucket);
    }
}

void EventLoop::compact() {
    front_live_ = false;
    if (small_) {
        std::erase_if(sorted_, [this](const Entry& e) { return !is_live(e); });
        queued_ = sorted_.size();
        return;
    }
    std::vector<Entry> live;
    live.reserve(live_);
    take_live_from_heap(live);
    queued_ = 0;
    for (const Entry& e : live)
        enqueue(e);
}

}  // namespace sim::kernel
