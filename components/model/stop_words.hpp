// scikit-learn's English stop-word list (sklearn/feature_extraction/_stop_words.py, 318 words),
// compiled in from fixtures/data/english-stop-words.txt so `--stop-words english` needs no
// file at run time.
#pragma once

#include <string>
#include <vector>

namespace components::model {

// Sorted, unique.
std::vector<std::string> english_stop_words();

}  // namespace components::model
