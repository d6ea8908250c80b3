#include "sim/kube/admission.hpp"

#include <algorithm>

namespace sim::kube {

bool AdmissionChain::selects(const AdmissionRegistration& r, const std::string& group_resource,
                             const std::string& subresource, Operation operation) {
    if (!r.group_resource.empty() && r.group_resource != group_resource) return false;
    if (!subresource.empty() && !r.include_subresources) return false;
    return r.operations.empty() ||
           std::find(r.operations.begin(), r.operations.end(), operation) != r.operations.end();
}

bool AdmissionChain::concerns(const ResourceInfo& resource, Operation operation) const {
    if (mutating_.empty() && validating_.empty()) return false;
    const std::string group_resource = resource.group_resource();
    const auto selected = [&](const AdmissionRegistration& r) {
        return selects(r, group_resource, "", operation);
    };
    return std::any_of(mutating_.begin(), mutating_.end(), selected) ||
           std::any_of(validating_.begin(), validating_.end(), selected);
}

void AdmissionChain::run(const std::vector<AdmissionRegistration>& hooks,
                         AdmissionRequest& request) {
    if (hooks.empty()) return;
    const std::string group_resource = request.resource->group_resource();
    for (const auto& r : hooks)
        if (selects(r, group_resource, request.subresource, request.operation)) r.hook(request);
}

}  // namespace sim::kube
