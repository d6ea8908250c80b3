#include "components/model/text.hpp"

namespace components::model {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes one UTF-8 code point at text[i], advancing i; malformed bytes give U+FFFD (not a
// word character) and advance by one byte.
char32_t decode(std::string_view text, std::size_t& i) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    int extra = 0;
    char32_t cp = 0;
    if ((b0 & 0xE0) == 0xC0) {
        extra = 1;
        cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
        extra = 2;
        cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
        extra = 3;
        cp = b0 & 0x07;
    } else {
        ++i;
        return kReplacement;
    }
    if (i + static_cast<std::size_t>(extra) >= text.size()) {
        ++i;
        return kReplacement;
    }
    for (int k = 1; k <= extra; ++k) {
        const auto b = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
        if ((b & 0xC0) != 0x80) {
            ++i;
            return kReplacement;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    i += static_cast<std::size_t>(extra) + 1;
    return cp;
}

// Writes the UTF-8 bytes of `cp` to `out`; returns how many (1 to 4).
std::size_t encode(char32_t cp, char* out) {
    if (cp < 0x80) {
        out[0] = static_cast<char>(cp);
        return 1;
    }
    if (cp < 0x800) {
        out[0] = static_cast<char>(0xC0 | (cp >> 6));
        out[1] = static_cast<char>(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = static_cast<char>(0xE0 | (cp >> 12));
        out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out[2] = static_cast<char>(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = static_cast<char>(0xF0 | (cp >> 18));
    out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[3] = static_cast<char>(0x80 | (cp & 0x3F));
    return 4;
}

// Simple one-to-one lowercase mappings of Python's str.lower() for the common alphabets.
char32_t to_lower(char32_t cp) {
    if (cp >= 'A' && cp <= 'Z') return cp + 32;
    if (cp < 0xC0) return cp;
    if (cp <= 0xDE) return cp == 0xD7 ? cp : cp + 0x20;  // Latin-1 letters, not U+00D7 ×
    if (cp >= 0x100 && cp <= 0x137) return cp | 1;       // Latin Extended-A pairs (even upper)
    if (cp >= 0x139 && cp <= 0x148) return (cp & 1) ? cp + 1 : cp;
    if (cp >= 0x14A && cp <= 0x177) return cp | 1;
    if (cp == 0x178) return 0xFF;
    if (cp >= 0x179 && cp <= 0x17E) return (cp & 1) ? cp + 1 : cp;
    if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 0x20;  // Greek capitals
    if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;                 // Cyrillic Ѐ..Џ
    if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;                 // Cyrillic А..Я
    return cp;
}

// Python's `\w` for str patterns: alphanumeric (str.isalnum()) or underscore.
bool is_word(char32_t cp) {
    if (cp < 0x80) {
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
               cp == '_';
    }
    if (cp < 0xC0) {
        // Latin-1 punctuation and symbols, except ª ² ³ µ ¹ º ¼ ½ ¾.
        return cp == 0xAA || cp == 0xB2 || cp == 0xB3 || cp == 0xB5 || cp == 0xB9 || cp == 0xBA ||
               (cp >= 0xBC && cp <= 0xBE);
    }
    if (cp == 0xD7 || cp == 0xF7) return false;    // × ÷
    if (cp >= 0x2C2 && cp <= 0x2C5) return false;  // modifier symbols
    if (cp >= 0x2D2 && cp <= 0x2DF) return false;
    if (cp >= 0x300 && cp <= 0x36F) return false;    // combining marks
    if (cp >= 0x2000 && cp <= 0x206F) return false;  // general punctuation, spaces
    if (cp >= 0x20A0 && cp <= 0x20FF) return false;  // currency, combining symbols
    if (cp >= 0x2100 && cp <= 0x214F) return false;  // letterlike symbols (approx.)
    if (cp >= 0x2190 && cp <= 0x2BFF) return false;  // arrows, maths, boxes, dingbats
    if (cp >= 0x2E00 && cp <= 0x2E7F) return false;  // supplemental punctuation
    if (cp >= 0x3000 && cp <= 0x3004) return false;  // CJK space and punctuation
    if (cp >= 0x3008 && cp <= 0x3020) return false;
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // surrogates (invalid)
    if (cp >= 0xFE00 && cp <= 0xFE0F) return false;  // variation selectors
    if (cp >= 0xFE30 && cp <= 0xFE6F) return false;  // CJK compatibility punctuation
    if (cp >= 0xFF00 && cp <= 0xFF0F) return false;  // fullwidth punctuation
    if (cp >= 0xFF1A && cp <= 0xFF20) return false;
    if (cp >= 0xFF3B && cp <= 0xFF40) return false;
    if (cp >= 0xFF5B && cp <= 0xFF65) return false;
    if (cp >= 0xFFF0 && cp <= 0xFFFF) return false;    // specials, U+FFFD
    if (cp >= 0x1F000 && cp <= 0x1FAFF) return false;  // emoji and pictographs
    if (cp >= 0xE0000) return false;                   // tags, private use
    return true;
}

}  // namespace

namespace {

// Word-character flags and lowercase bytes of ASCII, the fast path.
struct AsciiTable {
    bool word[128];
    char lower[128];
    AsciiTable() {
        for (int c = 0; c < 128; ++c) {
            word[c] = is_word(static_cast<char32_t>(c));
            lower[c] = static_cast<char>(to_lower(static_cast<char32_t>(c)));
        }
    }
};

}  // namespace

void tokenize(std::string_view text, std::string& lowered, std::vector<TokenSpan>& tokens) {
    static const AsciiTable ascii;
    tokens.clear();
    // Lowercasing keeps each code point's UTF-8 length, except a malformed byte that becomes
    // U+FFFD (3 bytes), so 3x the input always suffices: no reallocation inside the loop
    // (and none at all once the buffer has grown to the longest text seen).
    lowered.resize(3 * text.size());
    char* out = lowered.data();
    std::size_t size = 0;
    std::size_t i = 0;
    std::size_t run_begin = 0;
    std::size_t run_chars = 0;
    while (i < text.size()) {
        const auto byte = static_cast<unsigned char>(text[i]);
        char bytes[4];
        std::size_t n = 1;
        bool word = false;
        if (byte < 0x80) {
            word = ascii.word[byte];
            bytes[0] = ascii.lower[byte];
            ++i;
        } else {
            const char32_t cp = to_lower(decode(text, i));
            word = is_word(cp);
            n = encode(cp, bytes);
        }
        if (word) {
            if (run_chars == 0) run_begin = size;
            ++run_chars;
        } else {
            if (run_chars >= 2) {
                tokens.push_back({static_cast<std::uint32_t>(run_begin),
                                  static_cast<std::uint32_t>(size - run_begin)});
            }
            run_chars = 0;
        }
        for (std::size_t k = 0; k < n; ++k)
            out[size++] = bytes[k];
    }
    if (run_chars >= 2) {
        tokens.push_back(
            {static_cast<std::uint32_t>(run_begin), static_cast<std::uint32_t>(size - run_begin)});
    }
    lowered.resize(size);
}

}  // namespace components::model
