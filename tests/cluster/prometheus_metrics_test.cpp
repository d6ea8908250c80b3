// The executor's Prometheus metrics (sim/cluster/prometheus_metrics.hpp): the client summary's
// sliding window and quantiles, worked out by hand from client_golang's summary rules
// (MaxAge 10 min in 5 age buckets: the window at t starts at the last 2-minute mark, counted
// from the series' first observation, that is at least 8 minutes back).
#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include <map>
#include <sstream>
#include <string>

#include "sim/cluster/prometheus_metrics.hpp"

namespace {

using sim::cluster::ExecutorIdentity;
using sim::cluster::ExecutorMetrics;
using sim::kernel::kMillisecond;
using sim::kernel::kMinute;
using sim::kernel::kSecond;
using sim::kernel::Nanos;

const ExecutorIdentity kWho{"sd", "p", ""};

void call(ExecutorMetrics& m, Nanos latency, Nanos at, int code = 200) {
    m.client_request(kWho, "/predict", "classifier", "model:1", code, latency, at);
}

// Every sample line NAME{LABELS} VALUE of the exposition, by NAME{LABELS}.
std::map<std::string, std::string> samples(const std::string& text) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line.starts_with("#")) continue;
        const std::size_t space = line.rfind(' ');
        out[line.substr(0, space)] = line.substr(space + 1);
    }
    return out;
}

const std::string kLabels =
    R"(code="200",deployment_name="sd",method="post",model_image="model",)"
    R"(model_name="classifier",model_version="1",predictor_name="p",predictor_version="",service="/predict")";

std::string quantile(const std::string& text, const char* q) {
    return samples(text)["seldon_api_executor_client_requests_seconds_summary{" + kLabels +
                         ",quantile=\"" + q + "\"}"];
}

}  // namespace

TEST_CASE("the client summary gives nearest-rank quantiles of the calls in its window") {
    ExecutorMetrics m;
    // 1 .. 100 ms, one call each, all within the first minute.
    for (int i = 1; i <= 100; ++i)
        call(m, i * kMillisecond, i * 100 * kMillisecond);
    const std::string text = m.text(kMinute);
    CHECK(quantile(text, "0.5") == "0.05");
    CHECK(quantile(text, "0.75") == "0.075");
    CHECK(quantile(text, "0.9") == "0.09");
    CHECK(quantile(text, "0.99") == "0.099");
    CHECK(quantile(text, "1") == "0.1");
    const auto s = samples(text);
    CHECK(s.at("seldon_api_executor_client_requests_seconds_summary_count{" + kLabels + "}") ==
          "100");
    CHECK(s.at("seldon_api_executor_client_requests_seconds_count{" + kLabels + "}") == "100");
    // The families in name order, as the registry gathers them; no server summary (REST).
    const std::size_t histogram =
        text.find("# TYPE seldon_api_executor_client_requests_seconds histogram");
    const std::size_t summary =
        text.find("# TYPE seldon_api_executor_client_requests_seconds_summary summary");
    REQUIRE(histogram != std::string::npos);
    REQUIRE(summary != std::string::npos);
    CHECK(histogram < summary);
    CHECK(text.find("seldon_api_executor_server_requests_seconds_summary") == std::string::npos);
}

TEST_CASE("the client summary forgets calls older than its 8 to 10 minute window") {
    ExecutorMetrics m;
    const Nanos first = 30 * kSecond;
    call(m, 900 * kMillisecond, first);               // slow, early
    call(m, 10 * kMillisecond, first + 9 * kMinute);  // fast, later
    // At first + 9:59 four rotations have happened: the window still starts at `first`.
    CHECK(quantile(m.text(first + 9 * kMinute + 59 * kSecond), "1") == "0.9");
    // At first + 10:00 the fifth rotation resets the stream that held the slow call: the
    // window starts at first + 2:00.
    CHECK(quantile(m.text(first + 10 * kMinute), "1") == "0.01");
    // At first + 20:00 nothing is left in the window: NaN, but _count keeps every call.
    const std::string late = m.text(first + 20 * kMinute);
    CHECK(quantile(late, "0.5") == "NaN");
    CHECK(samples(late).at("seldon_api_executor_client_requests_seconds_summary_count{" + kLabels +
                           "}") == "2");
}

