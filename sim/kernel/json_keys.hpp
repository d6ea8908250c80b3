#pragma once
// The keys of sim::Json objects, each stored once for the whole process.
//
// A program's objects use few distinct keys (a pod's 80 members have about 50 names, all of
// them shared with every other pod), but std::map and the first JsonMembers gave each member its
// own std::string: 32 bytes in the member, and a second allocation for any key longer than 15
// bytes ("terminationMessagePolicy", "lastTransitionTime"). Here a member points at its key in
// this table; a pod's tree is a quarter smaller and copying a member copies a pointer.
//
// The table is append-only and bounded (kCapacity keys): a key is never freed or moved, so a
// pointer to it stays valid for the life of the process. Past the bound, keys are not interned
// and each member owns a copy (`JsonKeys::intern` returns nullptr). Lookups take no lock and may
// run on any thread (the HTTP face parses bodies on its own threads): a slot is published with
// a release store after its key is written; adding takes a mutex. Nothing reaches an output
// through the table: which keys came first changes where they are stored, never an order.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace sim {

class JsonKeys {
  public:
    // Keys stored at most; enough for every field name of the objects the simulation knows,
    // their labels and annotations, many times over.
    static constexpr std::size_t kCapacity = 8192;
    // Keys longer than this are left to their members: a long key is a data value (a file
    // name in a ConfigMap), not a field name, and would take the table's room.
    static constexpr std::size_t kLongestKey = 64;

    // The process's one table.
    static JsonKeys& table() noexcept {
        static JsonKeys keys;
        return keys;
    }

    // The stored key equal to `key`, added if new; nullptr when it is too long or the table is
    // full (the caller then keeps its own copy).
    const std::string* intern(std::string_view key) {
        if (key.size() > kLongestKey) return nullptr;
        const std::uint64_t hash = hash_of(key);
        for (std::size_t probe = 0, slot = hash & kSlotMask; probe < kSlots;
             ++probe, slot = (slot + 1) & kSlotMask) {
            const std::uint32_t entry = slots_[slot].load(std::memory_order_acquire);
            if (entry == 0) return add(key, hash);
            const std::string& stored = keys_[entry - 1];
            if (stored == key) return &stored;
        }
        return nullptr;  // unreachable: the slots are never more than half full
    }

    // Whether `key` points into the table (else its member owns it).
    bool holds(const std::string* key) const noexcept {
        return std::greater_equal<const std::string*>{}(key, keys_.data()) &&
               std::less<const std::string*>{}(key, keys_.data() + kCapacity);
    }

    std::size_t size() const noexcept { return used_.load(std::memory_order_acquire); }

  private:
    static constexpr std::size_t kSlots = 2 * kCapacity;  // at most half full
    static constexpr std::size_t kSlotMask = kSlots - 1;
    static_assert((kSlots & kSlotMask) == 0, "a power of two");

    JsonKeys() = default;

    // FNV-1a, then MurmurHash3's finalizer (fmix64) so that the low bits, which pick the slot,
    // depend on every byte.
    static std::uint64_t hash_of(std::string_view key) noexcept {
        std::uint64_t h = 0xcbf29ce484222325ULL;
        for (const char c : key)
            h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 33;
        return h;
    }

    const std::string* add(std::string_view key, std::uint64_t hash);

    std::array<std::string, kCapacity> keys_{};
    // Per slot: 0 = empty, else 1 + the key's index in keys_.
    std::array<std::atomic<std::uint32_t>, kSlots> slots_{};
    std::atomic<std::size_t> used_{0};
    std::mutex adding_;
};

// Out of line: taken once per distinct key.
inline const std::string* JsonKeys::add(std::string_view key, std::uint64_t hash) {
    const std::lock_guard<std::mutex> lock(adding_);
    // Probe again under the lock: another thread may have added the key or taken the slot.
    for (std::size_t probe = 0, slot = hash & kSlotMask; probe < kSlots;
         ++probe, slot = (slot + 1) & kSlotMask) {
        const std::uint32_t entry = slots_[slot].load(std::memory_order_acquire);
        if (entry != 0) {
            if (keys_[entry - 1] == key) return &keys_[entry - 1];
            continue;
        }
        const std::size_t index = used_.load(std::memory_order_relaxed);
        if (index == kCapacity) return nullptr;
        keys_[index].assign(key);
        slots_[slot].store(static_cast<std::uint32_t>(index + 1), std::memory_order_release);
        used_.store(index + 1, std::memory_order_release);
        return &keys_[index];
    }
    return nullptr;
}

}  // namespace sim
