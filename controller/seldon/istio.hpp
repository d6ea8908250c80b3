// The Istio objects the operator creates when ISTIO_ENABLED=true
// (controllers/seldondeployment_controller.go createIstioResources, v1.17.1; seldon-v1.md §2b
// "Traffic / shadow"): one VirtualService named after the seldon-deployment-id routing
// /seldon/<ns>/<sdep>/ (REST, rewritten to /) and Seldon's gRPC services to the predictor
// Services by `traffic`, a shadow predictor as `mirror`; one DestinationRule per predictor
// (its subset selects the predictor's `version` label).
#pragma once

#include <string>
#include <vector>

#include "controller/seldon/config.hpp"
#include "sim/kernel/json.hpp"

namespace sim::controller::seldon {

// The Istio API version Seldon Core v1.17.1 writes (istio.io/client-go networking/v1alpha3).
inline constexpr const char* kIstioApiVersion = "networking.istio.io/v1alpha3";

// constants.GRPCRegExMatchIstio: the gRPC services of Seldon, TensorFlow and the V2 protocol.
inline constexpr const char* kGrpcRegexIstio = ".*tensorflow.*|.*seldon.protos.*|.*inference.*";

// Retries added to both routes when the annotation seldon.io/istio-retries is set.
inline constexpr const char* kIstioRetryOn = "gateway-error,connect-failure,refused-stream";

struct IstioObjects {
    std::vector<sim::Json> virtual_services;
    std::vector<sim::Json> destination_rules;
};

// `sdep` defaulted; `predictor_services` the predictor Services being created (their ports are
// the predictors' external ports); `owner` the controller ownerReference to set.
// Throws OperatorError for a non-numeric seldon.io/istio-retries(-timeout) annotation.
IstioObjects build_istio_objects(const sim::Json& sdep,
                                 const std::vector<sim::Json>& predictor_services,
                                 const sim::Json& owner, const OperatorConfig& config);

}  // namespace sim::controller::seldon
