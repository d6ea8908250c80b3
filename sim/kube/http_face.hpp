// The HTTP face: cpp-httplib serving the Kubernetes REST API of one ApiServer.
//
// Threading (the ApiServer and EventLoop are single-threaded): httplib runs each connection
// on its own worker thread. A worker decodes the request into an HttpRequest, puts it in a
// mutex-guarded inbox and waits. The simulation thread calls pump(), which takes every
// queued request in arrival order, tells the request observer about it (so `sim-run serve`
// can record it into the trace as an input at the current virtual instant), answers it with
// HttpRouter on that thread, and hands the response back to the waiting worker. Nothing but
// the inbox and the watch streams' line queues is shared between threads.
//
// Watch streams: the watch runs inside the simulation (its events come through the event
// loop); each event becomes a JSON line in a WatchStream that the worker writes as a chunk.
// When the client goes away or timeoutSeconds (wall clock) passes, the worker queues a
// close, and the next pump() stops the watch.
//
//   HttpFace face(server, {});
//   const int port = face.start("127.0.0.1", 0);      // 0: an ephemeral port
//   while (!face.shutdown_requested()) {
//       face.wait_for_work(std::chrono::milliseconds(10));
//       face.pump();                                    // answers queued requests
//       loop.run_until(paced_virtual_now());            // deliver watch events, controllers
//   }
//   face.stop();                                        // before the ApiServer goes away
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "sim/kube/http_router.hpp"

namespace sim::kube {

struct HttpFaceOptions {
    RouterOptions router{};
    // POST /shutdown sets shutdown_requested() (for test servers; off by default).
    bool enable_shutdown_endpoint = false;
};

class HttpFace {
  public:
    HttpFace(ApiServer& server, HttpFaceOptions options = {});
    HttpFace(const HttpFace&) = delete;
    HttpFace& operator=(const HttpFace&) = delete;
    ~HttpFace();  // stop()

    // Binds host:port (port 0 picks a free one) and starts listening on a background thread.
    // Returns the bound port, or -1 when binding failed.
    int start(const std::string& host, int port);
    // Stops listening, fails pending requests with 503 and closes every watch stream.
    // Call from the simulation thread.
    void stop();

    // Simulation thread: answers every queued request and stream close, in arrival order.
    // Returns how many requests it answered.
    std::size_t pump();
    // Blocks until something is queued or `timeout` passes; true if something is queued.
    bool wait_for_work(std::chrono::milliseconds timeout);

    // Called on the simulation thread for each request just before it is answered.
    void set_request_observer(std::function<void(const HttpRequest&)> observer);
    // Sends the response of a request an interceptor took; call it once, on the simulation
    // thread, now or later (the worker that holds the connection waits for it).
    using Respond = std::function<void(HttpResponse)>;
    // Called on the simulation thread for each request after the observer: returning true
    // takes the request away from the Kubernetes router (sim-run serve's Seldon gateway).
    void set_interceptor(std::function<bool(const HttpRequest&, Respond)> interceptor);
    // Called on an HTTP worker thread each time something is queued for pump(), so a
    // simulation thread that waits on something else (an Asio timer) can wake up. It must be
    // thread-safe and quick. Set it before start().
    void set_wake_callback(std::function<void()> wake);
    bool shutdown_requested() const;
    std::size_t open_streams() const { return router_.open_streams(); }

  private:
    struct Shared;
    HttpRouter router_;
    HttpFaceOptions options_;
    std::shared_ptr<Shared> shared_;
    std::function<void(const HttpRequest&)> observer_;
    std::function<bool(const HttpRequest&, Respond)> interceptor_;
};

}  // namespace sim::kube
