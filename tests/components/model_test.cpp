#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <memory>

#include "components/model/lbfgs.hpp"
#include "components/model/model.hpp"
#include "components/model/predictor.hpp"
#include "components/model/reviews.hpp"
#include "components/model/stop_words.hpp"
#include "components/model/train.hpp"
#include "sim/kernel/json.hpp"

using namespace components::model;
using json = sim::Json;

namespace {

// Three classes, features "bad", "good", "good product"; stop word "the".
json tiny_model_json() {
    return {{"format", "seldon-sim/sentiment-tfidf-logreg"},
            {"format_version", 1},
            {"classes", {"negative", "neutral", "positive"}},
            {"vectorizer",
             {{"lowercase", true},
              {"token_pattern", R"((?u)\b\w\w+\b)"},
              {"ngram_range", {1, 2}},
              {"norm", "l2"},
              {"use_idf", true},
              {"sublinear_tf", false},
              {"stop_words", {"the"}},
              {"vocabulary", {"bad", "good", "good product"}},
              {"idf", {1.5, 1.2, 2.0}}}},
            {"classifier",
             {{"coef", {{2.0, -1.0, -1.0}, {0.0, 0.5, 0.0}, {-2.0, 1.0, 1.5}}},
              {"intercept", {0.1, 0.2, -0.3}}}},
            {"hyperparameters", json::object()},
            {"training", json::object()}};
}

SentimentModel tiny_model() {
    return parse_model_json(tiny_model_json().dump(), "tiny.json");
}

std::vector<double> softmax(std::vector<double> z) {
    const double m = std::max({z[0], z[1], z[2]});
    double s = 0;
    for (double& v : z)
        s += (v = std::exp(v - m));
    for (double& v : z)
        v /= s;
    return z;
}

}  // namespace

TEST_CASE("predictor: tf-idf, L2 norm, stop words before n-grams, softmax", "[model]") {
    SentimentPredictor predictor(std::make_shared<const SentimentModel>(tiny_model()));
    std::vector<double> p(3);
    // "the" is a stop word, so "good the product" still forms the bigram "good product".
    const std::size_t label = predictor.predict_proba("GOOD the product, good!", p);
    // counts: good 2, good product 1 -> weights 2.4, 2.0; norm sqrt(2.4^2 + 2^2)
    const double norm = std::sqrt(2.4 * 2.4 + 2.0 * 2.0);
    const double good = 2.4 / norm, good_product = 2.0 / norm;
    const auto expected =
        softmax({-good - good_product + 0.1, 0.5 * good + 0.2, good + 1.5 * good_product - 0.3});
    CHECK(label == 2);
    for (int i = 0; i < 3; ++i)
        CHECK(p[i] == Approx(expected[i]).epsilon(1e-14));
    // Out-of-vocabulary text: intercepts only.
    predictor.predict_proba("weather moderate", p);
    const auto intercepts = softmax({0.1, 0.2, -0.3});
    for (int i = 0; i < 3; ++i)
        CHECK(p[i] == Approx(intercepts[i]).epsilon(1e-14));
    // Buffers are reused: the same text gives bit-identical answers in any order.
    std::vector<double> again(3);
    predictor.predict_proba("bad bad good", p);
    predictor.predict_proba("good product", again);
    predictor.predict_proba("bad bad good", again);
    CHECK(p == again);
}

TEST_CASE("an n-gram whose hash matches but bytes differ is not a feature", "[model]") {
    // "good product" is in the vocabulary; "goodproduct" and "good  product" are not terms.
    SentimentPredictor predictor(std::make_shared<const SentimentModel>(tiny_model()));
    std::vector<double> a(3), b(3);
    predictor.predict_proba("good", a);
    predictor.predict_proba("good goodproduct", b);
    CHECK(a == b);
}

TEST_CASE("n-grams whose prefixes are not features are still found", "[model]") {
    // "very good product" is a feature but neither "very" nor "very good" is: the lookup must
    // walk through prefix-only entries (a bug once made those look like empty slots).
    json j = tiny_model_json();
    j["vectorizer"]["ngram_range"] = {1, 3};
    j["vectorizer"]["vocabulary"] = {"bad", "good", "very good product"};
    SentimentPredictor predictor(
        std::make_shared<const SentimentModel>(parse_model_json(j.dump(), "m.json")));
    std::vector<double> with(3), without(3);
    predictor.predict_proba("very good product", with);
    predictor.predict_proba("good", without);
    // "very good product" holds features good (1.2) and "very good product" (2.0).
    const double norm = std::sqrt(1.2 * 1.2 + 2.0 * 2.0);
    const auto expected = softmax({-1.2 / norm - 2.0 / norm + 0.1, 0.5 * 1.2 / norm + 0.2,
                                   1.2 / norm + 1.5 * 2.0 / norm - 0.3});
    for (int i = 0; i < 3; ++i)
        CHECK(with[i] == Approx(expected[i]).epsilon(1e-14));
    CHECK(with != without);
}

TEST_CASE("model JSON round-trips exactly", "[model]") {
    const SentimentModel model = tiny_model();
    const SentimentModel back = parse_model_json(model_to_json(model), "again.json");
    CHECK(back.vocabulary == model.vocabulary);
    CHECK(back.idf == model.idf);
    CHECK(back.coef == model.coef);
    CHECK(back.intercept == model.intercept);
    CHECK(back.stop_words == model.stop_words);
    CHECK(back.ngram_max == 2);
}

