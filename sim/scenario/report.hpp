// report.html: one self-contained page (inline CSS and SVG, no scripts, fonts or network) that
// shows a run the way a learner wants to see it: replicas per Deployment, traffic per
// predictor, HPA decisions, a pod timeline, the expectations and the events.
//
// It is drawn from the trace alone (docs/trace.md), read back after the run, so it needs
// nothing from the simulation's internals and can be redrawn from any trace.jsonl. The same
// trace gives the same bytes: numbers are formatted with fixed decimals and nothing depends on
// the wall clock or on hash-map order. Long runs are downsampled so the page stays small.
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <string>

namespace sim::scenario {

struct Scenario;
struct RunResult;

// What the page says about the run that the trace does not carry.
struct ReportHeader {
    std::string scenario;     // metadata.name (the trace's run.start has it too)
    std::string description;  // metadata.description; may be empty
    std::uint64_t seed = 0;
    std::string trace_sha256;
};

ReportHeader report_header(const Scenario& scenario, const RunResult& result);

// Renders the page from a trace in the format of docs/trace.md. Lines that are not JSON or of
// kinds the report does not draw are skipped.
std::string format_report(const ReportHeader& header, std::istream& trace_jsonl);

// format_report over a trace file; a page saying the trace could not be read if it cannot.
std::string format_report_file(const ReportHeader& header, const std::filesystem::path& trace);

}  // namespace sim::scenario
