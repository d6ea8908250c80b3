#include "sim/scenario/field_names.hpp"

#include <algorithm>
#include <cctype>

namespace sim::scenario {
namespace {

bool is_simple_key(std::string_view key) {
    return !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 || c == '_' || c == '-';
    });
}

}  // namespace

std::string in_quotes(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + "\"";
}

std::string child_field(const std::string& path, std::string_view key) {
    if (!is_simple_key(key)) return path + "[" + in_quotes(key) + "]";
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string item_field(const std::string& path, std::size_t index) {
    return path + "[" + std::to_string(index) + "]";
}

}  // namespace sim::scenario
