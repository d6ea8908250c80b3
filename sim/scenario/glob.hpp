// Glob patterns on image references, as in `images:` keys and fault `image:` fields:
// `*` matches any run of characters (also `/` and `:`), `?` exactly one character, `\` escapes
// the next character; `[` and `]` are reserved (character classes are not supported) and must be
// escaped; everything else matches itself.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sim::scenario {

// Checks a pattern's syntax: nullopt when valid, else what is wrong (empty pattern, trailing
// backslash, unescaped `[` or `]`).
std::optional<std::string> glob_syntax_error(std::string_view pattern);

// True when `text` matches the whole `pattern`. Invalid patterns match nothing.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace sim::scenario