TEST_CASE("each label set has its own summary and window") {
    ExecutorMetrics m;
    call(m, 5 * kMillisecond, kSecond);
    call(m, 20 * kMillisecond, 5 * kMinute, 500);
    const std::string text = m.text(11 * kMinute);
    // The 200 series started at 1 s: at 11:00 five rotations are done, window from 2:01.
    CHECK(quantile(text, "0.5") == "NaN");
    const std::string failed =
        R"(seldon_api_executor_client_requests_seconds_summary{code="500",deployment_name="sd",)"
        R"(method="post",model_image="model",model_name="classifier",model_version="1",)"
        R"(predictor_name="p",predictor_version="",service="/predict",quantile="0.5"})";
    CHECK(samples(text).at(failed) == "0.02");
}

namespace {

// client_golang's summary (prometheus/summary.go) as a model, streams and buffers explicit:
// Observe flushes the buffer first when `now` is after the buffer's expiry; a flush advances
// that expiry past `now` on the 2-minute grid from the series' creation, inserts the buffered
// values into all five streams, and then resets the head stream once per grid step passed,
// moving the head on. A scrape (Write) flushes at its instant. Quantiles here are nearest rank
// over the head stream's exact values (the real streams are CKMS sketches).
class SummaryModel {
  public:
    void observe(Nanos now, double seconds) {
        if (!created_) {
            created_ = true;
            buffer_expiry_ = head_expiry_ = now + 2 * kMinute;
        }
        if (now > buffer_expiry_) flush(now);
        buffer_.push_back(seconds);
    }
    double quantile(Nanos now, double q) {
        flush(now);
        std::vector<double> values = streams_[head_];
        if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
        std::sort(values.begin(), values.end());
        const auto rank =
            static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
        return values[rank == 0 ? 0 : rank - 1];
    }

  private:
    void flush(Nanos now) {
        while (buffer_expiry_ <= now)
            buffer_expiry_ += 2 * kMinute;
        for (const double v : buffer_)
            for (auto& stream : streams_)
                stream.push_back(v);
        buffer_.clear();
        while (head_expiry_ != buffer_expiry_) {
            streams_[head_].clear();
            head_ = (head_ + 1) % streams_.size();
            head_expiry_ += 2 * kMinute;
        }
    }

    bool created_ = false;
    Nanos buffer_expiry_ = 0;
    Nanos head_expiry_ = 0;
    std::vector<double> buffer_;
    std::array<std::vector<double>, 5> streams_;
    std::size_t head_ = 0;
};

}  // namespace

TEST_CASE("the client summary's window is client_golang's five rotating streams") {
    rc::prop("same quantiles as the stream model at a scrape after any calls", [] {
        // Gaps up to 3 minutes, a third of them landing exactly on a 2-minute mark of the
        // series (the boundary case), latencies 1 .. 999 ms.
        const auto steps = *rc::gen::container<std::vector<std::pair<int, int>>>(
            rc::gen::pair(rc::gen::inRange(0, 180'000), rc::gen::inRange(1, 1000)));
        RC_PRE(!steps.empty());
        ExecutorMetrics metrics;
        SummaryModel model;
        const Nanos first = 7 * kSecond;
        Nanos t = first;
        for (std::size_t i = 0; i < steps.size(); ++i) {
            const auto [gap_ms, latency_ms] = steps[i];
            // To the next 2-minute mark after the first call, or a plain gap.
            if (i > 0)
                t += gap_ms % 3 == 0 ? 2 * kMinute - (t - first) % (2 * kMinute)
                                     : gap_ms * kMillisecond;
            call(metrics, latency_ms * kMillisecond, t);
            model.observe(t, static_cast<double>(latency_ms * kMillisecond) / 1e9);
        }
        const Nanos scrape = t + *rc::gen::inRange(0, 900) * kSecond;
        const std::string text = metrics.text(scrape);
        for (const char* q : {"0.5", "0.75", "0.9", "0.99", "1"}) {
            const double want = model.quantile(scrape, std::stod(q));
            const std::string got = quantile(text, q);
            if (std::isnan(want))
                RC_ASSERT(got == "NaN");
            else
                RC_ASSERT(std::stod(got) == want);
        }
    });
}
