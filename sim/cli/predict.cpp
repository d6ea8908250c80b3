// `sim-run predict`: runs the sentiment model on texts and prints one JSON line per text.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "components/model/model.hpp"
#include "components/model/predictor.hpp"
#include "sim/cli/command.hpp"
#include "sim/kernel/json.hpp"

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
    std::cout << line.dump(-1, ' ', false, sim::Json::error_handler_t::replace) << "\n";
}

// --bench: times the inference path itself (the one place a wall clock is allowed: it
// measures the model, it never feeds a simulation). Batched: every text once per round, best
// round; single: the median of per-text latencies over one round.
void bench(cm::SentimentPredictor& predictor, const std::vector<std::string>& texts, int rounds) {
    using Clock = std::chrono::steady_clock;
    std::vector<double> probabilities(predictor.class_count());
    double checksum = 0.0;
    for (const std::string& t : texts)
        checksum += static_cast<double>(predictor.predict_proba(t, probabilities));
    double best_seconds = 1e300;
    for (int r = 0; r < rounds; ++r) {
        const auto start = Clock::now();
        for (const std::string& t : texts)
            checksum += static_cast<double>(predictor.predict_proba(t, probabilities));
        best_seconds =
            std::min(best_seconds, std::chrono::duration<double>(Clock::now() - start).count());
    }
    std::vector<double> latencies;
    latencies.reserve(texts.size());
    for (const std::string& t : texts) {
        const auto start = Clock::now();
        checksum += probabilities[predictor.predict_proba(t, probabilities)];
        latencies.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    }
    std::sort(latencies.begin(), latencies.end());
    const double median = latencies[latencies.size() / 2];
    const double p99 = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
    std::printf(
        "{\"texts\":%zu,\"rounds\":%d,\"batch_texts_per_second\":%.1f,"
        "\"single_median_us\":%.3f,\"single_p99_us\":%.3f,\"checksum\":%.6f}\n",
        texts.size(), rounds, static_cast<double>(texts.size()) / best_seconds, median * 1e6,
        p99 * 1e6, checksum);
}

int predict_main(std::span<const std::string> args) {
    std::string model_path;
    std::string input_path;
    std::vector<std::string> texts;
    int bench_rounds = 0;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--bench") {
            if (i + 1 >= args.size())
                return usage_error(kPredictCommand, "--bench needs a number of rounds");
            const std::string& v = args[++i];
            const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), bench_rounds);
            if (ec != std::errc() || end != v.data() + v.size() || bench_rounds < 1 ||
                bench_rounds > 1000) {
                return usage_error(kPredictCommand,
                                   "--bench: expected rounds in [1, 1000], got \"" + v + "\"");
            }
        } else if (a == "--model" || a == "--input") {
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
            if (bench_rounds > 0) {
                texts.push_back(line);
            } else {
                print_prediction(predictor, line, probabilities);
            }
        }
    }
    if (bench_rounds > 0) bench(predictor, texts, bench_rounds);
    return kExitOk;
}

}  // namespace

extern const Command kPredictCommand{
    "predict", "run the sentiment model on texts (one JSON line each)",
    "Usage: sim-run predict --model MODEL.json [--input FILE] [--bench ROUNDS] [TEXT...]\n\n"
    "Prints, in input order, one JSON line per text:\n"
    "  "
    "{\"text\":...,\"label\":...,\"probabilities\":{\"negative\":..,\"neutral\":..,\"positive\":..}"
    "}\n"
    "TEXT arguments come first, then the lines of --input (one text per line; - reads stdin).\n"
    "--bench ROUNDS times the model on the texts instead (used by scripts/bench-model): the best\n"
    "of ROUNDS batched passes and the median single-text latency, on one core, as JSON.\n\n"
    "Example:\n  sim-run predict --model fixtures/models/sentiment-v1.json \"This is amazing!\"\n",
    predict_main};

}  // namespace sim::cli
