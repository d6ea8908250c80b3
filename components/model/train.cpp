#include "components/model/train.hpp"

#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <span>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "components/model/lbfgs.hpp"
#include "components/model/predictor.hpp"
#include "components/model/text.hpp"
#include "sim/kernel/det_math.hpp"
#include "sim/kernel/json.hpp"
#include "sim/kernel/random.hpp"

namespace components::model {
namespace {

using SparseRows = Eigen::SparseMatrix<double, Eigen::RowMajor>;

// ---- numpy's argsort(kind="quicksort") on int64 keys -------------------------------------
// scikit-learn's CountVectorizer._limit_features keeps `(-tfs).argsort()[:max_features]`, an
// unstable sort, so which of several equally frequent terms survive at the cut depends on
// numpy's introsort (numpy/core/src/npysort/quicksort.cpp, aquicksort_ and aheapsort_ in
// numpy 1.24): median-of-three quicksort, insertion sort below 16 elements, heapsort when the
// depth limit 2*floor(log2 n) is exhausted. Reproduced here step for step.

constexpr std::ptrdiff_t kSmallQuicksort = 15;

void numpy_aheapsort(const std::int64_t* v, std::size_t* tosort, std::ptrdiff_t n) {
    std::size_t* a = tosort - 1;  // 1-based heap indexing, as numpy does
    std::ptrdiff_t i, j, l;
    std::size_t tmp;
    for (l = n >> 1; l > 0; --l) {
        tmp = a[l];
        for (i = l, j = l << 1; j <= n;) {
            if (j < n && v[a[j]] < v[a[j + 1]]) j += 1;
            if (v[tmp] < v[a[j]]) {
                a[i] = a[j];
                i = j;
                j += j;
            } else {
                break;
            }
        }
        a[i] = tmp;
    }
    for (; n > 1;) {
        tmp = a[n];
        a[n] = a[1];
        n -= 1;
        for (i = 1, j = 2; j <= n;) {
            if (j < n && v[a[j]] < v[a[j + 1]]) j++;
            if (v[tmp] < v[a[j]]) {
                a[i] = a[j];
                i = j;
                j += j;
            } else {
                break;
            }
        }
        a[i] = tmp;
    }
}

int most_significant_bit(std::size_t n) {
    int depth = 0;
    while (n > 1) {
        n >>= 1;
        ++depth;
    }
    return depth;
}

std::vector<std::size_t> numpy_argsort(std::span<const std::int64_t> values) {
    const std::size_t num = values.size();
    std::vector<std::size_t> order(num);
    std::iota(order.begin(), order.end(), std::size_t{0});
    if (num < 2) return order;
    const std::int64_t* v = values.data();
    std::size_t* pl = order.data();
    std::size_t* pr = order.data() + num - 1;
    std::vector<std::size_t*> stack;
    std::vector<int> depths;
    int cdepth = most_significant_bit(num) * 2;
    for (;;) {
        if (cdepth < 0) {
            numpy_aheapsort(v, pl, pr - pl + 1);
        } else {
            while ((pr - pl) > kSmallQuicksort) {
                std::size_t* pm = pl + ((pr - pl) >> 1);
                if (v[*pm] < v[*pl]) std::swap(*pm, *pl);
                if (v[*pr] < v[*pm]) std::swap(*pr, *pm);
                if (v[*pm] < v[*pl]) std::swap(*pm, *pl);
                const std::int64_t vp = v[*pm];
                std::size_t* pi = pl;
                std::size_t* pj = pr - 1;
                std::swap(*pm, *pj);
                for (;;) {
                    do {
                        ++pi;
                    } while (v[*pi] < vp);
                    do {
                        --pj;
                    } while (vp < v[*pj]);
                    if (pi >= pj) break;
                    std::swap(*pi, *pj);
                }
                std::size_t* pk = pr - 1;
                std::swap(*pi, *pk);
                // Push the larger partition, continue with the smaller.
                if (pi - pl < pr - pi) {
                    stack.push_back(pi + 1);
                    stack.push_back(pr);
                    pr = pi - 1;
                } else {
                    stack.push_back(pl);
                    stack.push_back(pi - 1);
                    pl = pi + 1;
                }
                depths.push_back(--cdepth);
            }
            for (std::size_t* pi = pl + 1; pi <= pr; ++pi) {  // insertion sort
                const std::size_t vi = *pi;
                const std::int64_t vp = v[vi];
                std::size_t* pj = pi;
                std::size_t* pk = pi - 1;
                while (pj > pl && vp < v[*pk])
                    *pj-- = *pk--;
                *pj = vi;
            }
        }
        if (stack.empty()) break;
        pr = stack.back();
        stack.pop_back();
        pl = stack.back();
        stack.pop_back();
        cdepth = depths.back();
        depths.pop_back();
    }
    return order;
}

// ---- text analysis for training -----------------------------------------------------------

std::vector<std::string> analyze(std::string_view text, int min_n, int max_n,
                                 const std::unordered_set<std::string>& stop_words) {
    std::string lowered;
    std::vector<TokenSpan> spans;
    tokenize(text, lowered, spans);
    std::vector<std::string> tokens;
    for (const TokenSpan& s : spans) {
        std::string token = lowered.substr(s.begin, s.length);
        if (!stop_words.contains(token)) tokens.push_back(std::move(token));
    }
    std::vector<std::string> grams;
    const auto n_tokens = static_cast<int>(tokens.size());
    for (int n = min_n; n <= std::min(max_n, n_tokens); ++n) {
        for (int i = 0; i + n <= n_tokens; ++i) {
            std::string gram = tokens[static_cast<std::size_t>(i)];
            for (int k = 1; k < n; ++k) {
                gram += ' ';
                gram += tokens[static_cast<std::size_t>(i + k)];
            }
            grams.push_back(std::move(gram));
        }
    }
    return grams;
}

struct FittedFeatures {
    std::vector<std::string> vocabulary;  // sorted
    std::vector<double> idf;
    SparseRows x;  // tf-idf, L2-normalised rows
};

FittedFeatures fit_tfidf(const std::vector<std::string_view>& docs, const TrainingOptions& options,
                         bool sublinear_tf) {
    const std::unordered_set<std::string> stop_words(options.stop_words.begin(),
                                                     options.stop_words.end());
    // Term ids by first appearance; per-document (term id, count) lists.
    std::unordered_map<std::string, std::uint32_t> ids;
    std::vector<std::string> terms;
    std::vector<std::vector<std::pair<std::uint32_t, std::int64_t>>> doc_counts(docs.size());
    for (std::size_t d = 0; d < docs.size(); ++d) {
        std::map<std::uint32_t, std::int64_t> counts;
        for (std::string& gram :
             analyze(docs[d], options.ngram_min, options.ngram_max, stop_words)) {
            auto [it, inserted] = ids.try_emplace(gram, static_cast<std::uint32_t>(terms.size()));
            if (inserted) terms.push_back(std::move(gram));
            ++counts[it->second];
        }
        doc_counts[d].assign(counts.begin(), counts.end());
    }
    if (terms.empty()) {
        throw TrainingError("empty vocabulary: the documents hold only stop words or no tokens");
    }
    // Sorted term order (Python sorts str by code point; UTF-8 byte order is the same).
    std::vector<std::uint32_t> by_term(terms.size());
    std::iota(by_term.begin(), by_term.end(), 0U);
    std::sort(by_term.begin(), by_term.end(),
              [&](std::uint32_t a, std::uint32_t b) { return terms[a] < terms[b]; });
    std::vector<std::int64_t> negative_tf(terms.size(), 0);  // indexed by sorted position
    std::vector<std::uint32_t> sorted_position(terms.size());
    for (std::size_t p = 0; p < by_term.size(); ++p)
        sorted_position[by_term[p]] = static_cast<std::uint32_t>(p);
    for (const auto& counts : doc_counts) {
        for (const auto& [id, count] : counts)
            negative_tf[sorted_position[id]] -= count;
    }
    // Keep the max_features most frequent (scikit-learn's unstable tie rule, see above).
    std::vector<bool> keep(terms.size(), true);
    if (options.max_features > 0 && terms.size() > options.max_features) {
        keep.assign(terms.size(), false);
        const std::vector<std::size_t> order = numpy_argsort(negative_tf);
        for (std::size_t i = 0; i < options.max_features; ++i)
            keep[order[i]] = true;
    }
    FittedFeatures fitted;
    std::vector<std::int64_t> feature_of_position(terms.size(), -1);
    for (std::size_t p = 0; p < terms.size(); ++p) {
        if (!keep[p]) continue;
        feature_of_position[p] = static_cast<std::int64_t>(fitted.vocabulary.size());
        fitted.vocabulary.push_back(terms[by_term[p]]);
    }
    const std::size_t features = fitted.vocabulary.size();
    std::vector<std::int64_t> df(features, 0);
    std::vector<std::vector<std::pair<std::uint32_t, double>>> rows(docs.size());
    for (std::size_t d = 0; d < docs.size(); ++d) {
        for (const auto& [id, count] : doc_counts[d]) {
            const std::int64_t f = feature_of_position[sorted_position[id]];
            if (f < 0) continue;
            ++df[static_cast<std::size_t>(f)];
            rows[d].emplace_back(static_cast<std::uint32_t>(f), static_cast<double>(count));
        }
        std::sort(rows[d].begin(), rows[d].end());
    }
    // Smooth idf (TfidfTransformer, smooth_idf=True): ln((1 + n) / (1 + df)) + 1.
    const double n_docs = static_cast<double>(docs.size());
    fitted.idf.resize(features);
    for (std::size_t f = 0; f < features; ++f) {
        fitted.idf[f] =
            sim::kernel::det_log((1.0 + n_docs) / (1.0 + static_cast<double>(df[f]))) + 1.0;
    }
    std::vector<Eigen::Triplet<double>> triplets;
    for (std::size_t d = 0; d < docs.size(); ++d) {
        double sum_squares = 0.0;
        for (auto& [f, value] : rows[d]) {
            if (sublinear_tf) value = sim::kernel::det_log(value) + 1.0;
            value *= fitted.idf[f];
            sum_squares += value * value;
        }
        const double norm = std::sqrt(sum_squares);
        for (const auto& [f, value] : rows[d]) {
            triplets.emplace_back(static_cast<int>(d), static_cast<int>(f), value / norm);
        }
    }
    fitted.x.resize(static_cast<Eigen::Index>(docs.size()), static_cast<Eigen::Index>(features));
    fitted.x.setFromTriplets(triplets.begin(), triplets.end());
    fitted.x.makeCompressed();
    return fitted;
}

// ---- multinomial logistic regression ------------------------------------------------------
// scikit-learn 1.2's lbfgs objective (linear_model/_logistic.py with LinearModelLoss and
// HalfMultinomialLoss): sum_i [logsumexp(z_i) - z_i[y_i]] + 1 / (2 C) * ||W||_F^2, with
// z_i = W x_i + b and the intercepts b not penalised. Parameters: W row-major (K x F), then b.

struct Fit {
    Eigen::MatrixXd coef;  // K x F
    Eigen::VectorXd intercept;
    LbfgsResult lbfgs;
};

Fit fit_logistic_regression(const SparseRows& x, const std::vector<std::size_t>& labels,
                            std::size_t classes, double C, int max_iter) {
    const Eigen::Index n = x.rows();
    const Eigen::Index features = x.cols();
    const auto k = static_cast<Eigen::Index>(classes);
    using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    RowMatrix z(n, k);
    RowMatrix residual(n, k);
    const Objective objective = [&](const Eigen::VectorXd& theta, Eigen::VectorXd& gradient) {
        const Eigen::Map<const RowMatrix> w(theta.data(), k, features);
        const Eigen::Map<const Eigen::VectorXd> b(theta.data() + k * features, k);
        z.noalias() = x * w.transpose();
        double loss = 0.0;
        for (Eigen::Index i = 0; i < n; ++i) {
            z.row(i) += b.transpose();
            const double max_z = z.row(i).maxCoeff();
            double sum = 0.0;
            for (Eigen::Index c = 0; c < k; ++c)
                sum += sim::kernel::det_exp(z(i, c) - max_z);
            const double lse = max_z + sim::kernel::det_log(sum);
            const auto y = static_cast<Eigen::Index>(labels[static_cast<std::size_t>(i)]);
            loss += lse - z(i, y);
            for (Eigen::Index c = 0; c < k; ++c)
                residual(i, c) = sim::kernel::det_exp(z(i, c) - lse);
            residual(i, y) -= 1.0;
        }
        loss += 0.5 / C * w.squaredNorm();
        Eigen::Map<RowMatrix> gw(gradient.data(), k, features);
        gw.noalias() = (x.transpose() * residual).transpose();
        gw += w / C;
        Eigen::Map<Eigen::VectorXd> gb(gradient.data() + k * features, k);
        gb = residual.colwise().sum().transpose();
        return loss;
    };
    LbfgsOptions options;
    options.max_iterations = max_iter;
    // The objective is a sum over rows, so its rounding noise grows with n: ask for 1e-10 per
    // row (8e-8 for 800 rows), capped far below scikit-learn's gtol=1e-4 on the same objective,
    // which is also what a run stalled by rounding must reach to count as converged.
    options.gradient_tolerance = std::min(1e-10 * static_cast<double>(n), 1e-6);
    options.acceptable_gradient = 1e-4;
    Fit fit;
    fit.lbfgs = minimise_lbfgs(objective, Eigen::VectorXd::Zero(k * features + k), options);
    fit.coef = Eigen::Map<const RowMatrix>(fit.lbfgs.x.data(), k, features);
    fit.intercept = fit.lbfgs.x.tail(k);
    return fit;
}

// ---- stratified split ---------------------------------------------------------------------
// Like StratifiedShuffleSplit: n_test = ceil(test_size * n); each class gets its share of the
// test rows (largest remainder, ties to the earlier class), drawn after shuffling the class's
// rows with the named stream "train-test-split". Not numpy's RNG: the rows chosen differ from
// scikit-learn's, the proportions do not.

struct Split {
    std::vector<std::size_t> train;
    std::vector<std::size_t> test;
};

Split stratified_split(const std::vector<std::size_t>& labels, std::size_t classes,
                       double test_size, std::uint64_t seed) {
    Split split;
    const std::size_t n = labels.size();
    const auto n_test = static_cast<std::size_t>(std::ceil(test_size * static_cast<double>(n)));
    if (n_test == 0) {
        split.train.resize(n);
        std::iota(split.train.begin(), split.train.end(), std::size_t{0});
        return split;
    }
    std::vector<std::vector<std::size_t>> by_class(classes);
    for (std::size_t i = 0; i < n; ++i)
        by_class[labels[i]].push_back(i);
    std::vector<std::size_t> share(classes);
    std::vector<double> remainder(classes);
    std::size_t allocated = 0;
    for (std::size_t c = 0; c < classes; ++c) {
        const double exact = static_cast<double>(n_test) * static_cast<double>(by_class[c].size()) /
                             static_cast<double>(n);
        share[c] = static_cast<std::size_t>(std::floor(exact));
        remainder[c] = exact - std::floor(exact);
        allocated += share[c];
    }
    while (allocated < n_test) {
        std::size_t best = 0;
        for (std::size_t c = 1; c < classes; ++c) {
            if (remainder[c] > remainder[best]) best = c;
        }
        ++share[best];
        remainder[best] = -1.0;
        ++allocated;
    }
    sim::kernel::Random random = sim::kernel::Random::stream(seed, "train-test-split");
    std::vector<bool> is_test(n, false);
    for (std::size_t c = 0; c < classes; ++c) {
        random.shuffle(std::span<std::size_t>(by_class[c]));
        for (std::size_t i = 0; i < share[c] && i < by_class[c].size(); ++i)
            is_test[by_class[c][i]] = true;
    }
    for (std::size_t i = 0; i < n; ++i)
        (is_test[i] ? split.test : split.train).push_back(i);
    return split;
}

std::string json_number_or_null(double value) {
    return std::isfinite(value) ? sim::Json(value).dump() : "null";
}

}  // namespace

std::vector<std::string> read_stop_words_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw TrainingError(path + ": cannot open stop-word list");
    std::vector<std::string> words;
    std::set<std::string> seen;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        if (seen.insert(line).second) words.push_back(line);
    }
    std::sort(words.begin(), words.end());
    return words;
}

