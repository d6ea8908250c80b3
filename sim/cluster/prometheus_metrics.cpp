#include "sim/cluster/prometheus_metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

namespace sim::cluster {
namespace {

// executor/api/metric/constants.go DefObjectives: the quantiles the summaries export.
constexpr std::array<double, 5> kQuantiles{0.5, 0.75, 0.9, 0.99, 1.0};
// prometheus/summary.go: DefMaxAge 10 min over DefAgeBuckets 5 streams.
constexpr kernel::Nanos kStreamDuration = 2 * 60 * kernel::kSecond;

// Shortest round-trip form, as Go's strconv.FormatFloat(v, 'g', -1, 64) writes for these values.
std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    std::array<char, 32> buffer{};
    const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), v);
    return ec == std::errc{} ? std::string(buffer.data(), end) : std::string("NaN");
}

// client_golang writes a series' labels sorted by name.
std::string label_set(std::vector<std::pair<std::string_view, std::string_view>> labels) {
    std::sort(labels.begin(), labels.end());
    std::string out;
    for (const auto& [name, value] : labels) {
        if (!out.empty()) out += ',';
        out.append(name);
        out += "=\"";
        out += prometheus_escape(value);
        out += '"';
    }
    return out;
}

// The image name and tag, split at ':' as client.go does (no tag: empty version).
std::pair<std::string_view, std::string_view> image_parts(std::string_view image) {
    const std::size_t colon = image.find(':');
    if (colon == std::string_view::npos) return {image, {}};
    const std::string_view rest = image.substr(colon + 1);
    // strings.Split gives more than two parts for "host:port/name:tag": no version then.
    if (rest.find(':') != std::string_view::npos) return {image.substr(0, colon), {}};
    return {image.substr(0, colon), rest};
}

// A metric family's "# HELP" and "# TYPE" lines.
void family_header(std::string& out, const char* name, const char* help, const char* type) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

}  // namespace

std::string prometheus_escape(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

void ExecutorMetrics::Histogram::observe(kernel::Nanos latency) {
    const double seconds = static_cast<double>(latency) / 1e9;
    ++count;
    sum_seconds += seconds;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        if (seconds <= kBuckets[i]) {
            ++buckets[i];
            return;
        }
    }
}

void ExecutorMetrics::server_request(const ExecutorIdentity& who, std::string_view service,
                                     int code, kernel::Nanos latency) {
    const std::string status = std::to_string(code);
    server_[label_set({{"deployment_name", who.deployment_name},
                       {"predictor_name", who.predictor_name},
                       {"predictor_version", who.predictor_version},
                       {"service", service},
                       {"method", "post"},
                       {"code", status}})]
        .observe(latency);
}

void ExecutorMetrics::client_request(const ExecutorIdentity& who, std::string_view service_path,
                                     const std::string& model_name, const std::string& image,
                                     int code, kernel::Nanos latency, kernel::Nanos now) {
    const std::string status = std::to_string(code);
    const auto [image_name, image_version] = image_parts(image);
    const std::string labels = label_set({{"deployment_name", who.deployment_name},
                                          {"predictor_name", who.predictor_name},
                                          {"predictor_version", who.predictor_version},
                                          {"service", service_path},
                                          {"model_name", model_name},
                                          {"model_image", image_name},
                                          {"model_version", image_version},
                                          {"method", "post"},
                                          {"code", status}});
    client_[labels].observe(latency);
    client_summary_[labels].observe(now, latency);
    last_observed_at_ = std::max(last_observed_at_, now);
}

void ExecutorMetrics::SummaryStreams::flush(kernel::Nanos now, std::uint64_t calls) {
    // swapBufs: the buffer's expiry moves past `now` on the grid.
    while (buffer_expiry <= now)
        buffer_expiry += kStreamDuration;
    // flushColdBuf: the buffered calls go into every stream, then maybeRotateStreams.
    flushed = calls;
    while (head_expiry != buffer_expiry) {
        first_call[head] = flushed;
        head = (head + 1) % kStreams;
        head_expiry += kStreamDuration;
    }
}

