// Full-cluster conformance: every corpus manifest the API server admits runs in a generous
// simulated cluster (SimCluster: the scenario runner's stack, every image an echo) until its
// SeldonDeployment is Available, and the objects the operator generated must be sane
// (SanityCheck). The admission verdicts themselves are seldon_corpus_test.cpp's business.
//
// The corpus is split into shards (one test case each) so `ctest -j` spreads them over cores.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "seldon_sanity.hpp"
#include "seldon_sim_cluster.hpp"
#include "sim/scenario/manifest.hpp"

namespace fs = std::filesystem;
using json = sim::Json;
namespace kube = sim::kube;

namespace {

constexpr std::size_t kShards = 4;

// Per shard (files i, i+4, i+8, ... of the sorted corpus): how many reach Available, how many
// the API server rejects (seldon_corpus_test.cpp checks those verdicts) and how many belong to
// another operator (label seldon.io/controller-id). Over the corpus: 94 + 1 of the 95
// admitted, 10 rejected.
struct Tally {
    int available = 0;
    int rejected = 0;
    int other_operator = 0;
    bool operator==(const Tally&) const = default;
};
constexpr Tally kExpected[kShards] = {{23, 3, 0}, {24, 3, 0}, {22, 3, 1}, {25, 1, 0}};

fs::path corpus_dir() {
    return fs::path(SIM_CORPUS_DIR);
}

std::vector<fs::path> corpus_files() {
    std::vector<fs::path> files;
    for (const char* folder : {"learn-seldon-core-v1", "seldon-core"}) {
        const fs::path dir = corpus_dir() / folder;
        if (!fs::is_directory(dir)) continue;
        for (const auto& entry : fs::directory_iterator(dir)) {
            const std::string ext = entry.path().extension().string();
            if (ext == ".yaml" || ext == ".json") files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

enum class Outcome { NotApplicable, Rejected, Available, NotAvailable, OtherOperator };

// The corpus' test manifests use imagePullPolicy: Never for images their kind cluster had
// side-loaded; a node without the image would answer ErrImageNeverPull. This cluster pulls
// them instead (the only change made to a manifest).
void pull_side_loaded_images(json& v) {
    if (v.is_object()) {
        for (auto& [k, item] : v.items()) {
            if (k == "imagePullPolicy" && item == "Never")
                item = "IfNotPresent";
            else
                pull_side_loaded_images(item);
        }
    } else if (v.is_array()) {
        for (json& item : v)
            pull_side_loaded_images(item);
    }
}

// Meant for a namespaced operator with that CONTROLLER_ID: the cluster-wide one skips it, so
// nothing is created and no status is written.
Outcome check_skipped(sim::test::SimCluster& cluster, const std::string& ns,
                      const std::string& name) {
    cluster.run_until([] { return false; }, sim::kernel::kMinute);
    CHECK_FALSE(cluster.sdep(ns, name).value().contains("status"));
    CHECK(cluster.client().list(kube::refs::kDeployments.in(ns)).value()["items"].empty());
    return Outcome::OtherOperator;
}

// Applies the file's objects (Namespaces first, as kubectl apply -f would) and runs the
// cluster until the SeldonDeployment is Available; checks its objects.
Outcome run_manifest(const fs::path& file) {
    const auto load = sim::scenario::load_manifest(file);
    if (!load.ok()) return Outcome::NotApplicable;
    std::vector<json> sdeps;
    sim::test::SimCluster cluster;
    for (const auto& o : load.objects) {
        if (o.kind == "SeldonDeployment") sdeps.push_back(o.object);
        if (o.kind == "Namespace") cluster.ensure_namespace(o.name);
    }
    if (sdeps.size() != 1) return Outcome::NotApplicable;
    json object = sdeps[0];
    std::string ns = object["metadata"].value("namespace", "");
    if (ns.empty()) ns = "default";
    object["metadata"]["namespace"] = ns;
    cluster.ensure_namespace(ns);
    pull_side_loaded_images(object);
    if (!cluster.client().create(object).ok()) return Outcome::Rejected;
    const std::string name = object["metadata"].value("name", "");
    const json labels = object["metadata"].value("labels", json::object());
    if (!labels.value("seldon.io/controller-id", "").empty())
        return check_skipped(cluster, ns, name);
    const bool available = cluster.run_until_available(ns, name);
    const json stored = cluster.sdep(ns, name).value();
    INFO("status: " << stored.value("status", json::object()).dump());
    if (!available) {
        FAIL_CHECK("not Available after 10 minutes of simulated time");
        return Outcome::NotAvailable;
    }
    // Let the Endpoints controller catch up with the Service the last pass created.
    cluster.loop().run_until(cluster.loop().now() + 5 * sim::kernel::kSecond);
    sim::test::SanityCheck check(cluster.client(), stored);
    const auto problems = check.problems();
    for (const auto& p : problems)
        UNSCOPED_INFO(p);
    CHECK(problems.empty());
    return Outcome::Available;
}

void run_shard(std::size_t shard) {
    if (!fs::is_directory(corpus_dir())) {
        WARN("skipped: corpus folder " << corpus_dir().string() << " is absent");
        return;
    }
    const auto files = corpus_files();
    REQUIRE(files.size() == 107);
    Tally tally;
    for (std::size_t i = shard; i < files.size(); i += kShards) {
        INFO(files[i].string());
        switch (run_manifest(files[i])) {
            case Outcome::Available:
                ++tally.available;
                break;
            case Outcome::Rejected:
                ++tally.rejected;
                break;
            case Outcome::OtherOperator:
                ++tally.other_operator;
                break;
            case Outcome::NotApplicable:
            case Outcome::NotAvailable:
                break;
        }
    }
    INFO("shard " << shard + 1 << "/" << kShards << ": " << tally.available << " Available, "
                  << tally.rejected << " rejected, " << tally.other_operator
                  << " for another operator");
    CHECK(tally == kExpected[shard]);
}

}  // namespace

TEST_CASE("conformance: corpus shard 1/4 reaches Available with sane objects") {
    run_shard(0);
}
TEST_CASE("conformance: corpus shard 2/4 reaches Available with sane objects") {
    run_shard(1);
}
TEST_CASE("conformance: corpus shard 3/4 reaches Available with sane objects") {
    run_shard(2);
}
TEST_CASE("conformance: corpus shard 4/4 reaches Available with sane objects") {
    run_shard(3);
}
