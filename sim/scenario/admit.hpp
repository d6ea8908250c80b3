// Creating a manifest's objects as `kubectl create -f` would, to learn what admission says:
// used by `sim-run validate` on plain manifests and by `sim-run render`.
#pragma once

#include <string>
#include <vector>

#include "sim/kube/client.hpp"
#include "sim/scenario/manifest.hpp"

namespace sim::scenario {

struct AdmissionVerdict {
    std::string object;  // Kind/namespace/name
    bool accepted = false;
    sim::Json created;    // the stored object, when accepted
    std::string reason;   // the Status reason when refused (Invalid, BadRequest, ...)
    std::string message;  // the Status message when refused
};

// Creates each object through `client`, in order. A namespaced object without a namespace goes
// to `default`; its namespace is created first when missing (so admission, not a missing
// namespace, decides); a Namespace that already exists is skipped as accepted.
std::vector<AdmissionVerdict> admit_objects(kube::Client& client,
                                            const std::vector<ManifestObject>& objects);

}  // namespace sim::scenario
