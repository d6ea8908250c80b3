// How messages name a field: "spec.traffic[0].rate", and `metadata.annotations["a.b/c"]` for
// keys that are not plain words.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sim::scenario {

// `s` in double quotes, with `"`, `\` and newlines escaped.
std::string in_quotes(std::string_view s);
// "spec" + "traffic" -> "spec.traffic"; a key with other characters -> `spec["a.b"]`.
std::string child_field(const std::string& path, std::string_view key);
// "spec.traffic" + 0 -> "spec.traffic[0]".
std::string item_field(const std::string& path, std::size_t index);

}  // namespace sim::scenario
