// Random whole-system scenarios for the property tests: a cluster, 1-3 SeldonDeployments
// (graphs, predictors, traffic splits, shadows, hpaSpecs, pdbSpecs), traffic, and a timeline of
// edits, deletions and faults, written out as a real scenario folder (scenario.yaml + manifests/)
// that `sim-run run` reproduces.
#pragma once

#include <rapidcheck.h>

#include <filesystem>
#include <string>
#include <vector>

namespace sim::system_test {

struct Predictor {
    std::string name;
    int replicas = 1;
    int traffic = 0;  // percent; non-shadow predictors sum to 100
    bool shadow = false;
    int depth = 1;          // graph: depth-1 TRANSFORMERs in front of a MODEL
    bool combiner = false;  // instead: a COMBINER over two MODELs (predict_proba)
    bool router = false;    // instead: the executor's RANDOM_ABTEST over two MODELs
    int model_version = 1;  // sentiment-seldon:v1 or :v2
};

struct SeldonDeployment {
    std::string name;
    std::vector<Predictor> predictors;
    int hpa_max_replicas = 0;  // > 0: the first predictor has an hpaSpec (cpu 80 %, min 1)
    bool pdb = false;          // the last predictor has a pdbSpec (minAvailable 1)
};

enum class FaultKind { PodKill, OomKill, CrashLoop, NodeDown, OperatorDown, Drain };

struct Change {
    int at_s = 0;
    // Exactly one of: a new version of SeldonDeployment `sdep` (index into sdeps), its
    // deletion (`is_delete`), or a fault.
    int sdep = -1;
    SeldonDeployment version;
    bool is_delete = false;
    bool is_fault = false;
    FaultKind fault = FaultKind::PodKill;
    int fault_for_s = 0;
    int node = 1;    // NodeDown, Drain
    int target = 0;  // PodKill, OomKill: the SeldonDeployment whose pods are hit
};

struct RandomScenario {
    int nodes = 3;
    int rate_per_sdep = 5;                // requests/s to each SeldonDeployment
    std::string ingress = "none";         // the scenario's spec.ingress: none, istio, ambassador
    std::vector<SeldonDeployment> sdeps;  // as first applied, at 0s
    std::vector<Change> changes;          // sorted by at_s
    int duration_s = 0;                   // last change + the convergence allowance
};

// Options of the generator: which faults it may inject.
struct Limits {
    bool node_down = true;
    bool drain = true;  // at most one drain, and only with 3 nodes or more (it stays cordoned)
};

rc::Gen<RandomScenario> random_scenario(Limits limits = {});

// Writes DIR/scenario.yaml and DIR/manifests/*.yaml; `repo` is the project root (models, data).
// Returns the scenario file's path.
std::filesystem::path write_scenario(const RandomScenario& s, const std::filesystem::path& dir,
                                     const std::filesystem::path& repo, std::uint64_t seed);

// One line per SeldonDeployment and change, for failure messages.
std::string describe(const RandomScenario& s);

}  // namespace sim::system_test
