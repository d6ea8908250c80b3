#include "sim/scenario/glob.hpp"

#include <cstddef>

namespace sim::scenario {

std::optional<std::string> glob_syntax_error(std::string_view pattern) {
    if (pattern.empty()) return "empty pattern";
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\') {
            if (i + 1 == pattern.size()) return "pattern ends with an unfinished escape '\\'";
            ++i;
            continue;
        }
        if (c == '[' || c == ']') {
            return "character classes are not supported: '" + std::string(1, c) + "' at position " +
                   std::to_string(i + 1) + " (write \\" + std::string(1, c) +
                   " for the character itself)";
        }
    }
    return std::nullopt;
}

bool glob_match(std::string_view pattern, std::string_view text) {
    if (glob_syntax_error(pattern)) return false;
    // Iterative matching with one backtrack point (the last `*`): linear in practice and never
    // exponential, unlike naive recursion.
    std::size_t p = 0;
    std::size_t t = 0;
    std::size_t star_p = std::string_view::npos;
    std::size_t star_t = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star_p = p++;
            star_t = t;
            continue;
        }
        if (p < pattern.size()) {
            const bool escaped = pattern[p] == '\\';
            const char want = escaped ? pattern[p + 1] : pattern[p];
            if ((!escaped && want == '?') || want == text[t]) {
                p += escaped ? 2 : 1;
                ++t;
                continue;
            }
        }
        if (star_p == std::string_view::npos) return false;
        p = star_p + 1;
        t = ++star_t;
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

}  // namespace sim::scenario