TrainingResult train_sentiment_model(const std::vector<LabelledText>& rows,
                                     const TrainingOptions& options) {
    if (options.ngram_min < 1 || options.ngram_max < options.ngram_min) {
        throw TrainingError("--ngram: expected MIN,MAX with 1 <= MIN <= MAX");
    }
    if (!(options.C > 0.0) || !std::isfinite(options.C)) throw TrainingError("--C: must be > 0");
    if (options.max_iter < 1) throw TrainingError("--max-iter: must be >= 1");
    if (!(options.test_size >= 0.0 && options.test_size < 1.0)) {
        throw TrainingError("--test-size: must be in [0, 1)");
    }
    std::set<std::string> class_set;
    for (const LabelledText& row : rows)
        class_set.insert(row.label);
    const std::vector<std::string> classes(class_set.begin(), class_set.end());
    if (classes.size() < 3) {
        throw TrainingError("training needs at least 3 classes (multinomial); found " +
                            std::to_string(classes.size()));
    }
    std::vector<std::size_t> labels;
    labels.reserve(rows.size());
    for (const LabelledText& row : rows) {
        labels.push_back(static_cast<std::size_t>(
            std::lower_bound(classes.begin(), classes.end(), row.label) - classes.begin()));
    }
    const Split split = stratified_split(labels, classes.size(), options.test_size, options.seed);
    if (split.train.empty()) throw TrainingError("no training rows");

    std::vector<std::string_view> docs;
    std::vector<std::size_t> train_labels;
    for (const std::size_t i : split.train) {
        docs.push_back(rows[i].text);
        train_labels.push_back(labels[i]);
    }
    const FittedFeatures features = fit_tfidf(docs, options, false);
    const Fit fit = fit_logistic_regression(features.x, train_labels, classes.size(), options.C,
                                            options.max_iter);

    TrainingResult result;
    SentimentModel& model = result.model;
    model.classes = classes;
    model.ngram_min = options.ngram_min;
    model.ngram_max = options.ngram_max;
    model.stop_words = options.stop_words;
    model.vocabulary = features.vocabulary;
    model.idf = features.idf;
    model.coef_rows = classes.size();
    model.coef.assign(fit.coef.size(), 0.0);
    for (Eigen::Index r = 0; r < fit.coef.rows(); ++r) {
        for (Eigen::Index c = 0; c < fit.coef.cols(); ++c) {
            model.coef[static_cast<std::size_t>(r * fit.coef.cols() + c)] = fit.coef(r, c);
        }
    }
    model.intercept.assign(fit.intercept.data(), fit.intercept.data() + fit.intercept.size());

    result.train_rows = split.train.size();
    result.test_rows = split.test.size();
    result.iterations = fit.lbfgs.iterations;
    result.converged = fit.lbfgs.converged;
    result.objective = fit.lbfgs.value;
    result.gradient_max_abs = fit.lbfgs.gradient_max_abs;
    result.stop_reason = fit.lbfgs.stop_reason;
    if (!split.test.empty()) {
        std::vector<LabelledText> test_rows;
        for (const std::size_t i : split.test)
            test_rows.push_back(rows[i]);
        result.evaluation = evaluate(model, test_rows);
        result.evaluated = true;
    }

    nlohmann::ordered_json hyper = {
        {"ngram_range", {options.ngram_min, options.ngram_max}},
        {"max_features", options.max_features == 0 ? nlohmann::ordered_json(nullptr)
                                                   : nlohmann::ordered_json(options.max_features)},
        {"stop_words", options.stop_words_name},
        {"C", options.C},
        {"penalty", "l2"},
        {"solver", "lbfgs"},
        {"multi_class", "multinomial"},
        {"max_iter", options.max_iter},
        {"test_size", options.test_size},
        {"seed", options.seed}};
    model.hyperparameters_json = hyper.dump();
    nlohmann::ordered_json training = {
        {"trained_by", "sim-run train"},
        {"data", options.data_source},
        {"data_sha256", options.data_sha256},
        {"rows", rows.size()},
        {"train_rows", result.train_rows},
        {"test_rows", result.test_rows},
        {"features", model.feature_count()},
        {"lbfgs_iterations", result.iterations},
        {"converged", result.converged},
        {"objective", result.objective},
        {"gradient_max_abs", result.gradient_max_abs},
        {"test_accuracy", nlohmann::ordered_json::parse(json_number_or_null(
                              result.evaluated ? result.evaluation.accuracy : NAN))}};
    model.training_json = training.dump();
    validate(model, "trained model");
    return result;
}

