#include "components/model/csv.hpp"

#include <fstream>
#include <istream>
#include <ostream>

namespace components::model {
namespace {

// One CSV record split into fields; returns false at end of input.
bool read_record(std::istream& in, std::vector<std::string>& fields, std::size_t& line,
                 std::string_view source) {
    fields.clear();
    int c = in.get();
    if (c == EOF) return false;
    const std::size_t start_line = line;
    std::string field;
    bool quoted = false;
    bool field_started_quoted = false;
    while (true) {
        if (quoted) {
            if (c == EOF) {
                throw CsvError(std::string(source) + ":" + std::to_string(start_line) +
                               ": unterminated quoted field");
            }
            if (c == '"') {
                if (in.peek() == '"') {
                    in.get();
                    field.push_back('"');
                } else {
                    quoted = false;
                }
            } else {
                if (c == '\n') ++line;
                field.push_back(static_cast<char>(c));
            }
        } else if (c == ',') {
            fields.push_back(std::move(field));
            field.clear();
            field_started_quoted = false;
        } else if (c == '\n' || c == EOF) {
            fields.push_back(std::move(field));
            ++line;
            return true;
        } else if (c == '\r' && in.peek() == '\n') {
            // CRLF line ending: the '\n' ends the record on the next turn.
        } else if (c == '"' && field.empty() && !field_started_quoted) {
            quoted = true;
            field_started_quoted = true;
        } else {
            field.push_back(static_cast<char>(c));
        }
        c = in.get();
    }
}

bool needs_quotes(std::string_view field) {
    return field.find_first_of(",\"\r\n") != std::string_view::npos;
}

void write_field(std::ostream& out, std::string_view field) {
    if (!needs_quotes(field)) {
        out << field;
        return;
    }
    out << '"';
    for (const char c : field) {
        if (c == '"') out << '"';
        out << c;
    }
    out << '"';
}

}  // namespace

std::vector<LabelledText> read_labelled_csv(std::istream& in, std::string_view source) {
    std::size_t line = 1;
    std::vector<std::string> fields;
    if (!read_record(in, fields, line, source)) {
        throw CsvError(std::string(source) + ": empty file (expected a header `text,sentiment`)");
    }
    std::size_t text_col = fields.size();
    std::size_t label_col = fields.size();
    for (std::size_t i = 0; i < fields.size(); ++i) {
        std::string name = fields[i];
        if (i == 0 && name.starts_with("\xEF\xBB\xBF")) name.erase(0, 3);  // UTF-8 BOM
        if (name == "text") text_col = i;
        if (name == "sentiment") label_col = i;
    }
    if (text_col == fields.size() || label_col == fields.size()) {
        throw CsvError(std::string(source) + ":1: header must have columns `text` and `sentiment`");
    }
    std::vector<LabelledText> rows;
    while (true) {
        const std::size_t row_line = line;
        if (!read_record(in, fields, line, source)) break;
        if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
        if (fields.size() <= std::max(text_col, label_col)) {
            throw CsvError(std::string(source) + ":" + std::to_string(row_line) + ": expected " +
                           std::to_string(std::max(text_col, label_col) + 1) + " fields, found " +
                           std::to_string(fields.size()));
        }
        if (fields[label_col].empty()) {
            throw CsvError(std::string(source) + ":" + std::to_string(row_line) +
                           ": field `sentiment` is empty");
        }
        rows.push_back({fields[text_col], fields[label_col]});
    }
    return rows;
}

std::vector<LabelledText> read_labelled_csv_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw CsvError(path + ": cannot open file");
    return read_labelled_csv(in, path);
}

void write_labelled_csv(std::ostream& out, const std::vector<LabelledText>& rows) {
    out << "text,sentiment\n";
    for (const LabelledText& row : rows) {
        write_field(out, row.text);
        out << ',';
        write_field(out, row.label);
        out << '\n';
    }
}

}  // namespace components::model
