#include "sim/scenario/outputs.hpp"

#include <sstream>

#include "sim/scenario/report_svg.hpp"

namespace sim::scenario {
namespace {

// The HTML escaping of the report (&#39; is valid XML too), less the control characters XML 1.0
// forbids even escaped.
std::string xml_escape(const std::string& text) {
    std::string allowed;
    allowed.reserve(text.size());
    for (const char c : text) {
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t') allowed += c;
    }
    return report::escape(allowed);
}

std::string failure_text(const ExpectationResult& e) {
    // The message already says what was observed ("expected 3, observed 2").
    return "at " + kernel::format_offset(e.decided_at) + ": " + e.message;
}

}  // namespace

std::string format_summary(const Scenario& s, const RunResult& r) {
    std::ostringstream out;
    std::size_t failed = 0;
    for (const ExpectationResult& e : r.expectations)
        failed += e.passed ? 0 : 1;
    out << "scenario " << s.metadata.name << " (seed " << r.seed << ", "
        << kernel::format_duration(s.duration) << " virtual, " << r.events << " events)\n";
    for (const StepFailure& f : r.step_failures) {
        out << "  FAIL step " << f.index << " at " << kernel::format_offset(f.at) << " ("
            << format_location(f.where) << "): " << f.message << "\n";
    }
    for (const ExpectationResult& e : r.expectations) {
        if (e.passed) {
            out << "  ok   " << e.name << " (at " << kernel::format_offset(e.decided_at) << ")\n";
        } else {
            out << "  FAIL " << e.name << " (" << format_location(e.where) << ")\n"
                << "       " << failure_text(e) << "\n";
        }
    }
    out << (r.expectations.size() - failed) << " of " << r.expectations.size()
        << " expectations held";
    if (!r.step_failures.empty()) out << ", " << r.step_failures.size() << " step(s) failed";
    out << "; " << r.trace_lines << " trace lines\n";
    return out.str();
}

std::string format_junit(const Scenario& s, const RunResult& r) {
    std::size_t failures = r.step_failures.size();
    for (const ExpectationResult& e : r.expectations)
        failures += e.passed ? 0 : 1;
    const std::size_t tests = r.expectations.size() + r.step_failures.size();
    const std::string suite = xml_escape(s.metadata.name);
    std::ostringstream out;
    // Times are virtual (seconds of simulated time), so the file is as reproducible as the trace.
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        << "<testsuites tests=\"" << tests << "\" failures=\"" << failures << "\">\n"
        << "  <testsuite name=\"" << suite << "\" tests=\"" << tests << "\" failures=\"" << failures
        << "\" errors=\"0\" skipped=\"0\">\n"
        << "    <properties>\n"
        << "      <property name=\"seed\" value=\"" << r.seed << "\"/>\n"
        << "      <property name=\"trace_sha256\" value=\"" << r.trace_sha256 << "\"/>\n"
        << "    </properties>\n";
    for (const ExpectationResult& e : r.expectations) {
        out << "    <testcase classname=\"" << suite << "\" name=\"" << xml_escape(e.name)
            << "\" time=\"0\"";
        if (e.passed) {
            out << "/>\n";
            continue;
        }
        out << ">\n      <failure message=\"" << xml_escape(e.message) << "\">"
            << xml_escape(format_location(e.where) + ": " + failure_text(e)) << "</failure>\n"
            << "    </testcase>\n";
    }
    for (const StepFailure& f : r.step_failures) {
        out << "    <testcase classname=\"" << suite << "\" name=\"timeline step " << f.index
            << "\" time=\"0\">\n      <failure message=\"" << xml_escape(f.message) << "\">"
            << xml_escape(format_location(f.where) + ": at " + kernel::format_offset(f.at) + ": " +
                          f.message)
            << "</failure>\n    </testcase>\n";
    }
    out << "  </testsuite>\n</testsuites>\n";
    return out.str();
}

}  // namespace sim::scenario
