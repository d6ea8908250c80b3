#include "components/model/model.hpp"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/kernel/json.hpp"

namespace components::model {
namespace {

using json = sim::Json;

// Where in the file a field lives, for error messages: "file: field `a.b[3]`: ...".
struct Path {
    std::string_view source;
    std::string where;
    Path at(std::string_view key) const {
        return {source, where.empty() ? std::string(key) : where + "." + std::string(key)};
    }
    Path at(std::size_t index) const { return {source, where + "[" + std::to_string(index) + "]"}; }
    [[noreturn]] void fail(const std::string& message) const {
        throw ModelError(std::string(source) + ": field `" + where + "`: " + message);
    }
};

std::string type_name(const json& value) {
    return value.type_name();
}

const json& member(const json& object, const Path& path, std::string_view key) {
    const auto it = object.find(key);
    if (it == object.end()) path.fail("missing key `" + std::string(key) + "`");
    return *it;
}

const json& object_at(const json& object, const Path& path, std::string_view key) {
    const json& value = member(object, path, key);
    if (!value.is_object()) path.at(key).fail("expected an object, found " + type_name(value));
    return value;
}

const json& array_at(const json& object, const Path& path, std::string_view key) {
    const json& value = member(object, path, key);
    if (!value.is_array()) path.at(key).fail("expected an array, found " + type_name(value));
    return value;
}

std::string string_value(const json& value, const Path& path) {
    if (!value.is_string()) path.fail("expected a string, found " + type_name(value));
    return value.get<std::string>();
}

double number_value(const json& value, const Path& path) {
    if (!value.is_number()) path.fail("expected a number, found " + type_name(value));
    const double number = value.get<double>();
    if (!std::isfinite(number)) path.fail("not a finite number");
    return number;
}

bool bool_at(const json& object, const Path& path, std::string_view key) {
    const json& value = member(object, path, key);
    if (!value.is_boolean()) path.at(key).fail("expected true or false, found " + type_name(value));
    return value.get<bool>();
}

std::vector<std::string> strings_at(const json& object, const Path& path, std::string_view key) {
    const json& array = array_at(object, path, key);
    std::vector<std::string> out;
    out.reserve(array.size());
    for (std::size_t i = 0; i < array.size(); ++i) {
        out.push_back(string_value(array[i], path.at(key).at(i)));
    }
    return out;
}

std::vector<double> numbers(const json& array, const Path& path) {
    if (!array.is_array()) path.fail("expected an array, found " + type_name(array));
    std::vector<double> out;
    out.reserve(array.size());
    for (std::size_t i = 0; i < array.size(); ++i)
        out.push_back(number_value(array[i], path.at(i)));
    return out;
}

void require_unique(const std::vector<std::string>& items, const Path& path) {
    std::set<std::string_view> seen;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (!seen.insert(items[i]).second) {
            path.at(i).fail("duplicate entry \"" + items[i] + "\"");
        }
    }
}

// Converts nlohmann's byte offset of a syntax error into line:column.
std::string line_column(std::string_view text, std::size_t byte) {
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return std::to_string(line) + ":" + std::to_string(column);
}

SentimentModel from_json(const json& root, std::string_view source) {
    const Path top{source, ""};
    if (!root.is_object()) throw ModelError(std::string(source) + ": expected a JSON object");
    SentimentModel model;
    const std::string format = string_value(member(root, top, "format"), top.at("format"));
    if (format != kModelFormat) {
        top.at("format").fail("expected \"" + std::string(kModelFormat) + "\", found \"" + format +
                              "\"");
    }
    const json& version = member(root, top, "format_version");
    if (!version.is_number_integer() || version.get<int>() != kModelFormatVersion) {
        top.at("format_version").fail("expected " + std::to_string(kModelFormatVersion));
    }
    model.classes = strings_at(root, top, "classes");

    const Path vp = top.at("vectorizer");
    const json& vectorizer = object_at(root, top, "vectorizer");
    if (!bool_at(vectorizer, vp, "lowercase")) vp.at("lowercase").fail("only true is supported");
    if (string_value(member(vectorizer, vp, "token_pattern"), vp.at("token_pattern")) !=
        kTokenPattern) {
        vp.at("token_pattern")
            .fail("only scikit-learn's default " + std::string(kTokenPattern) + " is supported");
    }
    const json& norm = member(vectorizer, vp, "norm");
    if (norm != "l2") vp.at("norm").fail("only \"l2\" is supported");
    model.sublinear_tf = bool_at(vectorizer, vp, "sublinear_tf");
    const std::vector<double> ngram =
        numbers(array_at(vectorizer, vp, "ngram_range"), vp.at("ngram_range"));
    if (ngram.size() != 2 || ngram[0] < 1 || ngram[1] < ngram[0] || ngram[1] > 100 ||
        ngram[0] != std::floor(ngram[0]) || ngram[1] != std::floor(ngram[1])) {
        vp.at("ngram_range").fail("expected [min_n, max_n] with 1 <= min_n <= max_n <= 100");
    }
    model.ngram_min = static_cast<int>(ngram[0]);
    model.ngram_max = static_cast<int>(ngram[1]);
    model.stop_words = strings_at(vectorizer, vp, "stop_words");
    model.vocabulary = strings_at(vectorizer, vp, "vocabulary");
    model.idf = numbers(array_at(vectorizer, vp, "idf"), vp.at("idf"));

    const Path cp = top.at("classifier");
    const json& classifier = object_at(root, top, "classifier");
    const json& coef = array_at(classifier, cp, "coef");
    model.coef_rows = coef.size();
    model.coef.reserve(coef.size() * model.vocabulary.size());
    for (std::size_t r = 0; r < coef.size(); ++r) {
        const std::vector<double> row = numbers(coef[r], cp.at("coef").at(r));
        if (row.size() != model.vocabulary.size()) {
            cp.at("coef").at(r).fail("expected " + std::to_string(model.vocabulary.size()) +
                                     " coefficients (one per vocabulary term), found " +
                                     std::to_string(row.size()));
        }
        model.coef.insert(model.coef.end(), row.begin(), row.end());
    }
    model.intercept = numbers(array_at(classifier, cp, "intercept"), cp.at("intercept"));
    model.hyperparameters_json = object_at(root, top, "hyperparameters").dump();
    model.training_json = object_at(root, top, "training").dump();
    validate(model, source);
    return model;
}

}  // namespace

