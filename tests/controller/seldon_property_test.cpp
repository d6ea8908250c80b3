// Properties of the operator's reconciler alone over random valid SeldonDeployments and random
// spec edits: "the pods became ready" is played by mark_deployments_available, so these are
// fast and run many cases. seldon_cluster_property_test.cpp checks the same properties in a
// whole simulated cluster (scheduler, kubelets, workload controllers).
#include <rapidcheck.h>
#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include <set>

#include "controller/seldon/defaults.hpp"
#include "controller/seldon/objects.hpp"
#include "controller/seldon/reconciler.hpp"
#include "seldon_generators.hpp"
#include "seldon_test_support.hpp"
#include "sim/kube/object_meta.hpp"

namespace kube = sim::kube;
namespace seldon = sim::controller::seldon;
using json = sim::Json;

namespace {

using sim::test::gen::gen_predictor;
using sim::test::gen::gen_sdep;
using sim::test::gen::gen_traffic;

struct Cluster : sim::test::SeldonCluster {
    kube::Client operator_client{api, "seldon-controller-manager"};
    seldon::SeldonReconciler reconciler{operator_client};

    std::string settle() {
        std::string state = reconciler.reconcile("default", "prop").state;
        for (int i = 0; i < 5 && state != "Available"; ++i) {
            collect_garbage();
            sim::test::mark_deployments_available(client, "default");
            state = reconciler.reconcile("default", "prop").state;
        }
        collect_garbage();
        return state;
    }

    // "Kind/name" of every object the SeldonDeployment owns.
    std::set<std::string> owned() {
        const json sdep = client.get(kube::refs::kSeldonDeployments.in("default"), "prop").value();
        std::set<std::string> out;
        for (const auto& [ref, kind] :
             {std::pair{kube::refs::kDeployments, "Deployment"},
              std::pair{kube::refs::kServices, "Service"},
              std::pair{kube::refs::kHpas, "HorizontalPodAutoscaler"},
              std::pair{kube::refs::kPodDisruptionBudgets, "PodDisruptionBudget"}}) {
            const json list = client.list(ref.in("default")).value();
            for (const json& item : list["items"])
                if (kube::meta::is_controlled_by(item, sdep))
                    out.insert(std::string(kind) + "/" + kube::meta::name(item));
        }
        return out;
    }

    // "Kind/name" of every object the current spec calls for.
    std::set<std::string> wanted() {
        json sdep = client.get(kube::refs::kSeldonDeployments.in("default"), "prop").value();
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

    void check_converged() {
        RC_ASSERT(settle() == "Available");
        RC_ASSERT(owned() == wanted());
        const json list = client.list(kube::refs::kDeployments.in("default")).value();
        for (const json& d : list["items"])
            for (const auto& [k, v] : d["spec"]["selector"]["matchLabels"].items())
                RC_ASSERT(d["spec"]["template"]["metadata"]["labels"].value(k, "") == v);
    }
};

}  // namespace

TEST_CASE("properties of the Seldon operator") {
    rc::prop(
        "random valid SeldonDeployments are admitted and reach Available with exactly their "
        "objects",
        [] {
            const json sdep = gen_sdep();
            Cluster c;
            const auto created = c.client.create(sdep);
            RC_LOG() << sdep.dump() << "\n" << (created.ok() ? "" : created.error().message());
            RC_ASSERT(created.ok());
            c.check_converged();
        });

    rc::prop("random edits converge and leave no object the spec does not call for", [] {
        Cluster c;
        c.client.create(gen_sdep()).value();
        c.check_converged();
        const int edits = *rc::gen::inRange(1, 5);
        for (int e = 0; e < edits; ++e) {
            json sdep = c.client.get(kube::refs::kSeldonDeployments.in("default"), "prop").value();
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
            const auto updated = c.client.update(sdep);
            RC_ASSERT(updated.ok());
            c.check_converged();
        }
    });
}
