#include "sim/cluster/prometheus_metrics.hpp"

#include <algorithm>
#include <charconv>
#include <utility>
#include <vector>

namespace sim::cluster {
namespace {

// Shortest round-trip form, as Go's strconv.FormatFloat(v, 'g', -1, 64) writes for these values.
std::string number(double v) {
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
                                     int code, kernel::Nanos latency) {
    const std::string status = std::to_string(code);
    const auto [image_name, image_version] = image_parts(image);
    client_[label_set({{"deployment_name", who.deployment_name},
                       {"predictor_name", who.predictor_name},
                       {"predictor_version", who.predictor_version},
                       {"service", service_path},
                       {"model_name", model_name},
                       {"model_image", image_name},
                       {"model_version", image_version},
                       {"method", "post"},
                       {"code", status}})]
        .observe(latency);
}

void ExecutorMetrics::render(std::string& out, const char* name, const char* help,
                             const std::map<std::string, Histogram>& series) {
    if (series.empty()) return;
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += " histogram\n";
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

std::string ExecutorMetrics::text() const {
    std::string out;
    render(out, "seldon_api_executor_client_requests_seconds",
           "Latency of the executor's calls to graph nodes, in virtual seconds.", client_);
    render(out, "seldon_api_executor_server_requests_seconds",
           "Latency of the requests the executor answered, in virtual seconds.", server_);
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
