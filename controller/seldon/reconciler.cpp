#include "controller/seldon/reconciler.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "controller/seldon/defaults.hpp"
#include "controller/seldon/json_util.hpp"
#include "controller/seldon/names.hpp"
#include "controller/seldon/objects.hpp"
#include "sim/kube/object_meta.hpp"

namespace sim::controller::seldon {

namespace kube = sim::kube;
namespace meta = sim::kube::meta;

namespace {

enum class Change { Unchanged, Created, Updated };

// True when every field `desired` sets has the same value in `actual` (arrays: same length,
// element-wise): the server's defaults on top of what the operator wrote are not a change,
// which is what the operator's three-way comparison achieves.
bool covers(const Json& actual, const Json& desired) {
    if (desired.is_object()) {
        if (!actual.is_object()) return false;
        for (const auto& [k, v] : desired.items()) {
            const auto it = actual.find(k);
            if (it == actual.end()) {
                if (!v.is_null()) return false;
                continue;
            }
            if (!covers(*it, v)) return false;
        }
        return true;
    }
    if (desired.is_array()) {
        if (!actual.is_array() || actual.size() != desired.size()) return false;
        for (std::size_t i = 0; i < desired.size(); ++i)
            if (!covers(actual[i], desired[i])) return false;
        return true;
    }
    if (desired.is_number() && actual.is_number()) return desired.dump() == actual.dump();
    return actual == desired;
}

std::string describe(const Json& o) {
    return str(o, "kind") + "/" + str(at(o, "metadata"), "namespace") + "/" +
           str(at(o, "metadata"), "name");
}

// Event wording of the operator ("Created Deployment %q", Go %q quoting).
std::string event_kind(const std::string& kind) {
    if (kind == "HorizontalPodAutoscaler") return "HPA";
    if (kind == "PodDisruptionBudget") return "PDB";
    return kind;
}

const Json* condition(const Json& object, const std::string& type) {
    for (const Json& c : array(at(object, "status"), "conditions"))
        if (str(c, "type") == type) return &c;
    return nullptr;
}

}  // namespace

SeldonReconciler::SeldonReconciler(kube::Client& client, OperatorConfig config)
    : client_(client), config_(std::move(config)), recorder_(client, "seldon-controller-manager") {}

ReconcileResult SeldonReconciler::reconcile(const std::string& ns, const std::string& name) {
    ReconcileResult result;
    auto& decisions = result.decisions;
    const auto fetched = client_.get(kube::refs::kSeldonDeployments.in(ns), name);
    if (fetched.is_not_found()) {
        decisions.push_back({"skip", "SeldonDeployment/" + ns + "/" + name,
                             "not found: deleted; its objects go with their owner references"});
        return result;
    }
    if (!fetched.ok()) {
        decisions.push_back({"error", "", fetched.error().message()});
        result.requeue = true;
        return result;
    }
    const Json stored = fetched.value();
    const std::string self = "SeldonDeployment/" + ns + "/" + name;
    if (meta::is_being_deleted(stored)) {
        decisions.push_back({"skip", self, "being deleted"});
        return result;
    }
    const std::string controller_id = meta::labels(stored).count("seldon.io/controller-id")
                                          ? meta::labels(stored).at("seldon.io/controller-id")
                                          : "";
    if (controller_id != config_.controller_id) {
        decisions.push_back(
            {"skip", self,
             "label seldon.io/controller-id=" + controller_id + " belongs to another operator"});
        return result;
    }

    Json sdep = stored;
    default_seldon_deployment(sdep, config_);
    DesiredObjects desired;
    Json status = at(stored, "status").is_object() ? stored["status"] : Json::object();
    const Json old_status = status;
    bool had_error = false;
    std::string error_message;

    // Events are best effort, as in client-go's recorder: a failed write is traced, not fatal.
    const auto event = [&](const std::string& type, const std::string& reason,
                           const std::string& message) {
        const auto written = recorder_.record_event(stored, type, reason, message);
        if (!written.ok())
            decisions.push_back({"error", "Event " + reason, written.error().message()});
    };
    const auto fail = [&](const std::string& message) {
        had_error = true;
        error_message = message;
        decisions.push_back({"error", self, message});
        event("Warning", "InternalError", message);
    };

    try {
        desired = build_desired_objects(sdep, config_);
    } catch (const OperatorError& e) {
        fail(e.what());
    }

    // Creates or updates one owned object; returns what changed.
    const auto apply = [&](const Json& want,
                           bool replicas_owned_elsewhere) -> std::optional<Change> {
        const auto ref = client_.ref_for(want);
        const std::string oname = str(want["metadata"], "name");
        const std::string what = describe(want);
        const std::string kind = str(want, "kind");
        const auto existing = client_.get(*ref, oname);
        if (existing.is_not_found()) {
            const auto created = client_.create(*ref, want);
            if (!created.ok()) {
                fail(created.error().message());
                return std::nullopt;
            }
            event("Normal", "Create" + event_kind(kind),
                  "Created " + kind + " " + kube::quote_value(oname));
            decisions.push_back({"create", what, "the spec calls for it and it does not exist"});
            return Change::Created;
        }
        if (!existing.ok()) {
            fail(existing.error().message());
            return std::nullopt;
        }
        const Json& have = existing.value();
        Json want_spec = want["spec"];
        if (replicas_owned_elsewhere) want_spec.erase("replicas");
        const Json& have_labels = at(at(have, "metadata"), "labels");
        const bool same =
            covers(at(have, "spec"), want_spec) && covers(have_labels, want["metadata"]["labels"]);
        if (same) return Change::Unchanged;
        if (kind == "Deployment" && at(at(have, "spec"), "selector") != want["spec"]["selector"]) {
            // A Deployment's selector is immutable: the operator deletes and recreates it.
            client_.remove(*ref, oname);
            const auto created = client_.create(*ref, want);
            if (!created.ok()) {
                fail(created.error().message());
                return std::nullopt;
            }
            decisions.push_back({"create", what, "selector changed: deleted and recreated"});
            event("Normal", "Create" + event_kind(kind),
                  "Created " + kind + " " + kube::quote_value(oname));
            return Change::Created;
        }
        Json next = have;
        Json spec = want["spec"];
        if (replicas_owned_elsewhere && has(at(have, "spec"), "replicas"))
            spec["replicas"] = have["spec"]["replicas"];
        if (kind == "Service") {
            for (const char* k : {"clusterIP", "clusterIPs"})
                if (has(at(have, "spec"), k)) spec[k] = have["spec"][k];
        }
        next["spec"] = spec;
        next["metadata"]["labels"] = want["metadata"]["labels"];
        if (want["metadata"].contains("annotations"))
            next["metadata"]["annotations"] = want["metadata"]["annotations"];
        const auto updated = client_.update(*ref, next);
        if (!updated.ok()) {
            fail(updated.error().message());
            return std::nullopt;
        }
        event("Normal", "Update" + event_kind(kind),
              "Updated " + kind + " " + kube::quote_value(oname));
        decisions.push_back(
            {"update", what, "its spec differs from what the SeldonDeployment calls for"});
        return Change::Updated;
    };

    bool services_ready = true;
    bool hpas_ready = true;
    bool pdbs_ready = true;
    bool deployments_ready = !had_error;
    bool failed_deployment = false;
    Json deployment_status = Json::object();
    std::int64_t first_replicas = 0;

    if (!had_error && desired.keda)
        decisions.push_back({"skip", self,
                             "kedaSpec accepted: KEDA ScaledObjects are not emulated, so the "
                             "Deployment's replicas are left to whoever scales it"});
    if (!had_error) {
        for (const Json& s : desired.container_services) {
            const auto c = apply(s, false);
            if (!c || *c != Change::Unchanged) services_ready = false;
        }
        for (const Json& h : desired.hpas) {
            const auto c = apply(h, false);
            if (!c || *c != Change::Unchanged) hpas_ready = false;
        }
        for (const Json& p : desired.pdbs) {
            const auto c = apply(p, false);
            if (!c || *c != Change::Unchanged) pdbs_ready = false;
        }
        bool first = true;
        for (const Json& d : desired.deployments) {
            const std::string dname = str(d["metadata"], "name");
            const auto c = apply(d, desired.autoscaled.contains(dname));
            if (!c) {
                deployments_ready = false;
                continue;
            }
            const auto now = client_.get(kube::refs::kDeployments.in(ns), dname);
            const Json st = now.ok() ? at(now.value(), "status") : Json::object();
            Json entry = Json::object();
            if (integer(st, "replicas") != 0) entry["replicas"] = st["replicas"];
            if (integer(st, "availableReplicas") != 0)
                entry["availableReplicas"] = st["availableReplicas"];
            deployment_status[dname] = entry;
            if (first) first_replicas = integer(st, "replicas");
            first = false;
            const bool ready = *c == Change::Unchanged && integer(st, "readyReplicas") > 0 &&
                               integer(st, "unavailableReplicas") == 0;
            if (!ready) {
                deployments_ready = false;
                decisions.push_back({"wait", describe(d),
                                     *c == Change::Unchanged
                                         ? "not ready: readyReplicas=" +
                                               std::to_string(integer(st, "readyReplicas")) +
                                               ", unavailableReplicas=" +
                                               std::to_string(integer(st, "unavailableReplicas"))
                                         : "just written: readiness is judged on a later pass"});
                if (now.ok()) {
                    const Json* progressing = condition(now.value(), "Progressing");
                    const Json* available = condition(now.value(), "Available");
                    if (progressing && available && str(*progressing, "status") == "False" &&
                        str(*available, "status") == "False")
                        failed_deployment = true;
                }
            }
        }
    }

    if (!had_error && deployments_ready) {
        // completeServiceCreation: the entry Services only once the pods behind them serve.
        for (const Json& s : desired.predictor_services) {
            const auto c = apply(s, false);
            if (!c || *c != Change::Unchanged) services_ready = false;
        }
        // Delete what this SeldonDeployment owns but no longer calls for.
        std::set<std::string> wanted;
        for (const auto* list : {&desired.deployments, &desired.container_services,
                                 &desired.predictor_services, &desired.hpas, &desired.pdbs})
            for (const Json& o : *list)
                wanted.insert(describe(o));
        kube::ListOptions by_id;
        by_id.label_selector = "seldon-deployment-id=" + seldon_id(name);
        for (const kube::ResourceRef& ref :
             {kube::refs::kDeployments, kube::refs::kServices, kube::refs::kHpas,
              kube::refs::kPodDisruptionBudgets}) {
            const auto listed = client_.list(ref.in(ns), by_id);
            if (!listed.ok()) continue;
            for (const Json& item : array(listed.value(), "items")) {
                if (!meta::is_controlled_by(item, stored)) continue;
                Json o = item;
                // List items carry no kind; name them for the comparison.
                static const std::map<std::string, std::string> kKinds{
                    {"deployments", "Deployment"},
                    {"services", "Service"},
                    {"horizontalpodautoscalers", "HorizontalPodAutoscaler"},
                    {"poddisruptionbudgets", "PodDisruptionBudget"}};
                o["kind"] = kKinds.at(ref.resource);
                if (wanted.contains(describe(o))) continue;
                const auto removed = client_.remove(ref.in(ns), meta::name(item));
                if (!removed.ok() && !removed.is_not_found()) {
                    fail(removed.error().message());
                    continue;
                }
                decisions.push_back({"delete", describe(o),
                                     "owned by the SeldonDeployment but no longer in its spec"});
                event("Normal", "Delete" + event_kind(o["kind"]),
                      "Deleted " + o["kind"].get<std::string>() + " " +
                          kube::quote_value(meta::name(item)));
            }
        }
    } else {
        services_ready = false;
    }

    // ------------------------------------------------------------------------ status
    std::string state = "Creating";
    std::string description;
    if (had_error) {
        state = "Failed";
        description = error_message;
    } else if (deployments_ready && services_ready && hpas_ready && pdbs_ready) {
        state = "Available";
    } else if (failed_deployment) {
        state = "Failed";
        description = "Deployment is no longer progressing and not available.";
    }
    status["state"] = state;
    if (description.empty())
        status.erase("description");
    else
        status["description"] = description;
    if (!had_error) {
        status["deploymentStatus"] = deployment_status;
        Json service_status = Json::object();
        for (const auto* list : {&desired.container_services, &desired.predictor_services}) {
            for (const Json& s : *list) {
                const std::string sname = str(s["metadata"], "name");
                if (client_.get(kube::refs::kServices.in(ns), sname).ok())
                    service_status[sname] = desired.service_status[sname];
            }
        }
        status["serviceStatus"] = service_status;
        if (first_replicas != 0)
            status["replicas"] = first_replicas;
        else
            status.erase("replicas");
        if (!desired.address_url.empty()) status["address"] = {{"url", desired.address_url}};
    }
    const auto cond = [&](const std::string& type, bool ok, const std::string& reason) {
        Json c{{"type", type}, {"status", ok ? "True" : "False"}};
        if (!reason.empty()) c["reason"] = reason;
        return c;
    };
    std::vector<Json> conditions;
    conditions.push_back(cond("AmbassadorMappingsReady", true, "No Ambassador Mappaings defined"));
    {
        Json c{{"type", "DeploymentsReady"}, {"status", deployments_ready ? "True" : "False"}};
        if (!had_error && !desired.deployments.empty()) {
            const auto d = client_.get(kube::refs::kDeployments.in(ns),
                                       str(desired.deployments[0]["metadata"], "name"));
            if (d.ok())
                if (const Json* available = condition(d.value(), "Available"))
                    c["reason"] = str(*available, "reason");
        }
        conditions.push_back(c);
    }
    conditions.push_back(desired.hpas.empty()
                             ? cond("HpasReady", true, "No HPAs defined")
                             : cond("HpasReady", hpas_ready,
                                    hpas_ready ? "All HPAs resources ready" : "HPAs not ready"));
    conditions.push_back(cond("KedaReady", true, "No KEDA resources defined"));
    conditions.push_back(desired.pdbs.empty()
                             ? cond("PdbsReady", true, "No PDBs defined")
                             : cond("PdbsReady", pdbs_ready,
                                    pdbs_ready ? "All PDBs resources ready" : "PDBs not ready"));
    const bool all_ready = state == "Available";
    conditions.push_back(cond("Ready", all_ready, ""));
    conditions.push_back(
        cond("ServicesReady", services_ready,
             services_ready ? "All services created" : "Not all services created"));
    conditions.push_back(cond("istioVirtualServicesReady", true, "No VirtualServices defined"));
    // knative's ConditionManager keeps conditions sorted by type and moves lastTransitionTime
    // only when the status flips.
    Json out_conditions = Json::array();
    for (Json& c : conditions) {
        std::string when = client_.now_rfc3339();
        for (const Json& old : array(old_status, "conditions"))
            if (str(old, "type") == str(c, "type") && str(old, "status") == str(c, "status") &&
                has(old, "lastTransitionTime"))
                when = str(old, "lastTransitionTime");
        c["lastTransitionTime"] = when;
        out_conditions.push_back(c);
    }
    status["conditions"] = out_conditions;
    status["observedGeneration"] = meta::generation(stored);
    result.state = state;

    if (status != old_status) {
        Json next = stored;
        next["status"] = status;
        const auto written = client_.update_status(next);
        if (!written.ok()) {
            decisions.push_back({"error", self, written.error().message()});
            result.requeue = true;
            return result;
        }
        decisions.push_back(
            {"status", self, "state " + state + (description.empty() ? "" : ": " + description)});
        event("Normal", "Updated", "Updated SeldonDeployment " + kube::quote_value(name));
    }
    if (had_error) result.requeue = true;
    return result;
}

}  // namespace sim::controller::seldon
