// Conformance: every manifest of ../shared/corpus goes through the API server with the Seldon
// admission installed, and each verdict must be the one its folder's SOURCE.md expects.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "seldon_test_support.hpp"
#include "sim/scenario/manifest.hpp"

namespace fs = std::filesystem;
using json = sim::Json;

namespace {

enum class Verdict { Admitted, WebhookRejects, SchemaRejects, NotYaml, NotSeldon };

struct Expected {
    Verdict verdict;
    // For rejections: the field error messages, in order, exactly as SOURCE.md lists them.
    std::vector<std::string> errors;
};

// From corpus/seldon-core/SOURCE.md and corpus/learn-seldon-core-v1/SOURCE.md ("expected
// admission" column). Files not listed here are "webhook OK".
const std::map<std::string, Expected>& exceptions() {
    static const std::map<std::string, Expected> kTable{
        {"seldon-core/"
         "examples__models__openvino_imagenet_ensemble__seldon_ov_predict_ensemble.yaml",
         {Verdict::NotYaml, {}}},
        {"seldon-core/executor__samples__local__graph__model.yaml",
         {Verdict::SchemaRejects, {"spec.predictors[0].graph.children[0].name: Required value"}}},
        {"seldon-core/executor__samples__local__metadata__combiner.yaml",
         {Verdict::WebhookRejects,
          {"spec.predictors[0].graph: Invalid value: \"model-combiner\": Can't find container for "
           "Predictive Unit",
           "spec.predictors[0].graph[0]: Invalid value: \"model-a1\": Can't find container for "
           "Predictive Unit",
           "spec.predictors[0].graph[1]: Invalid value: \"model-a2\": Can't find container for "
           "Predictive Unit"}}},
        {"seldon-core/notebooks__resources__model_with_canary.json",
         {Verdict::WebhookRejects,
          {"spec: Invalid value: \"example\": Traffic must sum to 100 for multiple predictors"}}},
        {"seldon-core/notebooks__resources__complex_graph_with_canary.json",
         {Verdict::WebhookRejects,
          {"spec: Invalid value: \"fx-market-predictor\": Traffic must sum to 100 for multiple "
           "predictors"}}},
        {"seldon-core/notebooks__resources__model_invalid1.json",
         {Verdict::SchemaRejects,
          {"spec.predictors[0].componentSpecs[0].spec.containers[0].imagePullPolicy: Invalid "
           "value: "}}},
        {"seldon-core/notebooks__resources__model_invalid2.json",
         {Verdict::WebhookRejects,
          {"spec.predictors[0].graph: Invalid value: \"mean-classifier_\": Can't find container "
           "for Predictive "
           "Unit"}}},
        {"seldon-core/testing__resources__bad_duplicate_predictor_name.json",
         {Verdict::WebhookRejects,
          {"spec.predictors[1]: Invalid value: \"mymodel\": Duplicate predictor name",
           "spec: Invalid value: \"mymodel\": Traffic must sum to 100 for multiple predictors"}}},
        {"seldon-core/testing__resources__bad_name_mismatch.json",
         {Verdict::WebhookRejects,
          {"spec.predictors[0].graph: Invalid value: \"complex-model_bad_name\": Can't find "
           "container for "
           "Predictive Unit"}}},
        {"seldon-core/testing__resources__bad_no_graph.yaml",
         {Verdict::SchemaRejects, {"spec.predictors[0].graph: Required value"}}},
        {"learn-seldon-core-v1/k8s__namespace.yaml", {Verdict::NotSeldon, {}}},
        {"learn-seldon-core-v1/docs__blog.md__block2.yaml",
         {Verdict::WebhookRejects,
          {"spec.predictors[0].graph: Invalid value: \"transformer\": Can't find container for "
           "Predictive Unit",
           "spec.predictors[0].graph[0]: Invalid value: \"model\": Can't find container for "
           "Predictive Unit"}}},
    };
    return kTable;
}

fs::path corpus_dir() {
    return fs::path(SIM_CORPUS_DIR);
}

std::vector<std::string> corpus_files() {
    std::vector<std::string> files;
    for (const char* folder : {"learn-seldon-core-v1", "seldon-core"}) {
        const fs::path dir = corpus_dir() / folder;
        if (!fs::is_directory(dir)) continue;
        for (const auto& entry : fs::directory_iterator(dir)) {
            const std::string ext = entry.path().extension().string();
            if (ext == ".yaml" || ext == ".json")
                files.push_back(std::string(folder) + "/" + entry.path().filename().string());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

// Each expected message must appear, in order, in the Status message.
bool messages_in_order(const std::string& status_message,
                       const std::vector<std::string>& expected) {
    std::size_t from = 0;
    for (const auto& m : expected) {
        const auto at = status_message.find(m, from);
        if (at == std::string::npos) return false;
        from = at + m.size();
    }
    return true;
}

}  // namespace

TEST_CASE("corpus: every manifest gets the admission verdict SOURCE.md expects") {
    if (!fs::is_directory(corpus_dir())) {
        WARN("skipped: corpus folder " << corpus_dir().string() << " is absent");
        return;
    }
    const auto files = corpus_files();
    REQUIRE(files.size() == 107);  // 6 reference-project files (one a Namespace) + 101 upstream
    std::map<Verdict, int> tally;
    for (const std::string& file : files) {
        INFO(file);
        const auto it = exceptions().find(file);
        const Expected expected =
            it == exceptions().end() ? Expected{Verdict::Admitted, {}} : it->second;
        const auto load = sim::scenario::load_manifest(corpus_dir() / file);
        if (expected.verdict == Verdict::NotYaml) {
            CHECK_FALSE(load.ok());
            ++tally[Verdict::NotYaml];
            continue;
        }
        REQUIRE(load.ok());
        // Other objects in the file (a Namespace) are applied first, as kubectl apply -f would.
        sim::test::SeldonCluster c;
        std::vector<json> sdeps;
        for (const auto& o : load.objects) {
            if (o.kind == "SeldonDeployment") {
                sdeps.push_back(o.object);
                continue;
            }
            if (o.kind == "Namespace") c.ensure_namespace(o.name);
        }
        if (expected.verdict == Verdict::NotSeldon) {
            CHECK(sdeps.empty());
            ++tally[Verdict::NotSeldon];
            continue;
        }
        REQUIRE(sdeps.size() == 1);
        json object = sdeps[0];
        std::string ns = object["metadata"].value("namespace", "");
        if (ns.empty()) ns = "default";
        object["metadata"]["namespace"] = ns;
        c.ensure_namespace(ns);
        const auto r = c.client.create(object);
        const std::string message = r.ok() ? "" : r.error().message();
        INFO(message);
        switch (expected.verdict) {
            case Verdict::Admitted:
                CHECK(r.ok());
                break;
            case Verdict::WebhookRejects:
                REQUIRE_FALSE(r.ok());
                CHECK(r.error().code() == 422);
                CHECK(message.rfind(
                          "admission webhook \"v1.vseldondeployment.kb.io\" denied the request: "
                          "SeldonDeployment.machinelearing.seldon.io ",
                          0) == 0);
                CHECK(r.error().status()["details"]["causes"].size() == expected.errors.size());
                CHECK(messages_in_order(message, expected.errors));
                break;
            case Verdict::SchemaRejects:
                REQUIRE_FALSE(r.ok());
                CHECK(r.error().code() == 422);
                CHECK(message.rfind("SeldonDeployment.machinelearning.seldon.io ", 0) == 0);
                CHECK(messages_in_order(message, expected.errors));
                break;
            default:
                FAIL("unreachable");
        }
        ++tally[expected.verdict];
    }
    CHECK(tally[Verdict::Admitted] == 95);
    CHECK(tally[Verdict::WebhookRejects] == 7);
    CHECK(tally[Verdict::SchemaRejects] == 3);
    CHECK(tally[Verdict::NotYaml] == 1);
    CHECK(tally[Verdict::NotSeldon] == 1);
}
