#include "sim/kube/store.hpp"

#include <algorithm>
#include <bit>

namespace sim::kube {
namespace {

using Json = sim::Json;

// metadata.labels when it is an object, else nullptr (as LabelSelector::matches_object reads
// it). A compact object has none (stored_object.hpp): its tree is not made to find that out.
const Json* labels_of(const StoredObject& stored) {
    if (stored.is_compact()) return nullptr;
    const Json& object = *stored.tree();
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

// ------------------------------------------------------------------------------ key index

std::uint64_t Bucket::KeyIndex::tag_of(std::string_view ns, std::string_view name) {
    std::uint64_t h = std::hash<std::string_view>{}(ns)*0x9e3779b97f4a7c15ULL;
    h ^= std::hash<std::string_view>{}(name);
    // A final mix (MurmurHash3's fmix64) so every bit of both hashes reaches the high bits
    // that pick the slot.
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h | 1;
}

std::size_t Bucket::KeyIndex::home(std::uint64_t tag) const {
    return static_cast<std::size_t>((tag * 0x9e3779b97f4a7c15ULL) >> shift_);
}

const Bucket::Map::iterator* Bucket::KeyIndex::find(std::string_view ns,
                                                    std::string_view name) const {
    if (size_ == 0) return nullptr;
    const std::uint64_t tag = tag_of(ns, name);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = home(tag);; i = (i + 1) & mask) {
        const Slot& slot = slots_[i];
        if (slot.tag == 0) return nullptr;  // the table is never full
        if (slot.tag == tag && slot.node->first.first == ns && slot.node->first.second == name)
            return &slot.node;
    }
}

void Bucket::KeyIndex::place(const Slot& slot) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = home(slot.tag);
    while (slots_[i].tag != 0)
        i = (i + 1) & mask;
    slots_[i] = slot;
}

void Bucket::KeyIndex::grow() {
    std::vector<Slot> old = std::move(slots_);
    const std::size_t capacity = old.empty() ? 16 : old.size() * 2;
    slots_.assign(capacity, Slot{});
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(capacity));
    for (const Slot& slot : old)
        if (slot.tag != 0) place(slot);
}

void Bucket::KeyIndex::insert(Map::iterator node) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    place(Slot{tag_of(node->first.first, node->first.second), node});
    ++size_;
}

void Bucket::KeyIndex::erase(Map::iterator node) {
    const std::uint64_t tag = tag_of(node->first.first, node->first.second);
    const std::size_t mask = slots_.size() - 1;
    std::size_t hole = home(tag);
    while (slots_[hole].node != node)
        hole = (hole + 1) & mask;
    // Backward shift: move later entries of the probe run into the hole when their home slot
    // is not after it, so every lookup still finds its key before the first empty slot.
    for (std::size_t i = (hole + 1) & mask; slots_[i].tag != 0; i = (i + 1) & mask) {
        const std::size_t h = home(slots_[i].tag);
        const bool stays = hole <= i ? (hole < h && h <= i) : (hole < h || h <= i);
        if (stays) continue;
        slots_[hole] = slots_[i];
        hole = i;
    }
    slots_[hole] = Slot{};
    --size_;
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
                for (const const_iterator& it : *set)
                    if (wanted(it->first)) candidates.push_back(it);
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