void ExecutorMetrics::Summary::observe(kernel::Nanos now, kernel::Nanos latency) {
    if (count == 0) streams.buffer_expiry = streams.head_expiry = now + kStreamDuration;
    // Observe: a call after the buffer's expiry flushes the buffer before it joins it.
    if (now > streams.buffer_expiry) streams.flush(now, count);
    const double value = static_cast<double>(latency) / 1e9;
    seconds.push_back(value);
    ++count;
    sum_seconds += value;
    // Calls no stream holds any more are dropped.
    const std::uint64_t oldest =
        *std::min_element(streams.first_call.begin(), streams.first_call.end());
    while (first_kept < oldest) {
        seconds.pop_front();
        ++first_kept;
    }
}

double ExecutorMetrics::Summary::quantile(kernel::Nanos now, double q) const {
    SummaryStreams scraped = streams;  // Write flushes at `now`
    scraped.flush(now, count);
    const std::uint64_t from = scraped.first_call[scraped.head];
    std::vector<double> values;
    values.reserve(scraped.flushed - from);
    for (std::uint64_t call = from; call < scraped.flushed; ++call)
        values.push_back(seconds[call - first_kept]);
    if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
    // Nearest rank: the ceil(q * n)-th smallest (1-based), at least the first.
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    const std::size_t index = rank == 0 ? 0 : rank - 1;
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index),
                     values.end());
    return values[index];
}

void ExecutorMetrics::render(std::string& out, const char* name, const char* help,
                             const std::map<std::string, Histogram>& series) {
    if (series.empty()) return;
    family_header(out, name, help, "histogram");
    for (const auto& [labels, h] : series) {
        const std::string prefix = labels.empty() ? "" : labels + ",";
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < kBuckets.size(); ++i) {
            cumulative += h.buckets[i];
            out += name;
            out += "_bucket{" + prefix + "le=\"" + number(kBuckets[i]) + "\"} " +
                   std::to_string(cumulative) + "\n";
        }
        out += name;
        out += "_bucket{" + prefix + "le=\"+Inf\"} " + std::to_string(h.count) + "\n";
        out += name;
        out += "_sum{" + labels + "} " + number(h.sum_seconds) + "\n";
        out += name;
        out += "_count{" + labels + "} " + std::to_string(h.count) + "\n";
    }
}

void ExecutorMetrics::render(std::string& out, const char* name, const char* help,
                             const std::map<std::string, Summary>& series, kernel::Nanos now) {
    if (series.empty()) return;
    family_header(out, name, help, "summary");
    for (const auto& [labels, s] : series) {
        const std::string prefix = labels.empty() ? "" : labels + ",";
        for (const double q : kQuantiles) {
            out += name;
            out += "{" + prefix + "quantile=\"" + number(q) + "\"} " + number(s.quantile(now, q)) +
                   "\n";
        }
        out += name;
        out += "_sum{" + labels + "} " + number(s.sum_seconds) + "\n";
        out += name;
        out += "_count{" + labels + "} " + std::to_string(s.count) + "\n";
    }
}

// The HELP texts are the executor's own (metric/server.go, client.go); the registry writes the
// families sorted by name.
std::string ExecutorMetrics::text(kernel::Nanos now) const {
    now = std::max(now, last_observed_at_);
    std::string out;
    render(out, "seldon_api_executor_client_requests_seconds",
           "A histogram of latencies for client calls from executor", client_);
    render(out, "seldon_api_executor_client_requests_seconds_summary",
           "A summary of latencies for client calls from executor", client_summary_, now);
    render(out, "seldon_api_executor_server_requests_seconds",
           "A histogram of latencies for executor server", server_);
    return out;
}

std::uint64_t ExecutorMetrics::server_count() const {
    std::uint64_t n = 0;
    for (const auto& [labels, h] : server_)
        n += h.count;
    return n;
}

std::uint64_t ExecutorMetrics::client_count() const {
    std::uint64_t n = 0;
    for (const auto& [labels, h] : client_)
        n += h.count;
    return n;
}

}  // namespace sim::cluster
