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
#include <vector>

#include "components/model/model.hpp"
#include "components/model/text.hpp"

namespace components::model {

// An open-addressing hash table from 64-bit FNV-1a hashes to 32-bit values (linear probing,
// power-of-two capacity, at most half full). Built once at model load; lookups never
// allocate; never iterated. The caller guarantees distinct strings have distinct hashes
// (checked while building, see SentimentPredictor).
class HashIndex {
  public:
    static constexpr std::uint32_t kMissing = 0xFFFFFFFFu;
    void build(const std::vector<std::pair<std::uint64_t, std::uint32_t>>& entries);
    std::uint32_t find(std::uint64_t hash) const {
        if (mask_ == 0) return kMissing;
        for (std::size_t i = slot(hash);; i = (i + 1) & mask_) {
            const std::uint32_t value = values_[i];
            if (value == kMissing) return kMissing;
            if (keys_[i] == hash) return value;
        }
    }

  private:
    std::size_t slot(std::uint64_t hash) const {
        return static_cast<std::size_t>(hash ^ (hash >> 29)) & mask_;
    }
    std::vector<std::uint64_t> keys_;
    std::vector<std::uint32_t> values_;
    std::size_t mask_ = 0;
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
    // True if vocabulary term `feature` is exactly tokens kept_[first..first+n) joined by spaces.
    bool term_matches(std::uint32_t feature, std::size_t first, std::size_t n) const;
    void count_features();

    std::shared_ptr<const SentimentModel> model_;
    HashIndex stop_words_;  // hash -> stop word index
    // hash of an n-gram -> feature index (low 31 bits; kNoFeature when the n-gram is only a
    // prefix) | kLonger when some vocabulary term extends it by more tokens. Prefix entries
    // let the n-gram loop stop as soon as no longer term can match.
    HashIndex ngrams_;
    static constexpr std::uint32_t kLonger = 0x80000000u;
    static constexpr std::uint32_t kNoFeature = 0x7FFFFFFEu;  // | kLonger must differ from kMissing
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
