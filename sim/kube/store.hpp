// One resource's objects in the API server's store: immutable shared objects in key order
// (etcd key order: namespace, then name), a hash index for lookups by key, and a label index
// (key=value -> objects in key order) so a list with an equality or `in` label selector
// visits only the objects that can match.
//
// Objects are never modified in place: a write stores a new object and the old pointer lives
// on in the watch history and with every caller that holds it. So a get or a watch event can
// hand out the stored object itself, with no copy.
//
// Determinism: only the ordered map and the ordered per-label sets are ever iterated; the hash
// maps serve lookups only.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/kube/object_ptr.hpp"
#include "sim/kube/selectors.hpp"

namespace sim::kube {

using ObjectKey = std::pair<std::string, std::string>;  // namespace ("" if cluster-scoped), name

class Bucket {
  public:
    using Map = std::map<ObjectKey, ObjectPtr>;
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

    // The stored object, or nullptr.
    const ObjectPtr* find(const std::string& ns, const std::string& name) const;
    bool contains(const std::string& ns, const std::string& name) const {
        return find(ns, name) != nullptr;
    }
    // Stores `object` under (ns, name); returns the object it replaced (null when new).
    ObjectPtr put(const std::string& ns, const std::string& name, ObjectPtr object);
    // Removes (ns, name); returns the removed object (null when absent).
    ObjectPtr take(const std::string& ns, const std::string& name);

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
    struct KeyView {
        std::string_view ns;
        std::string_view name;
        bool operator==(const KeyView&) const = default;
    };
    struct KeyViewHash {
        std::size_t operator()(const KeyView& k) const {
            const std::size_t h = std::hash<std::string_view>{}(k.ns);
            return h ^ (std::hash<std::string_view>{}(k.name) + 0x9e3779b97f4a7c15ULL + (h << 6) +
                        (h >> 2));
        }
    };
    // Map iterators ordered by their key: a label's objects in key order.
    struct ByKey {
        bool operator()(const const_iterator& a, const const_iterator& b) const {
            return a->first < b->first;
        }
    };
    using KeySet = std::set<const_iterator, ByKey>;

    void index_labels(const_iterator it, const nlohmann::json& object);
    void unindex_labels(const_iterator it, const nlohmann::json& object);
    // The objects labelled key=value, or nullptr.
    const KeySet* with_label(const std::string& key, const std::string& value) const;

    Map objects_;
    // Views into the map's keys, which stay put while their node lives.
    std::unordered_map<KeyView, Map::iterator, KeyViewHash> by_key_;
    // "key=value" (a label key holds no '=') -> the objects with that label.
    std::unordered_map<std::string, KeySet> by_label_;
};

}  // namespace sim::kube
