// "Are the objects the operator generated sane?" for a SeldonDeployment that reached Available
// in a SimCluster: every problem found, in words (empty when sane).
//  - every owned object's name and label values are at most 63 characters;
//  - every Deployment's selector matches its pod template's labels;
//  - every Service selects the pods of some owned Deployment and has ready endpoints;
//  - every graph node is reachable: served on localhost in the executor's pod, or through a
//    Service whose endpoints are ready on the node's port, or implemented by the executor itself;
//  - every predictor's entry Service has ready endpoints.
#pragma once

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "controller/seldon/defaults.hpp"
#include "controller/seldon/names.hpp"
#include "sim/kernel/json.hpp"
#include "sim/kube/api_server.hpp"
#include "sim/kube/client.hpp"
#include "sim/kube/object_meta.hpp"

namespace sim::test {

class SanityCheck {
  public:
    SanityCheck(kube::Client& client, const sim::Json& stored) : client_(client), sdep_(stored) {
        ns_ = kube::meta::namespace_of(sdep_);
        sim::controller::seldon::default_seldon_deployment(sdep_);
        deployments_ = owned(kube::refs::kDeployments);
        services_ = owned(kube::refs::kServices);
    }

    std::vector<std::string> problems() {
        for (const auto& ref : {kube::refs::kDeployments, kube::refs::kServices, kube::refs::kHpas,
                                kube::refs::kPodDisruptionBudgets})
            for (const sim::Json& o : owned(ref))
                check_names(ref.resource, o);
        if (deployments_.empty()) problem("no Deployment is owned by the SeldonDeployment");
        for (const sim::Json& d : deployments_)
            check_selector(d);
        for (const sim::Json& s : services_)
            check_service(s);
        for (const sim::Json& p : sdep_["spec"]["predictors"])
            check_predictor(p);
        return problems_;
    }

  private:
    using Json = sim::Json;

    void problem(const std::string& what) { problems_.push_back(what); }

    std::vector<Json> owned(const kube::ResourceRef& ref) {
        std::vector<Json> out;
        const Json list = client_.list(ref.in(ns_)).value();
        for (const Json& item : list["items"])
            if (kube::meta::is_controlled_by(item, sdep_)) out.push_back(item);
        return out;
    }

    void check_names(const std::string& resource, const Json& o) {
        const std::string name = kube::meta::name(o);
        if (name.size() > 63) problem(resource + "/" + name + ": name longer than 63");
        for (const auto& [k, v] : kube::meta::labels(o))
            if (v.size() > 63) problem(resource + "/" + name + ": label " + k + " longer than 63");
    }

    static bool selects(const Json& selector, const Json& labels) {
        if (!selector.is_object() || selector.empty()) return false;
        for (const auto& [k, v] : selector.items())
            if (!labels.is_object() || labels.value(k, "") != v.get<std::string>()) return false;
        return true;
    }

    void check_selector(const Json& d) {
        if (!selects(d["spec"]["selector"]["matchLabels"],
                     d["spec"]["template"]["metadata"]["labels"]))
            problem("Deployment/" + kube::meta::name(d) +
                    ": selector does not match its template's labels");
    }

    // The Deployment whose pods a Service selects, or null.
    const Json* selected_by(const Json& service) const {
        for (const Json& d : deployments_)
            if (selects(service["spec"].value("selector", Json::object()),
                        d["spec"]["template"]["metadata"]["labels"]))
                return &d;
        return nullptr;
    }

    // Ready addresses on `port` (any port when 0) in the Service's Endpoints.
    bool ready_endpoints(const std::string& service, int port = 0) {
        const auto ep = client_.get(kube::refs::kEndpoints.in(ns_), service);
        if (!ep.ok()) return false;
        for (const Json& subset : ep.value().value("subsets", Json::array())) {
            if (subset.value("addresses", Json::array()).empty()) continue;
            if (port == 0) return true;
            for (const Json& p : subset.value("ports", Json::array()))
                if (p.value("port", 0) == port) return true;
        }
        return false;
    }

