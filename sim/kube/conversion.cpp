#include "sim/kube/conversion.hpp"

namespace sim::kube {
namespace {

using Json = sim::Json;

bool is_cpu_utilization(const Json& metric) {
    return metric.value("type", "") == "Resource" && metric.contains("resource") &&
           metric["resource"].value("name", "") == "cpu";
}

Json hpa_v1_to_v2(Json hpa) {
    Json& spec = hpa["spec"];
    if (spec.is_object() && spec.contains("targetCPUUtilizationPercentage")) {
        const Json target = spec["targetCPUUtilizationPercentage"];
        spec.erase("targetCPUUtilizationPercentage");
        spec["metrics"] = Json::array({Json{
            {"type", "Resource"},
            {"resource",
             Json{{"name", "cpu"},
                  {"target", Json{{"type", "Utilization"}, {"averageUtilization", target}}}}}}});
    }
    if (hpa.contains("status") && hpa["status"].is_object()) {
        Json& status = hpa["status"];
        if (status.contains("currentCPUUtilizationPercentage")) {
            const Json current = status["currentCPUUtilizationPercentage"];
            status.erase("currentCPUUtilizationPercentage");
            status["currentMetrics"] = Json::array(
                {Json{{"type", "Resource"},
                      {"resource", Json{{"name", "cpu"},
                                        {"current", Json{{"averageUtilization", current}}}}}}});
        }
    }
    return hpa;
}

Json hpa_v2_to_v1(Json hpa) {
    if (hpa.contains("spec") && hpa["spec"].is_object()) {
        Json& spec = hpa["spec"];
        if (spec.contains("metrics"))
            for (const auto& m : spec["metrics"])
                if (is_cpu_utilization(m) && m["resource"].contains("target") &&
                    m["resource"]["target"].contains("averageUtilization"))
                    spec["targetCPUUtilizationPercentage"] =
                        m["resource"]["target"]["averageUtilization"];
        spec.erase("metrics");
        spec.erase("behavior");
    }
    if (hpa.contains("status") && hpa["status"].is_object()) {
        Json& status = hpa["status"];
        if (status.contains("currentMetrics") && status["currentMetrics"].is_array())
            for (const auto& m : status["currentMetrics"])
                if (is_cpu_utilization(m) && m["resource"].contains("current") &&
                    m["resource"]["current"].contains("averageUtilization"))
                    status["currentCPUUtilizationPercentage"] =
                        m["resource"]["current"]["averageUtilization"];
        status.erase("currentMetrics");
        status.erase("conditions");
    }
    return hpa;
}

}  // namespace

Json to_storage_version(const ResourceInfo& resource, Json object, std::string_view from_version) {
    if (!object.is_object()) return object;
    if (resource.kind == "HorizontalPodAutoscaler" && from_version == "v1")
        object = hpa_v1_to_v2(std::move(object));
    object["apiVersion"] = resource.storage_api_version();
    object["kind"] = resource.kind;
    return object;
}

Json from_storage_version(const ResourceInfo& resource, Json object, std::string_view to_version) {
    if (!object.is_object()) return object;
    if (resource.kind == "HorizontalPodAutoscaler" && to_version == "v1")
        object = hpa_v2_to_v1(std::move(object));
    object["apiVersion"] = resource.api_version(to_version);
    object["kind"] = resource.kind;
    return object;
}

}  // namespace sim::kube
