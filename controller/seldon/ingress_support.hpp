// What the ingress builders (istio.cpp, ambassador.cpp) share: the operator's tuning
// annotations off a SeldonDeployment (utils.GetAnnotation: the spec's annotations first, then
// the object's), Go's strconv.Atoi for numeric ones, and the predictor Services' ports.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/kernel/json.hpp"

namespace sim::controller::seldon {

std::string sdep_annotation(const sim::Json& sdep, const std::string& key,
                            const std::string& fallback);

// strconv.Atoi with Go's error text; throws OperatorError.
int atoi_or_throw(const std::string& text);

// The port at `index` (0 http, 1 grpc) of the predictor Service named `service` among
// `services`, or `fallback` when it is not there.
std::int64_t predictor_service_port(const std::vector<sim::Json>& services,
                                    const std::string& service, std::size_t index,
                                    std::int64_t fallback);

}  // namespace sim::controller::seldon
