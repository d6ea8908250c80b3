// sim-run render MANIFEST: what the Seldon operator makes of a SeldonDeployment, as a YAML
// stream of the stored objects, from a fresh in-process cluster.
#include <iostream>
#include <regex>
#include <sstream>

#include "controller/seldon/admission.hpp"
#include "controller/seldon/reconciler.hpp"
#include "sim/cli/command.hpp"
#include "sim/kernel/event_loop.hpp"
#include "sim/kernel/random.hpp"
#include "sim/kube/api_server.hpp"
#include "sim/kube/client.hpp"
#include "sim/kube/object_meta.hpp"
#include "sim/scenario/admit.hpp"
#include "sim/scenario/manifest.hpp"

namespace sim::cli {
namespace {

using Json = sim::Json;
namespace kube = sim::kube;
namespace seldon = sim::controller::seldon;

constexpr std::string_view kHelp =
    "Usage: sim-run render [--first-pass] [--ingress istio|ambassador|none] MANIFEST\n"
    "\n"
    "Applies MANIFEST (YAML or JSON, one or more documents) to a fresh in-process cluster with\n"
    "the Seldon Core v1.17.1 operator installed (Helm defaults), runs the operator, and prints\n"
    "the objects it created for each SeldonDeployment as a YAML stream, as the API server\n"
    "stores them (server defaults included; status left out), followed by the\n"
    "SeldonDeployment itself with the status the operator wrote.\n"
    "\n"
    "The operator creates a predictor's entry Service only once its Deployments are ready.\n"
    "No pods run here, so by default render marks each Deployment available (as the Deployment\n"
    "controller would once its pods are ready) and runs the operator again. --first-pass stops\n"
    "after the first reconcile instead: Deployments and container Services only, state Creating.\n"
    "\n"
    "--ingress istio installs Istio's CRDs and runs the operator with ISTIO_ENABLED=true (as a\n"
    "scenario's `ingress: istio` does): the output then also holds the VirtualService and the\n"
    "DestinationRules. --ingress ambassador does the same for AMBASSADOR_ENABLED=true: a REST\n"
    "and a gRPC Mapping (getambassador.io/v2) per predictor. The default, none, is the Helm\n"
    "chart's default.\n"
    "\n"
    "Example:\n"
    "  $ sim-run render ../shared/corpus/learn-seldon-core-v1/k8s__seldon-deployment.yaml\n"
    "  # Deployment seldon/sentiment-classifier-default-0-classifier\n"
    "  apiVersion: apps/v1\n"
    "  kind: Deployment\n"
    "  ...\n"
    "\n"
    "Exit codes: 0 rendered, 1 the API server rejected an object (its Status message is printed,\n"
    "as kubectl would), 2 the file cannot be read or parsed (file:line:col) or bad usage.\n";

// ------------------------------------------------------------------------------ YAML output

bool plain_safe(const std::string& s) {
    if (s.empty()) return false;
    // What a YAML 1.1/1.2 reader would not read back as the same string: booleans, nulls,
    // numbers, timestamps (kubectl quotes these too).
    static const std::regex kSpecial(
        R"(^(true|false|yes|no|on|off|null|~|y|n|True|False|Yes|No|On|Off|Null|TRUE|FALSE|YES|NO|ON|OFF|NULL|Y|N)$)");
    static const std::regex kNumber(
        R"(^[-+]?([0-9][0-9_]*|[0-9]*\.[0-9]+|[0-9]+\.[0-9]*)([eE][-+]?[0-9]+)?$|^0[xX][0-9a-fA-F]+$|^0o[0-7]+$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$)");
    static const std::regex kTimestamp(R"(^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?$)");
    if (std::regex_match(s, kSpecial) || std::regex_match(s, kNumber) ||
        std::regex_match(s, kTimestamp))
        return false;
    if (std::string(",[]{}#&*!|>'\"%@` ").find(s.front()) != std::string::npos) return false;
    if ((s.front() == '-' || s.front() == '?' || s.front() == ':') &&
        (s.size() == 1 || s[1] == ' '))
        return false;
    if (s.back() == ' ' || s.back() == ':') return false;
    if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return false;
    for (const char c : s)
        if (static_cast<unsigned char>(c) < 0x20) return false;
    return true;
}

std::string scalar(const Json& v) {
    if (v.is_string()) {
        const std::string s = v.get<std::string>();
        return plain_safe(s) ? s : Json(s).dump();  // JSON escapes are valid YAML double quotes
    }
    if (v.is_null()) return "null";
    return v.dump();
}

void write_yaml(std::ostream& out, const Json& v, int indent);

bool is_collection(const Json& v) {
    return (v.is_object() || v.is_array()) && !v.empty();
}

void write_yaml(std::ostream& out, const Json& v, int indent) {
    const std::string pad(static_cast<std::size_t>(indent), ' ');
    if (v.is_object()) {
        for (const auto& [k, item] : v.items()) {
            out << pad << scalar(Json(k)) << ":";
            if (is_collection(item)) {
                out << "\n";
                write_yaml(out, item, item.is_array() ? indent : indent + 2);
            } else {
                out << " "
                    << (item.is_object()  ? "{}"
                        : item.is_array() ? "[]"
                                          : scalar(item))
                    << "\n";
            }
        }
        return;
    }
    for (const Json& item : v) {
        out << pad << "-";
        if (item.is_object() && !item.empty()) {
            std::ostringstream nested;
            write_yaml(nested, item, indent + 2);
            const std::string text = nested.str();
            out << " " << text.substr(static_cast<std::size_t>(indent) + 2);
        } else if (is_collection(item)) {
            out << "\n";
            write_yaml(out, item, indent + 2);
        } else {
            out << " " << (item.is_object() ? "{}" : item.is_array() ? "[]" : scalar(item)) << "\n";
        }
    }
}

// ---------------------------------------------------------------------------- the cluster

// What the Deployment controller and kubelets would report once every pod is ready.
void mark_available(kube::Client& client, const std::string& ns) {
    const auto listed = client.list(kube::refs::kDeployments.in(ns));
    if (!listed.ok()) return;
    for (Json d : listed.value()["items"]) {
        const std::int64_t replicas = d["spec"].value("replicas", 1);
        d["apiVersion"] = "apps/v1";
        d["kind"] = "Deployment";
        d["status"] = {{"observedGeneration", d["metadata"].value("generation", 1)},
                       {"replicas", replicas},
                       {"updatedReplicas", replicas},
                       {"readyReplicas", replicas},
                       {"availableReplicas", replicas},
                       {"conditions",
                        {{{"type", "Available"},
                          {"status", "True"},
                          {"reason", "MinimumReplicasAvailable"},
                          {"message", "Deployment has minimum availability."}},
                         {{"type", "Progressing"},
                          {"status", "True"},
                          {"reason", "NewReplicaSetAvailable"},
                          {"message", "ReplicaSet has successfully progressed."}}}}};
        client.update_status(d);
    }
}

void print_owned(std::ostream& out, kube::Client& client, const Json& sdep) {
    const std::string ns = sdep["metadata"]["namespace"];
    const std::vector<std::pair<kube::ResourceRef, std::pair<const char*, const char*>>> kinds{
        {kube::refs::kDeployments, {"apps/v1", "Deployment"}},
        {kube::refs::kServices, {"v1", "Service"}},
        {kube::refs::kHpas, {"autoscaling/v2", "HorizontalPodAutoscaler"}},
        {kube::refs::kPodDisruptionBudgets, {"policy/v1", "PodDisruptionBudget"}},
        {kube::refs::kVirtualServices, {"networking.istio.io/v1alpha3", "VirtualService"}},
        {kube::refs::kDestinationRules, {"networking.istio.io/v1alpha3", "DestinationRule"}},
        {kube::refs::kAmbassadorMappings, {"getambassador.io/v2", "Mapping"}}};
    for (const auto& [ref, type] : kinds) {
        const auto listed = client.list(ref.in(ns));
        if (!listed.ok()) continue;
        for (Json item : listed.value()["items"]) {
            if (!kube::meta::is_controlled_by(item, sdep)) continue;
            item.erase("status");
            Json ordered{{"apiVersion", type.first}, {"kind", type.second}};
            out << "---\n# " << type.second << " " << ns << "/" << kube::meta::name(item) << "\n";
            write_yaml(out, ordered, 0);
            item.erase("apiVersion");
            item.erase("kind");
            write_yaml(out, item, 0);
        }
    }
    out << "---\n# SeldonDeployment " << ns << "/" << kube::meta::name(sdep)
        << " (with the status the operator wrote)\n";
    Json s = sdep;
    write_yaml(out, Json{{"apiVersion", s["apiVersion"]}, {"kind", s["kind"]}}, 0);
    s.erase("apiVersion");
    s.erase("kind");
    write_yaml(out, s, 0);
}

int render_main(std::span<const std::string> args) {
    bool first_pass = false;
    std::string ingress = "none";
    std::string file;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--first-pass") {
            first_pass = true;
        } else if (a == "--ingress") {
            if (i + 1 == args.size()) return usage_error(kRenderCommand, "--ingress needs a value");
            const std::string& value = args[++i];
            if (value != "istio" && value != "ambassador" && value != "none") {
                return usage_error(
                    kRenderCommand,
                    "--ingress: expected istio, ambassador or none, got \"" + value + "\"");
            }
            ingress = value;
        } else if (a.starts_with("-") && a != "-") {
            return usage_error(kRenderCommand, "unknown option " + a);
        } else if (!file.empty()) {
            return usage_error(kRenderCommand, "expected exactly one MANIFEST");
        } else {
            file = a;
        }
    }
    if (file.empty()) return usage_error(kRenderCommand, "expected a MANIFEST");
    const auto load = sim::scenario::load_manifest(file);
    if (!load.ok()) {
        for (const auto& d : load.diagnostics)
            std::cerr << sim::scenario::format_diagnostic(d) << "\n";
        return kExitBadInput;
    }
    sim::kernel::EventLoop loop;
    sim::kernel::RandomStreams streams(1);
    kube::ApiServer api(loop, streams);
    seldon::install_seldon_admission(api);
    if (ingress == "istio") kube::add_istio_resources(api.registry());
    if (ingress == "ambassador") kube::add_ambassador_resources(api.registry());
    kube::Client client(api, "kubectl");
    kube::Client operator_client(api, "seldon-controller-manager");
    seldon::OperatorConfig config;
    config.istio_enabled = ingress == "istio";
    config.ambassador_enabled = ingress == "ambassador";
    seldon::SeldonReconciler reconciler(operator_client, config);