void validate(const SentimentModel& model, std::string_view source) {
    const Path top{source, ""};
    if (model.classes.size() < 2) top.at("classes").fail("expected at least 2 classes");
    require_unique(model.classes, top.at("classes"));
    const Path vp = top.at("vectorizer");
    require_unique(model.vocabulary, vp.at("vocabulary"));
    require_unique(model.stop_words, vp.at("stop_words"));
    if (model.vocabulary.empty()) vp.at("vocabulary").fail("is empty");
    if (model.idf.size() != model.vocabulary.size()) {
        vp.at("idf").fail("expected " + std::to_string(model.vocabulary.size()) +
                          " values (one per vocabulary term), found " +
                          std::to_string(model.idf.size()));
    }
    for (std::size_t i = 0; i < model.idf.size(); ++i) {
        if (!std::isfinite(model.idf[i]) || model.idf[i] <= 0) {
            vp.at("idf").at(i).fail("expected a finite number > 0");
        }
    }
    const Path cp = top.at("classifier");
    const std::size_t expected_rows = model.classes.size() == 2 ? 1 : model.classes.size();
    // A binary scikit-learn model has one coefficient row; we also accept one row per class.
    if (model.coef_rows != expected_rows && model.coef_rows != model.classes.size()) {
        cp.at("coef").fail("expected " + std::to_string(expected_rows) + " rows for " +
                           std::to_string(model.classes.size()) + " classes, found " +
                           std::to_string(model.coef_rows));
    }
    if (model.coef.size() != model.coef_rows * model.vocabulary.size()) {
        cp.at("coef").fail("shape does not match coef_rows x vocabulary size");
    }
    for (std::size_t i = 0; i < model.coef.size(); ++i) {
        if (!std::isfinite(model.coef[i])) {
            cp.at("coef")
                .at(i / model.vocabulary.size())
                .at(i % model.vocabulary.size())
                .fail("not a finite number");
        }
    }
    if (model.intercept.size() != model.coef_rows) {
        cp.at("intercept")
            .fail("expected " + std::to_string(model.coef_rows) +
                  " values (one per coefficient row), found " +
                  std::to_string(model.intercept.size()));
    }
    for (std::size_t i = 0; i < model.intercept.size(); ++i) {
        if (!std::isfinite(model.intercept[i]))
            cp.at("intercept").at(i).fail("not a finite number");
    }
}

SentimentModel parse_model_json(std::string_view json_text, std::string_view source) {
    json root;
    try {
        root = json::parse(json_text);
    } catch (const json::parse_error& e) {
        throw ModelError(std::string(source) + ":" + line_column(json_text, e.byte) +
                         ": not valid JSON: " + e.what());
    } catch (const json::exception& e) {
        // e.g. 1e999: nlohmann refuses numbers that overflow a double.
        throw ModelError(std::string(source) + ": not a finite number in the file: " + e.what());
    }
    return from_json(root, source);
}

SentimentModel load_model_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ModelError(path + ": cannot open model file");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_model_json(text.str(), path);
}

std::string model_to_json(const SentimentModel& model) {
    json root = json::object();
    root["format"] = kModelFormat;
    root["format_version"] = kModelFormatVersion;
    root["classes"] = model.classes;
    json vectorizer = json::object();
    vectorizer["lowercase"] = true;
    vectorizer["token_pattern"] = kTokenPattern;
    vectorizer["ngram_range"] = {model.ngram_min, model.ngram_max};
    vectorizer["norm"] = "l2";
    vectorizer["use_idf"] = true;
    vectorizer["sublinear_tf"] = model.sublinear_tf;
    vectorizer["stop_words"] = model.stop_words;
    vectorizer["vocabulary"] = model.vocabulary;
    vectorizer["idf"] = model.idf;
    root["vectorizer"] = std::move(vectorizer);
    json coef = json::array();
    const std::size_t features = model.feature_count();
    for (std::size_t r = 0; r < model.coef_rows; ++r) {
        coef.push_back(std::vector<double>(
            model.coef.begin() + static_cast<std::ptrdiff_t>(r * features),
            model.coef.begin() + static_cast<std::ptrdiff_t>((r + 1) * features)));
    }
    root["classifier"] = {{"coef", std::move(coef)}, {"intercept", model.intercept}};
    root["hyperparameters"] = json::parse(model.hyperparameters_json);
    root["training"] = json::parse(model.training_json);
    // nlohmann prints doubles with 17 significant digits, so loading gives the same bits.
    return root.dump(1) + "\n";
}

void save_model_file(const SentimentModel& model, const std::string& path) {
    std::ofstream out(path, std::ios::binary);
    if (!out) throw ModelError(path + ": cannot write model file");
    out << model_to_json(model);
    if (!out) throw ModelError(path + ": write failed");
}

}  // namespace components::model
