// The `drain: {node: NAME}` step, as `kubectl drain NAME --ignore-daemonsets
// --delete-emptydir-data` does it (k8s.io/kubectl/pkg/drain): cordon (spec.unschedulable
// true), then evict every pod on the node through pods/eviction except DaemonSet and mirror
// pods; an eviction the API server refuses with 429 (a PodDisruptionBudget allows no
// disruption) is retried every 5 s until it is granted or the pod is gone. Pods without a
// controller stop the drain after the cordon, with kubectl's message (no --force).
// Every request is reported through `on_call` (the runner traces them as `api` lines).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "sim/kube/client.hpp"
#include "sim/scenario/steps.hpp"

namespace sim::scenario {

class Drain {
  public:
    using OnCall = std::function<void(const ApiCall&)>;
    using Narrate = std::function<void(const std::string&)>;

    // kubectl drain's retry interval after a 429 (drain.go: "will retry after 5s").
    static constexpr kernel::Nanos kRetryInterval = 5 * kernel::kSecond;

    Drain(kube::Client& client, std::string node, OnCall on_call, Narrate narrate);
    Drain(const Drain&) = delete;
    Drain& operator=(const Drain&) = delete;
    ~Drain() { *alive_ = false; }

    // Cordons and makes the first round of evictions now; what it did at this instant.
    StepOutcome start();
    // Pods still waiting for their eviction to be granted.
    std::size_t pending() const { return pending_.size(); }

  private:
    void evict_pending(StepOutcome* now_outcome);
    void report(StepOutcome* now_outcome, const ApiCall& call);

    kube::Client& client_;
    std::string node_;
    OnCall on_call_;
    Narrate narrate_;
    std::map<std::string, std::string> pending_;  // "ns/name" -> uid
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sim::scenario
