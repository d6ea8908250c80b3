// Admission: the pluggable mutating and validating hooks per resource (what admission
// webhooks are to a real cluster; the Seldon webhook plugs in here), run after the built-in
// defaulting and before/after the built-in validation:
//   decode + defaults -> mutating hooks -> strategy (status split, generation)
//   -> built-in validation -> validating hooks -> storage.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sim/kernel/json.hpp"
#include "sim/kube/registry.hpp"

namespace sim::kube {

enum class Operation { Create, Update, Delete };

struct AdmissionRequest {
    Operation operation = Operation::Create;
    const ResourceInfo* resource = nullptr;
    std::string subresource;  // "", "status", "scale"
    std::string ns;
    std::string name;
    sim::Json* object =
        nullptr;  // the incoming object (storage version); mutable for mutating hooks
    const sim::Json* old = nullptr;  // the stored object on update and delete
};

// A hook rejects by throwing ApiError (e.g. invalid_object(...) for a 422 with causes, or an
// admission webhook's "admission webhook \"...\" denied the request: ..." 400/403).
using AdmissionHook = std::function<void(AdmissionRequest&)>;

struct AdmissionRegistration {
    std::string group_resource{};  // "seldondeployments.machinelearning.seldon.io"; "" = all
    std::vector<Operation> operations{};
    bool include_subresources = false;
    AdmissionHook hook{};
};

class AdmissionChain {
  public:
    void add_mutating(AdmissionRegistration r) { mutating_.push_back(std::move(r)); }
    void add_validating(AdmissionRegistration r) { validating_.push_back(std::move(r)); }
    void run_mutating(AdmissionRequest& request) const { run(mutating_, request); }
    void run_validating(AdmissionRequest& request) const { run(validating_, request); }
    // Whether some hook would run for `operation` on `resource` itself (no subresource).
    bool concerns(const ResourceInfo& resource, Operation operation) const;

  private:
    static bool selects(const AdmissionRegistration& r, const std::string& group_resource,
                        const std::string& subresource, Operation operation);
    static void run(const std::vector<AdmissionRegistration>& hooks, AdmissionRequest& request);
    std::vector<AdmissionRegistration> mutating_;
    std::vector<AdmissionRegistration> validating_;
};

}  // namespace sim::kube
