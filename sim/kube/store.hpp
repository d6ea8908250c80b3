// One resource's objects in the API server's store: immutable shared objects in key order
// (etcd key order: namespace, then name), a hash index for lookups by key, and a label index
// (key=value -> its objects) so a list with a selective equality or `in` label selector
// visits only the objects that can match.
//
// The hash index is a flat open-addressing table (sim/kernel/tagged_hash_table.hpp) of 16-byte
// slots: the key's hash and the map node. A lookup reads one slot (usually one cache
// line) and then the map node, which holds both the key it compares and the object, instead
// of a chained hash map's bucket array, chain node and map node.
//
// Objects are never modified in place: a write stores a new object and the old pointer lives
// on in the watch history and with every caller that holds it. So a get or a watch event can
// hand out the stored object itself, with no copy. An object may be stored compact
// (stored_object.hpp): its tree is made when it is first read, and the label index leaves it
// out (compact objects have no labels).
//
// Determinism: only the ordered map is iterated in its own order; a label set's members are
// sorted by key before anyone sees them, and the other hash tables serve lookups only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/kernel/byte_order.hpp"
#include "sim/kernel/json.hpp"
#include "sim/kernel/tagged_hash_table.hpp"
#include "sim/kube/object_ptr.hpp"
#include "sim/kube/selectors.hpp"
#include "sim/kube/stored_object.hpp"

namespace sim::kube {

using ObjectKey = std::pair<std::string, std::string>;  // namespace ("" if cluster-scoped), name

// The order of std::pair's operator< on the two strings, with one inlined comparison per
// string instead of up to three calls to memcmp per step down the map.
struct ObjectKeyLess {
    [[gnu::always_inline]] bool operator()(const ObjectKey& a, const ObjectKey& b) const noexcept {
        const int by_namespace = compare_bytes(a.first, b.first);
        if (by_namespace != 0) return by_namespace < 0;
        return compare_bytes(a.second, b.second) < 0;
    }
};

class Bucket {
  public:
    using Map = std::map<ObjectKey, StoredObject, ObjectKeyLess>;
    using const_iterator = Map::const_iterator;

    Bucket() = default;
    Bucket(const Bucket&) = delete;  // the indexes point into the map
    Bucket& operator=(const Bucket&) = delete;
    Bucket(Bucket&&) = delete;
    Bucket& operator=(Bucket&&) = delete;

    const_iterator begin() const { return objects_.begin(); }
    const_iterator end() const { return objects_.end(); }
    std::size_t size() const { return objects_.size(); }
    bool empty() const { return objects_.empty(); }

    // The stored object's tree (made now for a compact object never read), or nullptr.
    const ObjectPtr* find(std::string_view ns, std::string_view name) const;
    // Whether (ns, name) is stored (a compact object's tree is not made to find out).
    bool contains(std::string_view ns, std::string_view name) const {
        return by_key_.find(ns, name) != nullptr;
    }
    // Stores `object` under (ns, name); returns the object it replaced (empty when new).
    StoredObject put(std::string_view ns, std::string_view name, StoredObject object);
    // Removes (ns, name); returns the removed object (empty when absent).
    StoredObject take(const std::string& ns, const std::string& name);

    // Visits, in key order, every object in `ns` ("" = all) with a key after `after` that
    // may match `selector`: only the candidates of the selector's most selective equality or
    // `in` requirement when it has one, else every object. The caller still applies the
    // selectors (the visit is a superset of the matches, in the same order as a full scan).
    void visit(const std::string& ns, const std::optional<ObjectKey>& after,
               const LabelSelector& selector,
               const std::function<void(const ObjectKey&, const ObjectPtr&)>& visitor) const;

    // How many objects carry label key=value (for tests of the index).
    std::size_t labelled(const std::string& key, const std::string& value) const;

  private:
    // (namespace, name) -> map node, for lookups by key. Never iterated into output.
    class KeyIndex {
      public:
        // The node stored under (ns, name), or nullptr.
        const Map::iterator* find(std::string_view ns, std::string_view name) const;
        // Adds `node` (its key must not be indexed yet).
        void insert(Map::iterator node);
        // Removes `node`'s key (which must be indexed).
        void erase(Map::iterator node);
        std::size_t size() const { return table_.size(); }

      private:
        static std::uint64_t hash_of(std::string_view ns, std::string_view name);
        TaggedHashTable<Map::iterator> table_;
    };

    // Map iterators ordered by their key.
    struct ByKey {
        bool operator()(const const_iterator& a, const const_iterator& b) const {
            return a->first < b->first;
        }
    };
    // A label's objects, hashed by their map node's address: adding a pod to a label that
    // 100,000 pods carry writes one slot of a flat table, where an ordered set compared keys
    // down 17 levels of cold nodes and a node-based hash set linked a new node through two
    // others. Never iterated into output: visit sorts the candidates by key first.
    class KeySet {
      public:
        void insert(const_iterator it) { table_.insert(hash_of(it), it); }
        void erase(const_iterator it) {
            table_.erase(hash_of(it), [&](const const_iterator& stored) { return stored == it; });
        }
        std::size_t size() const { return table_.size(); }
        bool empty() const { return table_.empty(); }
        template <class Visit>
        void for_each(Visit&& visit) const {
            table_.for_each(visit);
        }

      private:
        static std::uint64_t hash_of(const_iterator it) {
            return mix64(reinterpret_cast<std::uintptr_t>(&*it));
        }
        TaggedHashTable<const_iterator> table_;
    };

    void index_labels(const_iterator it, const StoredObject& object);
    void unindex_labels(const_iterator it, const StoredObject& object);
    // The objects labelled key=value, or nullptr.
    const KeySet* with_label(const std::string& key, const std::string& value) const;

    Map objects_;
    KeyIndex by_key_;
    // "key=value" (a label key holds no '=') -> the objects with that label.
    std::unordered_map<std::string, KeySet> by_label_;
};

}  // namespace sim::kube
