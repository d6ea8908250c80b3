// pods/eviction (pkg/registry/core/pod/storage/eviction.go, 1.32): the Eviction API honouring
// PodDisruptionBudgets.
//
//  - a pod that is Pending, Succeeded, Failed or already being deleted is deleted without a
//    budget check (canIgnorePDB);
//  - no budget selects the pod: delete; more than one: 500;
//  - an unready pod under the default unhealthyPodEvictionPolicy IfHealthyBudget is deleted
//    when the budget has its desired healthy pods (AlwaysAllow: always);
//  - otherwise checkAndDecrement: status not observed yet -> 429 (retry after 10 s);
//    disruptionsAllowed 0 -> 429 "Cannot evict pod as it would violate the pod's disruption
//    budget." with the cause "The disruption budget <pdb> needs <d> healthy pods and has <c>
//    currently"; else disruptionsAllowed - 1 and the pod in status.disruptedPods, written
//    before the delete.
// The pod gets the DisruptionTarget condition (EvictionByEvictionAPI) before its graceful
// delete (deleteOptions of the Eviction).
#include <algorithm>

#include "sim/kube/api_server.hpp"
#include "sim/kube/selectors.hpp"

namespace sim::kube {
namespace {

std::string text(const Json& o, const char* key) {
    if (!o.is_object()) return "";
    const auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

std::int64_t integer(const Json& o, const char* key) {
    if (!o.is_object()) return 0;
    const auto it = o.find(key);
    return it != o.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

bool pod_ready(const Json& pod) {
    for (const Json& c : pod.value("status", Json::object()).value("conditions", Json::array()))
        if (text(c, "type") == "Ready") return text(c, "status") == "True";
    return false;
}

ApiError too_many_requests(std::int64_t retry_after_seconds, const std::string& cause) {
    Json details{{"causes", Json::array({{{"reason", "DisruptionBudget"}, {"message", cause}}})}};
    if (retry_after_seconds > 0) details["retryAfterSeconds"] = retry_after_seconds;
    return ApiError(
        Json{{"kind", "Status"},
             {"apiVersion", "v1"},
             {"metadata", Json::object()},
             {"status", "Failure"},
             {"message", "Cannot evict pod as it would violate the pod's disruption budget."},
             {"reason", "TooManyRequests"},
             {"details", details},
             {"code", 429}});
}

template <class T>
T value_or_throw(Result<T> r) {
    if (!r) throw r.error();
    return std::move(r).value();
}

DeleteOptions delete_options_of(const Json& eviction) {
    DeleteOptions options;
    const Json d = eviction.value("deleteOptions", Json::object());
    if (!d.is_object()) return options;
    if (d.contains("gracePeriodSeconds") && d["gracePeriodSeconds"].is_number_integer())
        options.grace_period_seconds = d["gracePeriodSeconds"].get<std::int64_t>();
    const Json pre = d.value("preconditions", Json::object());
    if (pre.is_object() && pre.contains("uid") && pre["uid"].is_string())
        options.precondition_uid = pre["uid"].get<std::string>();
    if (pre.is_object() && pre.contains("resourceVersion") && pre["resourceVersion"].is_string())
        options.precondition_resource_version = pre["resourceVersion"].get<std::string>();
    if (d.contains("propagationPolicy") && d["propagationPolicy"].is_string())
        options.propagation_policy = d["propagationPolicy"].get<std::string>();
    return options;
}

}  // namespace

Json ApiServer::do_evict(const ResourceRef& ref, const Json& eviction) {
    if (!eviction.is_object()) throw bad_request("the body of the request must be a JSON object");
    const Json md = eviction.value("metadata", Json::object());
    const std::string name = text(md, "name");
    const ResourceRef pods = refs::kPods.in(ref.ns);
    const Json pod = value_or_throw(get(pods, name));
    const auto remove_pod = [&](bool mark) {
        if (mark) {
            Json conditions =
                pod.value("status", Json::object()).value("conditions", Json::array());
            const bool has = std::any_of(conditions.begin(), conditions.end(), [](const Json& c) {
                return text(c, "type") == "DisruptionTarget";
            });
            if (!has) {
                conditions.push_back(Json{{"type", "DisruptionTarget"},
                                          {"status", "True"},
                                          {"lastProbeTime", nullptr},
                                          {"lastTransitionTime", now_rfc3339()},
                                          {"reason", "EvictionByEvictionAPI"},
                                          {"message", "Eviction API: evicting"}});
                (void)value_or_throw(patch(pods, name, PatchType::Merge,
                                           Json{{"status", {{"conditions", conditions}}}},
                                           "status"));
            }
        }
        (void)value_or_throw(remove(pods, name, delete_options_of(eviction)));
        return Json{{"kind", "Status"},
                    {"apiVersion", "v1"},
                    {"metadata", Json::object()},
                    {"status", "Success"},
                    {"code", 201}};
    };
    const std::string phase = text(pod.value("status", Json::object()), "phase");
    const bool deleting = pod.value("metadata", Json::object()).contains("deletionTimestamp");
    if (phase == "Succeeded" || phase == "Failed" || phase == "Pending" || deleting)
        return remove_pod(!deleting);

    const ResourceRef budgets_ref = refs::kPodDisruptionBudgets.in(ref.ns);
    const Json budgets = value_or_throw(list(budgets_ref));
    std::vector<Json> matching;
    for (const Json& pdb : budgets["items"]) {
        const Json selector = pdb.value("spec", Json::object()).value("selector", Json());
        if (LabelSelector::from_json(selector).matches_object(pod)) matching.push_back(pdb);
    }
    if (matching.empty()) return remove_pod(true);
    if (matching.size() > 1)
        throw internal_error(
            "This pod has more than one PodDisruptionBudget, which the eviction subresource "
            "does not support.");
    Json pdb = matching.front();
    const std::string pdb_name = text(pdb["metadata"], "name");
    Json& status = pdb["status"];
    if (!status.is_object()) status = Json::object();
    if (!pod_ready(pod)) {
        const std::string policy =
            text(pdb.value("spec", Json::object()), "unhealthyPodEvictionPolicy");
        const std::int64_t desired = integer(status, "desiredHealthy");
        if (policy == "AlwaysAllow" ||
            (integer(status, "currentHealthy") >= desired && desired > 0))
            return remove_pod(true);
    }
    if (integer(status, "observedGeneration") < integer(pdb["metadata"], "generation"))
        throw too_many_requests(
            10, "The disruption budget " + pdb_name + " is still being processed by the server.");
    const std::int64_t allowed = integer(status, "disruptionsAllowed");
    if (allowed < 0)
        throw ApiError(
            Json{{"kind", "Status"},
                 {"apiVersion", "v1"},
                 {"metadata", Json::object()},
                 {"status", "Failure"},
                 {"message", "poddisruptionbudgets.policy " + quote_value(pdb_name) +
                                 " is forbidden: pdb disruptions allowed is negative"},
                 {"reason", "Forbidden"},
                 {"details",
                  {{"name", pdb_name}, {"group", "policy"}, {"kind", "poddisruptionbudgets"}}},
                 {"code", 403}});
    if (allowed == 0)
        throw too_many_requests(
            0, "The disruption budget " + pdb_name + " needs " +
                   std::to_string(integer(status, "desiredHealthy")) + " healthy pods and has " +
                   std::to_string(integer(status, "currentHealthy")) + " currently");
    status["disruptionsAllowed"] = allowed - 1;
    if (!status["disruptedPods"].is_object()) status["disruptedPods"] = Json::object();
    status["disruptedPods"][name] = now_rfc3339();
    if (allowed - 1 == 0) {
        // pdbhelper.UpdateDisruptionAllowedCondition.
        Json& conditions = status["conditions"];
        if (!conditions.is_array()) conditions = Json::array();
        Json c{{"type", "DisruptionAllowed"},
               {"status", "False"},
               {"reason", "InsufficientPods"},
               {"message", ""},
               {"observedGeneration", integer(status, "observedGeneration")},
               {"lastTransitionTime", now_rfc3339()}};
        auto it = std::find_if(conditions.begin(), conditions.end(), [](const Json& x) {
            return text(x, "type") == "DisruptionAllowed";
        });
        if (it == conditions.end()) {
            conditions.push_back(c);
        } else if (text(*it, "status") != "False") {
            *it = c;
        }
    }
    (void)value_or_throw(update(budgets_ref, pdb_name, pdb, "status"));
    return remove_pod(true);
}

}  // namespace sim::kube
