#include "sim/scenario/report.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "sim/kernel/json.hpp"
#include "sim/kernel/trace.hpp"
#include "sim/scenario/report_svg.hpp"
#include "sim/scenario/runner.hpp"

namespace sim::scenario {
namespace {

using json = sim::Json;
using report::Band;
using report::clock;
using report::Dot;
using report::escape;
using report::fixed;
using report::kGap;
using report::LineChart;
using report::Marker;
using report::Nanos;
using report::PodRow;
using report::PodSpan;
using report::PodState;
using report::Point;
using report::Series;

// Bounds that keep the page small for long runs (an hour of traffic is 3,600 seconds).
constexpr int kTrafficBuckets = 240;   // points per traffic series
constexpr int kStepColumns = 480;      // samples per replica or HPA series
constexpr std::size_t kMaxDots = 400;  // tooltip dots per chart
constexpr std::size_t kMaxPods = 120;  // rows in the pod timeline
constexpr std::size_t kMaxEvents = 1000;
constexpr std::size_t kMaxPodWarnings = 60;  // ticks per pod row

const std::vector<std::string> kPalette{"#2563eb", "#dc2626", "#0d9488", "#9333ea",
                                        "#ea580c", "#0891b2", "#ca8a04", "#db2777"};

const std::string& color(std::size_t i) {
    return kPalette[i % kPalette.size()];
}

// ---------------------------------------------------------------------------------------------
// The trace, read back into what the charts need.

struct DeploymentSample {
    Nanos t = 0;
    std::int64_t replicas = 0, current = 0, updated = 0, ready = 0, available = 0;
};

// One predictor's traffic in one virtual second, summed over the traffic sources.
struct TrafficSecond {
    std::int64_t requests = 0, responses = 0, errors = 0;
    double p50_weighted = 0;  // sum of p50 x responses (a responses-weighted mean)
    std::int64_t p50_weight = 0;
    double p99_max = kGap;  // the worst source's p99
};

struct TrafficKey {
    std::string sdep, predictor;
    bool shadow = false;
    auto operator<=>(const TrafficKey&) const = default;
};

struct HpaSample {
    Nanos t = 0;
    std::int64_t current = 0, desired = 0;
    std::string metrics, reason;
};

struct PodChange {
    Nanos t = 0;
    PodState state = PodState::Pending;
    std::string node;
};

struct ExpectRow {
    Nanos t = 0;
    std::string name, result, observed, message;
};

struct EventRow {
    Nanos t = 0;
    std::string type, reason, object, message, source;
    std::int64_t count = 1;
};

struct StepRow {
    Nanos t = 0;
    std::string label, text;
    bool fault = false;
};

struct TraceModel {
    std::string scenario, duration, start_time;
    std::optional<std::uint64_t> seed;
    Nanos end = 0;
    std::optional<std::int64_t> exit_code;
    std::int64_t events_executed = 0;
    std::vector<StepRow> steps;
    std::vector<StepRow> step_failures;  // label: the step's index; text: why
    std::vector<std::string> notes;      // what the simulation says it cannot do (yet)
    std::map<std::string, std::vector<DeploymentSample>> deployments;
    std::map<TrafficKey, std::map<Nanos, TrafficSecond>> traffic;
    std::map<std::string, std::vector<HpaSample>> hpas;
    std::vector<std::string> pod_order;  // first appearance
    std::map<std::string, std::vector<PodChange>> pods;
    std::map<std::string, std::vector<report::PodWarning>> pod_warnings;  // by "ns/name"
    std::vector<ExpectRow> expectations;
    std::vector<EventRow> events;
    std::size_t events_seen = 0;
};

std::string text_of(const json& line, const char* key) {
    const auto it = line.find(key);
    if (it == line.end()) return "";
    return it->is_string() ? it->get<std::string>() : it->dump();
}

std::int64_t int_of(const json& line, const char* key) {
    const auto it = line.find(key);
    return it != line.end() && it->is_number() ? it->get<std::int64_t>() : 0;
}

bool bool_of(const json& line, const char* key) {
    const auto it = line.find(key);
    return it != line.end() && it->is_boolean() && it->get<bool>();
}

double real_of(const json& line, const char* key) {
    const auto it = line.find(key);
    return it != line.end() && it->is_number() ? it->get<double>() : kGap;
}

// The kind, read without parsing the line: the report skips the bulky kinds it does not draw
// (one `request` line per request with --trace-requests).
std::string kind_of(const std::string& line) {
    static constexpr std::string_view kKey = "\"kind\":\"";
    const std::size_t at = line.find(kKey);
    if (at == std::string::npos) return "";
    const std::size_t from = at + kKey.size();
    const std::size_t to = line.find('"', from);
    return to == std::string::npos ? "" : line.substr(from, to - from);
}

std::string step_text(const json& l) {
    const std::string action = text_of(l, "action");
    if (action == "apply") return "apply " + text_of(l, "file");
    if (action == "patch") return "patch " + text_of(l, "object") + " " + text_of(l, "merge");
    if (action == "scale") return "scale " + text_of(l, "object") + " to " + text_of(l, "replicas");
    if (action == "delete") {
        return "delete " + text_of(l, "kind") + " " + text_of(l, "namespace") + "/" +
               (l.contains("name") ? text_of(l, "name") : "-l " + text_of(l, "selector"));
    }
    if (action == "fault") {
        std::string what = "fault " + text_of(l, "fault");
        for (const char* key : {"image", "node", "selector", "addLatency", "rate"})
            if (l.contains(key)) what += " " + std::string(key) + "=" + text_of(l, key);
        if (l.contains("for")) what += " for " + text_of(l, "for");
        return what;
    }
    if (action == "drain") return "drain node " + text_of(l, "node");
    return action;
}

PodState pod_state(const json& l) {
    const std::string phase = text_of(l, "phase");
    if (phase == "Deleted") return PodState::Deleted;
    if (bool_of(l, "terminating")) return PodState::Terminating;
    if (phase == "Succeeded" || phase == "Failed") return PodState::Ended;
    if (bool_of(l, "ready")) return PodState::Ready;
    if (phase == "Running") return PodState::NotReady;
    return PodState::Pending;
}

void read_line(TraceModel& m, const std::string& kind, const json& l) {
    const Nanos t = int_of(l, "t");
    m.end = std::max(m.end, t);
    if (kind == "run.start") {
        m.scenario = text_of(l, "scenario");
        m.duration = text_of(l, "duration");
        m.start_time = text_of(l, "startTime");
        if (l.contains("seed") && l["seed"].is_number_unsigned())
            m.seed = l["seed"].get<std::uint64_t>();
    } else if (kind == "run.end") {
        m.exit_code = int_of(l, "exitCode");
        m.events_executed = int_of(l, "events");
    } else if (kind == "step") {
        m.steps.push_back({t, text_of(l, "index"), step_text(l), text_of(l, "action") == "fault"});
    } else if (kind == "step.failed") {
        m.step_failures.push_back({t, text_of(l, "index"), text_of(l, "message"), false});
    } else if (kind == "note") {
        m.notes.push_back(clock(t) + ": " + text_of(l, "message"));
    } else if (kind == "image.default") {
        m.notes.push_back(clock(t) + ": image " + text_of(l, "image") +
                          " matches no images: entry, so it runs with default timings");
    } else if (kind == "fault.end") {
        m.steps.push_back({t, text_of(l, "index"), "fault " + text_of(l, "fault") + " ends", true});
    } else if (kind == "deployment") {
        m.deployments[text_of(l, "deployment")].push_back(
            {t, int_of(l, "replicas"), int_of(l, "current"), int_of(l, "updated"),
             int_of(l, "ready"), int_of(l, "available")});
    } else if (kind == "traffic") {
        const TrafficKey key{text_of(l, "sdep"), text_of(l, "predictor"), bool_of(l, "shadow")};
        TrafficSecond& s = m.traffic[key][t];
        s.requests += int_of(l, "requests");
        s.responses += int_of(l, "responses");
        s.errors += int_of(l, "errors");
        const double p50 = real_of(l, "latency_p50_ms");
        if (std::isfinite(p50)) {
            s.p50_weighted += p50 * static_cast<double>(int_of(l, "responses"));
            s.p50_weight += int_of(l, "responses");
        }
        const double p99 = real_of(l, "latency_p99_ms");
        if (std::isfinite(p99))
            s.p99_max = std::isfinite(s.p99_max) ? std::max(s.p99_max, p99) : p99;
    } else if (kind == "hpa") {
        m.hpas[text_of(l, "hpa")].push_back({t, int_of(l, "current"), int_of(l, "desired"),
                                             text_of(l, "metrics"), text_of(l, "reason")});
    } else if (kind == "pod") {
        const std::string name = text_of(l, "pod");
        auto [it, added] = m.pods.try_emplace(name);
        if (added) m.pod_order.push_back(name);
        it->second.push_back({t, pod_state(l), text_of(l, "node")});
    } else if (kind == "expect") {
        m.expectations.push_back({t, text_of(l, "name"), text_of(l, "result"),
                                  text_of(l, "observed"), text_of(l, "message")});
    } else if (kind == "event") {
        const std::string object = text_of(l, "object");
        if (text_of(l, "type") == "Warning" && object.starts_with("Pod/")) {
            auto& warnings = m.pod_warnings[object.substr(4)];
            if (warnings.size() < kMaxPodWarnings) {
                warnings.push_back({t, text_of(l, "reason") + ": " + text_of(l, "message")});
            }
        }
        ++m.events_seen;
        if (m.events.size() < kMaxEvents) {
            m.events.push_back({t, text_of(l, "type"), text_of(l, "reason"), text_of(l, "object"),
                                text_of(l, "message"), text_of(l, "source"),
                                std::max<std::int64_t>(1, int_of(l, "count"))});
        }
    }
}

const std::set<std::string>& drawn_kinds() {
    static const std::set<std::string> kinds{
        "run.start",  "run.end", "step", "step.failed", "note",   "image.default", "fault.end",
        "deployment", "traffic", "hpa",  "pod",         "expect", "event"};
    return kinds;
}

TraceModel read_trace(std::istream& in) {
    TraceModel m;
    std::string line;
    while (std::getline(in, line)) {
        const std::string kind = kind_of(line);
        if (!drawn_kinds().contains(kind)) continue;
        const json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (!parsed.is_object()) continue;
        read_line(m, kind, parsed);
    }
    if (m.end <= 0) m.end = kernel::kSecond;
    return m;
}

// One marker per instant: steps at the same instant share a line ("0,1") and a tooltip.
std::vector<Marker> markers_of(const TraceModel& m) {
    std::vector<Marker> out;
    for (const StepRow& s : m.steps) {
        const std::string text = (s.fault ? "fault (step " : "step ") + s.label +
                                 (s.fault ? ")" : "") + " at " + clock(s.t) + ": " + s.text;
        if (!out.empty() && out.back().t == s.t) {
            out.back().label += "," + s.label;
            out.back().text += "\n" + text;
            out.back().fault = out.back().fault || s.fault;
            continue;
        }
        out.push_back({s.t, s.label, text, s.fault});
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Sections.

std::string section(const std::string& id, const std::string& title, const std::string& intro,
                    const std::string& body) {
    return "<section id=\"" + id + "\"><h2>" + escape(title) + "</h2>" +
           (intro.empty() ? "" : "<p class=\"intro\">" + intro + "</p>") + body + "</section>\n";
}

std::string empty_note(const std::string& text) {
    return "<p class=\"empty\">" + escape(text) + "</p>";
}

std::string chart_id(const std::string& prefix, const std::string& name) {
    std::string id = prefix;
    for (const char c : name) {
        const bool keep =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        id += keep ? c : '-';
    }
    return id;
}

std::string header_section(const ReportHeader& h, const TraceModel& m) {
    std::size_t failed = 0;
    for (const ExpectRow& e : m.expectations)
        failed += e.result == "pass" ? 0 : 1;
    const bool ok = m.exit_code.value_or(1) == 0;
    std::string out = "<header id=\"summary\"><h1>" + escape(h.scenario) + "</h1>";
    out += std::string("<span class=\"verdict ") + (ok ? "pass" : "fail") + "\">" +
           (ok ? "run passed" : "run failed") + "</span>";
    if (!h.description.empty()) out += "<p class=\"description\">" + escape(h.description) + "</p>";
    out += "<dl>";
    const auto item = [&](const std::string& k, const std::string& v) {
        out += "<div><dt>" + escape(k) + "</dt><dd>" + escape(v) + "</dd></div>";
    };
    item("seed", std::to_string(m.seed.value_or(h.seed)));
    item("virtual duration", m.duration.empty() ? clock(m.end) : m.duration);
    if (!m.start_time.empty()) item("virtual start", m.start_time);
    item("expectations", std::to_string(m.expectations.size() - failed) + " of " +
                             std::to_string(m.expectations.size()) + " held");
    if (!m.step_failures.empty()) item("steps failed", std::to_string(m.step_failures.size()));
    if (m.exit_code) item("exit code", std::to_string(*m.exit_code));
    item("events simulated", std::to_string(m.events_executed));
    out += "</dl>";
    if (!m.notes.empty()) {
        out += "<ul class=\"notes\">";
        for (const std::string& n : m.notes)
            out += "<li>" + escape(n) + "</li>";
        out += "</ul>";
    }
    out += "<p class=\"hash\">trace sha256: <code>" + escape(h.trace_sha256) +
           "</code> — the same scenario and seed give the same hash on every run.</p>";
    out +=
        "<nav><a href=\"#steps\">timeline</a><a href=\"#deployments\">deployments</a>"
        "<a href=\"#traffic\">traffic</a><a href=\"#hpa\">autoscaling</a>"
        "<a href=\"#pods\">pods</a><a href=\"#expectations\">expectations</a>"
        "<a href=\"#events\">events</a></nav></header>\n";
    return out;
}

std::string steps_section(const TraceModel& m) {
    if (m.steps.empty()) return section("steps", "Timeline", "", empty_note("no timeline steps"));
    std::string rows;
    for (const StepRow& s : m.steps) {
        rows += std::string("<tr") + (s.fault ? " class=\"fault\"" : "") + "><td>" + clock(s.t) +
                "</td><td>" + escape(s.label) + "</td><td>" + escape(s.text) + "</td></tr>";
    }
    for (const StepRow& f : m.step_failures) {
        rows += "<tr class=\"failed\"><td>" + clock(f.t) + "</td><td>" + escape(f.label) +
                "</td><td><span class=\"badge\">FAILED</span> " + escape(f.text) + "</td></tr>";
    }
    return section("steps", "Timeline",
                   "What the scenario did, and when. Each step is a numbered dashed line on every "
                   "chart below (red for faults); hover it for the details.",
                   "<table><thead><tr><th>at</th><th>step</th><th>what</th></tr></thead><tbody>" +
                       rows + "</tbody></table>");
}

std::string deployment_chart(const std::string& name, const std::vector<DeploymentSample>& v,
                             const TraceModel& m, const std::vector<Marker>& markers) {
    LineChart c;
    c.id = chart_id("deployment-", name);
    c.title = "Deployment " + name;
    c.y_label = "pods";
    c.integer_y = true;
    Series spec{"replicas wanted (spec)", "#64748b", true, true, false, {}};
    Series current{"pods (status.replicas)", "#2563eb", false, true, false, {}};
    Series updated{"updated", "#9333ea", true, true, false, {}};
    Series ready{"ready", "#16a34a", false, true, true, {}};
    for (const DeploymentSample& s : v) {
        spec.points.push_back({s.t, static_cast<double>(s.replicas)});
        current.points.push_back({s.t, static_cast<double>(s.current)});
        updated.points.push_back({s.t, static_cast<double>(s.updated)});
        ready.points.push_back({s.t, static_cast<double>(s.ready)});
    }
    for (Series* s : {&spec, &current, &updated, &ready}) {
        s->points = report::thin_steps(s->points, m.end, kStepColumns);
        c.series.push_back(std::move(*s));
    }
    for (std::size_t i = 0; i < v.size() && i < kMaxDots; ++i) {
        const DeploymentSample& s = v[i];
        c.dots.push_back({s.t, static_cast<double>(s.ready), "#16a34a",
                          clock(s.t) + " " + name + ": wants " + std::to_string(s.replicas) +
                              ", has " + std::to_string(s.current) + ", updated " +
                              std::to_string(s.updated) + ", ready " + std::to_string(s.ready) +
                              ", available " + std::to_string(s.available)});
    }
    return report::render_line_chart(c, m.end, markers);
}

std::string deployments_section(const TraceModel& m, const std::vector<Marker>& markers) {
    std::string body;
    for (const auto& [name, samples] : m.deployments)
        body += deployment_chart(name, samples, m, markers);
    if (body.empty()) body = empty_note("no Deployment in this run");
    return section("deployments", "Deployments: replicas and ready pods",
                   "One chart per Deployment (the operator makes one per predictor and "
                   "component). The dashed grey line is what the spec asks for; blue is the pods "
                   "that exist, purple the ones already on the newest template, green the ones "
                   "ready to serve. During a rolling update blue rises above grey (maxSurge) "
                   "while green never drops far below it (maxUnavailable).",
                   body);
}

std::string series_label(const TrafficKey& k, bool several_sdeps) {
    std::string label = k.predictor == "-" ? "no predictor" : k.predictor;
    if (several_sdeps) label = k.sdep + " " + label;
    return k.shadow ? label + " (shadow)" : label;
}

struct TrafficBucket {
    std::int64_t requests = 0, responses = 0, errors = 0;
    double p50_weighted = 0;
    std::int64_t p50_weight = 0;
    double p99_max = kGap;

    void add(const TrafficSecond& s) {
        requests += s.requests;
        responses += s.responses;
        errors += s.errors;
        p50_weighted += s.p50_weighted;
        p50_weight += s.p50_weight;
        p99_max = worst(p99_max, s.p99_max);
    }
    double p50() const {
        return p50_weight > 0 ? p50_weighted / static_cast<double>(p50_weight) : kGap;
    }
    static double worst(double a, double b) {
        if (!std::isfinite(a)) return b;
        return std::isfinite(b) ? std::max(a, b) : a;
    }
};

// The traffic lines, per predictor, summed into buckets of whole seconds so that an hour-long
// run still draws a few hundred points per series.
struct TrafficTable {
    std::vector<std::string> labels;               // predictors first, busiest first
    std::vector<bool> shadow;                      // per label
    std::vector<std::vector<TrafficBucket>> data;  // [label][bucket]
    Nanos bucket_seconds = 1;
    std::size_t buckets = 0;
    Nanos end = 0;

    Nanos from(std::size_t i) const {
        return static_cast<Nanos>(i) * bucket_seconds * kernel::kSecond;
    }
    Nanos to(std::size_t i) const { return std::min(end, from(i + 1)); }
    double per_second(std::int64_t count) const {
        return static_cast<double>(count) / static_cast<double>(bucket_seconds);
    }
    // Percentage of the bucket's non-shadow requests that went to `label`.
    double share(std::size_t label, std::size_t i) const {
        std::int64_t total = 0;
        for (std::size_t o = 0; o < labels.size(); ++o)
            if (!shadow[o]) total += data[o][i].requests;
        if (total == 0) return kGap;
        return 100.0 * static_cast<double>(data[label][i].requests) / static_cast<double>(total);
    }
};

TrafficTable bucket_traffic(const TraceModel& m) {
    TrafficTable table;
    std::set<std::string> sdeps;
    for (const auto& [k, _] : m.traffic)
        sdeps.insert(k.sdep);
    const Nanos seconds = std::max<Nanos>(1, (m.end + kernel::kSecond - 1) / kernel::kSecond);
    table.bucket_seconds = std::max<Nanos>(1, (seconds + kTrafficBuckets - 1) / kTrafficBuckets);
    table.buckets =
        static_cast<std::size_t>((seconds + table.bucket_seconds - 1) / table.bucket_seconds);
    table.end = m.end;
    const Nanos bucket = table.bucket_seconds * kernel::kSecond;

    // Predictors before shadows, the busiest first (it gets the first colour), ties by name.
    using Entry = std::pair<const TrafficKey, std::map<Nanos, TrafficSecond>>;
    std::vector<const Entry*> order;
    for (const auto& entry : m.traffic)
        order.push_back(&entry);
    const auto volume = [](const Entry* e) {
        std::int64_t n = 0;
        for (const auto& [t, s] : e->second)
            n += s.requests;
        return n;
    };
    std::stable_sort(order.begin(), order.end(), [&](const Entry* a, const Entry* b) {
        if (a->first.shadow != b->first.shadow) return b->first.shadow;
        return volume(a) > volume(b);
    });
    for (const Entry* entry : order) {
        table.labels.push_back(series_label(entry->first, sdeps.size() > 1));
        table.shadow.push_back(entry->first.shadow);
        std::vector<TrafficBucket> b(table.buckets);
        for (const auto& [t, second] : entry->second) {
            // A line's t is the end of its second, so the second is (t - 1s, t].
            const auto i = static_cast<std::size_t>(std::max<Nanos>(0, t - 1) / bucket);
            b[std::min(table.buckets - 1, i)].add(second);
        }
        table.data.push_back(std::move(b));
    }
    return table;
}

LineChart traffic_chart(std::string id, std::string title, std::string y_label) {
    LineChart c;
    c.id = std::move(id);
    c.title = std::move(title);
    c.y_label = std::move(y_label);
    return c;
}

struct TrafficCharts {
    LineChart rate = traffic_chart("traffic-rate", "Request rate per predictor", "requests / s");
    LineChart share = traffic_chart(
        "traffic-share", "Traffic share per predictor (shadows excluded)", "% of requests");
    LineChart latency = traffic_chart(
        "traffic-latency", "Latency per predictor: p50 (solid) and p99 (dashed)", "milliseconds");
    LineChart errors = traffic_chart("traffic-errors", "Errors per predictor", "errors / s");
};

void add_traffic_series(const TrafficTable& t, TrafficCharts& c) {
    for (std::size_t s = 0; s < t.labels.size(); ++s) {
        const std::string& name = t.labels[s];
        Series rate{name, color(s), t.shadow[s], false, false, {}};
        Series share{name, color(s), false, false, false, {}};
        Series p50{name + " p50", color(s), false, false, false, {}};
        Series p99{name + " p99", color(s), true, false, false, {}};
        Series errors{name, color(s), t.shadow[s], false, false, {}};
        for (std::size_t i = 0; i < t.buckets; ++i) {
            const TrafficBucket& b = t.data[s][i];
            const Nanos at = t.to(i);
            rate.points.push_back({at, t.per_second(b.requests)});
            share.points.push_back({at, t.share(s, i)});
            p50.points.push_back({at, b.p50()});
            p99.points.push_back({at, b.p99_max});
            errors.points.push_back({at, t.per_second(b.errors)});
        }
        c.rate.series.push_back(std::move(rate));
        if (!t.shadow[s]) c.share.series.push_back(std::move(share));
        c.latency.series.push_back(std::move(p50));
        c.latency.series.push_back(std::move(p99));
        c.errors.series.push_back(std::move(errors));
    }
}

// One hover band per bucket on each chart, listing every predictor's figure for that stretch.
void add_traffic_bands(const TrafficTable& t, TrafficCharts& c) {
    for (std::size_t i = 0; i < t.buckets; ++i) {
        const std::string span = clock(t.from(i)) + " – " + clock(t.to(i));
        std::string rate = span, share = span, latency = span, errors = span;
        for (std::size_t s = 0; s < t.labels.size(); ++s) {
            const TrafficBucket& b = t.data[s][i];
            const std::string who = "\n" + t.labels[s] + ": ";
            rate += who + fixed(t.per_second(b.requests), 1) + " req/s";
            errors += who + std::to_string(b.errors) + " errors of " + std::to_string(b.requests);
            const double pct = t.share(s, i);
            if (!t.shadow[s]) share += who + (std::isfinite(pct) ? fixed(pct, 1) + "%" : "-");
            if (b.p50_weight > 0) {
                latency +=
                    who + "p50 " + fixed(b.p50(), 1) + " ms, p99 " + fixed(b.p99_max, 1) + " ms";
            }
        }
        c.rate.bands.push_back({t.from(i), t.to(i), rate});
        c.share.bands.push_back({t.from(i), t.to(i), share});
        c.latency.bands.push_back({t.from(i), t.to(i), latency});
        c.errors.bands.push_back({t.from(i), t.to(i), errors});
    }
}

// The whole run in one table, one row per predictor.
std::string traffic_totals(const TrafficTable& t) {
    std::string rows;
    for (std::size_t s = 0; s < t.labels.size(); ++s) {
        TrafficBucket total;
        for (const TrafficBucket& b : t.data[s]) {
            total.requests += b.requests;
            total.responses += b.responses;
            total.errors += b.errors;
            total.p99_max = TrafficBucket::worst(total.p99_max, b.p99_max);
        }
        const std::string error_rate = total.requests > 0
                                           ? fixed(100.0 * static_cast<double>(total.errors) /
                                                       static_cast<double>(total.requests),
                                                   2) +
                                                 "%"
                                           : "-";
        rows += "<tr><td><i class=\"swatch\" style=\"background:" + color(s) + "\"></i>" +
                escape(t.labels[s]) + "</td><td>" + std::to_string(total.requests) + "</td><td>" +
                std::to_string(total.responses) + "</td><td>" + std::to_string(total.errors) +
                "</td><td>" + error_rate + "</td><td>" + fixed(total.p99_max, 1) + "</td></tr>";
    }
    return "<table class=\"totals\"><thead><tr><th>predictor</th><th>requests</th><th>answered "
           "2xx</th><th>errors</th><th>error rate</th><th>worst p99 (ms)</th></tr></thead><tbody>" +
           rows + "</tbody></table>";
}

std::string traffic_section(const TraceModel& m, const std::vector<Marker>& markers) {
    if (m.traffic.empty()) {
        return section("traffic", "Traffic", "", empty_note("no traffic in this run"));
    }
    const TrafficTable table = bucket_traffic(m);
    TrafficCharts charts;
    charts.share.y_fixed_max = 100;
    add_traffic_series(table, charts);
    add_traffic_bands(table, charts);
    const std::string intro =
        "Requests the traffic sources sent, per predictor chosen by the routing weights"
        " (dashed: shadow copies, whose answers are discarded). Each point is " +
        (table.bucket_seconds == 1 ? std::string("one virtual second")
                                   : std::to_string(table.bucket_seconds) + " virtual seconds") +
        "; hover a chart for the numbers.";
    return section("traffic", "Traffic", escape(intro),
                   traffic_totals(table) + report::render_line_chart(charts.rate, m.end, markers) +
                       report::render_line_chart(charts.share, m.end, markers) +
                       report::render_line_chart(charts.latency, m.end, markers) +
                       report::render_line_chart(charts.errors, m.end, markers));
}

std::string hpa_section(const TraceModel& m, const std::vector<Marker>& markers) {
    if (m.hpas.empty()) return section("hpa", "Autoscaling", "", empty_note("no HPA in this run"));
    std::string body;
    for (const auto& [name, samples] : m.hpas) {
        LineChart c;
        c.id = chart_id("hpa-", name);
        c.title = "HorizontalPodAutoscaler " + name;
        c.y_label = "replicas";
        c.integer_y = true;
        Series current{"current replicas", "#2563eb", false, true, true, {}};
        Series desired{"desired replicas", "#dc2626", true, true, false, {}};
        for (const HpaSample& s : samples) {
            current.points.push_back({s.t, static_cast<double>(s.current)});
            desired.points.push_back({s.t, static_cast<double>(s.desired)});
        }
        current.points = report::thin_steps(current.points, m.end, kStepColumns);
        desired.points = report::thin_steps(desired.points, m.end, kStepColumns);
        c.series = {std::move(current), std::move(desired)};
        // A dot per decision that changed something, with the metric and the reason.
        std::optional<std::pair<std::int64_t, std::int64_t>> last;
        for (const HpaSample& s : samples) {
            if (c.dots.size() >= kMaxDots) break;
            if (last && last->first == s.current && last->second == s.desired) continue;
            last = {s.current, s.desired};
            c.dots.push_back({s.t, static_cast<double>(s.desired), "#dc2626",
                              clock(s.t) + " " + name + ": " + s.metrics + "; current " +
                                  std::to_string(s.current) + ", desired " +
                                  std::to_string(s.desired) +
                                  (s.reason.empty() ? "" : " (" + s.reason + ")")});
        }
        body += report::render_line_chart(c, m.end, markers);
    }
    return section("hpa", "Autoscaling: HPA desired vs current",
                   "At each sync the HPA compares the measured metric with its target and "
                   "computes desired = ceil(current × measured / target); red dots mark the "
                   "syncs that changed something (hover for the metric and the reason). The "
                   "dashed red line leads, the blue one follows as pods are created or removed.",
                   body);
}

std::vector<PodRow> pod_rows(const TraceModel& m) {
    std::vector<PodRow> rows;
    for (const std::string& name : m.pod_order) {
        if (rows.size() >= kMaxPods) break;
        const std::vector<PodChange>& changes = m.pods.at(name);
        PodRow row{name, {}, {}};
        if (const auto w = m.pod_warnings.find(name); w != m.pod_warnings.end())
            row.warnings = w->second;
        for (std::size_t i = 0; i < changes.size(); ++i) {
            const Nanos to = i + 1 < changes.size() ? changes[i + 1].t : m.end;
            const PodChange& c = changes[i];
            if (!row.spans.empty() && row.spans.back().state == c.state &&
                row.spans.back().node == c.node) {
                row.spans.back().to = to;  // only the node or a detail changed
                continue;
            }
            if (c.state == PodState::Deleted && to <= c.t) {
                row.spans.push_back({c.t, c.t, c.state, c.node});
                continue;
            }
            row.spans.push_back({c.t, to, c.state, c.node});
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

std::string pods_section(const TraceModel& m, const std::vector<Marker>& markers) {
    if (m.pod_order.empty())
        return section("pods", "Pod timeline", "", empty_note("no pods in this run"));
    std::string body = report::render_pod_timeline(pod_rows(m), m.end, markers);
    if (m.pod_order.size() > kMaxPods) {
        body += empty_note(std::to_string(m.pod_order.size() - kMaxPods) +
                           " more pods are not drawn (the first " + std::to_string(kMaxPods) +
                           " to appear are); trace.jsonl has them all.");
    }
    return section("pods", "Pod timeline",
                   "One row per pod, in the order they appeared: amber while Pending (waiting for "
                   "a node, pulling its image), orange while running but not ready (readiness "
                   "probe not yet passed, or a crashed container), green while Ready and serving, "
                   "violet while terminating; a thin grey line after it is deleted. Red ticks mark "
                   "Warning events about the pod (BackOff: a crashed container the kubelet waits "
                   "to restart; Failed: an image it cannot pull). Hover a bar or a tick for the "
                   "details.",
                   body);
}

std::string expectations_section(const TraceModel& m) {
    if (m.expectations.empty())
        return section("expectations", "Expectations", "", empty_note("no expectations"));
    std::string rows;
    for (const ExpectRow& e : m.expectations) {
        const bool pass = e.result == "pass";
        rows += std::string("<tr class=\"") + (pass ? "pass" : "fail") +
                "\"><td><span class=\"badge\">" + (pass ? "pass" : "FAIL") + "</span></td><td>" +
                escape(e.name) + "</td><td>" + clock(e.t) + "</td><td><code>" + escape(e.observed) +
                "</code></td><td>" + escape(e.message) + "</td></tr>";
    }
    return section("expectations", "Expectations",
                   "What the scenario claims, checked as the simulation ran; a failure says when "
                   "it first broke and what was observed.",
                   "<table><thead><tr><th></th><th>expectation</th><th>decided at</th><th>observed"
                   "</th><th>why it failed</th></tr></thead><tbody>" +
                       rows + "</tbody></table>");
}

std::string events_section(const TraceModel& m) {
    if (m.events.empty())
        return section("events", "Events", "", empty_note("no events in this run"));
    std::string rows;
    for (const EventRow& e : m.events) {
        rows += std::string("<tr") + (e.type == "Warning" ? " class=\"warning\"" : "") + "><td>" +
                clock(e.t) + "</td><td>" + escape(e.type) + "</td><td>" + escape(e.source) +
                "</td><td>" + escape(e.reason) + "</td><td>" + escape(e.object) + "</td><td>" +
                escape(e.message) + "</td><td>" + std::to_string(e.count) + "</td></tr>";
    }
    std::string more;
    if (m.events_seen > m.events.size()) {
        more = empty_note(std::to_string(m.events_seen - m.events.size()) +
                          " later events are not listed; trace.jsonl has them all.");
    }
    return section("events", "Events",
                   "What the components said, as <code>kubectl get events</code> shows it: the "
                   "scheduler binding pods, the kubelet pulling and starting containers, the "
                   "controllers scaling. Warnings are highlighted.",
                   "<table class=\"events\"><thead><tr><th>at</th><th>type</th><th>source</th>"
                   "<th>reason</th><th>object</th><th>message</th><th>count</th></tr></thead>"
                   "<tbody>" +
                       rows + "</tbody></table>" + more);
}

constexpr std::string_view kStyle = R"(
:root{--ink:#1e293b;--muted:#64748b;--line:#e2e8f0;--bg:#f8fafc}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:1000px;margin:0 auto;padding:24px 20px 60px}
header{background:#fff;border:1px solid var(--line);border-radius:10px;padding:18px 22px;margin-bottom:18px}
h1{display:inline-block;margin:0 12px 6px 0;font-size:24px}
h2{font-size:18px;margin:0 0 6px}
.verdict{display:inline-block;padding:2px 10px;border-radius:999px;font-weight:600;font-size:13px;vertical-align:4px}
.verdict.pass{background:#dcfce7;color:#166534}.verdict.fail{background:#fee2e2;color:#991b1b}
.description{white-space:pre-wrap;margin:6px 0 12px}
dl{display:flex;flex-wrap:wrap;gap:6px 26px;margin:0}dl div{min-width:110px}
dt{color:var(--muted);font-size:12px}dd{margin:0;font-weight:600}
.hash{color:var(--muted);font-size:12px;margin:10px 0 8px;word-break:break-all}
nav a{margin-right:14px;color:#2563eb;text-decoration:none;font-size:13px}
section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px 22px;margin-bottom:18px}
.intro{color:var(--muted);margin:0 0 10px}.empty{color:var(--muted);font-style:italic}
figure{margin:14px 0 6px}figcaption{font-weight:600;margin-bottom:2px}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:var(--muted);margin:2px 0}
.key{display:inline-flex;align-items:center;gap:5px}
.key i,.swatch{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:5px;vertical-align:-1px}
svg.chart{width:100%;height:auto;display:block}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.grid{stroke:#eef2f7}.frame{fill:none;stroke:#cbd5e1}
.tick{font-size:10.5px;fill:var(--muted)}.axis{font-size:11px;fill:var(--muted)}
.area{fill-opacity:.12;stroke:none;pointer-events:none}
.series{fill:none;stroke-width:2;stroke-linejoin:round;pointer-events:none}
.band{fill:#2563eb;fill-opacity:0}.band:hover{fill-opacity:.08}
.dot{stroke:#fff;stroke-width:1}
.marker line{stroke:#94a3b8;stroke-dasharray:3 3}.marker text{font-size:10px;fill:var(--muted)}
.marker.fault line{stroke:#dc2626}.marker.fault text{fill:#dc2626}
.stripe{fill:#f8fafc}.warn{fill:#dc2626}.pod{font-size:10.5px;fill:var(--ink)}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}
th{text-align:left;color:var(--muted);font-weight:600;border-bottom:1px solid var(--line);padding:4px 8px}
td{border-bottom:1px solid #f1f5f9;padding:4px 8px;vertical-align:top}
td code{font-size:12px;word-break:break-all}
tr.fault td{color:#b91c1c}tr.failed .badge{background:#fee2e2;color:#991b1b}
.notes{margin:8px 0 0;padding-left:18px;color:#92400e;font-size:13px}tr.warning td{background:#fff7ed}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600}
tr.pass .badge{background:#dcfce7;color:#166534}tr.fail .badge{background:#fee2e2;color:#991b1b}
table.events{font-size:12px}table.events td:nth-child(-n+3),table.events td:nth-child(7){white-space:nowrap}
table.events td:nth-child(5){word-break:break-all;min-width:160px}table.events td:nth-child(6){width:42%}
footer{color:var(--muted);font-size:12px;text-align:center}
)";

}  // namespace

ReportHeader report_header(const Scenario& scenario, const RunResult& result) {
    return {scenario.metadata.name, scenario.metadata.description, result.seed,
            result.trace_sha256};
}

std::string format_report(const ReportHeader& header, std::istream& trace_jsonl) {
    const TraceModel m = read_trace(trace_jsonl);
    const std::vector<Marker> markers = markers_of(m);
    std::string page =
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        "<title>" +
        escape(header.scenario) + " — sim-run report</title><style>" + std::string(kStyle) +
        "</style></head>\n<body><main>\n";
    page += header_section(header, m);
    page += steps_section(m);
    page += deployments_section(m, markers);
    page += traffic_section(m, markers);
    page += hpa_section(m, markers);
    page += pods_section(m, markers);
    page += expectations_section(m);
    page += events_section(m);
    page +=
        "<footer>Drawn from trace.jsonl by sim-run (docs/report.md explains each chart). "
        "All times are virtual.</footer>\n</main></body></html>\n";
    return page;
}

std::string format_report_file(const ReportHeader& header, const std::filesystem::path& trace) {
    std::ifstream in(trace, std::ios::binary);
    if (!in) {
        // The page still says what it can, and why it is empty.
        std::string note = "{\"t\":0,\"kind\":\"note\",\"message\":";
        kernel::append_json_string(note, "cannot read the trace " + trace.generic_string());
        std::istringstream only_note(note + "}\n");
        return format_report(header, only_note);
    }
    return format_report(header, in);
}

}  // namespace sim::scenario
