#include "sim/scenario/yaml_json.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdlib>

#include "sim/scenario/field_names.hpp"

namespace sim::scenario {
namespace {

bool looks_like_int(std::string_view t) {
    if (!t.empty() && (t[0] == '-' || t[0] == '+')) t.remove_prefix(1);
    return !t.empty() &&
           std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// A YAML 1.2 core-schema float ("1.5", "-2e3", ".5"), or nullopt.
std::optional<double> plain_float(const std::string& text) {
    const bool numeric_chars = std::all_of(text.begin(), text.end(), [](unsigned char c) {
        return std::isdigit(c) != 0 || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+';
    });
    if (!numeric_chars || std::none_of(text.begin(), text.end(),
                                       [](unsigned char c) { return std::isdigit(c) != 0; })) {
        return std::nullopt;
    }
    double value = 0;
    const char* first = text.data() + (text[0] == '+' ? 1 : 0);
    const auto [end, ec] = std::from_chars(first, text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::optional<sim::Json> scalar_to_json(const YAML::Node& node, const std::string& field,
                                        const YamlErrorSink& on_error) {
    const std::string& text = node.Scalar();
    const std::string& tag = node.Tag();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") return sim::Json(text);
    if (tag != "?" && tag != "tag:yaml.org,2002:int" && tag != "tag:yaml.org,2002:float" &&
        tag != "tag:yaml.org,2002:bool" && tag != "tag:yaml.org,2002:null") {
        on_error(node, field, "unsupported YAML tag " + in_quotes(tag));
        return std::nullopt;
    }
    if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
        return sim::Json(nullptr);
    }
    if (text == "true" || text == "True" || text == "TRUE") return sim::Json(true);
    if (text == "false" || text == "False" || text == "FALSE") return sim::Json(false);
    if (looks_like_int(text)) {
        std::int64_t value = 0;
        const char* first = text.data() + (text[0] == '+' ? 1 : 0);
        const auto [end, ec] = std::from_chars(first, text.data() + text.size(), value);
        if (ec == std::errc{} && end == text.data() + text.size()) return sim::Json(value);
    }
    if (text == ".inf" || text == "-.inf" || text == "+.inf" || text == ".Inf" || text == "-.Inf" ||
        text == ".nan" || text == ".NaN") {
        on_error(node, field, "JSON has no infinities or NaN: " + text);
        return std::nullopt;
    }
    if (const auto number = plain_float(text)) return sim::Json(*number);
    return sim::Json(text);
}

}  // namespace

std::optional<sim::Json> yaml_to_json(const YAML::Node& node, const std::string& field,
                                      const YamlErrorSink& on_error) {
    switch (node.Type()) {
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined:
            return sim::Json(nullptr);
        case YAML::NodeType::Scalar:
            return scalar_to_json(node, field, on_error);
        case YAML::NodeType::Sequence: {
            sim::Json array = sim::Json::array();
            bool ok = true;
            for (std::size_t i = 0; i < node.size(); ++i) {
                auto element = yaml_to_json(node[i], item_field(field, i), on_error);
                ok = ok && element.has_value();
                if (element) array.push_back(std::move(*element));
            }
            return ok ? std::optional<sim::Json>(std::move(array)) : std::nullopt;
        }
        case YAML::NodeType::Map: {
            sim::Json object = sim::Json::object();
            bool ok = true;
            for (auto it = node.begin(); it != node.end(); ++it) {
                if (!it->first.IsScalar()) {
                    on_error(it->first, field,
                             it->first.IsMap() ? "expected a string key, got a mapping"
                                               : "expected a string key, got a list");
                    ok = false;
                    continue;
                }
                const std::string key = it->first.Scalar();
                if (object.contains(key)) {
                    on_error(it->first, child_field(field, key), "duplicate field");
                    ok = false;
                    continue;
                }
                auto value = yaml_to_json(it->second, child_field(field, key), on_error);
                ok = ok && value.has_value();
                if (value) object[key] = std::move(*value);
            }
            return ok ? std::optional<sim::Json>(std::move(object)) : std::nullopt;
        }
    }
    return std::nullopt;
}

}  // namespace sim::scenario
