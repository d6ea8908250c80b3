// report.html: the sections and series a learner needs, drawn from the trace alone; the same
// trace gives the same bytes; long runs stay small.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "sim/scenario/loader.hpp"
#include "sim/scenario/report.hpp"
#include "sim/scenario/report_svg.hpp"
#include "sim/scenario/runner.hpp"

using namespace sim::scenario;

namespace {

std::string render(const std::string& trace) {
    std::istringstream in(trace);
    return format_report({"synthetic", "A made-up run.", 7, "abc123"}, in);
}

bool has(const std::string& page, const std::string& needle) {
    return page.find(needle) != std::string::npos;
}

std::size_t count(const std::string& page, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t at = page.find(needle); at != std::string::npos;
         at = page.find(needle, at + needle.size()))
        ++n;
    return n;
}

std::string line(long long seconds, const std::string& kind, const std::string& rest) {
    return "{\"t\":" + std::to_string(seconds * 1'000'000'000LL) + ",\"time\":\"x\",\"kind\":\"" +
           kind + "\"" + (rest.empty() ? "" : "," + rest) + "}\n";
}

// A two-minute canary with traffic, an HPA, pods and events, as the layers write them.
std::string synthetic_trace() {
    std::string t;
    t += line(
        0, "run.start",
        R"("scenario":"synthetic","seed":7,"duration":"2m0s","startTime":"2025-01-01T00:00:00Z")");
    t += line(0, "step", R"("index":0,"action":"apply","file":"m.yaml","objects":[]})");
    t += line(
        0, "deployment",
        R"("deployment":"seldon/sd-main-0-classifier","replicas":2,"current":0,"updated":0,"ready":0,"available":0)");
    t += line(0, "pod", R"("pod":"seldon/sd-main-abc","phase":"Pending","ready":false)");
    t += line(5, "pod",
              R"("pod":"seldon/sd-main-abc","phase":"Running","ready":false,"node":"node-1")");
    t += line(20, "pod",
              R"("pod":"seldon/sd-main-abc","phase":"Running","ready":true,"node":"node-1")");
    t += line(
        20, "deployment",
        R"("deployment":"seldon/sd-main-0-classifier","replicas":2,"current":2,"updated":2,"ready":2,"available":2)");
    t += line(
        30, "event",
        R"("type":"Warning","reason":"BackOff","object":"Pod/seldon/sd-main-abc","message":"<script>alert(1)</script>","count":1,"source":"kubelet")");
    for (int s = 1; s <= 120; ++s) {
        t += line(
            s, "traffic",
            R"("source":"users","sdep":"seldon/sd","predictor":"main","shadow":false,"requests":9,"responses":9,"errors":0,"latency_p50_ms":12.5,"latency_p99_ms":40)");
        t += line(
            s, "traffic",
            R"("source":"users","sdep":"seldon/sd","predictor":"canary","shadow":false,"requests":1,"responses":0,"errors":1)");
    }
    t += line(
        60, "step",
        R"("index":1,"action":"fault","fault":"podKill","namespace":"seldon","selector":"a=b","count":1)");
    t += line(
        60, "pod",
        R"("pod":"seldon/sd-main-abc","phase":"Running","ready":true,"node":"node-1","terminating":true)");
    t += line(90, "pod", R"("pod":"seldon/sd-main-abc","phase":"Deleted")");
    t += line(
        30, "hpa",
        R"("hpa":"seldon/sd-main","current":2,"desired":4,"metrics":"cpu: 100%/50%","reason":"above target")");
    t += line(
        45, "hpa",
        R"("hpa":"seldon/sd-main","current":4,"desired":4,"metrics":"cpu: 50%/50%","reason":"within tolerance")");
    t += line(100, "expect",
              R"("index":0,"name":"canary gets some traffic","result":"pass","observed":"0.1")");
    t += line(
        120, "expect",
        R"("index":1,"name":"no errors","result":"fail","observed":"120","message":"expected 0 errors, observed 120")");
    t += line(61, "step.failed", R"("index":1,"message":"the API server refused this step")");
    t += line(0, "note", R"("message":"traffic is not simulated yet")");
    t += line(120, "run.end", R"("events":99,"expectationsFailed":1,"stepsFailed":0,"exitCode":1)");
    return t;
}

}  // namespace

