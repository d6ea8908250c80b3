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

// What one reconcile pass saw of the owned objects' readiness.
struct Readiness {
    bool services = true;
    bool hpas = true;
    bool pdbs = true;
    bool deployments = true;
    bool istio_attempted = false;  // the VirtualServices were written this pass
    bool virtual_services = true;
    bool ambassador_attempted = false;  // the Mappings were written this pass
    bool mappings = true;
    bool deployment_failed = false;  // Progressing=False and Available=False
    Json deployment_status = Json::object();
    std::int64_t first_replicas = 0;  // status.replicas of the first predictor's first Deployment
};

const std::string& kind_of_resource(const std::string& plural) {
    // List items carry no kind; name them for comparisons and messages.
    static const std::map<std::string, std::string> kKinds{
        {"deployments", "Deployment"},
        {"services", "Service"},
        {"horizontalpodautoscalers", "HorizontalPodAutoscaler"},
        {"poddisruptionbudgets", "PodDisruptionBudget"},
        {"virtualservices", "VirtualService"},
        {"mappings", "Mapping"},
        {"destinationrules", "DestinationRule"}};
    return kKinds.at(plural);
}

// One reconcile of one SeldonDeployment (the body of Reconcile after the skip checks).
class Pass {
  public:
    Pass(kube::Client& client, kube::EventRecorder& recorder, const OperatorConfig& config,
         Json stored, std::vector<Decision>& decisions)
        : client_(client),
          recorder_(recorder),
          config_(config),
          stored_(std::move(stored)),
          decisions_(decisions),
          ns_(meta::namespace_of(stored_)),
          name_(meta::name(stored_)),
          self_("SeldonDeployment/" + ns_ + "/" + name_) {}

    // Returns the state written; requeue() says whether to retry.
    std::string run() {
        Json sdep = stored_;
        default_seldon_deployment(sdep, config_);
        try {
            desired_ = build_desired_objects(sdep, config_);
        } catch (const OperatorError& e) {
            fail(e.what());
        }
        if (!had_error_) sync_objects();
        if (had_error_ || !ready_.deployments) ready_.services = false;
        write_status();
        return state_;
    }
    bool requeue() const { return had_error_; }

  private:
    // Events are best effort, as in client-go's recorder: a failed write is traced, not fatal.
    void event(const std::string& type, const std::string& reason, const std::string& message) {
        const auto written = recorder_.record_event(stored_, type, reason, message);
        if (!written.ok())
            decisions_.push_back({"error", "Event " + reason, written.error().message()});
    }

    void fail(const std::string& message) {
        had_error_ = true;
        error_message_ = message;
        decisions_.push_back({"error", self_, message});
        event("Warning", "InternalError", message);
    }

    std::optional<Change> create(const kube::ResourceRef& ref, const Json& want,
                                 const std::string& why) {
        const auto created = client_.create(ref, want);
        if (!created.ok()) {
            fail(created.error().message());
            return std::nullopt;
        }
        const std::string kind = str(want, "kind");
        event("Normal", "Create" + event_kind(kind),
              "Created " + kind + " " + kube::quote_value(str(want["metadata"], "name")));
        decisions_.push_back({"create", describe(want), why});
        return Change::Created;
    }

    std::optional<Change> update(const kube::ResourceRef& ref, const Json& have, const Json& want,
                                 bool replicas_owned_elsewhere) {
        const std::string kind = str(want, "kind");
        Json spec = want["spec"];
        if (replicas_owned_elsewhere && has(at(have, "spec"), "replicas"))
            spec["replicas"] = have["spec"]["replicas"];
        if (kind == "Service") {  // keep what the API server allocated
            for (const char* k : {"clusterIP", "clusterIPs"})
                if (has(at(have, "spec"), k)) spec[k] = have["spec"][k];
        }
        Json next = have;
        next["spec"] = spec;
        if (want["metadata"].contains("labels"))
            next["metadata"]["labels"] = want["metadata"]["labels"];
        if (want["metadata"].contains("annotations"))
            next["metadata"]["annotations"] = want["metadata"]["annotations"];
        const auto updated = client_.update(ref, next);
        if (!updated.ok()) {
            fail(updated.error().message());
            return std::nullopt;
        }
        event("Normal", "Update" + event_kind(kind),
              "Updated " + kind + " " + kube::quote_value(str(want["metadata"], "name")));
        decisions_.push_back({"update", describe(want),
                              "its spec differs from what the SeldonDeployment calls for"});
        return Change::Updated;
    }

