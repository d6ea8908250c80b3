#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "sim/scenario/manifest.hpp"

using namespace sim::scenario;
namespace fs = std::filesystem;

namespace {

// Writes `text` to a fresh file under the system temp folder and returns its path.
fs::path write_temp(const std::string& name, const std::string& text) {
    const fs::path dir = fs::temp_directory_path() / "sim-manifest-test";
    fs::create_directories(dir);
    const fs::path path = dir / name;
    std::ofstream(path) << text;
    return path;
}

std::vector<std::string> messages(const ManifestLoad& load) {
    std::vector<std::string> out;
    for (const Diagnostic& d : load.diagnostics) {
        out.push_back(fs::path(format_diagnostic(d)).filename().string());
    }
    return out;
}

}  // namespace

TEST_CASE("manifests: several documents, comments, empty documents and Lists") {
    const fs::path path =
        write_temp("multi.yaml",
                   "# leading comment\n"
                   "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"
                   "---\n"
                   "# only a comment\n"
                   "---\n"
                   "apiVersion: v1\nkind: List\nitems:\n"
                   "- {apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: x}}\n"
                   "- {apiVersion: v1, kind: ConfigMap, metadata: {name: d}}\n"
                   "...\n");
    const ManifestLoad load = load_manifest(path);
    REQUIRE(load.ok());
    REQUIRE(load.objects.size() == 3);
    CHECK(describe(load.objects[0]) == "Namespace/a");
    CHECK(describe(load.objects[1]) == "ConfigMap/x/c");
    CHECK(describe(load.objects[2]) == "ConfigMap/d");
    CHECK(load.objects[1].where.line == 8);  // the List document's first line
    CHECK(load.objects[0].object["metadata"]["name"] == "a");
}

TEST_CASE("manifests: YAML typing follows the core schema") {
    const fs::path path =
        write_temp("typed.yaml",
                   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: t}\n"
                   "data: {a: \"1\", b: 'true'}\nspec: {n: 3, f: 1.5, b: true, z: null}\n");
    const ManifestLoad load = load_manifest(path);
    REQUIRE(load.ok());
    const sim::Json& o = load.objects[0].object;
    CHECK(o["data"]["a"] == "1");
    CHECK(o["data"]["b"] == "true");
    CHECK(o["spec"]["n"] == 3);
    CHECK(o["spec"]["f"] == 1.5);
    CHECK(o["spec"]["b"] == true);
    CHECK(o["spec"]["z"].is_null());
}

TEST_CASE("manifests: problems point at the document, line numbers count across documents") {
    const fs::path path = write_temp("bad.yaml",
                                     "apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n"
                                     "---\n"
                                     "apiVersion: v1\nmetadata: {}\n"
                                     "---\n"
                                     "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: [1,\n");
    const ManifestLoad load = load_manifest(path);
    CHECK(load.objects.size() == 1);
    const std::vector<std::string> got = messages(load);
    REQUIRE(got.size() == 3);
    CHECK(got[0] == "bad.yaml:5:1: kind: required: the object's kind");
    CHECK(got[1] ==
          "bad.yaml:5:1: metadata.name: required (kubectl apply needs a name; "
          "generateName is for create)");
    // The unterminated flow sequence of document 3, found at the end of the file.
    CHECK(got[2] == "bad.yaml:12:1: YAML syntax: end of sequence flow not found");
}

TEST_CASE("manifests: a stray comma ends in an error, not an endless loop") {
    // yaml-cpp 0.7's LoadAll never returns on this input (jbeder/yaml-cpp#1040).
    const ManifestLoad load = load_manifest(write_temp("comma.yaml", ",\n"));
    CHECK_FALSE(load.ok());
}

TEST_CASE("manifests: an unreadable or empty file is reported") {
    CHECK(messages(load_manifest("/nonexistent/x.yaml")) ==
          std::vector<std::string>{"x.yaml: cannot read manifest"});
    CHECK(messages(load_manifest(write_temp("empty.yaml", "# nothing\n"))) ==
          std::vector<std::string>{"empty.yaml:1:1: no objects in manifest"});
}
