// The store's shared objects and indexes: shared reads hand out the object the watchers saw,
// writes never change an object a caller holds, and the label index lists exactly what a
// full scan would, in the same order, with or without paging.
#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/kube/compact_event.hpp"
#include "sim/kube/informer.hpp"
#include "sim/kube/object_meta.hpp"
#include "sim/kube/store.hpp"
#include "tests/kube/fixtures.hpp"

using namespace sim::kube;
using kube_test::Cluster;

namespace {

const std::vector<std::string> kLabelKeys = {"app", "tier", "env"};
const std::vector<std::string> kLabelValues = {"x", "y", "z"};
const std::vector<std::string> kNamespaces = {"default", "other"};

Json labelled_pod(const std::string& ns, const std::string& name, const Json& labels) {
    Json p = kube_test::pod(name);
    p["metadata"]["namespace"] = ns;
    p["metadata"]["labels"] = labels;
    return p;
}

rc::Gen<Json> gen_labels() {
    return rc::gen::map(
        rc::gen::container<std::vector<int>>(kLabelKeys.size(), rc::gen::inRange(0, 4)),
        [](const std::vector<int>& picks) {
            Json labels = Json::object();
            for (std::size_t i = 0; i < picks.size(); ++i)
                if (picks[i] < 3) labels[kLabelKeys[i]] = kLabelValues[picks[i]];
            return labels;
        });
}

// A selector mixing what the index answers (=, ==, in) with what it does not; inside a
// property.
std::string random_selector() {
    const int terms = *rc::gen::inRange(0, 4);
    std::string out;
    for (int i = 0; i < terms; ++i) {
        const std::string& k = kLabelKeys[*rc::gen::inRange<std::size_t>(0, kLabelKeys.size())];
        const std::string& a = kLabelValues[*rc::gen::inRange<std::size_t>(0, 3)];
        const std::string& b = kLabelValues[*rc::gen::inRange<std::size_t>(0, 3)];
        std::string term;
        switch (*rc::gen::inRange(0, 7)) {
            case 0:
                term = k + "=" + a;
                break;
            case 1:
                term = k + "==" + a;
                break;
            case 2:
                term = k + " in (" + a + "," + b + ")";
                break;
            case 3:
                term = k + "!=" + a;
                break;
            case 4:
                term = k + " notin (" + a + ")";
                break;
            case 5:
                term = k;
                break;
            default:
                term = "!" + k;
        }
        out += (out.empty() ? "" : ",") + term;
    }
    return out;
}

std::vector<std::string> keys_of(const std::vector<ObjectPtr>& objects) {
    std::vector<std::string> out;
    for (const ObjectPtr& o : objects)
        out.push_back(meta::key_of(*o));
    return out;
}

// What a list must return: every stored pod in `ns` matching `selector`, in key order.
std::vector<std::string> full_scan(const ApiServer& server, const std::string& ns,
                                   const std::string& selector) {
    const LabelSelector s = LabelSelector::parse(selector);
    std::vector<std::string> out;
    for (const Json& pod : server.snapshot("pods"))
        if ((ns.empty() || meta::namespace_of(pod) == ns) && s.matches_object(pod))
            out.push_back(meta::key_of(pod));
    return out;
}

}  // namespace