    // Creates or updates one owned object; nullopt on an API error (already reported).
    std::optional<Change> apply(const Json& want, bool replicas_owned_elsewhere = false) {
        const auto ref = client_.ref_for(want);
        const std::string oname = str(want["metadata"], "name");
        const auto existing = client_.get(*ref, oname);
        if (existing.is_not_found())
            return create(*ref, want, "the spec calls for it and it does not exist");
        if (!existing.ok()) {
            fail(existing.error().message());
            return std::nullopt;
        }
        const Json& have = existing.value();
        Json want_spec = want["spec"];
        if (replicas_owned_elsewhere) want_spec.erase("replicas");
        if (covers(at(have, "spec"), want_spec) &&
            covers(at(at(have, "metadata"), "labels"), at(want["metadata"], "labels")))
            return Change::Unchanged;
        if (str(want, "kind") == "Deployment" &&
            at(at(have, "spec"), "selector") != want["spec"]["selector"]) {
            // A Deployment's selector is immutable: the operator deletes and recreates it.
            client_.remove(*ref, oname);
            return create(*ref, want, "selector changed: deleted and recreated");
        }
        return update(*ref, have, want, replicas_owned_elsewhere);
    }

    // True when every object existed unchanged.
    bool apply_all(const std::vector<Json>& objects) {
        bool unchanged = true;
        for (const Json& o : objects) {
            const auto c = apply(o);
            unchanged = unchanged && c && *c == Change::Unchanged;
        }
        return unchanged;
    }

    void sync_deployment(const Json& d, bool first) {
        const std::string dname = str(d["metadata"], "name");
        const auto c = apply(d, desired_.autoscaled.contains(dname));
        if (!c) {
            ready_.deployments = false;
            return;
        }
        const auto now = client_.get(kube::refs::kDeployments.in(ns_), dname);
        const Json st = now.ok() ? at(now.value(), "status") : Json::object();
        Json entry = Json::object();  // omitempty int32 fields
        if (integer(st, "replicas") != 0) entry["replicas"] = st["replicas"];
        if (integer(st, "availableReplicas") != 0)
            entry["availableReplicas"] = st["availableReplicas"];
        ready_.deployment_status[dname] = entry;
        if (first) ready_.first_replicas = integer(st, "replicas");
        const bool ready = *c == Change::Unchanged && integer(st, "readyReplicas") > 0 &&
                           integer(st, "unavailableReplicas") == 0;
        if (ready) return;
        ready_.deployments = false;
        decisions_.push_back(
            {"wait", describe(d),
             *c == Change::Unchanged
                 ? "not ready: readyReplicas=" + std::to_string(integer(st, "readyReplicas")) +
                       ", unavailableReplicas=" + std::to_string(integer(st, "unavailableReplicas"))
                 : "just written: readiness is judged on a later pass"});
        if (!now.ok()) return;
        const Json* progressing = condition(now.value(), "Progressing");
        const Json* available = condition(now.value(), "Available");
        if (progressing && available && str(*progressing, "status") == "False" &&
            str(*available, "status") == "False")
            ready_.deployment_failed = true;
    }

    // Services (all=false) -> HPAs -> KEDA -> PDBs -> Deployments -> when ready: predictor
    // Services and the removal of what the spec no longer calls for.
    void sync_objects() {
        ready_.services = apply_all(desired_.container_services);
        ready_.hpas = apply_all(desired_.hpas);
        delete_dropped(kube::refs::kHpas, desired_.hpas, "hpaSpec");
        if (desired_.keda)
            decisions_.push_back({"skip", self_,
                                  "kedaSpec accepted: KEDA ScaledObjects are not emulated, so the "
                                  "Deployment's replicas are left to whoever scales it"});
        ready_.pdbs = apply_all(desired_.pdbs);
        delete_dropped(kube::refs::kPodDisruptionBudgets, desired_.pdbs, "pdbSpec");
        for (std::size_t i = 0; i < desired_.deployments.size(); ++i)
            sync_deployment(desired_.deployments[i], i == 0);
        if (had_error_ || !ready_.deployments) return;
        // completeServiceCreation: the entry Services only once the pods behind them serve.
        ready_.services = apply_all(desired_.predictor_services) && ready_.services;
        sync_istio();
        sync_ambassador();
        delete_stale();
    }