TEST_CASE("the report draws every section from a trace with traffic and an HPA") {
    const std::string page = render(synthetic_trace());
    CHECK(page.starts_with("<!DOCTYPE html>"));
    for (const char* id :
         {"id=\"summary\"", "id=\"steps\"", "id=\"deployments\"", "id=\"traffic\"", "id=\"hpa\"",
          "id=\"pods\"", "id=\"expectations\"", "id=\"events\"",
          "id=\"deployment-seldon-sd-main-0-classifier\"", "id=\"traffic-rate\"",
          "id=\"traffic-share\"", "id=\"traffic-latency\"", "id=\"traffic-errors\"",
          "id=\"hpa-seldon-sd-main\"", "id=\"pod-timeline\""}) {
        INFO(id);
        CHECK(has(page, id));
    }
    CHECK(has(page, "data-series=\"main\""));
    CHECK(has(page, "data-series=\"canary\""));
    CHECK(has(page, "data-series=\"main p99\""));
    CHECK(has(page, "data-series=\"desired replicas\""));
    CHECK(has(page, "data-series=\"ready\""));
    CHECK(has(page, "data-pod=\"seldon/sd-main-abc\""));
    // The pod's Warning event is a tick on its row, explained by its tooltip.
    CHECK(has(page, "<title>00:00:30 BackOff: &lt;script&gt;"));
    CHECK_FALSE(has(page, "no traffic in this run"));
    CHECK_FALSE(has(page, "no HPA in this run"));
    // The canary gets 10% of the requests, all of them errors.
    CHECK(has(page, "canary: 10%"));
    CHECK(has(page, "cpu: 100%/50%"));
    CHECK(has(page, "expected 0 errors, observed 120"));
    CHECK(has(page, "run failed"));
    CHECK(has(page, "<span class=\"badge\">FAILED</span> the API server refused this step"));
    CHECK(has(page, "<li>00:00:00: traffic is not simulated yet</li>"));
    CHECK(has(page, "A made-up run."));
    CHECK(has(page, "abc123"));
    // Self-contained, and what the trace says is text, never markup.
    CHECK_FALSE(has(page, "<script"));
    CHECK(has(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    CHECK_FALSE(has(page, "http://"));
    CHECK_FALSE(has(page, "https://"));
}

TEST_CASE("the same trace gives the same bytes") {
    CHECK(render(synthetic_trace()) == render(synthetic_trace()));
}

TEST_CASE("a run without traffic or HPA says so instead of drawing empty charts") {
    const std::string page =
        render(line(0, "run.start", R"("scenario":"quiet","seed":1,"duration":"1m0s")") +
               line(60, "run.end", R"("events":1,"exitCode":0)"));
    CHECK(has(page, "no traffic in this run"));
    CHECK(has(page, "no HPA in this run"));
    CHECK_FALSE(has(page, "id=\"traffic-rate\""));
    CHECK(has(page, "run passed"));
}

TEST_CASE("an hour of per-second traffic is downsampled to a bounded page") {
    std::string trace = line(0, "run.start", R"("scenario":"long","seed":1,"duration":"1h0m0s")");
    for (int s = 1; s <= 3600; ++s) {
        for (const char* p : {"main", "canary", "shadow"}) {
            trace += line(
                s, "traffic",
                std::string(R"("source":"users","sdep":"seldon/sd","predictor":")") + p +
                    R"(","shadow":)" + (std::string(p) == "shadow" ? "true" : "false") +
                    R"(,"requests":100,"responses":100,"errors":0,"latency_p50_ms":10,"latency_p99_ms":30)");
        }
    }
    trace += line(3600, "run.end", R"("events":1,"exitCode":0)");
    const std::string page = render(trace);
    CHECK(page.size() < 400'000);
    // One hover band per bucket on each of the four traffic charts, not one per second.
    CHECK(count(page, "class=\"band\"") <= 4 * 240);
    // Shadow copies are not part of the share: main and canary split it half and half.
    CHECK(has(page, "main: 50%"));
    CHECK_FALSE(has(page, "shadow (shadow): 33.3%"));
}

TEST_CASE("a trace that cannot be read gives a page that says so") {
    const std::string page =
        format_report_file({"gone", "", 1, ""}, "/nonexistent/sim-report-test/trace.jsonl");
    CHECK(has(page, "cannot read the trace /nonexistent/sim-report-test/trace.jsonl"));
    CHECK(has(page, "<h1>gone</h1>"));
}

TEST_CASE("lines of the wrong shape are skipped, never a crash") {
    const std::string page = render(
        "not json\n{\"t\":\"soon\",\"kind\":\"pod\",\"pod\":7,\"ready\":\"yes\"}\n"
        "{\"kind\":\"traffic\",\"requests\":\"many\",\"shadow\":1}\n[1,2]\n");
    CHECK(has(page, "id=\"pod-timeline\""));
    CHECK(has(page, "id=\"traffic-rate\""));
}

TEST_CASE("numbers are formatted with fixed decimals, trailing zeros trimmed") {
    using sim::scenario::report::fixed;
    CHECK(fixed(12.0, 1) == "12");
    CHECK(fixed(12.25, 1) == "12.3");
    CHECK(fixed(-0.04, 1) == "0");
    CHECK(fixed(0.5, 2) == "0.5");
    CHECK(fixed(std::numeric_limits<double>::infinity(), 1) == "-");
}

TEST_CASE("sim-run run --out writes report.html with the run's deployments and pods") {
    const auto file = std::filesystem::path(SIM_TEST_SCENARIOS_DIR) / ".." / ".." / "scenarios" /
                      "hello-cluster.yaml";
    LoadResult loaded = load_scenario(file);
    REQUIRE(loaded.ok());
    const auto out = std::filesystem::temp_directory_path() / "sim-report-test-hello-cluster";
    std::filesystem::remove_all(out);
    RunOptions options;
    options.out_dir = out;
    options.progress = false;
    std::ostringstream err;
    const RunResult result = run_scenario(*loaded.scenario, options, err);
    REQUIRE(result.input_errors.empty());
    std::ifstream in(out / "report.html");
    REQUIRE(in);
    const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(has(page, "<h1>hello-cluster</h1>"));
    CHECK(has(page, result.trace_sha256));
    CHECK(has(page, "id=\"deployment-seldon-"));
    CHECK(has(page, "id=\"pod-timeline\""));
    CHECK(has(page, "data-pod=\"seldon/"));
    CHECK(count(page, "<tr class=\"pass\">") == result.expectations.size());
    CHECK(has(page, "Successfully assigned"));  // the scheduler's event
    // Redrawing the same trace gives the same page.
    std::ifstream trace(out / "trace.jsonl");
    CHECK(format_report(report_header(*loaded.scenario, result), trace) == page);
    std::filesystem::remove_all(out);
}
