// Text analysis shared by training and inference, following scikit-learn's TfidfVectorizer
// defaults (sklearn/feature_extraction/text.py, `_word_ngrams` and `build_analyzer`):
//   1. lowercase the document (Python's str.lower());
//   2. tokens are the matches of `(?u)\b\w\w+\b`: maximal runs of two or more Unicode word
//      characters (letters, digits, underscore);
//   3. stop words are dropped from the token list before n-grams are formed;
//   4. n-grams of n tokens are the tokens joined by one space, for n in [min_n, max_n], all
//      unigrams first, then all bigrams, and so on, each in document order.
//
// Unicode coverage: ASCII exactly as Python; beyond ASCII, word characters are every code point
// except the punctuation, symbol, space, combining-mark and emoji blocks listed in text.cpp, and
// lowercasing covers Latin-1, Latin Extended-A, Greek and Cyrillic. Documented in docs/model.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace components::model {

// A token as a byte range of the lowercased text.
struct TokenSpan {
    std::uint32_t begin = 0;
    std::uint32_t length = 0;
};

// Lowercases `text` into `lowered` and writes the token spans of `lowered` into `tokens`.
// Both buffers are cleared first and keep their capacity, so a caller that reuses them
// allocates nothing once they are large enough.
void tokenize(std::string_view text, std::string& lowered, std::vector<TokenSpan>& tokens);

// 64-bit FNV-1a, the hash of n-grams: continuing a hash over more bytes equals hashing the
// concatenation, so an n-gram's hash is built from its tokens and single spaces without ever
// materialising the joined string.
inline constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
inline constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;
inline std::uint64_t fnv_continue(std::uint64_t hash, std::string_view bytes) {
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= kFnvPrime;
    }
    return hash;
}
inline std::uint64_t fnv_hash(std::string_view bytes) {
    return fnv_continue(kFnvOffset, bytes);
}

}  // namespace components::model