TEST_CASE("get_shared returns the object the watchers and informers saw, not a copy", "[store]") {
    Cluster c;
    const ResourceRef pods = refs::kPods.in("default");
    const Json* watched = nullptr;
    auto handle = c.server
                      .watch(pods, {.resource_version = "1"},
                             [&](const WatchEvent& e) { watched = e.shared.get(); })
                      .value();
    Informer informer(c.client, pods);
    informer.start();
    c.loop.run_until(c.loop.now());
    REQUIRE(c.server.create(pods, kube_test::pod("a")).ok());
    c.loop.run_until(c.loop.now());

    const ObjectPtr shared = c.server.get_shared(pods, "a").value();
    REQUIRE(watched != nullptr);
    CHECK(shared.get() == watched);
    CHECK(c.client.get_shared(pods, "a").value().get() == watched);
    CHECK(informer.find("default/a") == watched);
    CHECK(informer.find_shared("default/a").get() == watched);
    REQUIRE(informer.list_refs("default").size() == 1);
    CHECK(informer.list_refs("default")[0] == watched);
    CHECK(informer.find("default/missing") == nullptr);

    const SharedList listed = c.server.list_shared(pods).value();
    REQUIRE(listed.items.size() == 1);
    CHECK(listed.items[0].get() == watched);
    CHECK(listed.resource_version == c.server.list(pods).value()["metadata"]["resourceVersion"]);
    // The copying verbs still give equal objects.
    CHECK(c.server.get(pods, "a").value() == *shared);
    CHECK(c.server.list(pods).value()["items"][0] == *shared);
}

TEST_CASE("get_shared gives the same errors as get, and converts other versions", "[store]") {
    Cluster c;
    const auto missing = c.server.get_shared(refs::kPods.in("default"), "nope");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.code() == 404);
    CHECK(missing.error().status() ==
          c.server.get(refs::kPods.in("default"), "nope").error().status());

    const Json hpa = Json::parse(R"({"apiVersion": "autoscaling/v2",
      "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h", "namespace": "default"},
      "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d"},
               "minReplicas": 1, "maxReplicas": 3}})");
    REQUIRE(c.server.create(refs::kHpas.in("default"), hpa).ok());
    const ObjectPtr v1 = c.server.get_shared(refs::kHpasV1.in("default"), "h").value();
    CHECK(*v1 == c.server.get(refs::kHpasV1.in("default"), "h").value());
    CHECK((*v1)["apiVersion"] == "autoscaling/v1");
    const SharedList v1_list = c.server.list_shared(refs::kHpasV1.in("default")).value();
    REQUIRE(v1_list.items.size() == 1);
    CHECK(*v1_list.items[0] == *v1);
}

TEST_CASE("a write never changes an object a caller already holds", "[store]") {
    Cluster c;
    const ResourceRef pods = refs::kPods.in("default");
    REQUIRE(c.server.create(pods, kube_test::pod("a")).ok());
    const ObjectPtr before = c.server.get_shared(pods, "a").value();
    const Json before_copy = *before;

    REQUIRE(c.server
                .patch(pods, "a", PatchType::Merge,
                       Json{{"metadata", {{"labels", {{"app", "changed"}}}}}})
                .ok());
    const ObjectPtr after = c.server.get_shared(pods, "a").value();
    CHECK(*before == before_copy);  // unchanged, still alive
    CHECK(after.get() != before.get());
    CHECK((*after)["metadata"]["labels"]["app"] == "changed");
    CHECK((*before)["metadata"]["labels"]["app"] == "web");

    REQUIRE(c.server.remove(pods, "a", {.grace_period_seconds = 0}).ok());
    CHECK(*before == before_copy);
    CHECK((*after)["metadata"]["labels"]["app"] == "changed");
    CHECK(c.server.get_shared(pods, "a").code() == 404);
}