    // createHpas / createPdbs: an HPA or PDB named like a Deployment the spec still calls for,
    // but whose componentSpec no longer has the hpaSpec / pdbSpec, is deleted in the same pass
    // (Foreground, no event), not after the Deployments are ready: a leftover HPA would keep
    // scaling the Deployment against the replicas the operator now writes, and it would never
    // become ready.
    void delete_dropped(const kube::ResourceRef& ref, const std::vector<Json>& wanted_list,
                        const std::string& field) {
        std::set<std::string> wanted;
        for (const Json& o : wanted_list)
            wanted.insert(meta::name(o));
        kube::DeleteOptions foreground;
        foreground.propagation_policy = "Foreground";
        for (const Json& d : desired_.deployments) {
            const std::string dname = meta::name(d);
            if (wanted.contains(dname)) continue;
            const auto found = client_.get(ref.in(ns_), dname);
            if (found.is_not_found()) continue;
            if (!found.ok()) {
                fail(found.error().message());
                return;
            }
            const auto removed = client_.remove(ref.in(ns_), dname, foreground);
            if (!removed.ok() && !removed.is_not_found()) {
                fail(removed.error().message());
                return;
            }
            decisions_.push_back({"delete",
                                  kind_of_resource(ref.resource) + "/" + ns_ + "/" + dname,
                                  "the componentSpec of its Deployment no longer has a " + field});
        }
    }

    // createIstioServices: VirtualServices, then DestinationRules; ready when all existed
    // unchanged. Then cleanUnusedVirtualServices (owned ones no longer called for).
    void sync_istio() {
        if (desired_.virtual_services.empty() && desired_.destination_rules.empty()) return;
        const bool services = apply_all(desired_.virtual_services);
        const bool rules = apply_all(desired_.destination_rules);
        ready_.istio_attempted = true;
        ready_.virtual_services = services && rules && !had_error_;
        if (!ready_.virtual_services) return;
        std::set<std::string> wanted;
        for (const Json& o : desired_.virtual_services)
            wanted.insert(meta::name(o));
        const auto listed = client_.list(kube::refs::kVirtualServices.in(ns_));
        if (!listed.ok()) return;
        for (const Json& item : array(listed.value(), "items")) {
            if (!meta::is_controlled_by(item, stored_) || wanted.contains(meta::name(item)))
                continue;
            Json o = item;
            o["kind"] = "VirtualService";
            remove(kube::refs::kVirtualServices, o);
        }
    }

    // The Ambassador Mappings, written in the same pass as Istio's objects (once every
    // Deployment is ready); owned Mappings the spec no longer calls for (a removed predictor's)
    // are deleted.
    void sync_ambassador() {
        if (desired_.mappings.empty()) return;
        ready_.ambassador_attempted = true;
        ready_.mappings = apply_all(desired_.mappings) && !had_error_;
        if (!ready_.mappings) return;
        std::set<std::string> wanted;
        for (const Json& o : desired_.mappings)
            wanted.insert(meta::name(o));
        const auto listed = client_.list(kube::refs::kAmbassadorMappings.in(ns_));
        if (!listed.ok()) return;
        for (const Json& item : array(listed.value(), "items")) {
            if (!meta::is_controlled_by(item, stored_) || wanted.contains(meta::name(item)))
                continue;
            Json o = item;
            o["kind"] = "Mapping";
            remove(kube::refs::kAmbassadorMappings, o);
        }
    }

    void delete_stale() {
        std::set<std::string> wanted;
        for (const auto* list : {&desired_.deployments, &desired_.container_services,
                                 &desired_.predictor_services, &desired_.hpas, &desired_.pdbs})
            for (const Json& o : *list)
                wanted.insert(describe(o));
        kube::ListOptions by_id;
        by_id.label_selector = "seldon-deployment-id=" + seldon_id(name_);
        for (const kube::ResourceRef& ref :
             {kube::refs::kDeployments, kube::refs::kServices, kube::refs::kHpas,
              kube::refs::kPodDisruptionBudgets}) {
            const auto listed = client_.list(ref.in(ns_), by_id);
            if (!listed.ok()) continue;
            for (const Json& item : array(listed.value(), "items")) {
                // One already being deleted (in the foreground, waiting for its pods) is not
                // deleted again on every pass.
                if (!meta::is_controlled_by(item, stored_) || meta::is_being_deleted(item))
                    continue;
                Json o = item;
                o["kind"] = kind_of_resource(ref.resource);
                if (wanted.contains(describe(o))) continue;
                remove(ref, o);
            }
        }
    }

