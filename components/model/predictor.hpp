// Inference for a SentimentModel without JSON and without allocating per request: the text is
// lowercased and tokenized into reused buffers, n-grams are looked up by the FNV-1a hash of
// their token bytes joined by spaces (built incrementally, never as a string) and confirmed
// byte by byte against the vocabulary term, so a hash collision can never pick a wrong feature.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "components/model/model.hpp"
#include "components/model/text.hpp"

namespace components::model {

// Hash -> index of a term list. Built once; throws ModelError if two terms share a hash
// (then lookups could not be exact). Never iterated.
class TermIndex {
  public:
    TermIndex() = default;
    TermIndex(const std::vector<std::string>& terms, std::string_view what);
    // Index of the term with this hash, or -1. The caller confirms the bytes.
    std::int64_t find(std::uint64_t hash) const {
        const auto it = index_.find(hash);
        return it == index_.end() ? -1 : static_cast<std::int64_t>(it->second);
    }

  private:
    std::unordered_map<std::uint64_t, std::uint32_t> index_;
};

class SentimentPredictor {
  public:
    explicit SentimentPredictor(std::shared_ptr<const SentimentModel> model);

    const SentimentModel& model() const { return *model_; }
    std::size_t class_count() const { return model_->classes.size(); }

    // Writes class probabilities (classes order) into `probabilities` (size class_count())
    // and returns the predicted class index (the highest decision score, first on ties, like
    // numpy's argmax). Reuses internal buffers: not thread-safe, allocation-free once warm.
    std::size_t predict_proba(std::string_view text, std::span<double> probabilities);
    std::size_t predict(std::string_view text);
    // The decision scores (LogisticRegression.decision_function) of the last prediction: one
    // per class, or one for a binary model.
    std::span<const double> last_scores() const { return scores_; }

  private:
    bool is_stop_word(std::string_view token) const;
    // Feature index of tokens kept_[first..first+n) joined by spaces, or -1.
    std::int64_t feature_of(std::size_t first, std::size_t n, std::uint64_t hash) const;
    void count_features();

    std::shared_ptr<const SentimentModel> model_;
    TermIndex stop_words_;
    TermIndex vocabulary_;
    std::vector<double> coef_by_feature_;  // feature-major: coef_by_feature_[f * rows + r]

    // Per-request scratch, reused.
    std::string lowered_;
    std::vector<TokenSpan> tokens_;
    std::vector<std::string_view> kept_;
    std::vector<double> counts_;  // one per feature, zero between requests
    std::vector<std::uint32_t> touched_;
    std::vector<double> scores_;
};

}  // namespace components::model
