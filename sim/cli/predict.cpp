// `sim-run predict`: runs the sentiment model on texts and prints one JSON line per text.
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "components/model/model.hpp"
#include "components/model/predictor.hpp"
#include "sim/cli/command.hpp"

namespace sim::cli {
namespace {

namespace cm = components::model;

void print_prediction(cm::SentimentPredictor& predictor, const std::string& text,
                      std::vector<double>& probabilities) {
    const std::size_t label = predictor.predict_proba(text, probabilities);
    const auto& classes = predictor.model().classes;
    nlohmann::ordered_json line;
    line["text"] = text;
    line["label"] = classes[label];
    nlohmann::ordered_json probs = nlohmann::ordered_json::object();
    for (std::size_t c = 0; c < classes.size(); ++c)
        probs[classes[c]] = probabilities[c];
    line["probabilities"] = std::move(probs);
    std::cout << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

int predict_main(std::span<const std::string> args) {
    std::string model_path;
    std::string input_path;
    std::vector<std::string> texts;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--model" || a == "--input") {
            if (i + 1 >= args.size()) return usage_error(kPredictCommand, a + " needs a value");
            (a == "--model" ? model_path : input_path) = args[++i];
        } else if (a == "--") {
            texts.insert(texts.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                         args.end());
            break;
        } else if (a.starts_with("--")) {
            return usage_error(kPredictCommand, "unknown option \"" + a + "\"");
        } else {
            texts.push_back(a);
        }
    }
    if (model_path.empty()) return usage_error(kPredictCommand, "--model MODEL.json is required");
    if (texts.empty() && input_path.empty()) {
        return usage_error(kPredictCommand, "give TEXT arguments or --input FILE (- for stdin)");
    }
    std::shared_ptr<const cm::SentimentModel> model;
    try {
        model = std::make_shared<const cm::SentimentModel>(cm::load_model_file(model_path));
    } catch (const cm::ModelError& e) {
        std::cerr << "sim-run predict: " << e.what() << "\n";
        return kExitBadInput;
    }
    cm::SentimentPredictor predictor(model);
    std::vector<double> probabilities(predictor.class_count());
    for (const std::string& text : texts)
        print_prediction(predictor, text, probabilities);
    if (!input_path.empty()) {
        std::ifstream file;
        std::istream* in = &std::cin;
        if (input_path != "-") {
            file.open(input_path, std::ios::binary);
            if (!file) {
                std::cerr << "sim-run predict: " << input_path << ": cannot open file\n";
                return kExitBadInput;
            }
            in = &file;
        }
        std::string line;
        while (std::getline(*in, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            print_prediction(predictor, line, probabilities);
        }
    }
    return kExitOk;
}

}  // namespace

extern const Command kPredictCommand{
    "predict", "run the sentiment model on texts (one JSON line each)",
    "Usage: sim-run predict --model MODEL.json [--input FILE] [TEXT...]\n\n"
    "Prints, in input order, one JSON line per text:\n"
    "  "
    "{\"text\":...,\"label\":...,\"probabilities\":{\"negative\":..,\"neutral\":..,\"positive\":..}"
    "}\n"
    "TEXT arguments come first, then the lines of --input (one text per line; - reads stdin).\n\n"
    "Example:\n  sim-run predict --model fixtures/models/sentiment-v1.json \"This is amazing!\"\n",
    predict_main};

}  // namespace sim::cli
