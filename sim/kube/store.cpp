#include "sim/kube/store.hpp"

#include <algorithm>

namespace sim::kube {
namespace {

using Json = nlohmann::json;

// metadata.labels when it is an object, else nullptr (as LabelSelector::matches_object reads it).
const Json* labels_of(const Json& object) {
    const auto meta = object.find("metadata");
    if (meta == object.end() || !meta->is_object()) return nullptr;
    const auto labels = meta->find("labels");
    return labels != meta->end() && labels->is_object() ? &*labels : nullptr;
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

const ObjectPtr* Bucket::find(const std::string& ns, const std::string& name) const {
    const auto it = by_key_.find(KeyView{ns, name});
    return it == by_key_.end() ? nullptr : &it->second->second;
}

ObjectPtr Bucket::put(const std::string& ns, const std::string& name, ObjectPtr object) {
    if (const auto found = by_key_.find(KeyView{ns, name}); found != by_key_.end()) {
        const Map::iterator it = found->second;
        ObjectPtr old = std::move(it->second);
        if (!same_labels(labels_of(*old), labels_of(*object))) {
            unindex_labels(it, *old);
            index_labels(it, *object);
        }
        it->second = std::move(object);
        return old;
    }
    const auto [it, inserted] = objects_.emplace(ObjectKey{ns, name}, std::move(object));
    by_key_.emplace(KeyView{it->first.first, it->first.second}, it);
    index_labels(it, *it->second);
    return nullptr;
}

ObjectPtr Bucket::take(const std::string& ns, const std::string& name) {
    const auto found = by_key_.find(KeyView{ns, name});
    if (found == by_key_.end()) return nullptr;
    const Map::iterator it = found->second;
    ObjectPtr old = std::move(it->second);
    unindex_labels(it, *old);
    by_key_.erase(found);  // before the node (whose key it views) goes
    objects_.erase(it);
    return old;
}

void Bucket::index_labels(const_iterator it, const Json& object) {
    const Json* labels = labels_of(object);
    if (labels == nullptr) return;
    for (const auto& [key, value] : labels->items())
        if (value.is_string())
            by_label_[label_term(key, value.get_ref<const std::string&>())].insert(it);
}

void Bucket::unindex_labels(const_iterator it, const Json& object) {
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
    if (best != nullptr) {
        std::vector<const_iterator> candidates;
        candidates.reserve(best_count);
        for (const std::string& value : best->values)
            if (const KeySet* set = with_label(best->key, value))
                candidates.insert(candidates.end(), set->begin(), set->end());
        // Several values of an `in`: merge back into key order (an object has one value per key,
        // so there are no duplicates).
        if (best->values.size() > 1) std::sort(candidates.begin(), candidates.end(), ByKey{});
        for (const const_iterator& it : candidates)
            if (wanted(it->first)) visitor(it->first, it->second);
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
        if (wanted(it->first)) visitor(it->first, it->second);
    }
}

}  // namespace sim::kube
