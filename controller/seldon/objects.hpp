// What the operator wants to exist for a defaulted SeldonDeployment
// (controllers/seldondeployment_controller.go createComponents, createDeploymentWithoutEngine,
// createContainerService, createPredictorService, createHpa, createPdb;
// controllers/seldondeployment_engine.go for the executor container).
#pragma once

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "controller/seldon/config.hpp"
#include "sim/kernel/json.hpp"

namespace sim::controller::seldon {

struct DesiredObjects {
    std::vector<sim::Json> deployments;         // apps/v1 Deployments, creation order
    std::vector<sim::Json> container_services;  // v1 Services per graph container
    std::vector<sim::Json> predictor_services;  // v1 Services per predictor (entry points)
    std::vector<sim::Json> hpas;                // autoscaling/v2
    std::vector<sim::Json> pdbs;                // policy/v1
    // networking.istio.io/v1alpha3, only with OperatorConfig::istio_enabled (istio.hpp).
    std::vector<sim::Json> virtual_services;
    std::vector<sim::Json> destination_rules;
    // getambassador.io/v2 Mappings, only with OperatorConfig::ambassador_enabled (ambassador.hpp).
    std::vector<sim::Json> mappings;
    // Deployments whose replicas an HPA (or KEDA) owns: their spec.replicas is left alone.
    std::set<std::string> autoscaled;
    sim::Json service_status = sim::Json::object();  // status.serviceStatus
    std::string address_url;                         // status.address.url
    bool keda = false;  // a kedaSpec was given (ScaledObjects are not emulated)
};

// An error the real operator reports as state Failed + event InternalError.
struct OperatorError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// `sdep` must be defaulted (defaults.hpp) and carry metadata.uid for owner references.
DesiredObjects build_desired_objects(const sim::Json& sdep, const OperatorConfig& config = {});

// The executor's ENGINE_PREDICTOR value for a defaulted predictor (GetEngineVarJson): base64
// of its JSON with traffic and explainer dropped and replicas 0.
std::string engine_predictor_env(const sim::Json& predictor);

std::string base64_encode(const std::string& bytes);

}  // namespace sim::controller::seldon
