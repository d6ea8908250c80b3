#include "sim/cli/session.hpp"

#include <array>
#include <fstream>
#include <iostream>
#include <sstream>

#include "sim/kernel/json.hpp"
#include "sim/kernel/sha256.hpp"
#include "sim/scenario/loader.hpp"

namespace sim::cli {

const char* const kDefaultClusterYaml = R"(apiVersion: seldon-sim/v1
kind: Scenario
metadata:
  name: serve-default
  description: >
    The cluster `sim-run serve` runs when no scenario is given: three nodes of 4 CPUs and
    16Gi, Seldon Core installed (its operator and admission webhook), nothing applied yet.
spec:
  seed: 1
  duration: 24h
  startTime: "2025-01-01T00:00:00Z"
  cluster:
    nodes:
      - namePrefix: node-
        count: 3
        capacity: {cpu: "4", memory: 16Gi, pods: 110}
)";

namespace {

constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

void percent_encode(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (is_unreserved(c)) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out.push_back(text[i]);
            continue;
        }
        if (i + 2 >= text.size()) return std::nullopt;
        const int hi = hex_value(text[i + 1]);
        const int lo = hex_value(text[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

// RFC 3629: well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool is_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t extra = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            extra = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + extra >= text.size()) return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        constexpr std::array<std::uint32_t, 4> kMin{0, 0x80, 0x800, 0x10000};
        if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += extra + 1;
    }
    return true;
}

std::string base64_encode(std::string_view bytes) {
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const std::uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) |
                                (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                                static_cast<unsigned char>(bytes[i + 2]);
        for (int shift = 18; shift >= 0; shift -= 6)
            out.push_back(kBase64[(n >> shift) & 63]);
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 0) return out;
    std::uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(kBase64[(n >> 18) & 63]);
    out.push_back(kBase64[(n >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64[(n >> 6) & 63] : '=');
    out.push_back('=');
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::uint32_t n = 0;
        int pad = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const char c = text[i + k];
            std::uint32_t v = 0;
            if (c == '=' && i + 4 == text.size() && k >= 2) {
                ++pad;
            } else if (pad > 0) {
                return std::nullopt;
            } else {
                const std::size_t pos = kBase64.find(c);
                if (pos == std::string_view::npos) return std::nullopt;
                v = static_cast<std::uint32_t>(pos);
            }
            n = (n << 6) | v;
        }
        out.push_back(static_cast<char>((n >> 16) & 0xFF));
        if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xFF));
        if (pad < 1) out.push_back(static_cast<char>(n & 0xFF));
    }
    return out;
}

struct LineError {
    std::string message;
};

const sim::Json& member(const sim::Json& line, const char* key) {
    const auto it = line.find(key);
    if (it == line.end()) throw LineError{std::string("missing key \"") + key + "\""};
    return *it;
}

std::string string_member(const sim::Json& line, const char* key) {
    const sim::Json& v = member(line, key);
    if (!v.is_string()) throw LineError{std::string("\"") + key + "\" is not a string"};
    return v.get<std::string>();
}

kernel::Nanos time_of(const sim::Json& line) {
    const sim::Json& t = member(line, "t");
    if (!t.is_number_integer() || t.get<std::int64_t>() < 0)
        throw LineError{"\"t\" is not a non-negative integer"};
    return t.get<kernel::Nanos>();
}

SessionStart read_start(const sim::Json& line) {
    if (line.value("kind", "") != "run.start") throw LineError{"the first line is not run.start"};
    if (!line.contains("session") || line["session"] != kServeSession) {
        throw LineError{
            "run.start has no \"session\": \"serve\"; only a trace written by `sim-run serve` "
            "can be replayed (a scenario run replays with `sim-run run` and its seed)"};
    }
    SessionStart start;
    start.scenario_file = string_member(line, "scenarioFile");
    const sim::Json& speed = member(line, "speed");
    if (!speed.is_number()) throw LineError{"\"speed\" is not a number"};
    start.speed = speed.get<double>();
    const auto gateway = line.find("gateway");
    if (gateway != line.end() && !gateway->is_boolean())
        throw LineError{"\"gateway\" is not a boolean"};
    start.gateway = gateway != line.end() && gateway->get<bool>();
    const sim::Json& seed = member(line, "seed");
    if (!seed.is_number_unsigned()) throw LineError{"\"seed\" is not a non-negative integer"};
    start.seed = seed.get<std::uint64_t>();
    const auto start_time = kernel::parse_rfc3339_unix_nanos(string_member(line, "startTime"));
    if (!start_time) throw LineError{"\"startTime\" is not an RFC 3339 time"};
    start.start_unix_nanos = *start_time;
    return start;
}

