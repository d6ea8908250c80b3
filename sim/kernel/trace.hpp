// The trace: JSON Lines, one event a line, keys in the order the writer adds them (so the
// schema in docs/trace.md is also the byte layout), with a running SHA-256 of every byte.
//
//   trace.line(now, "step").str("action", "apply").num("objects", 3).end();
//
// writes {"t":..,"time":"00:00:30","kind":"step","action":"apply","objects":3}. Every line
// starts with the virtual time in nanoseconds (`t`) and the event kind (`kind`).
// Doubles are written in their shortest round-trip form (std::to_chars), which is unique, so
// identical on every compiler. Strings are escaped per RFC 8259.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "sim/kernel/sha256.hpp"
#include "sim/kernel/time.hpp"

namespace sim::kernel {

// Appends `text` to `out` as a JSON string literal (quotes included).
void append_json_string(std::string& out, std::string_view text);
// Appends the shortest round-trip decimal form of a finite double; non-finite becomes null.
void append_json_number(std::string& out, double value);

class TraceWriter {
  public:
    class Line;

    // `sink` may be null: the trace is then only hashed and counted.
    explicit TraceWriter(std::ostream* sink = nullptr) : sink_(sink) {}

    Line line(Nanos t, std::string_view kind);

    std::string sha256_hex() const { return hash_.hex(); }
    std::uint64_t lines() const { return lines_; }
    std::uint64_t bytes() const { return bytes_; }

  private:
    friend class Line;
    void commit(const std::string& line);

    std::ostream* sink_;
    Sha256 hash_;
    std::string buffer_;
    bool open_ = false;
    std::uint64_t lines_ = 0;
    std::uint64_t bytes_ = 0;
};

// A line being built; written by end() (or by the destructor when end() was not called).
class TraceWriter::Line {
  public:
    Line(Line&& other) noexcept : writer_(other.writer_) { other.writer_ = nullptr; }
    Line(const Line&) = delete;
    Line& operator=(const Line&) = delete;
    Line& operator=(Line&&) = delete;
    ~Line() { end(); }

    Line& str(std::string_view key, std::string_view value);
    Line& num(std::string_view key, std::int64_t value);
    Line& num(std::string_view key, std::uint64_t value);
    Line& num(std::string_view key, int value) { return num(key, std::int64_t{value}); }
    Line& real(std::string_view key, double value);
    Line& boolean(std::string_view key, bool value);
    // `json` must already be one valid JSON value (an object rendered with sorted keys, say).
    Line& raw(std::string_view key, std::string_view json);
    void end();

  private:
    friend class TraceWriter;
    explicit Line(TraceWriter& writer) : writer_(&writer) {}
    std::string& key(std::string_view k);
    TraceWriter* writer_;
};

}  // namespace sim::kernel
