// The threaded HTTP face over loopback: a worker thread's request is answered only when the
// simulation thread pumps, and watch events arrive as chunked JSON lines.
#include <httplib.h>
#include <catch2/catch.hpp>

#include <future>

#include "fixtures.hpp"
#include "sim/kube/http_face.hpp"

using kube_test::Cluster;
using sim::kube::HttpFace;
using sim::kube::HttpRequest;
using sim::kube::Json;

namespace {

// Pumps until `done` is ready; bounded by a number of 10 ms waits for work.
template <class T>
bool pump_until(HttpFace& face, std::future<T>& done, int max_rounds = 500) {
    for (int i = 0; i < max_rounds; ++i) {
        face.wait_for_work(std::chrono::milliseconds(10));
        face.pump();
        if (done.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("http face: requests are answered on the pumping thread, in arrival order",
          "[kube][http]") {
    Cluster c;
    HttpFace face(c.server);
    std::vector<std::string> seen;
    face.set_request_observer(
        [&](const HttpRequest& r) { seen.push_back(r.method + " " + r.path); });
    const int port = face.start("127.0.0.1", 0);
    REQUIRE(port > 0);

    auto created = std::async(std::launch::async, [port] {
        httplib::Client http("127.0.0.1", port);
        const auto r = http.Post("/api/v1/namespaces/default/configmaps",
                                 kube_test::config_map("cm").dump(), "application/json");
        return r ? r->status : -1;
    });
    REQUIRE(pump_until(face, created));
    CHECK(created.get() == 201);
    CHECK(seen == std::vector<std::string>{"POST /api/v1/namespaces/default/configmaps"});
    CHECK(c.server.get(sim::kube::refs::kConfigMaps.in("default"), "cm").ok());

    auto missing = std::async(std::launch::async, [port] {
        httplib::Client http("127.0.0.1", port);
        const auto r = http.Get("/api/v1/namespaces/default/configmaps/none");
        return r ? std::make_pair(r->status, r->body) : std::make_pair(-1, std::string{});
    });
    REQUIRE(pump_until(face, missing));
    const auto [code, body] = missing.get();
    CHECK(code == 404);
    CHECK(Json::parse(body)["message"] == "configmaps \"none\" not found");
    face.stop();
}

TEST_CASE("http face: a watch streams events and ends at timeoutSeconds", "[kube][http]") {
    Cluster c;
    HttpFace face(c.server);
    const int port = face.start("127.0.0.1", 0);
    REQUIRE(port > 0);

    std::promise<void> first_line;
    auto first = first_line.get_future();
    auto watched = std::async(std::launch::async, [port, &first_line] {
        httplib::Client http("127.0.0.1", port);
        std::string received;
        bool signalled = false;
        http.Get("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1",
                 [&](const char* data, std::size_t n) {
                     received.append(data, n);
                     if (!signalled && received.find('\n') != std::string::npos) {
                         signalled = true;
                         first_line.set_value();
                     }
                     return true;
                 });
        return received;
    });
    // The watch opens when pumped; then a write, delivered through the event loop.
    for (int i = 0; i < 500 && face.open_streams() == 0; ++i) {
        face.wait_for_work(std::chrono::milliseconds(10));
        face.pump();
    }
    REQUIRE(face.open_streams() == 1);
    REQUIRE(c.server.create(sim::kube::refs::kConfigMaps.in("default"), kube_test::config_map("cm"))
                .ok());
    c.loop.run_until_idle(100);
    REQUIRE(pump_until(face, first));
    REQUIRE(pump_until(face, watched));  // ends by itself after timeoutSeconds
    const std::string received = watched.get();
    const Json event = Json::parse(received.substr(0, received.find('\n')));
    CHECK(event["type"] == "ADDED");
    CHECK(event["object"]["metadata"]["name"] == "cm");
    for (int i = 0; i < 100 && face.open_streams() != 0; ++i) {
        face.wait_for_work(std::chrono::milliseconds(10));
        face.pump();
    }
    CHECK(face.open_streams() == 0);  // the close reached the simulation thread
    face.stop();
}
