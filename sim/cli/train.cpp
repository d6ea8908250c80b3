// `sim-run train`: fits the sentiment model (TF-IDF + multinomial logistic regression) on a
// labelled CSV with the reference project's hyperparameters and writes the JSON model file.
#include <charconv>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "components/model/csv.hpp"
#include "components/model/model.hpp"
#include "components/model/stop_words.hpp"
#include "components/model/train.hpp"
#include "sim/cli/command.hpp"
#include "sim/kernel/sha256.hpp"

namespace sim::cli {
namespace {

namespace cm = components::model;

template <class T>
bool parse_number(const std::string& text, T& out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

bool parse_ngram(const std::string& text, int& lo, int& hi) {
    const std::size_t comma = text.find(',');
    if (comma == std::string::npos) return false;
    return parse_number(text.substr(0, comma), lo) && parse_number(text.substr(comma + 1), hi) &&
           lo >= 1 && hi >= lo && hi <= 100;
}

int train_main(std::span<const std::string> args) {
    cm::TrainingOptions options;
    std::string data_path;
    std::string out_path;
    std::string stop_words = "english";
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (i + 1 >= args.size()) {
            return usage_error(kTrainCommand, "option \"" + a + "\" needs a value or is unknown");
        }
        const std::string& v = args[++i];
        const auto bad = [&](std::string_view expected) {
            return usage_error(kTrainCommand,
                               a + ": expected " + std::string(expected) + ", got \"" + v + "\"");
        };
        if (a == "--data") {
            data_path = v;
        } else if (a == "--out") {
            out_path = v;
        } else if (a == "--ngram") {
            if (!parse_ngram(v, options.ngram_min, options.ngram_max))
                return bad("MIN,MAX with 1 <= MIN <= MAX <= 100");
        } else if (a == "--max-features") {
            if (!parse_number(v, options.max_features))
                return bad("a non-negative integer (0: no limit)");
        } else if (a == "--stop-words") {
            stop_words = v;
        } else if (a == "--C") {
            if (!parse_number(v, options.C) || !(options.C > 0)) return bad("a number > 0");
        } else if (a == "--max-iter") {
            if (!parse_number(v, options.max_iter) || options.max_iter < 1)
                return bad("an integer >= 1");
        } else if (a == "--test-size") {
            if (!parse_number(v, options.test_size) ||
                !(options.test_size >= 0 && options.test_size < 1)) {
                return bad("a number in [0, 1)");
            }
        } else if (a == "--seed") {
            if (!parse_number(v, options.seed)) return bad("a non-negative integer");
        } else {
            return usage_error(kTrainCommand, "unknown option \"" + a + "\"");
        }
    }
    if (data_path.empty()) return usage_error(kTrainCommand, "--data FILE.csv is required");
    if (out_path.empty()) return usage_error(kTrainCommand, "--out MODEL.json is required");
    try {
        options.stop_words_name = stop_words;
        if (stop_words == "english") {
            options.stop_words = cm::english_stop_words();
        } else if (stop_words != "none") {
            options.stop_words = cm::read_stop_words_file(stop_words);
        }
        std::ifstream in(data_path, std::ios::binary);
        if (!in) {
            std::cerr << "sim-run train: " << data_path << ": cannot open file\n";
            return kExitBadInput;
        }
        std::ostringstream bytes;
        bytes << in.rdbuf();
        const std::string csv = bytes.str();
        options.data_source = data_path;
        options.data_sha256 = kernel::Sha256::of(csv);
        std::istringstream csv_stream(csv);
        const auto rows = cm::read_labelled_csv(csv_stream, data_path);
        const cm::TrainingResult result = cm::train_sentiment_model(rows, options);
        std::cout << "Rows: " << rows.size() << " (train " << result.train_rows << ", test "
                  << result.test_rows << "), features: " << result.model.feature_count()
                  << ", classes:";
        for (const std::string& c : result.model.classes)
            std::cout << ' ' << c;
        std::cout << "\nL-BFGS: " << result.iterations << " iterations, "
                  << (result.converged ? "converged" : "NOT converged") << " ("
                  << result.stop_reason << "), max |gradient| " << result.gradient_max_abs << "\n";
        if (result.evaluated) {
            char accuracy[32];
            std::snprintf(accuracy, sizeof accuracy, "%.4f", result.evaluation.accuracy);
            std::cout << "\nAccuracy: " << accuracy << "\n\nClassification report:\n"
                      << cm::format_report(result.evaluation);
        }
        cm::save_model_file(result.model, out_path);
        std::cout << "\nModel written to " << out_path << "\n";
        if (!result.converged) {
            std::cerr << "sim-run train: warning: L-BFGS stopped before converging ("
                      << result.stop_reason << ", max |gradient| " << result.gradient_max_abs
                      << "); the model was written anyway\n";
        }
    } catch (const cm::CsvError& e) {
        std::cerr << "sim-run train: " << e.what() << "\n";
        return kExitBadInput;
    } catch (const cm::TrainingError& e) {
        std::cerr << "sim-run train: " << e.what() << "\n";
        return kExitBadInput;
    } catch (const cm::ModelError& e) {
        std::cerr << "sim-run train: " << e.what() << "\n";
        return kExitBadInput;
    }
    return kExitOk;
}

}  // namespace

extern const Command kTrainCommand{
    "train", "train the sentiment model on a labelled CSV",
    "Usage: sim-run train --data FILE.csv --out MODEL.json [options]\n\n"
    "Fits TfidfVectorizer + multinomial LogisticRegression exactly as scikit-learn does, with the\n"
    "reference project's defaults, prints accuracy, a classification report and the confusion\n"
    "matrix on a stratified held-out split, and writes the JSON model (docs/model.md).\n\n"
    "Options (defaults are the reference project's src/train_model.py):\n"
    "  --ngram MIN,MAX      word n-gram range (1,5)\n"
    "  --max-features N     keep the N most frequent terms, 0 for all (5000)\n"
    "  --stop-words LIST    english (scikit-learn's list), none, or a file, one word a line\n"
    "  --C C                inverse L2 regularisation strength (1.0)\n"
    "  --max-iter N         L-BFGS iteration limit (1000)\n"
    "  --test-size F        held-out fraction, 0 trains on every row (0.2)\n"
    "  --seed S             split seed (42)\n\n"
    "Example:\n  sim-run train --data fixtures/data/reviews.csv --out model.json\n",
    train_main};

}  // namespace sim::cli
