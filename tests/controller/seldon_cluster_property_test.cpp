// The operator's properties in a whole simulated cluster (SimCluster: the scenario runner's
// stack with roomy nodes and every image an echo): random valid SeldonDeployments reach
// Available with sane objects, and random edits (add or remove a predictor, change an image,
// change the traffic) converge leaving no owned object the current spec does not call for.
//
// Each case simulates minutes of a cluster, so these run fewer cases than RapidCheck's default
// 100: kClusterRuns, or SIM_CLUSTER_PROP_RUNS from the environment for a longer soak.
#include <rapidcheck.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <set>
#include <sstream>

#include "controller/seldon/defaults.hpp"
#include "controller/seldon/objects.hpp"
#include "seldon_generators.hpp"
#include "seldon_sanity.hpp"
#include "seldon_sim_cluster.hpp"
#include "sim/kube/object_meta.hpp"

namespace kube = sim::kube;
namespace seldon = sim::controller::seldon;
using json = sim::Json;
using sim::test::gen::gen_predictor;
using sim::test::gen::gen_sdep;
using sim::test::gen::gen_traffic;

namespace {

constexpr int kClusterRuns = 25;

int cluster_runs() {
    const char* env = std::getenv("SIM_CLUSTER_PROP_RUNS");
    if (env == nullptr) return kClusterRuns;
    const int n = std::atoi(env);
    return n > 0 ? n : kClusterRuns;
}

// rc::prop with a chosen number of cases (rapidcheck/catch.h always uses the configured 100).
template <class Testable>
void cluster_prop(const std::string& description, Testable&& testable) {
    SECTION(description) {
        rc::detail::TestParams params = rc::detail::configuration().testParams;
        params.maxSuccess = cluster_runs();
        rc::detail::TestMetadata metadata;
        metadata.id = description;
        metadata.description = description;
        const auto result =
            rc::detail::checkTestable(std::forward<Testable>(testable), metadata, params);
        std::ostringstream message;
        rc::detail::printResultMessage(result, message);
        INFO(message.str());
        CHECK(result.template is<rc::detail::SuccessResult>());
    }
}

std::set<std::string> owned(sim::test::SimCluster& c, const json& sdep) {
    std::set<std::string> out;
    for (const auto& [ref, kind] :
         {std::pair{kube::refs::kDeployments, "Deployment"},
          std::pair{kube::refs::kServices, "Service"},
          std::pair{kube::refs::kHpas, "HorizontalPodAutoscaler"},
          std::pair{kube::refs::kPodDisruptionBudgets, "PodDisruptionBudget"}}) {
        const json list = c.client().list(ref.in("default")).value();
        for (const json& item : list["items"])
            if (kube::meta::is_controlled_by(item, sdep))
                out.insert(std::string(kind) + "/" + kube::meta::name(item));
    }
    return out;
}

std::set<std::string> wanted(json sdep) {
    seldon::default_seldon_deployment(sdep);
    const auto desired = seldon::build_desired_objects(sdep);
    std::set<std::string> out;
    for (const auto* list : {&desired.deployments, &desired.container_services,
                             &desired.predictor_services, &desired.hpas, &desired.pdbs})
        for (const json& o : *list)
            out.insert(o["kind"].get<std::string>() + "/" +
                       o["metadata"]["name"].get<std::string>());
    return out;
}

// Available for the current generation, exactly the objects the spec calls for, all sane.
void check_converged(sim::test::SimCluster& c) {
    RC_ASSERT(c.run_until_available("default", "prop"));
    // Let the Endpoints controller catch up with the Service the last pass created.
    c.loop().run_until(c.loop().now() + 5 * sim::kernel::kSecond);
    const json sdep = c.sdep("default", "prop").value();
    RC_LOG() << "status: " << sdep["status"].dump() << "\n";
    // Old Deployments go in the foreground: Available comes first, they go once their pods
    // have terminated (within the pods' grace period).
    c.run_until([&] { return owned(c, sdep) == wanted(sdep); }, 2 * sim::kernel::kMinute);
    RC_ASSERT(owned(c, sdep) == wanted(sdep));
    sim::test::SanityCheck check(c.client(), sdep);
    const auto problems = check.problems();
    for (const auto& p : problems)
        RC_LOG() << p << "\n";
    RC_ASSERT(problems.empty());
}

}  // namespace

TEST_CASE("cluster properties of the Seldon operator") {
    cluster_prop(
        "random valid SeldonDeployments reach Available in a roomy cluster with sane objects", [] {
            const json sdep = gen_sdep();
            RC_LOG() << sdep.dump() << "\n";
            sim::test::SimCluster c;
            const auto created = c.client().create(sdep);
            RC_ASSERT(created.ok());
            check_converged(c);
        });

    cluster_prop(
        "random edits converge in a roomy cluster and leave no object the spec does "
        "not call for",
        [] {
            sim::test::SimCluster c;
            c.client().create(gen_sdep()).value();
            check_converged(c);
            const int edits = *rc::gen::inRange(1, 4);
            for (int e = 0; e < edits; ++e) {
                json sdep = c.sdep("default", "prop").value();
                json& preds = sdep["spec"]["predictors"];
                const int kind = *rc::gen::inRange(0, 4);
                if (kind == 0 && preds.size() < 3) {
                    preds.push_back(gen_predictor("q" + std::to_string(e)));
                } else if (kind == 1 && preds.size() > 1) {
                    preds.erase(*rc::gen::inRange<std::size_t>(0, preds.size()));
                    if (preds.size() == 1) preds[0].erase("shadow");
                } else if (kind == 2) {
                    json& p = preds[*rc::gen::inRange<std::size_t>(0, preds.size())];
                    p["componentSpecs"][0]["spec"]["containers"][0]["image"] =
                        "img:edit-" + std::to_string(e);
                }
                gen_traffic(sdep["spec"]);
                RC_LOG() << "edit " << e << ": " << sdep["spec"].dump() << "\n";
                RC_ASSERT(c.client().update(sdep).ok());
                check_converged(c);
            }
        });
}
