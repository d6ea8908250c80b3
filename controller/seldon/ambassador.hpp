// The Ambassador (Emissary) objects the operator creates when AMBASSADOR_ENABLED=true
// (operator/controllers/ambassador/v2.go GetV2AmbassadorConfigs, v1.17.1; seldon-v1.md §2b
// "Traffic / shadow"): per predictor a REST and a gRPC Mapping (getambassador.io/v2) to the
// predictor Service. Ambassador splits by `weight`; the first predictor gets no weight (it takes
// what the others leave), a shadow predictor's Mappings say `shadow: true`.
#pragma once

#include <vector>

#include "controller/seldon/config.hpp"
#include "sim/kernel/json.hpp"

namespace sim::controller::seldon {

inline constexpr const char* kAmbassadorApiVersion = "getambassador.io/v2";

// constants.GRPCRegExMatchAmbassador: the gRPC services of Seldon, TensorFlow and the V2 protocol.
inline constexpr const char* kGrpcRegexAmbassador =
    "/(seldon.protos.*|tensorflow.serving.*|inference.*)/.*";

// `sdep` defaulted; `predictor_services` the predictor Services being created (their ports are
// the predictors' external ports); `owner` the controller ownerReference to set.
// Throws OperatorError for a non-numeric seldon.io/rest-timeout or seldon.io/ambassador-retries.
std::vector<sim::Json> build_ambassador_mappings(const sim::Json& sdep,
                                                 const std::vector<sim::Json>& predictor_services,
                                                 const sim::Json& owner,
                                                 const OperatorConfig& config);

}  // namespace sim::controller::seldon
