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

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "sim/kernel/hash_bytes.hpp"

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
        const std::uint64_t hash = hash_bytes(key);
        const std::uint64_t tag = hash & kTagMask;
        for (std::size_t probe = 0, slot = hash & kSlotMask; probe < kSlots;
             ++probe, slot = (slot + 1) & kSlotMask) {
            const std::uint64_t entry = slots_[slot].load(std::memory_order_acquire);
            if (entry == 0) return add(key, hash);
            if ((entry & kTagMask) != tag) continue;
            const std::string& stored = keys_[(entry & kIndexMask) - 1];
            if (same_bytes(stored, key)) return &stored;
        }
        return nullptr;  // unreachable: the slots are never more than half full
    }

    // As intern(key), without hashing when `key` is itself one of the table's (a key copied
    // from another object's member).
    const std::string* intern(const std::string& key) {
        if (holds(&key)) return &key;
        return intern(std::string_view(key));
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
    // A slot's low half is 1 + the key's index in keys_ (0: empty), its high half the high
    // half of the key's hash, so that probing compares strings only when the hashes agree.
    static constexpr std::uint64_t kIndexMask = 0xffffffffULL;
    static constexpr std::uint64_t kTagMask = ~kIndexMask;

    JsonKeys() = default;

    // Equality as hash_bytes reads: words, the last one overlapping. Tags agree, so the bytes
    // nearly always do too; no call to memcmp.
    static bool same_bytes(std::string_view a, std::string_view b) noexcept {
        const std::size_t n = a.size();
        if (n != b.size()) return false;
        const char* p = a.data();
        const char* q = b.data();
        if (n >= 8) {
            for (std::size_t i = 0; i + 8 < n; i += 8)
                if (load_word<std::uint64_t>(p + i) != load_word<std::uint64_t>(q + i))
                    return false;
            return load_word<std::uint64_t>(p + n - 8) == load_word<std::uint64_t>(q + n - 8);
        }
        if (n >= 4)
            return load_word<std::uint32_t>(p) == load_word<std::uint32_t>(q) &&
                   load_word<std::uint32_t>(p + n - 4) == load_word<std::uint32_t>(q + n - 4);
        for (std::size_t i = 0; i < n; ++i)
            if (p[i] != q[i]) return false;
        return true;
    }

    const std::string* add(std::string_view key, std::uint64_t hash);

    std::array<std::string, kCapacity> keys_{};
    // Per slot: 0 = empty, else the tag and 1 + the key's index in keys_ (kIndexMask).
    std::array<std::atomic<std::uint64_t>, kSlots> slots_{};
    std::atomic<std::size_t> used_{0};
    std::mutex adding_;
};

// Taken once per distinct key.
[[gnu::noinline]] inline const std::string* JsonKeys::add(std::string_view key,
                                                          std::uint64_t hash) {
    const std::lock_guard<std::mutex> lock(adding_);
    // Probe again under the lock: another thread may have added the key or taken the slot.
    for (std::size_t probe = 0, slot = hash & kSlotMask; probe < kSlots;
         ++probe, slot = (slot + 1) & kSlotMask) {
        const std::uint64_t entry = slots_[slot].load(std::memory_order_acquire);
        if (entry != 0) {
            const std::string& stored = keys_[(entry & kIndexMask) - 1];
            if (stored == key) return &stored;
            continue;
        }
        const std::size_t index = used_.load(std::memory_order_relaxed);
        if (index == kCapacity) return nullptr;
        keys_[index].assign(key);
        slots_[slot].store((hash & kTagMask) | (index + 1), std::memory_order_release);
        used_.store(index + 1, std::memory_order_release);
        return &keys_[index];
    }
    return nullptr;
}

// A key the program names in its source ("metadata", "name"), interned once. Finding it in an
// object (JsonMembers::find) compares each member's key pointer with this one instead of bytes,
// and adding it skips the table. Sound because the table is append-only and, once full, stays
// full: while this key is in the table, every member with these bytes was given the table's
// copy (intern returns the stored key whenever there is one), so a member with another pointer
// has another key. A key the table does not take is found by its bytes, as any other.
class JsonKey {
  public:
    explicit JsonKey(std::string_view name)
        : stored_(JsonKeys::table().intern(name)),
          own_(stored_ ? std::string() : std::string(name)) {}
    JsonKey(const JsonKey&) = delete;  // name() may view own_
    JsonKey& operator=(const JsonKey&) = delete;

    // The table's copy, or nullptr when the table did not take the key.
    const std::string* stored() const noexcept { return stored_; }
    std::string_view name() const noexcept { return stored_ ? *stored_ : own_; }

  private:
    const std::string* stored_;
    std::string own_;
};

namespace json_literals {

// The text of a string literal as a template argument.
template <std::size_t N>
struct KeyText {
    constexpr KeyText(const char (&s)[N]) { std::copy_n(s, N, text); }  // NOLINT: implicit
    char text[N];
};

// The JsonKey of literal S, made on its first use (thread-safe, as any function-local static).
template <KeyText S>
[[gnu::noinline]] const JsonKey& make_key() {
    static const JsonKey key(std::string_view(S.text, sizeof(S.text) - 1));
    return key;
}

// Where a literal's JsonKey is once made: a constant-initialized pointer, so a use is one load
// and a test inlined where the literal is written (a function-local static, not inlined by
// g++, cost a call per use: about 4 % of a pod create's time).
template <KeyText S>
constinit inline std::atomic<const JsonKey*> made_key{nullptr};

// "metadata"_key: one JsonKey per distinct literal for the process, interned on first use.
template <KeyText S>
[[gnu::always_inline]] inline const JsonKey& operator""_key() {
    const JsonKey* key = made_key<S>.load(std::memory_order_acquire);
    if (key == nullptr) [[unlikely]] {
        key = &make_key<S>();
        made_key<S>.store(key, std::memory_order_release);
    }
    return *key;
}

}  // namespace json_literals

}  // namespace sim
