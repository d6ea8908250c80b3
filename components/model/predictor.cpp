#include "components/model/predictor.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "sim/kernel/det_math.hpp"

namespace components::model {

void HashIndex::build(const std::vector<std::pair<std::uint64_t, std::uint32_t>>& entries) {
    std::size_t capacity = 16;
    while (capacity < 2 * entries.size())
        capacity *= 2;
    keys_.assign(capacity, 0);
    values_.assign(capacity, kMissing);
    mask_ = capacity - 1;
    for (const auto& [hash, value] : entries) {
        std::size_t i = slot(hash);
        while (values_[i] != kMissing && keys_[i] != hash)
            i = (i + 1) & mask_;
        keys_[i] = hash;
        values_[i] = value;
    }
}

namespace {

// Registers `text` under its hash; throws if a different string already has that hash, in
// which case lookups by hash could not tell them apart.
std::uint64_t checked_hash(std::unordered_map<std::uint64_t, std::string>& seen,
                           std::string_view text, std::string_view what) {
    const std::uint64_t hash = fnv_hash(text);
    const auto [it, inserted] = seen.try_emplace(hash, text);
    if (!inserted && it->second != text) {
        throw ModelError(std::string(what) + ": \"" + it->second + "\" and \"" + std::string(text) +
                         "\" have the same 64-bit FNV-1a hash");
    }
    return hash;
}

}  // namespace

SentimentPredictor::SentimentPredictor(std::shared_ptr<const SentimentModel> model)
    : model_(std::move(model)) {
    const SentimentModel& m = *model_;
    {
        std::unordered_map<std::uint64_t, std::string> seen;
        std::vector<std::pair<std::uint64_t, std::uint32_t>> entries;
        for (std::size_t i = 0; i < m.stop_words.size(); ++i) {
            entries.emplace_back(checked_hash(seen, m.stop_words[i], "stop_words"),
                                 static_cast<std::uint32_t>(i));
        }
        stop_words_.build(entries);
    }
    {
        // Every term, and every proper token prefix of a multi-token term ("a b c" gives
        // "a" and "a b"), merged by hash into one entry.
        std::unordered_map<std::uint64_t, std::string> seen;
        std::unordered_map<std::uint64_t, std::uint32_t> value_of;
        std::vector<std::uint64_t> order;  // first-seen order keeps the build deterministic
        const auto mark = [&](std::string_view text, std::uint32_t feature, bool longer) {
            const std::uint64_t hash = checked_hash(seen, text, "vocabulary");
            auto [it, inserted] = value_of.try_emplace(hash, kNoFeature);
            if (inserted) order.push_back(hash);
            if (feature != kNoFeature) it->second = (it->second & kLonger) | feature;
            if (longer) it->second |= kLonger;
        };
        for (std::size_t f = 0; f < m.vocabulary.size(); ++f) {
            const std::string& term = m.vocabulary[f];
            mark(term, static_cast<std::uint32_t>(f), false);
            for (std::size_t space = term.find(' '); space != std::string::npos;
                 space = term.find(' ', space + 1)) {
                mark(std::string_view(term).substr(0, space), kNoFeature, true);
            }
        }
        std::vector<std::pair<std::uint64_t, std::uint32_t>> entries;
        entries.reserve(order.size());
        for (const std::uint64_t hash : order)
            entries.emplace_back(hash, value_of.at(hash));
        ngrams_.build(entries);
    }
    const std::size_t features = m.feature_count();
    const std::size_t rows = m.coef_rows;
    coef_by_feature_.resize(features * rows);
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t f = 0; f < features; ++f) {
            coef_by_feature_[f * rows + r] = m.coef[r * features + f];
        }
    }
    counts_.assign(features, 0.0);
    scores_.assign(rows, 0.0);
    lowered_.reserve(4096);
    tokens_.reserve(256);
    kept_.reserve(256);
    touched_.reserve(1024);
}

bool SentimentPredictor::is_stop_word(std::string_view token) const {
    const std::uint32_t i = stop_words_.find(fnv_hash(token));
    return i != HashIndex::kMissing && model_->stop_words[i] == token;
}

bool SentimentPredictor::term_matches(std::uint32_t feature, std::size_t first,
                                      std::size_t n) const {
    std::string_view term = model_->vocabulary[feature];
    for (std::size_t k = 0; k < n; ++k) {
        const std::string_view token = kept_[first + k];
        if (k > 0) {
            if (term.empty() || term.front() != ' ') return false;
            term.remove_prefix(1);
        }
        if (!term.starts_with(token)) return false;
        term.remove_prefix(token.size());
    }
    return term.empty();
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
            const std::uint32_t entry = ngrams_.find(hash);
            if (entry == HashIndex::kMissing) break;  // no term is or starts with this n-gram
            const std::uint32_t feature = entry & ~kLonger;
            if (n >= min_n && feature != kNoFeature && term_matches(feature, first, n)) {
                if (counts_[feature] == 0.0) touched_.push_back(feature);
                counts_[feature] += 1.0;
            }
            if ((entry & kLonger) == 0) break;
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
        if (m.sublinear_tf) tf = sim::kernel::det_log(tf) + 1.0;
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
        const double p1 = 1.0 / (1.0 + sim::kernel::det_exp(-scores_[0]));
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
        probabilities[r] = sim::kernel::det_exp(scores_[r] - max_score);
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