Evaluation evaluate(const SentimentModel& model, const std::vector<LabelledText>& rows) {
    SentimentPredictor predictor(std::make_shared<const SentimentModel>(model));
    Evaluation e;
    e.classes = model.classes;
    const std::size_t k = model.classes.size();
    e.confusion.assign(k, std::vector<std::size_t>(k, 0));
    e.rows = rows.size();
    std::size_t correct = 0;
    for (const LabelledText& row : rows) {
        const auto it = std::find(model.classes.begin(), model.classes.end(), row.label);
        if (it == model.classes.end()) {
            throw TrainingError("label \"" + row.label + "\" is not one of the model's classes");
        }
        const auto truth = static_cast<std::size_t>(it - model.classes.begin());
        const std::size_t predicted = predictor.predict(row.text);
        ++e.confusion[truth][predicted];
        if (truth == predicted) ++correct;
    }
    e.accuracy =
        rows.empty() ? 0.0 : static_cast<double>(correct) / static_cast<double>(rows.size());
    e.per_class.resize(k);
    for (std::size_t c = 0; c < k; ++c) {
        std::size_t predicted = 0;
        std::size_t support = 0;
        for (std::size_t o = 0; o < k; ++o) {
            predicted += e.confusion[o][c];
            support += e.confusion[c][o];
        }
        const double tp = static_cast<double>(e.confusion[c][c]);
        ClassScores& s = e.per_class[c];
        s.support = support;
        s.precision = predicted ? tp / static_cast<double>(predicted) : 0.0;
        s.recall = support ? tp / static_cast<double>(support) : 0.0;
        s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall)
                                          : 0.0;
    }
    return e;
}

