// The garbage collector (pkg/controller/garbagecollector, reduced; k8s-semantics.md §1.8):
// keeps an owner -> dependents graph from watches on every resource but Events, and
//  - Background: once an owner is gone, deletes each dependent whose owners are all gone
//    (with the policy the dependent carries), or strips the dangling ownerReferences when some
//    owners remain;
//  - Foreground: deletes the dependents of an owner carrying `foregroundDeletion` (in the
//    foreground too) and removes the finalizer once no dependent with blockOwnerDeletion
//    remains;
//  - Orphan: strips the owner's uid from its dependents, then removes the `orphan` finalizer.
// It works through the Client like a controller, inside watch deliveries on the event loop.
// "Owner gone" is checked with a live GET (uid compared), as the real one verifies absence.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/kernel/json.hpp"
#include "sim/kube/client.hpp"

namespace sim::kube {

class GarbageCollector {
  public:
    explicit GarbageCollector(Client& client);
    GarbageCollector(const GarbageCollector&) = delete;
    GarbageCollector& operator=(const GarbageCollector&) = delete;

    // Watches every resource that can be watched and deleted (from resourceVersion "0"),
    // except core/v1 Events, as the real one.
    void start();
    void stop() { watches_.clear(); }
    // Deletions and patches the collector has issued, for tests and traces.
    std::size_t actions() const { return actions_; }
    // Called for every deletion and patch the collector issues: the object ("Kind/ns/name"),
    // what it did and why, for the trace.
    using DecisionFn = std::function<void(const std::string& object, const std::string& what,
                                          const std::string& why)>;
    void on_decision(DecisionFn fn) { on_decision_ = std::move(fn); }

  private:
    struct Node {
        ResourceRef ref;  // storage version, with namespace
        std::string kind;
        std::string name;
        Json owners;  // ownerReferences
        bool deleting = false;
        bool orphan = false;
        bool foreground = false;
        bool orphan_finalizer = false;
        bool foreground_finalizer = false;
    };

    void on_event(const ResourceInfo& resource, const WatchEvent& event);
    void observe(const ResourceInfo& resource, const Json& object);
    void forget(const std::string& uid);
    void process_deleting_owner(const std::string& uid);
    void process_dependent(const std::string& uid);
    void check_foreground(const std::string& owner_uid);
    bool owner_exists(const Json& owner_ref, const std::string& dependent_ns,
                      bool* deleting_foreground);
    void remove_finalizer(const std::string& uid, const std::string& finalizer);
    void set_owner_references(const Node& node, const Json& refs);
    void decide(const Node& node, const std::string& what, const std::string& why);

    Client& client_;
    std::vector<WatchHandle> watches_;
    std::map<std::string, Node> nodes_;                        // by uid
    std::map<std::string, std::set<std::string>> dependents_;  // owner uid -> dependent uids
    std::size_t actions_ = 0;
    DecisionFn on_decision_;
};

}  // namespace sim::kube
