#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "sim/kernel/json.hpp"
#include "sim/kernel/json_object_map.hpp"

namespace {

using Members = sim::JsonMembers<std::string, int>;
using Model = std::map<std::string, int>;

// One step of a random history: insert (hinted or not), assign through [], or erase.
struct Step {
    int op = 0;  // 0 emplace, 1 emplace_hint at end(), 2 operator[], 3 erase by key, 4 erase(find),
                 // 5 move-assign a copy, 6 swap with a copy, 7 erase a leading range
    std::string key;
    int value = 0;
};

// Short keys over a small alphabet, so that steps hit the same keys often, objects grow past the
// size where lookups stop scanning, and keys share prefixes and differ in length. One in four
// is too long for the key table (json_keys.hpp), so that members owning their keys mix with
// members whose keys the table holds, and the two kinds compare and sort together.
rc::Gen<std::string> gen_key() {
    const auto short_key = rc::gen::resize(
        3, rc::gen::container<std::string>(rc::gen::elementOf(std::string("ab\x7f\x80"))));
    return rc::gen::weightedOneOf<std::string>(
        {{3, short_key}, {1, rc::gen::map(short_key, [](const std::string& k) {
                              return std::string(sim::JsonKeys::kLongestKey, 'a') + k;
                          })}});
}

void apply(Members& members, Model& model, const Step& s) {
    switch (s.op) {
        case 0: {
            const auto [it, inserted] = members.emplace(s.key, s.value);
            const auto [mit, minserted] = model.emplace(s.key, s.value);
            RC_ASSERT(inserted == minserted);
            RC_ASSERT(it->second == mit->second);
            break;
        }
        case 1: {
            const auto it = members.emplace_hint(members.end(), s.key, s.value);
            const auto mit = model.emplace_hint(model.end(), s.key, s.value);
            RC_ASSERT(it->first == mit->first);
            RC_ASSERT(it->second == mit->second);
            break;
        }
        case 2:
            members[s.key] = s.value;
            model[s.key] = s.value;
            break;
        case 3:
            RC_ASSERT(members.erase(s.key) == model.erase(s.key));
            break;
        case 5: {  // go on with a copy: its members live in one block
            Members copy = members;
            members = std::move(copy);
            break;
        }
        case 6: {  // a copy swapped in; the old members (block and all) go with `copy`
            Members copy(members);
            members.swap(copy);
            break;
        }
        case 7: {  // erase a leading range (block members and single ones alike)
            const std::size_t n = std::min<std::size_t>(members.size(), s.key.size());
            members.erase(members.begin(), members.begin() + static_cast<std::ptrdiff_t>(n));
            model.erase(model.begin(), std::next(model.begin(), static_cast<std::ptrdiff_t>(n)));
            break;
        }
        case 4:
        default: {
            const auto it = members.find(s.key);
            const auto mit = model.find(s.key);
            RC_ASSERT((it == members.end()) == (mit == model.end()));
            if (it != members.end()) {
                const auto next = members.erase(it);
                const auto mnext = model.erase(mit);
                RC_ASSERT((next == members.end()) == (mnext == model.end()));
                if (next != members.end()) RC_ASSERT(next->first == mnext->first);
            }
            break;
        }
    }
}

}  // namespace

TEST_CASE("json object map: behaves as std::map under any history", "[kernel][json]") {
    rc::prop("inserts, assignments and erases", [] {
        const auto steps = *rc::gen::container<std::vector<Step>>(rc::gen::build<Step>(
            rc::gen::set(&Step::op, rc::gen::inRange(0, 8)), rc::gen::set(&Step::key, gen_key()),
            rc::gen::set(&Step::value, rc::gen::arbitrary<int>())));
        Members members;
        Model model;
        for (const Step& s : steps) {
            apply(members, model, s);
            RC_ASSERT(members.size() == model.size());
        }
        // Same members in the same order (BytesLess is std::string's order).
        using Pairs = std::vector<std::pair<std::string, int>>;
        const Pairs got(members.begin(), members.end());
        const Pairs want(model.begin(), model.end());
        RC_ASSERT(got == want);
        for (const auto& [key, value] : model) {
            RC_ASSERT(members.contains(key));
            RC_ASSERT(members.count(key) == 1U);
            RC_ASSERT(members.at(key) == value);
            RC_ASSERT(members.lower_bound(key)->first == key);
        }
        const Members copy = members;
        RC_ASSERT(copy == members);
    });
}

TEST_CASE("json object map: a member stays where it is while others come and go",
          "[kernel][json]") {
    // What std::map promises and the code relies on: a reference to a member stays valid (and
    // keeps naming the same member) across inserts and erases of other members.
    Members members;
    int& b = members["b"];
    b = 1;
    const int* address = &b;
    members.reserve(30);  // room made ahead (defaulting does): nothing seen changes
    REQUIRE(members.size() == 1);
    REQUIRE(&members.at("b") == address);
    for (char c = 'c'; c <= 'z'; ++c)
        members[std::string(1, c)] = c;  // after "b": grows the index past its first array
    members["a"] = 0;                    // before "b": shifts it in the index
    members.erase("c");
    REQUIRE(&members.at("b") == address);
    REQUIRE(b == 1);
    REQUIRE(members.begin()->first == "a");
    REQUIRE(members.size() == 25);  // a, b and d-z
}

TEST_CASE("json object map: sim::Json reads, writes and dumps as nlohmann::json does",
          "[kernel][json]") {
    const std::string text =
        R"({"spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":80}]}],)"
        R"("nodeName":"n"},"metadata":{"name":"p","labels":{"b":"2","a":"1"}},"kind":"Pod",)"
        R"("apiVersion":"v1","status":{}})";
    sim::Json j = sim::Json::parse(text);
    nlohmann::json n = nlohmann::json::parse(text);
    REQUIRE(j.dump() == n.dump());
    j["metadata"]["labels"]["c"] = "3";
    n["metadata"]["labels"]["c"] = "3";
    j["spec"].erase("nodeName");
    n["spec"].erase("nodeName");
    j.merge_patch(sim::Json::parse(R"({"status":{"phase":"Running"},"kind":null})"));
    n.merge_patch(nlohmann::json::parse(R"({"status":{"phase":"Running"},"kind":null})"));
    REQUIRE(j.dump() == n.dump());
    REQUIRE(j.contains("metadata"));
    REQUIRE_FALSE(j.contains("kind"));
    const sim::Json copy = j;
    REQUIRE(copy == j);
    REQUIRE(copy.value("apiVersion", "") == "v1");
    REQUIRE(sim::Json(sim::Json::object()).dump() == "{}");
}

TEST_CASE("json object map: sim::Json objects order as nlohmann::json's", "[kernel][json]") {
    // JSON's < on two objects compares them member by member (std::map's <=>); discovery sorts
    // with it. Prefixes, other keys, other values, other types, the empty object.
    const std::vector<std::string> texts = {R"({"a":1})",          R"({"a":2})", R"({"b":0})",
                                            R"({"a":1,"b":2})",    R"({})",      R"({"a":null})",
                                            R"({"a":"x","c":[]})", R"({"é":1})"};
    for (const std::string& x : texts)
        for (const std::string& y : texts) {
            INFO(x << " < " << y);
            REQUIRE((sim::Json::parse(x) < sim::Json::parse(y)) ==
                    (nlohmann::json::parse(x) < nlohmann::json::parse(y)));
        }
}
