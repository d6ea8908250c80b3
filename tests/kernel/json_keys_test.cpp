#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

#include "sim/kernel/json.hpp"
#include "sim/kernel/json_keys.hpp"

namespace {

sim::JsonKeys& keys() {
    return sim::JsonKeys::table();
}

// The string_view overload (a string literal would match both).
const std::string* intern(std::string_view key) {
    return keys().intern(key);
}

}  // namespace

TEST_CASE("json keys: one stored copy per key", "[kernel][json]") {
    const std::string* a = intern("json-keys-test-a");
    REQUIRE(a != nullptr);
    REQUIRE(*a == "json-keys-test-a");
    REQUIRE(intern(std::string("json-keys-test-a")) == a);
    const std::string* b = intern("json-keys-test-b");
    REQUIRE(b != nullptr);
    REQUIRE(b != a);
    REQUIRE(keys().holds(a));
    REQUIRE(keys().holds(b));
    const std::string outside = "json-keys-test-a";
    REQUIRE_FALSE(keys().holds(&outside));
    // The empty key is a key.
    REQUIRE(intern("") == intern(std::string()));
    // A key of the table's own comes back as itself.
    REQUIRE(keys().intern(*a) == a);
}

TEST_CASE("json keys: keys that differ in one byte anywhere are different keys", "[kernel][json]") {
    // The hash reads short keys and the tails of long ones as overlapping words: every byte
    // still decides which key is found.
    for (std::size_t length = 1; length <= sim::JsonKeys::kLongestKey; ++length) {
        const std::string base(length, 'x');
        const std::string* stored = intern(base);
        REQUIRE(stored != nullptr);
        for (std::size_t at = 0; at < length; ++at) {
            std::string other = base;
            other[at] = 'y';
            const std::string* found = intern(other);
            REQUIRE(found != nullptr);
            REQUIRE(found != stored);
            REQUIRE(*found == other);
            REQUIRE(intern(other) == found);
        }
        REQUIRE(intern(base) == stored);
    }
}

TEST_CASE("json keys: a key longer than the bound stays with its member", "[kernel][json]") {
    const std::string longest(sim::JsonKeys::kLongestKey, 'k');
    REQUIRE(intern(longest) != nullptr);
    REQUIRE(intern(longest + "k") == nullptr);
    // Objects with such keys copy, compare, erase and dump as any other.
    sim::Json j;
    j[longest + "k"] = 1;
    j["short"] = {{longest + "kk", "v"}};
    const sim::Json copy = j;
    REQUIRE(copy == j);
    REQUIRE(copy.dump() == j.dump());
    j.erase(longest + "k");
    REQUIRE(j.size() == 1);
    REQUIRE(copy.size() == 2);
    REQUIRE(copy.at(longest + "k") == 1);
    REQUIRE(keys().holds(&copy.items().begin().key()) == false);
}

TEST_CASE("json keys: threads adding the same new keys get the same copies", "[kernel][json]") {
    // The HTTP face parses request bodies on its own threads while the event loop builds
    // objects: both intern at once.
    constexpr int kKeys = 500;
    auto intern_all = [](std::vector<const std::string*>& out) {
        for (int i = 0; i < kKeys; ++i)
            out.push_back(intern("json-keys-thread-" + std::to_string(i)));
    };
    std::vector<const std::string*> first;
    std::vector<const std::string*> second;
    std::thread other(intern_all, std::ref(second));
    intern_all(first);
    other.join();
    REQUIRE(first == second);
    for (int i = 0; i < kKeys; ++i) {
        REQUIRE(first[static_cast<std::size_t>(i)] != nullptr);
        REQUIRE(*first[static_cast<std::size_t>(i)] == "json-keys-thread-" + std::to_string(i));
    }
}

