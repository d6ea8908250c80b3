// What the operator wants to exist for a defaulted SeldonDeployment
// (controllers/seldondeployment_controller.go createComponents, createDeploymentWithoutEngine,
// createContainerService, createPredictorService, createHpa, createPdb;
// controllers/seldondeployment_engine.go for the executor container).
#pragma once

#include <nlohmann/json.hpp>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "controller/seldon/config.hpp"

namespace sim::controller::seldon {

struct DesiredObjects {
    std::vector<nlohmann::json> deployments;         // apps/v1 Deployments, creation order
    std::vector<nlohmann::json> container_services;  // v1 Services per graph container
    std::vector<nlohmann::json> predictor_services;  // v1 Services per predictor (entry points)
    std::vector<nlohmann::json> hpas;                // autoscaling/v2
    std::vector<nlohmann::json> pdbs;                // policy/v1
    // networking.istio.io/v1alpha3, only with OperatorConfig::istio_enabled (istio.hpp).
    std::vector<nlohmann::json> virtual_services;
    std::vector<nlohmann::json> destination_rules;
    // getambassador.io/v2 Mappings, only with OperatorConfig::ambassador_enabled (ambassador.hpp).
    std::vector<nlohmann::json> mappings;
    // Deployments whose replicas an HPA (or KEDA) owns: their spec.replicas is left alone.
    std::set<std::string> autoscaled;
    nlohmann::json service_status = nlohmann::json::object();  // status.serviceStatus
    std::string address_url;                                   // status.address.url
    bool keda = false;  // a kedaSpec was given (ScaledObjects are not emulated)
};

// An error the real operator reports as state Failed + event InternalError.
struct OperatorError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// `sdep` must be defaulted (defaults.hpp) and carry metadata.uid for owner references.
DesiredObjects build_desired_objects(const nlohmann::json& sdep, const OperatorConfig& config = {});

// The executor's ENGINE_PREDICTOR value for a defaulted predictor (GetEngineVarJson): base64
// of its JSON with traffic and explainer dropped and replicas 0.
std::string engine_predictor_env(const nlohmann::json& predictor);

std::string base64_encode(const std::string& bytes);

}  // namespace sim::controller::seldon
