// The traffic split the gateway applies in front of a SeldonDeployment's predictor Services:
// Istio VirtualService semantics of controllers/seldondeployment_controller.go
// createIstioResources (with `ingress: istio` the operator also writes that VirtualService:
// istio.hpp): non-shadow predictors share requests by `traffic` (a lone predictor without
// traffic takes 100 %), a shadow predictor receives a mirrored copy (mirrorPercentage =
// traffic, 100 % when 0).
#pragma once

#include <string>
#include <vector>

#include "sim/kernel/json.hpp"

namespace sim::controller::seldon {

struct PredictorRoute {
    std::string predictor;
    std::string service;  // the predictor Service's name (in the SDep's namespace)
    int http_port = 8000;
    int grpc_port = 5001;
    int weight_percent = 0;  // share of live requests (non-shadow)
    bool shadow = false;     // gets mirrored copies; its answers are discarded
    int mirror_percent = 0;  // for a shadow: share of requests mirrored
};

// Routes for a SeldonDeployment as stored (or defaulted), in predictor order.
std::vector<PredictorRoute> routing_table(const sim::Json& sdep);

}  // namespace sim::controller::seldon
