// sim-run validate FILE...: checks scenarios, or runs manifests through admission, without
// running a simulation.
#include <algorithm>
#include <fstream>
#include <iostream>

#include "controller/seldon/admission.hpp"
#include "sim/cli/command.hpp"
#include "sim/kernel/event_loop.hpp"
#include "sim/kernel/random.hpp"
#include "sim/kube/api_server.hpp"
#include "sim/scenario/admit.hpp"
#include "sim/scenario/loader.hpp"
#include "sim/scenario/manifest.hpp"

namespace sim::cli {
namespace {

constexpr std::string_view kHelp =
    "Usage: sim-run validate FILE...\n"
    "\n"
    "Checks files without running anything. Each FILE is a scenario or Kubernetes manifests.\n"
    "\n"
    "A scenario (apiVersion: seldon-sim/v1): YAML syntax, every field's name, type and value,\n"
    "the times (inside the duration, windows in order), field paths, regular expressions,\n"
    "image patterns, that every referenced file (manifests, model files, payload texts)\n"
    "exists, and that each manifest an apply step names holds usable Kubernetes objects.\n"
    "Every problem is reported, not just the first, as `file:line:col: field.path: message`.\n"
    "\n"
    "Manifests (one or many YAML or JSON documents): each object is created in a fresh\n"
    "cluster with Seldon Core v1.17.1 installed, so it goes through the API server's\n"
    "admission and Seldon's validating webhook, and is reported accepted, or rejected with the\n"
    "exact message a real cluster gives (as kubectl prints it).\n"
    "\n"
    "Examples:\n"
    "  $ sim-run validate scenarios/seldon-admission.yaml\n"
    "  scenarios/seldon-admission.yaml: ok (2 nodes, 0 traffic sources, 3 steps, 8 expectations)\n"
    "\n"
    "  $ sim-run validate broken.yaml\n"
    "  broken.yaml:14:13: spec.traffic[0].rate: expected a number or {ramp|steps}, got \"fast\"\n"
    "\n"
    "  $ sim-run validate fixtures/manifests/bad-traffic.yaml\n"
    "  fixtures/manifests/bad-traffic.yaml: SeldonDeployment/seldon/sentiment-classifier rejected\n"
    "  Error from server (Invalid): error when creating ... Traffic must sum to 100 ...\n"
    "\n"
    "Exit codes: 0 everything valid and accepted, 1 a manifest object was rejected by\n"
    "admission, 2 a file cannot be parsed or a scenario is invalid (or bad usage).\n"
    "The scenario format is described in docs/scenarios.md.\n";

std::string plural(std::size_t n, std::string_view word) {
    return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

std::string summary(const sim::scenario::Scenario& s) {
    std::size_t nodes = 0;
    for (const auto& group : s.cluster.nodes)
        nodes += static_cast<std::size_t>(group.count);
    return plural(nodes, "node") + ", " + plural(s.traffic.size(), "traffic source") + ", " +
           plural(s.timeline.size(), "step") + ", " + plural(s.expectations.size(), "expectation");
}

// A scenario file says `apiVersion: seldon-sim/...` at the top level; anything else is taken
// for Kubernetes manifests.
bool is_scenario_file(const std::string& file) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("apiVersion:", 0) == 0 && line.find("seldon-sim/") != std::string::npos) {
            return true;
        }
    }
    return false;
}

// Exit-code contribution of one scenario file: 0 valid, 2 not.
int validate_scenario(const std::string& file) {
    auto result = sim::scenario::load_scenario(file);
    if (result.ok()) {
        // The manifests its apply steps name must be usable Kubernetes objects too.
        result.diagnostics = sim::scenario::load_scenario_manifests(*result.scenario).diagnostics;
    }
    if (result.diagnostics.empty()) {
        std::cout << file << ": ok (" << summary(*result.scenario) << ")\n";
        return kExitOk;
    }
    for (const auto& d : result.diagnostics) {
        std::cerr << sim::scenario::format_diagnostic(d) << "\n";
    }
    return kExitBadInput;
}

// Exit-code contribution of one manifest file: 0 every object admitted, 1 one refused (with
// the message kubectl would print), 2 the file cannot be parsed. Each file gets a fresh
// cluster with Seldon Core installed.
int validate_manifest(const std::string& file) {
    const auto load = sim::scenario::load_manifest(file);
    if (!load.ok()) {
        for (const auto& d : load.diagnostics)
            std::cerr << sim::scenario::format_diagnostic(d) << "\n";
        return kExitBadInput;
    }
    sim::kernel::EventLoop loop;
    sim::kernel::RandomStreams streams(1);
    sim::kube::ApiServer api(loop, streams);
    sim::controller::seldon::install_seldon_admission(api);
    sim::kube::Client client(api, "kubectl");
    int code = kExitOk;
    for (const auto& v : sim::scenario::admit_objects(client, load.objects)) {
        if (v.accepted) {
            std::cout << file << ": " << v.object << " accepted\n";
            continue;
        }
        std::cout << file << ": " << v.object << " rejected\n";
        std::cerr << "Error from server (" << v.reason << "): error when creating \"" << file
                  << "\": " << v.message << "\n";
        code = kExitExpectationFailed;
    }
    return code;
}

int validate_main(std::span<const std::string> args) {
    if (args.empty()) return usage_error(kValidateCommand, "expected at least one FILE");
    for (const std::string& a : args) {
        if (a.starts_with("-") && a != "-") {
            return usage_error(kValidateCommand, "unknown option " + a);
        }
    }
    int worst = kExitOk;
    for (const std::string& file : args) {
        const int code = is_scenario_file(file) ? validate_scenario(file) : validate_manifest(file);
        worst = std::max(worst, code);
    }
    return worst;
}

}  // namespace

extern const Command kValidateCommand{"validate", "check scenario files without running them",
                                      kHelp, validate_main};

}  // namespace sim::cli
