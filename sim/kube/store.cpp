#include "sim/kube/store.hpp"

#include <algorithm>
#include <cassert>

#include "sim/kernel/hash_bytes.hpp"
#include "sim/kube/json_build.hpp"

namespace sim::kube {
namespace {

using Json = sim::Json;

// metadata.labels when it is an object, else nullptr (as LabelSelector::matches_object reads
// it). A compact object has none (stored_object.hpp): its tree is not made to find that out.
const Json* labels_of(const StoredObject& stored) {
    if (stored.is_compact()) return nullptr;
    const Json* meta = find_member(*stored.tree(), "metadata"_key);
    const Json* labels = meta != nullptr ? find_member(*meta, "labels"_key) : nullptr;
    return labels != nullptr && labels->is_object() ? labels : nullptr;
}

bool same_labels(const Json* a, const Json* b) {
    if (a == nullptr || b == nullptr) return a == b;
    return *a == *b;
}

std::string label_term(std::string_view key, std::string_view value) {
    std::string term;
    term.reserve(key.size() + 1 + value.size());
    term.append(key).append(1, '=').append(value);
    return term;
}

// Requirements the index answers: the object must carry key=v for one of `values`.
bool indexable(const LabelRequirement& r) {
    using Op = LabelRequirement::Op;
    return r.op == Op::Equals || r.op == Op::DoubleEquals || r.op == Op::In;
}

}  // namespace

// ------------------------------------------------------------------------------ key index

std::uint64_t Bucket::KeyIndex::hash_of(std::string_view ns, std::string_view name) {
    // Every bit of both hashes reaches the high bits that pick the slot.
    return mix64(hash_bytes(ns) * 0x9e3779b97f4a7c15ULL ^ hash_bytes(name));
}

const Bucket::Map::iterator* Bucket::KeyIndex::find(std::string_view ns,
                                                    std::string_view name) const {
    return table_.find(hash_of(ns, name), [&](const Map::iterator& node) {
        return node->first.first == ns && node->first.second == name;
    });
}

void Bucket::KeyIndex::insert(Map::iterator node) {
    table_.insert(hash_of(node->first.first, node->first.second), node);
}

void Bucket::KeyIndex::erase(Map::iterator node) {
    const bool erased = table_.erase(hash_of(node->first.first, node->first.second),
                                     [&](const Map::iterator& stored) { return stored == node; });
    assert(erased);
    (void)erased;
}

// ---------------------------------------------------------------------------------- bucket

const ObjectPtr* Bucket::find(std::string_view ns, std::string_view name) const {
    const Map::iterator* node = by_key_.find(ns, name);
    return node == nullptr ? nullptr : &(*node)->second.tree();
}

StoredObject Bucket::put(std::string_view ns, std::string_view name, StoredObject object) {
    if (const Map::iterator* found = by_key_.find(ns, name); found != nullptr) {
        const Map::iterator it = *found;
        StoredObject old = std::move(it->second);
        if (!same_labels(labels_of(old), labels_of(object))) {
            unindex_labels(it, old);
            index_labels(it, object);
        }
        it->second = std::move(object);
        return old;
    }
    const auto [it, inserted] =
        objects_.emplace(ObjectKey{std::string(ns), std::string(name)}, std::move(object));
    by_key_.insert(it);
    index_labels(it, it->second);
    return {};
}

StoredObject Bucket::take(const std::string& ns, const std::string& name) {
    const Map::iterator* found = by_key_.find(ns, name);
    if (found == nullptr) return {};
    const Map::iterator it = *found;
    StoredObject old = std::move(it->second);
    unindex_labels(it, old);
    by_key_.erase(it);  // before the node (whose key it hashes) goes
    objects_.erase(it);
    return old;
}

void Bucket::index_labels(const_iterator it, const StoredObject& object) {
    const Json* labels = labels_of(object);
    if (labels == nullptr) return;
    for (const auto& [key, value] : labels->items())
        if (value.is_string())
            by_label_[label_term(key, value.get_ref<const std::string&>())].insert(it);
}

void Bucket::unindex_labels(const_iterator it, const StoredObject& object) {
    const Json* labels = labels_of(object);
    if (labels == nullptr) return;
    for (const auto& [key, value] : labels->items()) {
        if (!value.is_string()) continue;
        const auto set = by_label_.find(label_term(key, value.get_ref<const std::string&>()));
        if (set == by_label_.end()) continue;
        set->second.erase(it);
        if (set->second.empty()) by_label_.erase(set);
    }
}

const Bucket::KeySet* Bucket::with_label(const std::string& key, const std::string& value) const {
    const auto it = by_label_.find(label_term(key, value));
    return it == by_label_.end() ? nullptr : &it->second;
}

std::size_t Bucket::labelled(const std::string& key, const std::string& value) const {
    const KeySet* set = with_label(key, value);
    return set == nullptr ? 0 : set->size();
}

void Bucket::visit(const std::string& ns, const std::optional<ObjectKey>& after,
                   const LabelSelector& selector,
                   const std::function<void(const ObjectKey&, const ObjectPtr&)>& visitor) const {
    const auto wanted = [&](const ObjectKey& key) {
        return (ns.empty() || key.first == ns) && (!after || *after < key);
    };
    if (selector.is_nothing()) return;
    // The most selective indexable requirement: its candidates are a superset of the matches.
    const LabelRequirement* best = nullptr;
    std::size_t best_count = 0;
    for (const LabelRequirement& r : selector.requirements()) {
        if (!indexable(r)) continue;
        std::size_t count = 0;
        for (const std::string& value : r.values)
            if (const KeySet* set = with_label(r.key, value)) count += set->size();
        if (best == nullptr || count < best_count) {
            best = &r;
            best_count = count;
        }
    }
    // The index helps when it is selective; from a quarter of the objects on, a scan in key
    // order costs less than sorting the candidates.
    if (best != nullptr && best_count * 4 < objects_.size()) {
        std::vector<const_iterator> candidates;
        candidates.reserve(best_count);
        for (const std::string& value : best->values)
            if (const KeySet* set = with_label(best->key, value))
                set->for_each([&](const const_iterator& it) {
                    if (wanted(it->first)) candidates.push_back(it);
                });
        // The sets are hashed: key order (the scan's order) comes from sorting. An object has
        // one value per key, so the values of an `in` give no duplicates.
        std::sort(candidates.begin(), candidates.end(), ByKey{});
        for (const const_iterator& it : candidates)
            visitor(it->first, it->second.tree());
        return;
    }
    // A full scan, limited to the namespace's range of keys.
    const_iterator it = objects_.begin();
    if (after && (ns.empty() || !(*after < ObjectKey{ns, ""})))
        it = objects_.upper_bound(*after);
    else if (!ns.empty())
        it = objects_.lower_bound(ObjectKey{ns, ""});
    for (; it != objects_.end(); ++it) {
        if (!ns.empty() && it->first.first != ns) break;
        if (wanted(it->first)) visitor(it->first, it->second.tree());
    }
}

}  // namespace sim::kube