    std::vector<std::pair<std::string, std::string>> sdeps;  // namespace, name
    for (const auto& v : sim::scenario::admit_objects(client, load.objects)) {
        if (!v.accepted) {
            std::cerr << "Error from server (" << v.reason << "): error when creating \"" << file
                      << "\": " << v.message << "\n";
            return kExitExpectationFailed;
        }
        if (v.created.value("kind", "") == "SeldonDeployment") {
            sdeps.emplace_back(v.created["metadata"].value("namespace", ""),
                               v.created["metadata"].value("name", ""));
        }
    }
    if (sdeps.empty()) {
        std::cerr << "sim-run render: " << file << " holds no SeldonDeployment\n";
        return kExitBadInput;
    }
    for (const auto& [ns, name] : sdeps) {
        reconciler.reconcile(ns, name);
        if (!first_pass) {
            mark_available(client, ns);
            reconciler.reconcile(ns, name);  // entry Services; stale objects removed
            reconciler.reconcile(ns, name);  // judged ready: Available
        }
        const auto sdep = client.get(kube::refs::kSeldonDeployments.in(ns), name);
        print_owned(std::cout, client, sdep.value());
    }
    return kExitOk;
}

}  // namespace

extern const Command kRenderCommand{
    "render", "print the objects the Seldon operator creates for a manifest", kHelp, render_main};

}  // namespace sim::cli