TEST_CASE("bad model files are rejected with the field named", "[model]") {
    auto rejects = [](json j, const std::string& needle) {
        CHECK_THROWS_WITH(parse_model_json(j.dump(), "m.json"),
                          Catch::Contains("m.json") && Catch::Contains(needle));
    };
    json j = tiny_model_json();
    j["vectorizer"].erase("idf");
    rejects(j, "missing key `idf`");
    j = tiny_model_json();
    j["classifier"]["coef"][1] = {0.0, 0.5};
    rejects(j, "classifier.coef[1]");
    j = tiny_model_json();
    j["vectorizer"]["idf"] = {1.0, 2.0};
    rejects(j, "vectorizer.idf");
    j = tiny_model_json();
    j["classifier"]["intercept"] = {0.1, 0.2};
    rejects(j, "classifier.intercept");
    j = tiny_model_json();
    j["classes"] = {"a", "a", "b"};
    rejects(j, "duplicate");
    j = tiny_model_json();
    j["vectorizer"]["vocabulary"][2] = 7;
    rejects(j, "vectorizer.vocabulary[2]");
    j = tiny_model_json();
    j["format"] = "pickle";
    rejects(j, "format");
    j = tiny_model_json();
    j["vectorizer"]["token_pattern"] = "\\w+";
    rejects(j, "token_pattern");
    // Non-finite numbers: JSON has no NaN; 1e999 overflows a double and is refused.
    std::string text = tiny_model_json().dump();
    text.replace(text.find("0.1"), 3, "1e999");
    CHECK_THROWS_WITH(parse_model_json(text, "m.json"),
                      Catch::Contains("m.json") && Catch::Contains("finite"));
    SentimentModel infinite = tiny_model();
    infinite.coef[4] = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH(validate(infinite, "m.json"),
                      Catch::Contains("classifier.coef[1][1]") && Catch::Contains("finite"));
    CHECK_THROWS_WITH(parse_model_json("{\n  \"format\": ,\n}", "m.json"),
                      Catch::Contains("m.json:2:") && Catch::Contains("not valid JSON"));
    CHECK_THROWS_WITH(load_model_file("/nonexistent/model.json"), Catch::Contains("cannot open"));
}

TEST_CASE("L-BFGS minimises a badly scaled quadratic to tolerance", "[model]") {
    const Objective f = [](const Eigen::VectorXd& x, Eigen::VectorXd& g) {
        double value = 0;
        for (Eigen::Index i = 0; i < x.size(); ++i) {
            const double scale = std::pow(10.0, static_cast<double>(i % 4));
            const double d = x[i] - static_cast<double>(i);
            value += 0.5 * scale * d * d;
            g[i] = scale * d;
        }
        return value;
    };
    LbfgsOptions options;
    options.gradient_tolerance = 1e-10;
    options.relative_decrease_tolerance = 0;
    const LbfgsResult r = minimise_lbfgs(f, Eigen::VectorXd::Zero(20), options);
    CHECK(r.converged);
    CHECK(r.gradient_max_abs <= 1e-10);
    for (Eigen::Index i = 0; i < 20; ++i)
        CHECK(r.x[i] == Approx(static_cast<double>(i)).margin(1e-9));
}

TEST_CASE("training is deterministic and learns the generated reviews", "[model][train]") {
    TrainingOptions options;
    options.stop_words = english_stop_words();
    options.ngram_max = 2;
    const auto rows = generate_reviews(300, 5);
    const TrainingResult a = train_sentiment_model(rows, options);
    const TrainingResult b = train_sentiment_model(rows, options);
    CHECK(a.model.coef == b.model.coef);
    CHECK(a.model.intercept == b.model.intercept);
    CHECK(a.converged);
    CHECK(a.train_rows == 240);
    CHECK(a.test_rows == 60);
    CHECK(a.evaluation.accuracy >= 0.9);
    // Stratified: 20 of each class held out.
    for (const ClassScores& s : a.evaluation.per_class)
        CHECK(s.support == 20);
    // Optimality: gradient of the objective at the solution is tiny, and intercepts sum to 0
    // (the unpenalised intercepts are only defined up to a shift; L-BFGS from 0 keeps sum 0).
    CHECK(a.gradient_max_abs < 1e-5);
    CHECK(std::abs(a.model.intercept[0] + a.model.intercept[1] + a.model.intercept[2]) < 1e-9);
}

TEST_CASE("training rejects unusable input", "[model][train]") {
    TrainingOptions options;
    options.stop_words = english_stop_words();
    std::vector<LabelledText> two_classes{{"good", "positive"}, {"bad", "negative"}};
    CHECK_THROWS_WITH(train_sentiment_model(two_classes, options), Catch::Contains("3 classes"));
    std::vector<LabelledText> stop_only{{"the", "a"}, {"and", "b"}, {"of", "c"}};
    options.test_size = 0;
    CHECK_THROWS_WITH(train_sentiment_model(stop_only, options),
                      Catch::Contains("empty vocabulary"));
}

TEST_CASE("the shipped models load and answer like the reference model", "[model]") {
    for (const char* name : {"sentiment-v1.json", "sentiment-v2.json"}) {
        auto model = std::make_shared<const SentimentModel>(
            load_model_file(std::string(SIM_SOURCE_DIR "/fixtures/models/") + name));
        SentimentPredictor predictor(model);
        CHECK(model->classes == std::vector<std::string>{"negative", "neutral", "positive"});
        CHECK(model->classes[predictor.predict("This is absolutely amazing!")] == "positive");
        CHECK(model->classes[predictor.predict("This is terrible and awful.")] == "negative");
        CHECK(model->classes[predictor.predict("It works fine")] == "neutral");
    }
}