std::string format_report(const Evaluation& e) {
    // Layout of sklearn.metrics.classification_report with digits=2.
    std::size_t width = std::string_view("weighted avg").size();
    for (const std::string& c : e.classes)
        width = std::max(width, c.size());
    std::ostringstream out;
    char buffer[256];
    const auto w = static_cast<int>(width);
    std::snprintf(buffer, sizeof buffer, "%*s  %9s %9s %9s %9s\n\n", w, "", "precision", "recall",
                  "f1-score", "support");
    out << buffer;
    ClassScores macro;
    ClassScores weighted;
    std::size_t total = 0;
    for (std::size_t c = 0; c < e.classes.size(); ++c) {
        const ClassScores& s = e.per_class[c];
        std::snprintf(buffer, sizeof buffer, "%*s  %9.2f %9.2f %9.2f %9zu\n", w,
                      e.classes[c].c_str(), s.precision, s.recall, s.f1, s.support);
        out << buffer;
        const auto k = static_cast<double>(e.classes.size());
        const auto sup = static_cast<double>(s.support);
        macro.precision += s.precision / k;
        macro.recall += s.recall / k;
        macro.f1 += s.f1 / k;
        weighted.precision += s.precision * sup;
        weighted.recall += s.recall * sup;
        weighted.f1 += s.f1 * sup;
        total += s.support;
    }
    const double t = total ? static_cast<double>(total) : 1.0;
    std::snprintf(buffer, sizeof buffer, "\n%*s  %9s %9s %9.2f %9zu\n", w, "accuracy", "", "",
                  e.accuracy, total);
    out << buffer;
    std::snprintf(buffer, sizeof buffer, "%*s  %9.2f %9.2f %9.2f %9zu\n", w, "macro avg",
                  macro.precision, macro.recall, macro.f1, total);
    out << buffer;
    std::snprintf(buffer, sizeof buffer, "%*s  %9.2f %9.2f %9.2f %9zu\n", w, "weighted avg",
                  weighted.precision / t, weighted.recall / t, weighted.f1 / t, total);
    out << buffer;
    // numpy's print of a 2-D int array: every cell right-aligned to the widest number.
    std::size_t cell = 1;
    for (const auto& row : e.confusion) {
        for (const std::size_t v : row)
            cell = std::max(cell, std::to_string(v).size());
    }
    out << "\nConfusion matrix (rows: true, columns: predicted; order";
    for (const std::string& c : e.classes)
        out << ' ' << c;
    out << "):\n[";
    for (std::size_t r = 0; r < e.confusion.size(); ++r) {
        out << (r ? " [" : "[");
        for (std::size_t c = 0; c < e.confusion[r].size(); ++c) {
            const std::string v = std::to_string(e.confusion[r][c]);
            out << (c ? " " : "") << std::string(cell - v.size(), ' ') << v;
        }
        out << (r + 1 < e.confusion.size() ? "]\n" : "]]\n");
    }
    return out.str();
}

}  // namespace components::model
