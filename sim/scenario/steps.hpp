// What timeline steps do to the cluster, through the API client, as `kubectl` would:
// apply, patch, scale and delete. Faults and drains belong to the cluster layer.
#pragma once

#include <string>
#include <vector>

#include "sim/kernel/random.hpp"
#include "sim/kube/client.hpp"
#include "sim/scenario/manifest.hpp"
#include "sim/scenario/scenario.hpp"

namespace sim::scenario {

// One request a step made and how the API server answered.
struct ApiCall {
    std::string verb;    // create, update, patch, get, delete
    std::string object;  // Kind/namespace/name
    int code = 200;
    std::string resource_version;  // on success
    std::string uid;               // on a successful create
    std::string reason;            // on failure: the Status reason (NotFound, Invalid, ...)
    std::string message;           // on failure: the Status message
};

struct StepOutcome {
    std::vector<ApiCall> calls;
    // The first refusal (a 4xx Status), if any: a step the API server refused.
    bool refused = false;
    std::string refusal;
};

// Appends `result` to `out` as a call; a 4xx answer makes the step refused.
void record(StepOutcome& out, std::string verb, std::string object,
            const kube::Result<sim::Json>& result);

// kubectl apply, approximated: create when absent (with the
// kubectl.kubernetes.io/last-applied-configuration annotation kubectl writes), otherwise an
// update of the whole object at the live resourceVersion. Objects without a namespace go to
// `default`, as with kubectl's default context.
StepOutcome apply_objects(kube::Client& client, const std::vector<ManifestObject>& objects);
// kubectl patch --type merge.
StepOutcome patch_object(kube::Client& client, const PatchStep& step);
// kubectl scale: read the scale subresource, write spec.replicas back through it.
StepOutcome scale_object(kube::Client& client, const ScaleStep& step);
// kubectl delete: by name, or the objects matching a selector (`count` of them, chosen with
// `random`, when the step limits the count).
StepOutcome delete_objects(kube::Client& client, const DeleteStep& step, kernel::Random& random);

}  // namespace sim::scenario