    // completeServiceCreation deletes old Deployments and their HPAs and PDBs in the
    // foreground (client.PropagationPolicy(DeletePropagationForeground)); Services and
    // ingress objects with the default policy.
    void remove(const kube::ResourceRef& ref, const Json& o) {
        kube::DeleteOptions options;
        if (ref.resource == "deployments" || ref.resource == "horizontalpodautoscalers" ||
            ref.resource == "poddisruptionbudgets")
            options.propagation_policy = "Foreground";
        const auto removed = client_.remove(ref.in(ns_), meta::name(o), options);
        if (!removed.ok() && !removed.is_not_found()) {
            fail(removed.error().message());
            return;
        }
        const std::string kind = str(o, "kind");
        decisions_.push_back(
            {"delete", describe(o), "owned by the SeldonDeployment but no longer in its spec"});
        event("Normal", "Delete" + event_kind(kind),
              "Deleted " + kind + " " + kube::quote_value(meta::name(o)));
    }

    static Json cond(const std::string& type, bool ok, const std::string& reason) {
        Json c{{"type", type}, {"status", ok ? "True" : "False"}};
        if (!reason.empty()) c["reason"] = reason;
        return c;
    }

    // The knative-style conditions, sorted by type as knative's ConditionManager keeps them;
    // lastTransitionTime moves only when a condition's status flips.
    Json conditions(const Json& old_status) const {
        std::vector<Json> list;
        list.push_back(ambassador_condition(old_status));
        Json deployments{{"type", "DeploymentsReady"},
                         {"status", ready_.deployments && !had_error_ ? "True" : "False"}};
        if (!had_error_ && !desired_.deployments.empty()) {
            // DeploymentsReady copies the first Deployment's Available condition.
            const auto d = client_.get(kube::refs::kDeployments.in(ns_),
                                       str(desired_.deployments[0]["metadata"], "name"));
            if (d.ok())
                if (const Json* available = condition(d.value(), "Available"))
                    deployments["reason"] = str(*available, "reason");
        }
        list.push_back(deployments);
        list.push_back(desired_.hpas.empty()
                           ? cond("HpasReady", true, "No HPAs defined")
                           : cond("HpasReady", ready_.hpas,
                                  ready_.hpas ? "All HPAs resources ready" : "HPAs not ready"));
        list.push_back(cond("KedaReady", true, "No KEDA resources defined"));
        list.push_back(desired_.pdbs.empty()
                           ? cond("PdbsReady", true, "No PDBs defined")
                           : cond("PdbsReady", ready_.pdbs,
                                  ready_.pdbs ? "All PDBs resources ready" : "PDBs not ready"));
        list.push_back(cond("Ready", state_ == "Available", ""));
        list.push_back(cond("ServicesReady", ready_.services,
                            ready_.services ? "All services created" : "Not all services created"));
        list.push_back(istio_condition(old_status));
        Json out = Json::array();
        for (Json& c : list) {
            std::string when = client_.now_rfc3339();
            for (const Json& old : array(old_status, "conditions"))
                if (str(old, "type") == str(c, "type") && str(old, "status") == str(c, "status") &&
                    has(old, "lastTransitionTime"))
                    when = str(old, "lastTransitionTime");
            c["lastTransitionTime"] = when;
            out.push_back(c);
        }
        return out;
    }

    // Not written this pass (Deployments not ready yet): the condition keeps its last value,
    // as the operator's in-memory status does.
    Json istio_condition(const Json& old_status) const {
        if (desired_.virtual_services.empty())
            return cond("istioVirtualServicesReady", true, "No VirtualServices defined");
        if (ready_.istio_attempted)
            return cond("istioVirtualServicesReady", ready_.virtual_services,
                        ready_.virtual_services ? "All VirtualServices created"
                                                : "Not all VirtualServices created");
        for (const Json& old : array(old_status, "conditions"))
            if (str(old, "type") == "istioVirtualServicesReady") {
                Json kept = old;
                kept.erase("lastTransitionTime");
                return kept;
            }
        return cond("istioVirtualServicesReady", false, "Not all VirtualServices created");
    }

    // Like istio_condition: kept from the last pass that wrote the Mappings.
    Json ambassador_condition(const Json& old_status) const {
        if (desired_.mappings.empty())
            return cond("AmbassadorMappingsReady", true, "No Ambassador Mappaings defined");
        if (ready_.ambassador_attempted)
            return cond("AmbassadorMappingsReady", ready_.mappings,
                        ready_.mappings ? "All Ambassador Mappings created"
                                        : "Not all Ambassador Mappings created");
        for (const Json& old : array(old_status, "conditions"))
            if (str(old, "type") == "AmbassadorMappingsReady") {
                Json kept = old;
                kept.erase("lastTransitionTime");
                return kept;
            }
        return cond("AmbassadorMappingsReady", false, "Not all Ambassador Mappings created");
    }