TEST_CASE("json keys: a JsonKey finds what its bytes find, by pointer", "[kernel][json]") {
    using namespace sim::json_literals;
    const sim::JsonKey& name = "json-keys-literal"_key;
    REQUIRE(&name == &"json-keys-literal"_key);  // one per literal
    REQUIRE(name.stored() == intern("json-keys-literal"));
    REQUIRE(name.name() == "json-keys-literal");
    // Members made from strings, parsed text or the key itself: all found by the pointer.
    sim::Json j = sim::Json::parse(R"({"a":1,"json-keys-literal":2,"z":3})");
    auto& m = j.get_ref<sim::Json::object_t&>();
    REQUIRE(m.find(name)->second == 2);
    REQUIRE(m.contains(name));
    REQUIRE(m.count(name) == 1);
    REQUIRE_FALSE(m.contains("json-keys-literal-not"_key));
    REQUIRE(m.erase(std::string("json-keys-literal")) == 1);
    REQUIRE_FALSE(m.contains(name));
    // emplace places it in key order and does not replace a present member.
    REQUIRE(m.emplace(name, 4).second);
    REQUIRE_FALSE(m.emplace(name, 5).second);
    REQUIRE(j.dump() == R"({"a":1,"json-keys-literal":4,"z":3})");
    REQUIRE(&m.find(std::string_view("json-keys-literal"))->first == name.stored());
    // A large object is searched by bytes: still found.
    sim::Json big = sim::Json::object();
    for (int i = 0; i < 40; ++i)
        big["json-keys-big-" + std::to_string(i)] = i;
    big["json-keys-literal"] = "here";
    auto& bm = big.get_ref<sim::Json::object_t&>();
    REQUIRE(bm.find(name)->second == "here");
    REQUIRE(bm.emplace_hint(bm.end(), "json-keys-zz"_key, 1)->first == "json-keys-zz");
    REQUIRE(big.size() == 42);
}

TEST_CASE("json keys: threads using a literal first at once get the one JsonKey",
          "[kernel][json]") {
    // "x"_key makes its JsonKey on first use and publishes it through an atomic pointer: two
    // threads racing on a literal never used before must both get the same key, the table's.
    using namespace sim::json_literals;
    const sim::JsonKey* seen_by_other = nullptr;
    std::thread other([&] { seen_by_other = &"json-keys-raced-literal"_key; });
    const sim::JsonKey* seen_here = &"json-keys-raced-literal"_key;
    other.join();
    REQUIRE(seen_here == seen_by_other);
    REQUIRE(seen_here->stored() == intern("json-keys-raced-literal"));
    REQUIRE(&"json-keys-raced-literal"_key == seen_here);  // and later uses too
}

TEST_CASE("json keys: a JsonKey the table does not take is found by its bytes", "[kernel][json]") {
    const std::string long_name(sim::JsonKeys::kLongestKey + 1, 'q');
    const sim::JsonKey key(long_name);
    REQUIRE(key.stored() == nullptr);
    REQUIRE(key.name() == long_name);
    sim::Json j;
    j[long_name] = 1;
    auto& m = j.get_ref<sim::Json::object_t&>();
    REQUIRE(m.contains(key));
    REQUIRE_FALSE(m.emplace(key, 2).second);
    m.erase(long_name);
    REQUIRE(m.emplace(key, 3).second);
    REQUIRE(j.at(long_name) == 3);
}

TEST_CASE("json keys: past the capacity, keys stay with their members", "[kernel][json]") {
    const sim::JsonKey early("json-keys-early");  // stored: the table is not full yet
    REQUIRE(early.stored() != nullptr);
    // Fills the process's table: objects built afterwards own all their new keys.
    for (std::size_t i = 0; keys().size() < sim::JsonKeys::kCapacity; ++i)
        REQUIRE(intern("json-keys-fill-" + std::to_string(i)) != nullptr);
    REQUIRE(intern("json-keys-one-too-many") == nullptr);
    REQUIRE(intern("json-keys-fill-0") != nullptr);  // still found
    sim::Json j = sim::Json::parse(R"({"json-keys-new":{"json-keys-newer":[1,2]},"x":1})");
    const sim::Json copy = j;
    j["json-keys-new"].erase("json-keys-newer");
    REQUIRE(copy.dump() == R"({"json-keys-new":{"json-keys-newer":[1,2]},"x":1})");
    REQUIRE(j.dump() == R"({"json-keys-new":{},"x":1})");
    // A JsonKey made now for a new key is not stored: found by bytes in members that own theirs.
    const sim::JsonKey late("json-keys-new");
    REQUIRE(late.stored() == nullptr);
    REQUIRE(j.get_ref<sim::Json::object_t&>().find(late)->second.empty());
    // A key stored before the table filled is given to every later member with its bytes.
    sim::Json later = sim::Json::parse(R"({"json-keys-early":7})");
    const auto& members = later.get_ref<const sim::Json::object_t&>();
    REQUIRE(&members.begin()->first == early.stored());
    REQUIRE(members.find(early)->second == 7);
}
