#include "sim/kube/admission.hpp"

#include <algorithm>

namespace sim::kube {

void AdmissionChain::run(const std::vector<AdmissionRegistration>& hooks,
                         AdmissionRequest& request) {
    for (const auto& r : hooks) {
        if (!r.group_resource.empty() && r.group_resource != request.resource->group_resource())
            continue;
        if (!request.subresource.empty() && !r.include_subresources) continue;
        if (!r.operations.empty() && std::find(r.operations.begin(), r.operations.end(),
                                               request.operation) == r.operations.end())
            continue;
        r.hook(request);
    }
}

}  // namespace sim::kube
