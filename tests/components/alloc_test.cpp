// The inference path allocates nothing per request: global operator new is counted while a
// warmed-up predictor answers texts (its own executable, so the replacement stays local).
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>

#include "components/model/model.hpp"
#include "components/model/predictor.hpp"
#include "components/model/reviews.hpp"

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t size) {
    ++allocations;
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}

TEST_CASE("a warm predictor allocates nothing per request", "[model][alloc]") {
    using namespace components::model;
    auto model = std::make_shared<const SentimentModel>(
        load_model_file(SIM_SOURCE_DIR "/fixtures/models/sentiment-v1.json"));
    SentimentPredictor predictor(model);
    const auto reviews = generate_reviews(500, 11);
    std::vector<double> probabilities(predictor.class_count());
    for (const auto& r : reviews)
        predictor.predict_proba(r.text, probabilities);  // warm up
    const long before = allocations.load();
    std::size_t positives = 0;
    for (const auto& r : reviews)
        positives += predictor.predict_proba(r.text, probabilities) == 2;
    CHECK(allocations.load() - before == 0);
    CHECK(positives > 0);
}
