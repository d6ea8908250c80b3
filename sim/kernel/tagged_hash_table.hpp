// A flat open-addressing hash table of small, trivially copyable values, each stored beside
// its 64-bit hash ("tag"): linear probing, backward-shift deletion, at most half full.
//
// Why not std::unordered_set: an insert there allocates a node and links it through the bucket
// array and the previous chain's head (three scattered cache lines), and every rehash walks
// all nodes; here an insert writes one 16-byte slot and a rehash moves a flat array. The
// caller supplies the hash, so lookups by a key the value only points at (a map node, say)
// need no copy of that key.
//
// Determinism: for_each visits the slots in hash order, which depends on addresses when the
// tags do. Callers must not let that order reach output (sort first, or only count).
#pragma once

#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace sim {

// MurmurHash3's 64-bit finaliser: every input bit reaches every output bit, so the high bits
// that pick a slot are well mixed even for addresses (which share their low and high bits).
constexpr std::uint64_t mix64(std::uint64_t h) noexcept {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

template <class Value>
class TaggedHashTable {
    static_assert(std::is_trivially_copyable_v<Value>, "slots are moved as plain bytes");

  public:
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

    // The value stored under `hash` for which `same(value)` holds, or nullptr.
    template <class Same>
    const Value* find(std::uint64_t hash, Same&& same) const {
        if (size_ == 0) return nullptr;
        const std::uint64_t tag = tag_of(hash);
        for (std::size_t i = home(tag), probes = 0; probes < slots_.size(); i = next(i), ++probes) {
            const Slot& slot = slots_[i];
            if (slot.tag == 0) return nullptr;
            if (slot.tag == tag && same(slot.value)) return &slot.value;
        }
        return nullptr;  // unreachable: the table is never full
    }

    // Adds `value` under `hash`; the caller makes sure no equal value is stored yet.
    void insert(std::uint64_t hash, const Value& value) {
        if ((size_ + 1) * 2 > slots_.size()) grow();
        place(Slot{tag_of(hash), value});
        ++size_;
    }

    // Removes the slot that holds `value` under `hash`; returns whether there was one.
    // `same(stored)` says whether a stored value is the one to remove.
    template <class Same>
    bool erase(std::uint64_t hash, Same&& same) {
        if (size_ == 0) return false;
        const std::uint64_t tag = tag_of(hash);
        std::size_t hole = home(tag);
        for (std::size_t probes = 0;; hole = next(hole), ++probes) {
            if (probes == slots_.size() || slots_[hole].tag == 0) return false;
            if (slots_[hole].tag == tag && same(slots_[hole].value)) break;
        }
        // Backward shift: move later entries of the probe run into the hole when their home
        // slot is not after it, so every lookup still meets its entry before an empty slot.
        for (std::size_t i = next(hole); slots_[i].tag != 0; i = next(i)) {
            const std::size_t h = home(slots_[i].tag);
            const bool stays = hole <= i ? (hole < h && h <= i) : (hole < h || h <= i);
            if (stays) continue;
            slots_[hole] = slots_[i];
            hole = i;
        }
        slots_[hole] = Slot{};
        --size_;
        return true;
    }

    // Calls visit(value) for every stored value, in slot (hash) order.
    template <class Visit>
    void for_each(Visit&& visit) const {
        for (const Slot& slot : slots_)
            if (slot.tag != 0) visit(slot.value);
    }

  private:
    struct Slot {
        std::uint64_t tag = 0;  // the hash with its lowest bit set; 0 marks an empty slot
        Value value{};
    };

    static std::uint64_t tag_of(std::uint64_t hash) noexcept { return hash | 1; }
    std::size_t home(std::uint64_t tag) const noexcept {
        assert(shift_ < 64 && "home() of an empty table: callers check size_ first");
        return static_cast<std::size_t>((tag * 0x9e3779b97f4a7c15ULL) >> shift_);
    }
    std::size_t next(std::size_t i) const noexcept { return (i + 1) & (slots_.size() - 1); }

    void place(const Slot& slot) {
        std::size_t i = home(slot.tag);
        while (slots_[i].tag != 0)
            i = next(i);
        slots_[i] = slot;
    }

    void grow() {
        std::vector<Slot> old = std::move(slots_);
        const std::size_t capacity = old.empty() ? 16 : old.size() * 2;
        slots_.assign(capacity, Slot{});
        shift_ = 64 - static_cast<unsigned>(std::countr_zero(capacity));
        for (const Slot& slot : old)
            if (slot.tag != 0) place(slot);
        assert(std::has_single_bit(slots_.size()));
    }

    std::vector<Slot> slots_;  // a power of two long, at most half full
    std::size_t size_ = 0;
    unsigned shift_ = 64;  // 64 - log2(slots_.size())
};

}  // namespace sim
