#include "sim/kernel/trace.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace sim::kernel {

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                if (u < 0x20) {
                    out += "\\u00";
                    out.push_back(kHex[u >> 4]);
                    out.push_back(kHex[u & 15]);
                } else {
                    out.push_back(c);
                }
        }
    }
    out.push_back('"');
}

void append_json_number(std::string& out, double value) {
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    char buf[32];
    const auto result = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, result.ptr);
}

TraceWriter::Line TraceWriter::line(Nanos t, std::string_view kind) {
    if (open_) throw std::logic_error("trace: a line is already being written");
    open_ = true;
    buffer_.clear();
    buffer_ += "{\"t\":";
    buffer_ += std::to_string(t);
    buffer_ += ",\"time\":";
    append_json_string(buffer_, format_offset(t));
    Line line(*this);
    line.str("kind", kind);
    return line;
}

void TraceWriter::commit(const std::string& line) {
    hash_.update(line);
    if (sink_) sink_->write(line.data(), static_cast<std::streamsize>(line.size()));
    ++lines_;
    bytes_ += line.size();
    open_ = false;
}

std::string& TraceWriter::Line::key(std::string_view k) {
    std::string& b = writer_->buffer_;
    b.push_back(',');
    append_json_string(b, k);
    b.push_back(':');
    return b;
}

TraceWriter::Line& TraceWriter::Line::str(std::string_view k, std::string_view value) {
    append_json_string(key(k), value);
    return *this;
}

TraceWriter::Line& TraceWriter::Line::num(std::string_view k, std::int64_t value) {
    key(k) += std::to_string(value);
    return *this;
}

TraceWriter::Line& TraceWriter::Line::num(std::string_view k, std::uint64_t value) {
    key(k) += std::to_string(value);
    return *this;
}

TraceWriter::Line& TraceWriter::Line::real(std::string_view k, double value) {
    append_json_number(key(k), value);
    return *this;
}

TraceWriter::Line& TraceWriter::Line::boolean(std::string_view k, bool value) {
    key(k) += value ? "true" : "false";
    return *this;
}

TraceWriter::Line& TraceWriter::Line::raw(std::string_view k, std::string_view json) {
    key(k) += json;
    return *this;
}

void TraceWriter::Line::end() {
    if (!writer_) return;
    std::string& b = writer_->buffer_;
    b += "}\n";
    TraceWriter* writer = writer_;
    writer_ = nullptr;
    writer->commit(b);
}

}  // namespace sim::kernel
