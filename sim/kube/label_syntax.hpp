// The syntax of label keys and values (apimachinery/pkg/util/validation/validation.go:
// IsQualifiedName, IsValidLabelValue, IsDNS1123Subdomain), shared by label selectors and
// object validation. ASCII only, as the real regular expressions ([A-Za-z0-9]): no locale and
// no call per character (std::isalnum goes through the locale's table), since every write
// validates its labels.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace sim::kube::label_syntax {

constexpr bool is_ascii_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

constexpr bool is_lower_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// The name part of a qualified name: ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], at most 63.
constexpr bool is_name_part(std::string_view s) {
    if (s.empty() || s.size() > 63 || !is_ascii_alnum(s.front()) || !is_ascii_alnum(s.back()))
        return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return is_ascii_alnum(c) || c == '-' || c == '_' || c == '.';
    });
}

// A lowercase RFC 1123 subdomain (a key's prefix): dot-separated labels
// [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 253 in all.
constexpr bool is_dns1123_subdomain(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = s.find('.', start);
        const std::string_view label =
            s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (label.empty() || !is_lower_alnum(label.front()) || !is_lower_alnum(label.back()))
            return false;
        if (!std::all_of(label.begin(), label.end(),
                         [](char c) { return is_lower_alnum(c) || c == '-'; }))
            return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

// A label key: [prefix/]name.
constexpr bool is_label_key(std::string_view key) {
    const auto slash = key.find('/');
    if (slash == std::string_view::npos) return is_name_part(key);
    return is_dns1123_subdomain(key.substr(0, slash)) && is_name_part(key.substr(slash + 1));
}

// A label value: empty, or a name part.
constexpr bool is_label_value(std::string_view value) {
    return value.empty() || is_name_part(value);
}

}  // namespace sim::kube::label_syntax
