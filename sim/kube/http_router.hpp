// The HTTP face's request router: turns one decoded HTTP request into ApiServer calls and
// one HTTP response (k8s-semantics.md §1.1, §2). It knows nothing of sockets or threads, so
// it is tested directly and runs only on the simulation thread (HttpFace hands it requests).
//
// Served: the REST paths of every registered resource (/api/v1/..., /apis/G/V/...,
// namespaced or cluster-scoped, collection, item and status/scale/binding subresources),
// legacy discovery (/api, /apis, /apis/G, per group-version lists), /version, the minimal
// OpenAPI v3 of §2.3, Table responses (§2.4) and watch streams.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/kernel/json.hpp"
#include "sim/kube/api_server.hpp"

namespace sim::kube {

struct HttpRequest {
    std::string method;  // "GET", "POST", "PUT", "PATCH", "DELETE"
    std::string path;    // without the query string, already percent-decoded
    std::multimap<std::string, std::string> query;  // decoded
    std::string content_type;
    std::string accept;
    std::string body;
    // Every request header as received (name, value), in order; `header` looks one up.
    std::vector<std::pair<std::string, std::string>> headers;

    // The first value of a query parameter, or nullopt.
    std::optional<std::string> param(const std::string& name) const;
    // The first value of a header, its name compared without case (RFC 9110), or nullopt.
    std::optional<std::string> header(std::string_view name) const;
};

// The lines of one watch stream. The simulation thread pushes, the HTTP thread pops; the
// mutex is the only thing the two share.
class WatchStream {
  public:
    void push(std::string line);
    void close();
    // Waits up to `wait` for a line. nullopt with closed()==true means the stream is over.
    std::optional<std::string> pop(std::chrono::milliseconds wait);
    bool closed() const;

  private:
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::string> lines_;
    bool closed_ = false;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    // Extra response headers (name, value), written in order (the Seldon gateway's).
    std::vector<std::pair<std::string, std::string>> headers;
    // Set for a watch: the body is streamed from here, chunked, one JSON event per line.
    std::shared_ptr<WatchStream> stream;
    std::uint64_t stream_id = 0;
    // Wall-clock bound from timeoutSeconds (0: none); the HTTP thread enforces it.
    std::int64_t stream_timeout_seconds = 0;
};

struct RouterOptions {
    std::string server_address = "127.0.0.1:8001";  // for /api's serverAddressByClientCIDRs
    std::size_t max_body_bytes = 3 * 1024 * 1024;   // apiserver's default request limit (3 MiB)
};

class HttpRouter {
  public:
    explicit HttpRouter(ApiServer& server, RouterOptions options = {});
    HttpRouter(const HttpRouter&) = delete;
    HttpRouter& operator=(const HttpRouter&) = delete;
    ~HttpRouter();

    // Answers one request. Never throws for bad input: errors are Status bodies.
    HttpResponse handle(const HttpRequest& request);
    // Stops the watch behind a stream (client gone or timed out) and closes the stream.
    void close_stream(std::uint64_t stream_id);
    // Stops every watch and closes every stream (before the ApiServer goes away).
    void close_all_streams();
    std::size_t open_streams() const { return streams_.size(); }

  private:
    struct OpenStream {
        WatchHandle handle;
        std::shared_ptr<WatchStream> stream;
    };
    HttpResponse dispatch(const HttpRequest& request);
    HttpResponse resource_request(const HttpRequest& request, const ResourceRef& ref,
                                  const std::string& name, const std::string& subresource);
    HttpResponse watch(const HttpRequest& request, const ResourceRef& ref,
                       const ListOptions& options, bool as_table);

    ApiServer& server_;
    RouterOptions options_;
    std::map<std::uint64_t, OpenStream> streams_;
    std::uint64_t next_stream_id_ = 1;
};

}  // namespace sim::kube