SessionInput read_input(const sim::Json& line, std::size_t number) {
    SessionInput in;
    in.t = time_of(line);
    in.line = number;
    in.request.method = string_member(line, "method");
    in.request.path = string_member(line, "path");
    in.query = string_member(line, "query");
    auto query = decode_query(in.query);
    if (!query) throw LineError{"\"query\" is not a valid URL-encoded query"};
    in.request.query = std::move(*query);
    in.request.content_type = string_member(line, "contentType");
    in.request.body = string_member(line, "body");
    if (line.value("bodyBase64", false)) {
        auto bytes = base64_decode(in.request.body);
        if (!bytes) throw LineError{"\"body\" is not valid base64 although bodyBase64 is true"};
        in.request.body = std::move(*bytes);
    }
    return in;
}

}  // namespace

void annotate_session_start(kernel::TraceWriter::Line& line, const SessionStart& start) {
    line.str("session", kServeSession).str("scenarioFile", start.scenario_file);
    line.real("speed", start.speed);
    if (start.gateway) line.boolean("gateway", true);
}

std::string encode_query(const std::multimap<std::string, std::string>& query) {
    std::string out;
    for (const auto& [key, value] : query) {
        if (!out.empty()) out.push_back('&');
        percent_encode(out, key);
        out.push_back('=');
        percent_encode(out, value);
    }
    return out;
}

std::optional<std::multimap<std::string, std::string>> decode_query(const std::string& text) {
    std::multimap<std::string, std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('&', start);
        if (end == std::string::npos) end = text.size();
        const std::string_view pair(text.data() + start, end - start);
        const std::size_t eq = pair.find('=');
        auto key = percent_decode(pair.substr(0, eq));
        auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
        if (!key || !value || key->empty()) return std::nullopt;
        out.emplace(std::move(*key), std::move(*value));
        start = end + 1;
    }
    return out;
}

bool is_input(const kube::HttpRequest& request) {
    // Reads change nothing: GET, HEAD, and the gateway's CORS preflights (OPTIONS).
    return request.method != "GET" && request.method != "HEAD" && request.method != "OPTIONS";
}

void record_input(kernel::EventLoop& loop, kernel::TraceWriter& trace,
                  const kube::HttpRequest& request, const std::string& query_text) {
    loop.run_until(loop.now());
    const bool text = is_utf8(request.body);
    auto line = trace.line(loop.now(), "input");
    line.str("method", request.method)
        .str("path", request.path)
        .str("query", query_text)
        .str("contentType", request.content_type)
        .str("body", text ? request.body : base64_encode(request.body));
    if (!text) line.boolean("bodyBase64", true);
}

std::optional<Session> read_session(const std::filesystem::path& trace, std::ostream& err) {
    std::ifstream in(trace, std::ios::binary);
    if (!in) {
        err << trace.string() << ": cannot read this file\n";
        return std::nullopt;
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string bytes = buffer.str();

    Session session;
    session.sha256 = kernel::Sha256::of(bytes);
    session.text = bytes;
    std::istringstream lines(bytes);
    std::string text;
    std::size_t number = 0;
    bool ended = false;
    try {
        while (std::getline(lines, text)) {
            ++number;
            if (ended) throw LineError{"a line after run.end"};
            sim::Json line;
            try {
                line = sim::Json::parse(text);
            } catch (const sim::Json::exception& e) {
                throw LineError{std::string("not a JSON object: ") + e.what()};
            }
            if (!line.is_object()) throw LineError{"not a JSON object"};
            if (number == 1) {
                session.start = read_start(line);
                continue;
            }
            const std::string kind = line.value("kind", "");
            if (kind == "input") {
                SessionInput input = read_input(line, number);
                if (!session.inputs.empty() && input.t < session.inputs.back().t)
                    throw LineError{"an input earlier than the one before it"};
                session.inputs.push_back(std::move(input));
            } else if (kind == "run.end") {
                session.end = time_of(line);
                ended = true;
            }
        }
    } catch (const LineError& e) {
        err << trace.string() << ":" << number << ": " << e.message << "\n";
        return std::nullopt;
    }
    if (number == 0) {
        err << trace.string() << ": the file is empty\n";
        return std::nullopt;
    }
    if (!ended) {
        err << trace.string() << ":" << number
            << ": the trace has no run.end line: the serve session did not finish (stop "
               "`sim-run serve` with Ctrl-C or SIGTERM, so it writes its outputs)\n";
        return std::nullopt;
    }
    return session;
}

std::optional<scenario::RunResult> run_session(const scenario::Scenario& scenario,
                                               std::optional<std::uint64_t> seed,
                                               std::optional<std::filesystem::path> out_dir,
                                               scenario::RunDriver& driver) {
    scenario::RunOptions options;
    options.seed = seed;
    options.out_dir = std::move(out_dir);
    options.progress = false;
    options.driver = &driver;
    scenario::RunResult result = scenario::run_scenario(scenario, options, std::cerr);
    if (result.input_errors.empty()) return result;
    for (const auto& d : result.input_errors)
        std::cerr << scenario::format_diagnostic(d) << "\n";
    return std::nullopt;
}

}  // namespace sim::cli
