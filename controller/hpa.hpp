// The HorizontalPodAutoscaler controller (pkg/controller/podautoscaler/horizontal.go,
// Kubernetes 1.32; k8s-semantics.md §3c). Every 15 s per HPA (the first sync about 15 s
// after it appears): read the target's /scale, compute a proposal per metric
// (hpa_replicas.hpp) and take the largest, normalize it (hpa_behavior.hpp), update /scale when
// it changes, write status (currentReplicas, desiredReplicas, currentMetrics, lastScaleTime,
// conditions AbleToScale / ScalingActive / ScalingLimited) and the real events.
//
// Resource metrics come from metrics.k8s.io PodMetrics through the client; Pods and Object
// metrics from a CustomMetricsSource (absent: those metrics fail as with no adapter installed).
#pragma once

#include <functional>
#include <map>
#include <string>

#include "controller/hpa_behavior.hpp"
#include "controller/hpa_metrics.hpp"
#include "controller/hpa_replicas.hpp"
#include "controller/manager.hpp"

namespace sim::controller {

struct HpaConfig {
    hpa::CalculatorConfig calculator;
    sim::kernel::Nanos sync_period =
        15 * sim::kernel::kSecond;  // --horizontal-pod-autoscaler-sync-period
    sim::kernel::Nanos downscale_stabilization = hpa::kDownscaleStabilization;
};

// One sync, for the run's trace (docs/trace.md kind `hpa`).
struct HpaSync {
    std::string hpa;  // ns/name
    std::int32_t current = 0;
    std::int32_t desired = 0;
    std::string metrics;  // "cpu: 85%/50%, pods requests_per_second: 12/10"
    std::string reason;
};
using HpaSyncHook = std::function<void(const HpaSync&)>;

class HorizontalPodAutoscalerController : public Controller {
  public:
    explicit HorizontalPodAutoscalerController(const hpa::CustomMetricsSource* custom = nullptr,
                                               HpaConfig config = {});
    std::string name() const override { return "horizontal-pod-autoscaler"; }
    void setup() override;
    ReconcileResult reconcile(const std::string& key) override;
    void on_sync(HpaSyncHook hook) { sync_hook_ = std::move(hook); }

  private:
    struct Sync;
    ReconcileResult sync(const std::string& key, Json hpa_object);
    bool compute_metrics(Sync& s);
    bool compute_metric(Sync& s, const Json& spec, Json& status, std::int32_t& proposal,
                        std::string& metric_name, Json& failed_condition);
    bool resource_metric(Sync& s, const Json& spec, Json& status, std::int32_t& proposal,
                         std::string& metric_name, std::string& error);
    bool pods_metric(Sync& s, const Json& spec, Json& status, std::int32_t& proposal,
                     std::string& metric_name, std::string& error);
    bool object_metric(Sync& s, const Json& spec, Json& status, std::int32_t& proposal,
                       std::string& metric_name, std::string& error);
    hpa::PodMetricsAnswer resource_metrics(const std::string& ns, const std::string& resource,
                                           const std::string& selector, std::string& error);
    void set_condition(Json& hpa_object, const std::string& type, const std::string& status,
                       const std::string& reason, const std::string& message);
    void finish(Sync& s);

    const hpa::CustomMetricsSource* custom_;
    HpaConfig config_;
    HpaSyncHook sync_hook_;
    std::map<std::string, hpa::History> history_;  // by HPA key
};

}  // namespace sim::controller