    void decide_state() {
        state_ = "Creating";
        if (had_error_) {
            state_ = "Failed";
            description_ = error_message_;
        } else if (ready_.deployments && ready_.services && ready_.hpas && ready_.pdbs) {
            state_ = "Available";
        } else if (ready_.deployment_failed) {
            state_ = "Failed";
            description_ = "Deployment is no longer progressing and not available.";
        }
    }

    Json status(const Json& old_status) {
        Json status = old_status;
        status["state"] = state_;
        if (description_.empty())
            status.erase("description");
        else
            status["description"] = description_;
        if (!had_error_) {
            status["deploymentStatus"] = ready_.deployment_status;
            Json service_status = Json::object();
            for (const auto* list : {&desired_.container_services, &desired_.predictor_services}) {
                for (const Json& s : *list) {
                    const std::string sname = str(s["metadata"], "name");
                    if (client_.get(kube::refs::kServices.in(ns_), sname).ok())
                        service_status[sname] = desired_.service_status[sname];
                }
            }
            status["serviceStatus"] = service_status;
            if (ready_.first_replicas != 0)
                status["replicas"] = ready_.first_replicas;
            else
                status.erase("replicas");
            if (!desired_.address_url.empty()) status["address"] = {{"url", desired_.address_url}};
        }
        status["conditions"] = conditions(old_status);
        status["observedGeneration"] = meta::generation(stored_);
        return status;
    }

    // Status().Update only when something changed, then the `Updated` event.
    void write_status() {
        decide_state();
        const Json old_status =
            at(stored_, "status").is_object() ? stored_["status"] : Json::object();
        const Json next_status = status(old_status);
        if (next_status == old_status) return;
        Json next = stored_;
        next["status"] = next_status;
        const auto written = client_.update_status(next);
        if (!written.ok()) {
            decisions_.push_back({"error", self_, written.error().message()});
            had_error_ = true;
            return;
        }
        decisions_.push_back(
            {"status", self_,
             "state " + state_ + (description_.empty() ? "" : ": " + description_)});
        event("Normal", "Updated", "Updated SeldonDeployment " + kube::quote_value(name_));
    }

    kube::Client& client_;
    kube::EventRecorder& recorder_;
    const OperatorConfig& config_;
    const Json stored_;
    std::vector<Decision>& decisions_;
    const std::string ns_;
    const std::string name_;
    const std::string self_;
    DesiredObjects desired_;
    Readiness ready_;
    bool had_error_ = false;
    std::string error_message_;
    std::string state_;
    std::string description_;
};

}  // namespace

SeldonReconciler::SeldonReconciler(kube::Client& client, OperatorConfig config)
    : client_(client), config_(std::move(config)), recorder_(client, "seldon-controller-manager") {}

ReconcileResult SeldonReconciler::reconcile(const std::string& ns, const std::string& name) {
    ReconcileResult result;
    const std::string self = "SeldonDeployment/" + ns + "/" + name;
    const auto fetched = client_.get(kube::refs::kSeldonDeployments.in(ns), name);
    if (fetched.is_not_found()) {
        result.decisions.push_back(
            {"skip", self, "not found: deleted; its objects go with their owner references"});
        return result;
    }
    if (!fetched.ok()) {
        result.decisions.push_back({"error", self, fetched.error().message()});
        result.requeue = true;
        return result;
    }
    const Json& stored = fetched.value();
    if (meta::is_being_deleted(stored)) {
        result.decisions.push_back({"skip", self, "being deleted"});
        return result;
    }
    const kube::Labels labels = meta::labels(stored);
    const auto id = labels.find("seldon.io/controller-id");
    const std::string controller_id = id == labels.end() ? "" : id->second;
    if (controller_id != config_.controller_id) {
        result.decisions.push_back(
            {"skip", self,
             "label seldon.io/controller-id=" + controller_id + " belongs to another operator"});
        return result;
    }
    Pass pass(client_, recorder_, config_, stored, result.decisions);
    result.state = pass.run();
    result.requeue = pass.requeue();
    return result;
}

}  // namespace sim::controller::seldon
