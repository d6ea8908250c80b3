// Training the sentiment model the way the reference project's src/train_model.py does with
// scikit-learn: TfidfVectorizer(ngram_range, max_features, stop_words) then
// LogisticRegression(C, lbfgs, multinomial, max_iter), after a stratified train/test split.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "components/model/csv.hpp"
#include "components/model/model.hpp"

namespace components::model {

struct TrainingOptions {
    int ngram_min = 1;
    int ngram_max = 5;
    std::size_t max_features = 5000;          // 0: keep every term
    std::string stop_words_name = "english";  // recorded in the model's hyperparameters
    std::vector<std::string> stop_words;      // the list itself
    double C = 1.0;
    int max_iter = 1000;
    double test_size = 0.2;  // 0: train on every row, no evaluation
    std::uint64_t seed = 42;
    std::string data_source;  // file name, recorded in the training metadata
    std::string data_sha256;  // of the CSV bytes, recorded in the training metadata
};

// Per-class figures of scikit-learn's classification_report.
struct ClassScores {
    double precision = 0.0;
    double recall = 0.0;
    double f1 = 0.0;
    std::size_t support = 0;
};

struct Evaluation {
    std::vector<std::string> classes;
    std::vector<ClassScores> per_class;
    std::vector<std::vector<std::size_t>> confusion;  // [true][predicted]
    double accuracy = 0.0;
    std::size_t rows = 0;
};

struct TrainingResult {
    SentimentModel model;
    std::size_t train_rows = 0;
    std::size_t test_rows = 0;
    int iterations = 0;
    bool converged = false;
    double objective = 0.0;
    double gradient_max_abs = 0.0;
    std::string stop_reason;
    bool evaluated = false;  // false when test_size is 0
    Evaluation evaluation;
};

class TrainingError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Reads a stop-word list, one word per line (blank lines ignored).
std::vector<std::string> read_stop_words_file(const std::string& path);

TrainingResult train_sentiment_model(const std::vector<LabelledText>& rows,
                                     const TrainingOptions& options);

// Evaluates `model` on labelled rows.
Evaluation evaluate(const SentimentModel& model, const std::vector<LabelledText>& rows);

// scikit-learn's classification_report text followed by the confusion matrix as numpy prints it.
std::string format_report(const Evaluation& evaluation);

}  // namespace components::model
