// The drawing half of report.html: line charts over virtual time and the pod timeline, as
// inline SVG with <title> tooltips. Coordinates are printed with one fixed decimal, so the same
// data always gives the same bytes.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "sim/kernel/time.hpp"

namespace sim::scenario::report {

using kernel::Nanos;

inline constexpr double kGap = std::numeric_limits<double>::quiet_NaN();  // pen up

// `value` with exactly `decimals` decimals, trailing zeros trimmed ("12", "12.5"); "-" when
// not finite. Integer arithmetic, so the text is the same on every platform.
std::string fixed(double value, int decimals);
// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string escape(const std::string& text);
// "00:05:30" (with ".250" when not a whole second).
std::string clock(Nanos t);

struct Point {
    Nanos t = 0;
    double value = 0;  // kGap lifts the pen (latency with no responses in a bucket)
};

struct Series {
    std::string name;
    std::string color;
    bool dashed = false;
    bool step = false;  // a count that holds until the next change (replicas)
    bool fill = false;  // shade the area under a step series (ready pods)
    std::vector<Point> points;
};

// A vertical band over [from, to) whose tooltip explains that stretch of time.
struct Band {
    Nanos from = 0;
    Nanos to = 0;
    std::string text;
};

// A dot at one sample with its own tooltip (a Deployment's or an HPA's status change).
struct Dot {
    Nanos t = 0;
    double value = 0;
    std::string color;
    std::string text;
};

// A timeline step or a fault, drawn as a thin vertical line on every chart.
struct Marker {
    Nanos t = 0;
    std::string label;  // "2" (the step's index) shown at the top
    std::string text;   // tooltip: "step 2 at 00:02:00: patch SeldonDeployment/..."
    bool fault = false;
};

struct LineChart {
    std::string id;
    std::string title;
    std::string y_label;
    bool integer_y = false;  // counts: ticks on whole numbers
    double y_floor_max = 1;  // the y axis reaches at least this
    double y_fixed_max = 0;  // when > 0, the y axis ends exactly here (percentages)
    std::vector<Series> series;
    std::vector<Band> bands;
    std::vector<Dot> dots;
};

// A legend line (HTML) and the chart's SVG, in a <figure>.
std::string render_line_chart(const LineChart& chart, Nanos t_end,
                              const std::vector<Marker>& markers);

// Keeps at most `columns` step samples: the last one of each column of time, plus the first.
std::vector<Point> thin_steps(const std::vector<Point>& points, Nanos t_end, int columns);

enum class PodState { Pending, NotReady, Ready, Terminating, Ended, Deleted };
const char* to_label(PodState s);

struct PodSpan {
    Nanos from = 0;
    Nanos to = 0;
    PodState state = PodState::Pending;
    std::string node;
};

// A Warning event about the pod (BackOff, Failed, Unhealthy), drawn as a tick on its row.
struct PodWarning {
    Nanos t = 0;
    std::string text;
};

struct PodRow {
    std::string name;
    std::vector<PodSpan> spans;
    std::vector<PodWarning> warnings;
};

std::string render_pod_timeline(const std::vector<PodRow>& rows, Nanos t_end,
                                const std::vector<Marker>& markers);

}  // namespace sim::scenario::report
