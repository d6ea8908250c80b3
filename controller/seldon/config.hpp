// The operator's configuration as installed by the seldon-core-operator Helm chart v1.17.1 with
// its default values (helm-charts/seldon-core-operator/values.yaml and templates: the
// manager's environment variables and the `seldon-config` config map).
#pragma once

#include <map>
#include <string>

namespace sim::controller::seldon {

// One entry of `predictor_servers` in the seldon-config config map.
struct PredictorServer {
    std::string seldon_image;      // protocols seldon (and default)
    std::string tensorflow_image;  // protocol tensorflow ("" when the server has none)
    std::string v2_image;          // protocols v2 / kfserving ("" when none)
};

struct OperatorConfig {
    // EXECUTOR_CONTAINER_IMAGE_AND_VERSION (values.yaml executor.image).
    std::string executor_image = "docker.io/seldonio/seldon-core-executor:1.17.1";
    // EXECUTOR_SERVER_PORT / EXECUTOR_SERVER_GRPC_PORT (constants.go defaults).
    int executor_http_port = 8000;
    int executor_grpc_port = 5001;
    // EXECUTOR_PROMETHEUS_PATH (values.yaml executor.prometheus.path).
    std::string prometheus_path = "/prometheus";
    // EXECUTOR_REQUEST_LOGGER_DEFAULT_ENDPOINT (values.yaml
    // executor.requestLogger.defaultEndpoint).
    std::string request_logger_default_endpoint = "http://default-broker";
    // EXECUTOR_CONTAINER_USER and DEFAULT_USER_ID (values.yaml executor.user, defaultUserID).
    long long executor_user = 8888;
    long long default_user_id = 8888;
    // EXECUTOR_CONTAINER_SERVICE_ACCOUNT_NAME (values.yaml executor.serviceAccount.name).
    std::string executor_service_account = "default";
    // storageInitializer.image in seldon-config.
    std::string storage_initializer_image = "seldonio/rclone-storage-initializer:1.17.1";
    // ISTIO_ENABLED / AMBASSADOR_ENABLED: both false in the Helm defaults (values.yaml
    // istio.enabled, ambassador.enabled). Istio's objects: istio.hpp; Ambassador's Mappings:
    // ambassador.hpp.
    bool istio_enabled = false;
    bool ambassador_enabled = false;
    // ISTIO_GATEWAY (values.yaml istio.gateway).
    std::string istio_gateway = "istio-system/seldon-gateway";
    // CONTROLLER_ID ("" = the cluster-wide operator).
    std::string controller_id;
    // DEPLOYMENT_NAME_AS_PREFIX (false by default).
    bool deployment_name_as_prefix = false;
    // predictor_servers from seldon-config (values.yaml predictor_servers). The MLServer tags
    // other than -sklearn follow the chart's naming pattern (seldon-v1.md §2b names only
    // the sklearn one); only their presence matters to admission.
    std::map<std::string, PredictorServer> predictor_servers = {
        {"HUGGINGFACE_SERVER", {"", "", "seldonio/mlserver:1.3.5-huggingface"}},
        {"MLFLOW_SERVER", {"seldonio/mlflowserver:1.17.1", "", "seldonio/mlserver:1.3.5-mlflow"}},
        {"SKLEARN_SERVER",
         {"seldonio/sklearnserver:1.17.1", "", "seldonio/mlserver:1.3.5-sklearn"}},
        {"TEMPO_SERVER", {"", "", "seldonio/mlserver:1.3.5-slim"}},
        {"TENSORFLOW_SERVER", {"seldonio/tfserving-proxy:1.17.1", "tensorflow/serving:2.1.0", ""}},
        {"TRITON_SERVER", {"", "", "nvcr.io/nvidia/tritonserver:21.08-py3"}},
        {"XGBOOST_SERVER",
         {"seldonio/xgboostserver:1.17.1", "", "seldonio/mlserver:1.3.5-xgboost"}},
    };
};

}  // namespace sim::controller::seldon
