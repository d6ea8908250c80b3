// What the store and the watch history hold for one version of an object: its JSON tree, or a
// compact record that makes the tree the first time someone reads it.
//
// Why two forms: a run writes about four Events per pod (Scheduled, Pulled, Created, Started)
// and nobody reads most of them. As an nlohmann tree an Event is some 40 allocations and
// 3.7 KB; 400,000 of them were a third of the 100,000-pod run's instructions and 1.5 GiB of
// its memory. Compact, an Event is its strings packed in one buffer (compact_event.hpp). The
// real API server does much the same: etcd holds each object serialized, and it is decoded
// when read.
//
// A compact object materializes once and keeps its tree, shared by every later reader (the
// store and the history share the compact record, so both see the one tree). The API server
// runs on the event loop's thread only (the HTTP face hands requests over to it), so the
// lazily filled cache needs no lock. Compact objects carry no labels: the store's label index
// never asks them for any (compact_event.hpp makes only label-less Events).
#pragma once

#include <concepts>
#include <memory>
#include <utility>

#include "sim/kernel/json_fwd.hpp"
#include "sim/kube/object_ptr.hpp"

namespace sim::kube {

class CompactObject {
  public:
    CompactObject() = default;
    CompactObject(const CompactObject&) = delete;
    CompactObject& operator=(const CompactObject&) = delete;
    virtual ~CompactObject() = default;

    // The object as JSON: made on the first call, then the same shared tree.
    const ObjectPtr& tree() const;
    // Whether tree() has been called (tests check that lookups never make the tree).
    bool materialized() const { return tree_ != nullptr; }

  protected:
    virtual sim::Json to_json() const = 0;

  private:
    mutable ObjectPtr tree_;
};

class StoredObject {
  public:
    StoredObject() = default;
    StoredObject(ObjectPtr tree) : tree_(std::move(tree)) {}  // NOLINT: a tree is stored as is
    template <std::derived_from<CompactObject> T>
    StoredObject(std::shared_ptr<const T> compact)  // NOLINT: stored compact as it is
        : compact_(std::move(compact)) {}

    explicit operator bool() const { return tree_ != nullptr || compact_ != nullptr; }
    bool is_compact() const { return compact_ != nullptr; }
    // The object's tree (a compact object's made now if it was never read). Null when empty.
    const ObjectPtr& tree() const { return compact_ ? compact_->tree() : tree_; }

  private:
    ObjectPtr tree_;
    std::shared_ptr<const CompactObject> compact_;
};

}  // namespace sim::kube
