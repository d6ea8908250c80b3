// Labelled review CSV files: header `text,sentiment`, the format of the reference project's
// data/raw/sentiment_data.csv (pandas `to_csv(index=False)`, i.e. Python csv QUOTE_MINIMAL).
#pragma once

#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace components::model {

struct LabelledText {
    std::string text;
    std::string label;
};

// Thrown for a malformed CSV; what() names the file and line.
class CsvError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Reads a CSV whose header has columns `text` and `sentiment` (others are ignored). Quoted
// fields may hold commas, doubled quotes and newlines. `source` names the file in errors.
std::vector<LabelledText> read_labelled_csv(std::istream& in, std::string_view source);
std::vector<LabelledText> read_labelled_csv_file(const std::string& path);

// Writes header `text,sentiment` and one row per item, quoting like Python's csv module
// (QUOTE_MINIMAL: only fields holding a comma, a quote or a line break; quotes doubled).
void write_labelled_csv(std::ostream& out, const std::vector<LabelledText>& rows);

}  // namespace components::model