TEST_CASE("the label index lists what a full scan lists, in the same order", "[store]") {
    rc::prop("random pods, writes and selectors", [] {
        Cluster c;
        for (const std::string& ns : kNamespaces)
            if (ns != "default")
                c.server.create(refs::kNamespaces,
                                Json{{"metadata", {{"name", ns}}}, {"kind", "Namespace"}});
        const int writes = *rc::gen::inRange(0, 60);
        for (int i = 0; i < writes; ++i) {
            const std::string& ns = kNamespaces[*rc::gen::inRange<std::size_t>(0, 2)];
            const std::string name = "p" + std::to_string(*rc::gen::inRange(0, 15));
            const ResourceRef ref = refs::kPods.in(ns);
            switch (*rc::gen::inRange(0, 4)) {
                case 0:
                case 1:
                    (void)c.server.create(ref, labelled_pod(ns, name, *gen_labels()));
                    break;
                case 2:
                    (void)c.server.patch(ref, name, PatchType::Merge,
                                         Json{{"metadata", {{"labels", *gen_labels()}}}});
                    break;
                default:
                    (void)c.server.remove(ref, name, {.grace_period_seconds = 0});
            }
        }
        const std::string selector = random_selector();
        for (const std::string ns : {"", "default", "other"}) {
            const ResourceRef ref = refs::kPods.in(ns);
            const SharedList all = c.server.list_shared(ref, {.label_selector = selector}).value();
            const auto expected = full_scan(c.server, ns, selector);
            RC_ASSERT(keys_of(all.items) == expected);
            const Json listed = c.server.list(ref, {.label_selector = selector}).value();
            RC_ASSERT(listed["items"].size() == expected.size());
            for (std::size_t i = 0; i < expected.size(); ++i)
                RC_ASSERT(meta::key_of(listed["items"][i]) == expected[i]);

            // Paging through the index gives the same sequence.
            const std::int64_t limit = *rc::gen::inRange<std::int64_t>(1, 5);
            std::vector<std::string> paged;
            std::string token;
            for (int page = 0; page < 100; ++page) {
                const SharedList chunk = c.server
                                             .list_shared(ref, {.label_selector = selector,
                                                                .limit = limit,
                                                                .continue_token = token})
                                             .value();
                RC_ASSERT(static_cast<std::int64_t>(chunk.items.size()) <= limit);
                for (const auto& key : keys_of(chunk.items))
                    paged.push_back(key);
                token = chunk.continue_token;
                if (token.empty()) break;
            }
            RC_ASSERT(paged == expected);
        }
    });
}

TEST_CASE("the bucket's label index follows puts and takes", "[store]") {
    rc::prop("index counts and visits match a scan", [] {
        Bucket bucket;
        const int writes = *rc::gen::inRange(0, 80);
        for (int i = 0; i < writes; ++i) {
            const std::string& ns = kNamespaces[*rc::gen::inRange<std::size_t>(0, 2)];
            const std::string name = "o" + std::to_string(*rc::gen::inRange(0, 12));
            if (*rc::gen::inRange(0, 4) == 0) {
                const bool present = bucket.contains(ns, name);
                RC_ASSERT(static_cast<bool>(bucket.take(ns, name)) == present);
            } else {
                const Json object{{"metadata", {{"labels", *gen_labels()}}}};
                bucket.put(ns, name, std::make_shared<const Json>(object));
                RC_ASSERT(**bucket.find(ns, name) == object);
            }
        }
        for (const std::string& k : kLabelKeys)
            for (const std::string& v : kLabelValues) {
                std::size_t count = 0;
                for (const auto& [key, object] : bucket)
                    if ((*object.tree())["metadata"]["labels"].value(k, "") == v) ++count;
                RC_ASSERT(bucket.labelled(k, v) == count);
            }
        const LabelSelector selector = LabelSelector::parse(random_selector());
        const std::string ns = *rc::gen::element<std::string>("", "default", "other");
        std::optional<ObjectKey> after;
        if (*rc::gen::arbitrary<bool>())
            after = ObjectKey{kNamespaces[*rc::gen::inRange<std::size_t>(0, 2)],
                              "o" + std::to_string(*rc::gen::inRange(0, 12))};
        std::vector<ObjectKey> visited;
        bucket.visit(ns, after, selector, [&](const ObjectKey& key, const ObjectPtr& object) {
            if (selector.matches_object(*object)) visited.push_back(key);
        });
        std::vector<ObjectKey> scanned;
        for (const auto& [key, object] : bucket)
            if ((ns.empty() || key.first == ns) && (!after || *after < key) &&
                selector.matches_object(*object.tree()))
                scanned.push_back(key);
        RC_ASSERT(visited == scanned);
    });
}

