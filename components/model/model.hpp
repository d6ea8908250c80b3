// The sentiment model: TF-IDF features + (multinomial) logistic regression, as scikit-learn's
// Pipeline(TfidfVectorizer, LogisticRegression) computes them, and its JSON model file.
//
// The file format is documented in docs/model.md. Loading validates everything inference
// relies on and throws ModelError naming the file, the JSON path of the field and, for
// syntax errors, line:column.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace components::model {

class ModelError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

inline constexpr std::string_view kModelFormat = "seldon-sim/sentiment-tfidf-logreg";
inline constexpr int kModelFormatVersion = 1;
inline constexpr std::string_view kTokenPattern = R"((?u)\b\w\w+\b)";

struct SentimentModel {
    std::vector<std::string> classes;  // sorted, as LogisticRegression.classes_
    // Vectorizer.
    int ngram_min = 1;
    int ngram_max = 1;
    bool sublinear_tf = false;
    std::vector<std::string> stop_words;  // removed before n-grams are formed
    std::vector<std::string> vocabulary;  // term of each feature index
    std::vector<double> idf;              // one per feature
    // Classifier: coefficient rows (classes, or 1 row for a binary model), row-major.
    std::size_t coef_rows = 0;
    std::vector<double> coef;       // coef_rows x vocabulary.size()
    std::vector<double> intercept;  // coef_rows
    // Free-form metadata, kept as JSON object text so the header stays light.
    std::string hyperparameters_json = "{}";
    std::string training_json = "{}";

    std::size_t feature_count() const { return vocabulary.size(); }
    bool binary() const { return coef_rows == 1; }
};

// Throws ModelError on any inconsistency (shapes, duplicates, non-finite numbers).
void validate(const SentimentModel& model, std::string_view source);

SentimentModel parse_model_json(std::string_view json_text, std::string_view source);
SentimentModel load_model_file(const std::string& path);
std::string model_to_json(const SentimentModel& model);  // pretty-printed, round-trips exactly
void save_model_file(const SentimentModel& model, const std::string& path);

}  // namespace components::model
