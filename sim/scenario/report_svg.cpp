#include "sim/scenario/report_svg.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <sstream>

namespace sim::scenario::report {
namespace {

// The chart's box in SVG user units; the page scales the whole picture to its width.
constexpr double kWidth = 960;
constexpr double kLeft = 64;
constexpr double kRight = 36;  // room for the last time label
constexpr double kTop = 24;
constexpr double kBottom = 40;
constexpr double kPlotHeight = 170;
constexpr double kPlotWidth = kWidth - kLeft - kRight;

// Pod timeline: names on the left, bars on the right.
constexpr double kPodLabelWidth = 250;
constexpr double kPodRow = 16;
constexpr double kPodBar = 11;

std::string num(double v) {
    return fixed(v, 1);
}

double x_of(Nanos t, Nanos t_end, double left, double width) {
    const double f = t_end > 0 ? static_cast<double>(t) / static_cast<double>(t_end) : 0.0;
    return left + std::clamp(f, 0.0, 1.0) * width;
}

// A tick step from {1, 2, 2.5, 5} x 10^k that cuts `range` into at most `ticks` pieces.
double nice_step(double range, int ticks, bool integer) {
    const double raw = range / ticks;
    double magnitude = 1;
    while (magnitude * 10 <= raw)
        magnitude *= 10;
    while (magnitude > raw && magnitude > 1e-9)
        magnitude /= 10;
    for (const double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
        const double step = m * magnitude;
        if (integer && (step < 1 || std::floor(step) != step)) continue;
        if (step * ticks >= range) return step;
    }
    return 10 * magnitude;
}

// Time ticks at human steps (seconds, minutes, hours), at most about eight of them.
Nanos time_step(Nanos t_end) {
    constexpr std::array<std::int64_t, 18> kSeconds{
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
    for (const std::int64_t s : kSeconds) {
        const Nanos step = s * kernel::kSecond;
        if (t_end / step <= 8) return step;
    }
    return 86400 * kernel::kSecond;
}

std::string markers_svg(const std::vector<Marker>& markers, Nanos t_end, double left, double width,
                        double top, double height) {
    std::string out;
    for (const Marker& m : markers) {
        if (m.t < 0 || m.t > t_end) continue;
        const std::string x = num(x_of(m.t, t_end, left, width));
        const char* cls = m.fault ? "marker fault" : "marker";
        out += "<g class=\"" + std::string(cls) + "\"><title>" + escape(m.text) + "</title>";
        out += "<line x1=\"" + x + "\" y1=\"" + num(top - 4) + "\" x2=\"" + x + "\" y2=\"" +
               num(top + height) + "\"/>";
        out += "<text x=\"" + x + "\" y=\"" + num(top - 7) + "\" text-anchor=\"middle\">" +
               escape(m.label) + "</text></g>";
    }
    return out;
}

std::string time_axis(Nanos t_end, double left, double width, double top, double height) {
    std::string out;
    const Nanos step = time_step(t_end);
    for (Nanos t = 0; t <= t_end; t += step) {
        const std::string x = num(x_of(t, t_end, left, width));
        out += "<line class=\"grid\" x1=\"" + x + "\" y1=\"" + num(top) + "\" x2=\"" + x +
               "\" y2=\"" + num(top + height) + "\"/>";
        out += "<text class=\"tick\" x=\"" + x + "\" y=\"" + num(top + height + 14) +
               "\" text-anchor=\"middle\">" + clock(t) + "</text>";
    }
    out += "<text class=\"axis\" x=\"" + num(left + width / 2) + "\" y=\"" +
           num(top + height + 32) + "\" text-anchor=\"middle\">virtual time (hh:mm:ss)</text>";
    return out;
}

std::string series_path(const Series& s, Nanos t_end, double y_max) {
    const auto y_of = [&](double v) { return kTop + kPlotHeight - v / y_max * kPlotHeight; };
    std::string d;
    bool pen_down = false;
    for (const Point& p : s.points) {
        if (!std::isfinite(p.value)) {
            pen_down = false;
            continue;
        }
        const std::string x = num(x_of(p.t, t_end, kLeft, kPlotWidth));
        const std::string y = num(y_of(p.value));
        if (!pen_down) {
            d += (d.empty() ? "M" : " M") + x + " " + y;
            pen_down = true;
        } else if (s.step) {
            d += " H" + x + " V" + y;
        } else {
            d += " L" + x + " " + y;
        }
    }
    if (s.step && pen_down) d += " H" + num(kLeft + kPlotWidth);
    if (d.empty()) return "";
    std::string area;
    if (s.fill && s.step && !s.points.empty()) {
        const std::string base = num(kTop + kPlotHeight);
        area = "<path class=\"area\" d=\"" + d + " V" + base + " H" +
               num(x_of(s.points.front().t, t_end, kLeft, kPlotWidth)) + " Z\" fill=\"" + s.color +
               "\"/>";
    }
    return area + "<path class=\"series\" data-series=\"" + escape(s.name) + "\" d=\"" + d +
           "\" stroke=\"" + s.color + "\"" + (s.dashed ? " stroke-dasharray=\"6 4\"" : "") +
           "><title>" + escape(s.name) + "</title></path>";
}

std::string legend(const std::vector<Series>& series) {
    std::string out = "<div class=\"legend\">";
    for (const Series& s : series) {
        out +=
            "<span class=\"key\"><svg width=\"24\" height=\"10\" aria-hidden=\"true\"><line "
            "x1=\"1\" y1=\"5\" x2=\"23\" y2=\"5\" stroke=\"" +
            s.color + "\" stroke-width=\"2.5\"" + (s.dashed ? " stroke-dasharray=\"5 3\"" : "") +
            "/></svg>" + escape(s.name) + "</span>";
    }
    return out + "</div>";
}

const char* pod_color(PodState s) {
    switch (s) {
        case PodState::Pending:
            return "#f5b841";
        case PodState::NotReady:
            return "#f27d3a";
        case PodState::Ready:
            return "#2fa85a";
        case PodState::Terminating:
            return "#9a7fe0";
        case PodState::Ended:
            return "#8a94a6";
        case PodState::Deleted:
            return "#cfd6e0";
    }
    return "#000";
}

}  // namespace

std::string fixed(double value, int decimals) {
    if (!std::isfinite(value)) return "-";
    std::int64_t scale = 1;
    for (int i = 0; i < decimals; ++i)
        scale *= 10;
    const std::int64_t scaled = std::llround(value * static_cast<double>(scale));
    const bool negative = scaled < 0;
    const std::uint64_t magnitude =
        negative ? static_cast<std::uint64_t>(-scaled) : static_cast<std::uint64_t>(scaled);
    std::string out = (negative ? "-" : "") + std::to_string(magnitude / scale);
    std::string fraction = std::to_string(magnitude % scale);
    if (decimals > 0) {
        fraction.insert(0, static_cast<std::size_t>(decimals) - fraction.size(), '0');
        while (!fraction.empty() && fraction.back() == '0')
            fraction.pop_back();
        if (!fraction.empty()) out += "." + fraction;
    }
    return out == "-0" ? "0" : out;
}

std::string escape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string clock(Nanos t) {
    return kernel::format_offset(t);
}

std::vector<Point> thin_steps(const std::vector<Point>& points, Nanos t_end, int columns) {
    if (points.size() <= static_cast<std::size_t>(columns) || t_end <= 0) return points;
    std::vector<Point> out;
    const Nanos column = std::max<Nanos>(1, t_end / columns);
    for (const Point& p : points) {
        if (out.size() > 1 && out.back().t / column == p.t / column) {
            out.back() = p;  // the same column: the later value wins
        } else {
            out.push_back(p);
        }
    }
    return out;
}

const char* to_label(PodState s) {
    switch (s) {
        case PodState::Pending:
            return "Pending";
        case PodState::NotReady:
            return "Running, not ready";
        case PodState::Ready:
            return "Ready";
        case PodState::Terminating:
            return "Terminating";
        case PodState::Ended:
            return "Succeeded / Failed";
        case PodState::Deleted:
            return "deleted";
    }
    return "";
}

std::string render_line_chart(const LineChart& chart, Nanos t_end,
                              const std::vector<Marker>& markers) {
    double max_value = chart.y_floor_max;
    for (const Series& s : chart.series)
        for (const Point& p : s.points)
            if (std::isfinite(p.value)) max_value = std::max(max_value, p.value);
    const double headroom = chart.y_fixed_max > 0 ? chart.y_fixed_max : max_value * 1.08;
    const double step = nice_step(headroom, 4, chart.integer_y);
    const double y_max =
        chart.y_fixed_max > 0 ? chart.y_fixed_max : std::ceil(headroom / step) * step;
    const double height = kTop + kPlotHeight + kBottom;

    std::string svg = "<svg class=\"chart\" id=\"" + escape(chart.id) + "\" viewBox=\"0 0 " +
                      num(kWidth) + " " + num(height) +
                      "\" role=\"img\" preserveAspectRatio=\"xMinYMin meet\"><title>" +
                      escape(chart.title) + "</title>";
    for (double v = 0; v <= y_max + step / 2; v += step) {
        const std::string y = num(kTop + kPlotHeight - v / y_max * kPlotHeight);
        svg += "<line class=\"grid\" x1=\"" + num(kLeft) + "\" y1=\"" + y + "\" x2=\"" +
               num(kLeft + kPlotWidth) + "\" y2=\"" + y + "\"/>";
        svg += "<text class=\"tick\" x=\"" + num(kLeft - 6) + "\" y=\"" + y +
               "\" dy=\"3.5\" text-anchor=\"end\">" + fixed(v, 2) + "</text>";
    }
    svg += "<text class=\"axis\" transform=\"translate(14 " + num(kTop + kPlotHeight / 2) +
           ") rotate(-90)\" text-anchor=\"middle\">" + escape(chart.y_label) + "</text>";
    svg += time_axis(t_end, kLeft, kPlotWidth, kTop, kPlotHeight);
    for (const Band& b : chart.bands) {
        const double x0 = x_of(b.from, t_end, kLeft, kPlotWidth);
        const double x1 = x_of(b.to, t_end, kLeft, kPlotWidth);
        svg += "<rect class=\"band\" x=\"" + num(x0) + "\" y=\"" + num(kTop) + "\" width=\"" +
               num(std::max(0.5, x1 - x0)) + "\" height=\"" + num(kPlotHeight) + "\"><title>" +
               escape(b.text) + "</title></rect>";
    }
    svg += markers_svg(markers, t_end, kLeft, kPlotWidth, kTop, kPlotHeight);
    for (const Series& s : chart.series)
        svg += series_path(s, t_end, y_max);
    for (const Dot& d : chart.dots) {
        svg += "<circle class=\"dot\" cx=\"" + num(x_of(d.t, t_end, kLeft, kPlotWidth)) +
               "\" cy=\"" + num(kTop + kPlotHeight - d.value / y_max * kPlotHeight) +
               "\" r=\"3.5\" fill=\"" + d.color + "\"><title>" + escape(d.text) +
               "</title></circle>";
    }
    svg += "<rect class=\"frame\" x=\"" + num(kLeft) + "\" y=\"" + num(kTop) + "\" width=\"" +
           num(kPlotWidth) + "\" height=\"" + num(kPlotHeight) + "\"/></svg>";
    return "<figure><figcaption>" + escape(chart.title) + "</figcaption>" + legend(chart.series) +
           svg + "</figure>";
}

std::string render_pod_timeline(const std::vector<PodRow>& rows, Nanos t_end,
                                const std::vector<Marker>& markers) {
    const double left = kPodLabelWidth + 10;
    const double width = kWidth - left - kRight;
    const double plot_height = kPodRow * static_cast<double>(rows.size());
    const double height = kTop + plot_height + kBottom;
    std::string out = "<div class=\"legend\">";
    for (const PodState s : {PodState::Pending, PodState::NotReady, PodState::Ready,
                             PodState::Terminating, PodState::Ended, PodState::Deleted}) {
        out += "<span class=\"key\"><i style=\"background:" + std::string(pod_color(s)) +
               "\"></i>" + to_label(s) + "</span>";
    }
    out +=
        "<span class=\"key\"><svg width=\"10\" height=\"10\" aria-hidden=\"true\"><path "
        "class=\"warn\" d=\"M5 9 L1 1 H9 Z\"/></svg>Warning event</span>";
    out += "</div><svg class=\"chart\" id=\"pod-timeline\" viewBox=\"0 0 " + num(kWidth) + " " +
           num(height) + "\" role=\"img\"><title>pod timeline</title>";
    out += time_axis(t_end, left, width, kTop, plot_height);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const PodRow& row = rows[i];
        const double y = kTop + kPodRow * static_cast<double>(i);
        if (i % 2 == 1) {
            out += "<rect class=\"stripe\" x=\"0\" y=\"" + num(y) + "\" width=\"" + num(kWidth) +
                   "\" height=\"" + num(kPodRow) + "\"/>";
        }
        std::string label = row.name;
        if (label.size() > 40) label = label.substr(0, 18) + "…" + label.substr(label.size() - 21);
        out += "<text class=\"pod\" x=\"" + num(kPodLabelWidth) + "\" y=\"" + num(y + kPodRow / 2) +
               "\" dy=\"3.5\" text-anchor=\"end\"><title>" + escape(row.name) + "</title>" +
               escape(label) + "</text>";
        out += "<g data-pod=\"" + escape(row.name) + "\">";
        for (const PodSpan& span : row.spans) {
            const double x0 = x_of(span.from, t_end, left, width);
            const double x1 = x_of(span.to, t_end, left, width);
            const bool deleted = span.state == PodState::Deleted;
            const double bar = deleted ? 2 : kPodBar;
            out += "<rect x=\"" + num(x0) + "\" y=\"" + num(y + (kPodRow - bar) / 2) +
                   "\" width=\"" + num(std::max(1.0, x1 - x0)) + "\" height=\"" + num(bar) +
                   "\" fill=\"" + pod_color(span.state) + "\"><title>" + escape(row.name) + ": " +
                   to_label(span.state) + " " + clock(span.from) + " – " + clock(span.to) +
                   (span.node.empty() ? "" : " on " + escape(span.node)) + "</title></rect>";
        }
        for (const PodWarning& w : row.warnings) {
            const double x = x_of(w.t, t_end, left, width);
            out += "<path class=\"warn\" d=\"M" + num(x) + " " + num(y + 9) + " L" + num(x - 4) +
                   " " + num(y + 1) + " H" + num(x + 4) + " Z\"><title>" + clock(w.t) + " " +
                   escape(w.text) + "</title></path>";
        }
        out += "</g>";
    }
    out += markers_svg(markers, t_end, left, width, kTop, plot_height);
    out += "</svg>";
    return out;
}

}  // namespace sim::scenario::report
