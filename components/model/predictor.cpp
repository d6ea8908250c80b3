#include "components/model/predictor.hpp"

#include <algorithm>
#include <cmath>

namespace components::model {

TermIndex::TermIndex(const std::vector<std::string>& terms, std::string_view what) {
    index_.reserve(terms.size());
    for (std::size_t i = 0; i < terms.size(); ++i) {
        const auto [it, inserted] =
            index_.emplace(fnv_hash(terms[i]), static_cast<std::uint32_t>(i));
        if (!inserted) {
            throw ModelError(std::string(what) + ": terms \"" + terms[it->second] + "\" and \"" +
                             terms[i] + "\" have the same 64-bit FNV-1a hash");
        }
    }
}

SentimentPredictor::SentimentPredictor(std::shared_ptr<const SentimentModel> model)
    : model_(std::move(model)),
      stop_words_(model_->stop_words, "stop_words"),
      vocabulary_(model_->vocabulary, "vocabulary") {
    const std::size_t features = model_->feature_count();
    const std::size_t rows = model_->coef_rows;
    coef_by_feature_.resize(features * rows);
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t f = 0; f < features; ++f) {
            coef_by_feature_[f * rows + r] = model_->coef[r * features + f];
        }
    }
    counts_.assign(features, 0.0);
    scores_.assign(rows, 0.0);
    lowered_.reserve(1024);
    tokens_.reserve(256);
    kept_.reserve(256);
    touched_.reserve(1024);
}

bool SentimentPredictor::is_stop_word(std::string_view token) const {
    const std::int64_t i = stop_words_.find(fnv_hash(token));
    return i >= 0 && model_->stop_words[static_cast<std::size_t>(i)] == token;
}

std::int64_t SentimentPredictor::feature_of(std::size_t first, std::size_t n,
                                            std::uint64_t hash) const {
    const std::int64_t index = vocabulary_.find(hash);
    if (index < 0) return -1;
    // Confirm: the term must be exactly the tokens joined by single spaces.
    std::string_view term = model_->vocabulary[static_cast<std::size_t>(index)];
    for (std::size_t k = 0; k < n; ++k) {
        const std::string_view token = kept_[first + k];
        if (k > 0) {
            if (term.empty() || term.front() != ' ') return -1;
            term.remove_prefix(1);
        }
        if (!term.starts_with(token)) return -1;
        term.remove_prefix(token.size());
    }
    return term.empty() ? index : -1;
}

void SentimentPredictor::count_features() {
    const std::size_t n_tokens = kept_.size();
    const auto min_n = static_cast<std::size_t>(model_->ngram_min);
    const auto max_n = static_cast<std::size_t>(model_->ngram_max);
    for (std::size_t first = 0; first < n_tokens; ++first) {
        std::uint64_t hash = kFnvOffset;
        for (std::size_t n = 1; n <= max_n && first + n <= n_tokens; ++n) {
            if (n > 1) hash = fnv_continue(hash, " ");
            hash = fnv_continue(hash, kept_[first + n - 1]);
            if (n < min_n) continue;
            const std::int64_t f = feature_of(first, n, hash);
            if (f < 0) continue;
            const auto feature = static_cast<std::size_t>(f);
            if (counts_[feature] == 0.0) touched_.push_back(static_cast<std::uint32_t>(feature));
            counts_[feature] += 1.0;
        }
    }
}

std::size_t SentimentPredictor::predict_proba(std::string_view text,
                                              std::span<double> probabilities) {
    const SentimentModel& m = *model_;
    tokenize(text, lowered_, tokens_);
    kept_.clear();
    for (const TokenSpan& t : tokens_) {
        const std::string_view token(lowered_.data() + t.begin, t.length);
        if (!is_stop_word(token)) kept_.push_back(token);
    }
    touched_.clear();
    count_features();

    // Same operations in the same order as scikit-learn: sorted CSR indices, data *= idf,
    // row L2 norm summed in index order (inplace_csr_row_normalize_l2), then the sparse dot
    // product X @ coef.T in index order and the intercept added last.
    std::sort(touched_.begin(), touched_.end());
    double sum_squares = 0.0;
    for (const std::uint32_t f : touched_) {
        double tf = counts_[f];
        if (m.sublinear_tf) tf = std::log(tf) + 1.0;
        counts_[f] = tf * m.idf[f];
        sum_squares += counts_[f] * counts_[f];
    }
    const double norm = std::sqrt(sum_squares);
    const std::size_t rows = m.coef_rows;
    std::fill(scores_.begin(), scores_.end(), 0.0);
    for (const std::uint32_t f : touched_) {
        const double x = counts_[f] / norm;
        const double* w = &coef_by_feature_[static_cast<std::size_t>(f) * rows];
        for (std::size_t r = 0; r < rows; ++r)
            scores_[r] += x * w[r];
        counts_[f] = 0.0;
    }
    for (std::size_t r = 0; r < rows; ++r)
        scores_[r] += m.intercept[r];

    if (m.binary()) {
        // scikit-learn's one-vs-rest binary model: P(class 1) = expit(score).
        const double p1 = 1.0 / (1.0 + std::exp(-scores_[0]));
        probabilities[0] = 1.0 - p1;
        probabilities[1] = p1;
        return scores_[0] > 0.0 ? 1 : 0;
    }
    std::size_t best = 0;
    for (std::size_t r = 1; r < rows; ++r) {
        if (scores_[r] > scores_[best]) best = r;
    }
    double total = 0.0;
    const double max_score = scores_[best];
    for (std::size_t r = 0; r < rows; ++r) {
        probabilities[r] = std::exp(scores_[r] - max_score);
    }
    for (std::size_t r = 0; r < rows; ++r)
        total += probabilities[r];
    for (std::size_t r = 0; r < rows; ++r)
        probabilities[r] /= total;
    return best;
}

std::size_t SentimentPredictor::predict(std::string_view text) {
    double probabilities[16];
    std::vector<double> large;
    std::span<double> out(probabilities, class_count());
    if (class_count() > 16) {
        large.resize(class_count());
        out = large;
    }
    return predict_proba(text, out);
}

}  // namespace components::model