    void check_service(const Json& s) {
        const std::string name = kube::meta::name(s);
        if (!selected_by(s)) problem("Service/" + name + ": selects no owned Deployment's pods");
        if (!ready_endpoints(name)) problem("Service/" + name + ": no ready endpoints");
    }

    // The Deployment running `predictor`'s container `container` (two predictors may use the
    // same container name: the operator tells them apart by the PREDICTOR_ID it sets).
    const Json* deployment_with_container(const std::string& predictor,
                                          const std::string& container) const {
        for (const Json& d : deployments_)
            for (const Json& c : d["spec"]["template"]["spec"]["containers"]) {
                if (c.value("name", "") != container) continue;
                for (const Json& e : c.value("env", Json::array()))
                    if (e.value("name", "") == "PREDICTOR_ID" && e.value("value", "") == predictor)
                        return &d;
            }
        return nullptr;
    }

    static bool has_container(const Json& d, const std::string& container) {
        for (const Json& c : d["spec"]["template"]["spec"]["containers"])
            if (c.value("name", "") == container) return true;
        return false;
    }

    // Units the executor implements itself (no container): the hard-coded implementations.
    static bool executor_implemented(const Json& unit) {
        static const std::set<std::string> kBuiltIn{"AVERAGE_COMBINER", "SIMPLE_MODEL",
                                                    "SIMPLE_ROUTER", "RANDOM_ABTEST"};
        return kBuiltIn.contains(unit.value("implementation", ""));
    }

    void check_unit(const std::string& predictor, const Json& unit, bool no_engine) {
        const std::string name = unit.value("name", "");
        const Json endpoint = unit.value("endpoint", Json::object());
        const std::string host = endpoint.value("service_host", "");
        const Json* d = deployment_with_container(predictor, name);
        if (host.empty()) {
            if (!d && !executor_implemented(unit))
                problem("graph node " + name + ": no container and no endpoint");
        } else if (!d) {
            problem("graph node " + name + ": no Deployment runs its container");
        } else if (host == "localhost") {
            if (!no_engine && !has_container(*d, "seldon-container-engine"))
                problem("graph node " + name + ": on localhost but not in the executor's pod");
        } else {
            const std::string service = host.substr(0, host.find('.'));
            const auto it = std::find_if(services_.begin(), services_.end(), [&](const Json& s) {
                return kube::meta::name(s) == service;
            });
            if (it == services_.end()) {
                problem("graph node " + name + ": Service " + service + " does not exist");
            } else if (selected_by(*it) != d) {
                problem("graph node " + name + ": Service " + service +
                        " does not select its pods");
            } else if (!ready_endpoints(service, endpoint.value("service_port", 0))) {
                problem("graph node " + name + ": Service " + service + " not ready on port " +
                        std::to_string(endpoint.value("service_port", 0)));
            }
        }
        for (const Json& child : unit.value("children", Json::array()))
            check_unit(predictor, child, no_engine);
    }

    void check_predictor(const Json& p) {
        const Json annotations = p.value("annotations", Json::object());
        const bool no_engine = annotations.value("seldon.io/no-engine", "") == "true";
        check_unit(p.value("name", ""), p["graph"], no_engine);
        const std::string entry = sim::controller::seldon::predictor_service_name(
            kube::meta::name(sdep_), p.value("name", ""),
            annotations.value("seldon.io/svc-name", ""));
        if (!ready_endpoints(entry))
            problem("predictor " + p.value("name", "") + ": entry Service " + entry +
                    " has no ready endpoints");
    }

    kube::Client& client_;
    Json sdep_;
    std::string ns_;
    std::vector<Json> deployments_;
    std::vector<Json> services_;
    std::vector<std::string> problems_;
};

}  // namespace sim::test