// The key index is an open-addressing table that grows and shifts entries back on removal:
// after any mix of puts and takes (enough keys to grow it several times, few enough that
// takes hit probe runs), every stored key finds its own object and no removed key is found.
TEST_CASE("the bucket's key index finds every stored key and no removed one", "[store]") {
    rc::prop("random puts and takes against a map", [] {
        Bucket bucket;
        std::map<ObjectKey, int> model;
        const int universe = *rc::gen::inRange(1, 300);
        const int writes = *rc::gen::inRange(0, 1500);
        for (int i = 0; i < writes; ++i) {
            const ObjectKey key{kNamespaces[*rc::gen::inRange<std::size_t>(0, 2)],
                                "o" + std::to_string(*rc::gen::inRange(0, universe))};
            if (*rc::gen::inRange(0, 3) == 0) {
                const ObjectPtr taken = bucket.take(key.first, key.second).tree();
                const auto it = model.find(key);
                RC_ASSERT((taken != nullptr) == (it != model.end()));
                if (taken != nullptr) RC_ASSERT(*taken == Json(it->second));
                model.erase(key);
            } else {
                const ObjectPtr old =
                    bucket.put(key.first, key.second, std::make_shared<const Json>(Json(i))).tree();
                RC_ASSERT((old != nullptr) == model.contains(key));
                model[key] = i;
            }
        }
        RC_ASSERT(bucket.size() == model.size());
        for (const std::string& ns : kNamespaces)
            for (int n = 0; n < universe; ++n) {
                const std::string name = "o" + std::to_string(n);
                const ObjectPtr* found = bucket.find(ns, name);
                const auto it = model.find(ObjectKey{ns, name});
                RC_ASSERT((found != nullptr) == (it != model.end()));
                if (found != nullptr) RC_ASSERT(**found == Json(it->second));
            }
    });
}

// A compact object (stored_object.hpp) makes its tree only when something reads the object:
// lookups of its key and label-indexed visits pass it by; find and full scans make the tree
// once, and every reader shares it.
TEST_CASE("a compact object in a bucket makes its tree on the first read only", "[store]") {
    Bucket bucket;
    bucket.put("default", "labelled",
               std::make_shared<const Json>(Json{{"metadata", {{"labels", {{"app", "web"}}}}}}));
    // Enough other objects that the label index is selective (visit scans instead from a
    // quarter of the objects on).
    for (const char* name : {"x1", "x2", "x3", "x4"})
        bucket.put("default", name, std::make_shared<const Json>(Json::object()));
    EventSpec spec;
    spec.name = "p.1";
    spec.ns = "default";
    spec.reason = "Pulled";
    const auto event =
        std::make_shared<const CompactEvent>(spec, "uid-1", "2025-01-01T00:00:00Z", "5");
    CHECK(!bucket.put("default", "p.1", event));
    CHECK(bucket.contains("default", "p.1"));
    std::vector<std::string> visited;
    const auto visit = [&](const std::string& selector) {
        visited.clear();
        bucket.visit(
            "default", std::nullopt, LabelSelector::parse(selector),
            [&](const ObjectKey& key, const ObjectPtr&) { visited.push_back(key.second); });
    };
    visit("app=web");
    CHECK(visited == std::vector<std::string>{"labelled"});
    CHECK(bucket.labelled("app", "web") == 1);
    CHECK_FALSE(event->materialized());
    const ObjectPtr* found = bucket.find("default", "p.1");
    REQUIRE(found != nullptr);
    CHECK(event->materialized());
    CHECK((**found)["reason"] == "Pulled");
    CHECK((**found)["metadata"]["resourceVersion"] == "5");
    CHECK(found->get() == event->tree().get());  // one tree, shared
    visit("");
    CHECK(visited == std::vector<std::string>{"labelled", "p.1", "x1", "x2", "x3", "x4"});
    const StoredObject taken = bucket.take("default", "p.1");
    CHECK(taken.is_compact());
    CHECK(taken.tree().get() == event->tree().get());
}
