// Object names the operator derives from a SeldonDeployment (v1/seldondeployment_types.go:
// GetSeldonDeploymentName, GetDeploymentName, GetPredictorKey, GetContainerServiceName;
// `hash` is the lowercase hex MD5 of the full name; Kubernetes names here are capped at 63).
#pragma once

#include <string>
#include <vector>

namespace sim::controller::seldon {

std::string md5_hex(const std::string& text);

// Label `seldon-deployment-id`: the SDep name, or "seldon-<md5(name)>" past 63 characters.
std::string seldon_id(const std::string& sdep_name);

// "<sdep>-<predictor>-<index>-<metadata.name or container names joined by '-'>", or
// "seldon-<md5>" past 63 ("<sdep>-<md5>" with DEPLOYMENT_NAME_AS_PREFIX when it fits).
std::string deployment_name(const std::string& sdep_name, const std::string& predictor,
                            std::size_t index, const std::string& component_name,
                            bool name_as_prefix = false);
// The container-names part of a componentSpec's Deployment name.
std::string component_key(const std::vector<std::string>& container_names);

// The predictor's entry Service: annotation seldon.io/svc-name, else "<sdep>-<predictor>" (hash
// rule).
std::string predictor_service_name(const std::string& sdep_name, const std::string& predictor,
                                   const std::string& svc_name_annotation = "");
// "<sdep>-<predictor>-<container>" (hash rule).
std::string container_service_name(const std::string& sdep_name, const std::string& predictor,
                                   const std::string& container);
// "<sdep>-<predictor>-svc-orch" (hash rule).
std::string svc_orch_deployment_name(const std::string& sdep_name, const std::string& predictor);

}  // namespace sim::controller::seldon
