// Synthetic three-class product reviews for training and exercising the sentiment model.
//
// Same shape as the reference project's src/generate_data.py (learn-seldon-core-v1): n // 3
// positive, n // 3 neutral and the rest negative, shuffled, labels `positive`, `neutral`,
// `negative`. The templates and vocabulary are our own: product names, slang, negations (which
// the English stop-word list removes), a few typos and neutral phrasing that borrows words from
// the other classes, so the task is learnable but not trivially separable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "components/model/csv.hpp"

namespace components::model {

// Deterministic by seed: draws only from the named stream "reviews" of `seed`.
std::vector<LabelledText> generate_reviews(std::size_t samples, std::uint64_t seed);

}  // namespace components::model
