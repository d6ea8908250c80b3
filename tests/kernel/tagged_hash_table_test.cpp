#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include <cstdint>
#include <set>
#include <vector>

#include "sim/kernel/tagged_hash_table.hpp"

namespace {

using Table = sim::TaggedHashTable<std::uint32_t>;

// Either a good hash or one that puts every key in one of five tags: long probe runs that wrap
// around the end of the table, which is where backward-shift deletion goes wrong if it does.
std::uint64_t hash_of(std::uint32_t key, bool clustered) {
    return clustered ? key % 5 : sim::mix64(key);
}

bool contains(const Table& table, std::uint32_t key, bool clustered) {
    return table.find(hash_of(key, clustered), [&](std::uint32_t v) { return v == key; }) !=
           nullptr;
}

std::multiset<std::uint32_t> contents(const Table& table) {
    std::multiset<std::uint32_t> out;
    table.for_each([&](std::uint32_t v) { out.insert(v); });
    return out;
}

}  // namespace

TEST_CASE("tagged hash table: a history of inserts and erases matches std::set",
          "[kernel][tagged_hash_table]") {
    rc::prop("inserts and erases of keys below 64", [](bool clustered) {
        const auto ops = *rc::gen::container<std::vector<std::pair<bool, std::uint32_t>>>(
            rc::gen::pair(rc::gen::arbitrary<bool>(), rc::gen::inRange<std::uint32_t>(0, 64)));
        Table table;
        std::set<std::uint32_t> model;
        for (const auto& [insert, key] : ops) {
            const auto same = [k = key](std::uint32_t v) { return v == k; };
            if (insert && !model.contains(key)) {
                table.insert(hash_of(key, clustered), key);
                model.insert(key);
            } else if (!insert) {
                RC_ASSERT(table.erase(hash_of(key, clustered), same) == (model.erase(key) == 1));
            }
            RC_ASSERT(table.size() == model.size());
            // Every key below 64 is found exactly when the model holds it.
            for (std::uint32_t k = 0; k < 64; ++k)
                RC_ASSERT(contains(table, k, clustered) == model.contains(k));
        }
        const auto seen = contents(table);
        RC_ASSERT(std::set<std::uint32_t>(seen.begin(), seen.end()) == model);
        RC_ASSERT(seen.size() == model.size());
    });
}

TEST_CASE("tagged hash table: grows past many doublings and empties again",
          "[kernel][tagged_hash_table]") {
    Table table;
    constexpr std::uint32_t kKeys = 100'000;
    for (std::uint32_t k = 0; k < kKeys; ++k)
        table.insert(hash_of(k, false), k);
    REQUIRE(table.size() == kKeys);
    REQUIRE(contains(table, 0, false));
    REQUIRE(contains(table, kKeys - 1, false));
    REQUIRE_FALSE(contains(table, kKeys, false));
    for (std::uint32_t k = 0; k < kKeys; k += 2)
        REQUIRE(table.erase(hash_of(k, false), [&](std::uint32_t v) { return v == k; }));
    REQUIRE(table.size() == kKeys / 2);
    REQUIRE_FALSE(contains(table, 0, false));
    REQUIRE(contains(table, 1, false));
    REQUIRE_FALSE(table.erase(hash_of(0, false), [](std::uint32_t v) { return v == 0; }));
    std::uint64_t sum = 0;
    table.for_each([&](std::uint32_t v) { sum += v; });
    REQUIRE(sum == 2'500'000'000ULL);  // the odd numbers below 100,000
}
