// A served session in the trace: what `sim-run serve` records and `sim-run replay` reads.
//
// run.start gets three keys after the standard ones: `session` ("serve"), `scenarioFile` (the
// scenario path as given to serve, "" for the built-in default cluster) and `speed`, then
// `gateway: true` when the session served the Seldon gateway (the run then has a request path
// even without traffic; sessions recorded before the gateway existed lack the key). Each HTTP
// write (any method but GET) becomes an `input` line at the virtual instant it was applied:
// `method`, `path` (decoded), `query` (URL-encoded, in the order received), `contentType`,
// `body` (the body as text; when it is not UTF-8, base64 and then `bodyBase64: true`).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "sim/kernel/event_loop.hpp"
#include "sim/kernel/trace.hpp"
#include "sim/kube/http_router.hpp"
#include "sim/scenario/run_driver.hpp"
#include "sim/scenario/runner.hpp"

namespace sim::cli {

inline constexpr const char* kServeSession = "serve";

// The scenario `sim-run serve` runs when given none: three nodes, Seldon installed.
extern const char* const kDefaultClusterYaml;
inline constexpr const char* kDefaultClusterName = "serve-default.yaml";

struct SessionStart {
    std::string scenario_file;  // "" : the built-in default cluster
    double speed = 1;
    bool gateway = false;  // served /seldon/... (replay builds the request path too)
    std::uint64_t seed = 0;
    std::int64_t start_unix_nanos = 0;  // run.start's startTime (replay uses it)
};

struct SessionInput {
    kernel::Nanos t = 0;
    std::size_t line = 0;  // in the trace file, 1-based
    kube::HttpRequest request;
    std::string query;  // as recorded, so a replay writes the same bytes
};

struct Session {
    SessionStart start;
    std::vector<SessionInput> inputs;  // in trace order (non-decreasing t)
    kernel::Nanos end = 0;             // the run.end line's instant
    std::string sha256;                // of the whole trace file
    std::string text;                  // the whole trace file
};

void annotate_session_start(kernel::TraceWriter::Line& line, const SessionStart& start);

std::string encode_query(const std::multimap<std::string, std::string>& query);
// The inverse of encode_query; nullopt when `text` is not a valid encoding.
std::optional<std::multimap<std::string, std::string>> decode_query(const std::string& text);

// True for the requests a session records (every method but GET).
bool is_input(const kube::HttpRequest& request);
// Just before a write is answered at loop.now(): runs what is due first (the consequences of
// the previous write at this instant), then writes the input line.
void record_input(kernel::EventLoop& loop, kernel::TraceWriter& trace,
                  const kube::HttpRequest& request, const std::string& query_text);

// Reads a served session from a trace file; nullopt after printing "FILE:LINE: message"
// to `err`.
std::optional<Session> read_session(const std::filesystem::path& trace, std::ostream& err);

// Runs a session's scenario under `driver` (serve's pacing, replay's recorded inputs), with no
// progress line. When the scenario has input errors, prints them to stderr and returns nothing
// (the command exits kExitBadInput).
std::optional<scenario::RunResult> run_session(const scenario::Scenario& scenario,
                                               std::optional<std::uint64_t> seed,
                                               std::optional<std::filesystem::path> out_dir,
                                               scenario::RunDriver& driver);

}  // namespace sim::cli
