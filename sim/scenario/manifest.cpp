#include "sim/scenario/manifest.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "sim/scenario/yaml_json.hpp"

namespace sim::scenario {
namespace {

SourceLocation location_of(const std::filesystem::path& path, const YAML::Mark& mark) {
    return {path.string(), mark.line + 1, mark.column + 1};
}

// Checks one object's identity fields; reports problems against the document.
void add_object(const SourceLocation& where, sim::Json object, const std::string& field,
                ManifestLoad& out) {
    const auto problem = [&](const std::string& sub, const std::string& message) {
        out.diagnostics.push_back({where, field.empty() ? sub : field + "." + sub, message});
    };
    if (!object.is_object()) {
        problem("", "expected a Kubernetes object (a mapping with apiVersion, kind, metadata)");
        return;
    }
    const auto text = [&](const sim::Json& parent, const char* key) -> std::string {
        const auto it = parent.find(key);
        return it != parent.end() && it->is_string() ? it->get<std::string>() : std::string{};
    };
    ManifestObject m;
    m.api_version = text(object, "apiVersion");
    m.kind = text(object, "kind");
    if (m.api_version.empty()) problem("apiVersion", "required: the object's API group/version");
    if (m.kind.empty()) problem("kind", "required: the object's kind");
    const auto metadata = object.find("metadata");
    if (metadata == object.end() || !metadata->is_object()) {
        problem("metadata", "required: a mapping with at least `name`");
        return;
    }
    m.name = text(*metadata, "name");
    m.namespace_ = text(*metadata, "namespace");
    if (m.name.empty()) {
        problem("metadata.name",
                "required (kubectl apply needs a name; generateName is for create)");
    }
    if (m.api_version.empty() || m.kind.empty() || m.name.empty()) return;
    m.object = std::move(object);
    m.where = where;
    out.objects.push_back(std::move(m));
}

// One YAML document of a stream and the line (0-based) it starts on.
struct DocumentText {
    int first_line = 0;
    std::string text;
};

// Splits a YAML stream at its `---` document markers (a line that is `---` or starts with
// `--- `), dropping `...` end markers. Not YAML::LoadAll: yaml-cpp 0.7's LoadAll loops forever,
// allocating, on a stray `,` at document level (jbeder/yaml-cpp#1040); YAML::Load on each
// document terminates. A `---` line at column 0 cannot be inside an indented block scalar.
std::vector<DocumentText> split_documents(std::istream& in) {
    std::vector<DocumentText> documents(1);
    int line_number = 0;
    for (std::string line; std::getline(in, line); ++line_number) {
        const bool starts_document = line == "---" || line.rfind("--- ", 0) == 0;
        if (starts_document) {
            documents.push_back({line_number, line.substr(3) + "\n"});
            continue;
        }
        if (line == "...") continue;
        documents.back().text += line;
        documents.back().text += '\n';
    }
    return documents;
}

}  // namespace

ManifestLoad load_manifest(const std::filesystem::path& path) {
    ManifestLoad out;
    std::ifstream in(path);
    if (!in) {
        out.diagnostics.push_back({{path.string(), 0, 0}, "", "cannot read manifest"});
        return out;
    }
    for (const DocumentText& text : split_documents(in)) {
        // Marks inside a document count from its first line.
        const auto shift = [&](YAML::Mark mark) {
            mark.line += text.first_line;
            return mark;
        };
        YAML::Node document;
        try {
            document = YAML::Load(text.text);
        } catch (const YAML::Exception& e) {
            out.diagnostics.push_back(
                {location_of(path, shift(e.mark)), "", "YAML syntax: " + e.msg});
            continue;
        }
        if (document.IsNull()) continue;  // an empty document, or only comments
        const YamlErrorSink on_error = [&](const YAML::Node& node, const std::string& field,
                                           const std::string& message) {
            out.diagnostics.push_back({location_of(path, shift(node.Mark())), field, message});
        };
        auto json = yaml_to_json(document, "", on_error);
        if (!json) continue;
        const SourceLocation where = location_of(path, shift(document.Mark()));
        if (json->is_object() && json->value("kind", "") == "List" && json->contains("items")) {
            const sim::Json& items = (*json)["items"];
            for (std::size_t i = 0; i < items.size(); ++i) {
                add_object(where, items[i], "items[" + std::to_string(i) + "]", out);
            }
            continue;
        }
        add_object(where, std::move(*json), "", out);
    }
    if (out.objects.empty() && out.diagnostics.empty()) {
        out.diagnostics.push_back({{path.string(), 1, 1}, "", "no objects in manifest"});
    }
    return out;
}

ScenarioManifests load_scenario_manifests(const Scenario& scenario) {
    ScenarioManifests out;
    for (const TimelineStep& step : scenario.timeline) {
        const auto* apply = std::get_if<ApplyStep>(&step.action);
        if (!apply || out.by_path.count(apply->manifest)) continue;
        ManifestLoad load = load_manifest(apply->manifest);
        out.diagnostics.insert(out.diagnostics.end(), load.diagnostics.begin(),
                               load.diagnostics.end());
        out.by_path.emplace(apply->manifest, std::move(load));
    }
    return out;
}

std::string describe(const ManifestObject& object) {
    return object.kind + "/" + (object.namespace_.empty() ? "" : object.namespace_ + "/") +
           object.name;
}

}  // namespace sim::scenario
