// Admission for SeldonDeployments, as a cluster with Seldon Core v1.17.1 installed applies it:
//
// 1. The CRD's structural schema (operator/config/crd_v1_small/...seldondeployments.yaml):
//    required fields at every depth and the types of the fields the operator reads. The API
//    server itself rejects with `SeldonDeployment.machinelearning.seldon.io "<name>" is
//    invalid: ...` (422) before any webhook is called.
// 2. The validating webhook `v1.vseldondeployment.kb.io`
//    (operator/apis/machinelearning.seldon.io/v1/seldondeployment_webhook.go,
//    ValidateSeldonDeployment) on create and update of every served version. Its 422 names the
//    misspelt group `machinelearing.seldon.io` and `spec.name` (usually ""), and the API server
//    prefixes `admission webhook "v1.vseldondeployment.kb.io" denied the request: `.
//
// There is no mutating webhook in 1.17.1: defaulting happens inside Reconcile (defaults.hpp).
#pragma once

#include <string>

#include "controller/seldon/config.hpp"
#include "sim/kernel/json.hpp"
#include "sim/kube/status.hpp"

namespace sim::kube {
class ApiServer;
}

namespace sim::controller::seldon {

inline constexpr const char* kWebhookName = "v1.vseldondeployment.kb.io";
// The group as written in seldondeployment_webhook.go's NewInvalid call (sic).
inline constexpr const char* kWebhookGroup = "machinelearing.seldon.io";

// The structural-schema errors the sim/kube store does not check itself, in document order.
kube::FieldErrors crd_schema_errors(const sim::Json& sdep);

// ValidateSeldonDeployment(spec): the field errors in the order the Go code appends them.
kube::FieldErrors validate_seldon_spec(const sim::Json& spec, const OperatorConfig& config = {});

// The error the API server returns when the webhook denies `spec`.
kube::ApiError webhook_denial(const sim::Json& spec, const kube::FieldErrors& errors);

// Registers (1) as a mutating-stage hook (so it runs before the webhook, like the API server's
// own schema validation) and (2) as a validating hook for seldondeployments on create/update.
void install_seldon_admission(kube::ApiServer& server, OperatorConfig config = {});

}  // namespace sim::controller::seldon
