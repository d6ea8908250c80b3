#include "sim/kube/http_face.hpp"

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <variant>

namespace sim::kube {

struct HttpFace::Shared {
    struct Job {
        HttpRequest request;
        std::promise<HttpResponse> reply;
    };
    using Item = std::variant<std::shared_ptr<Job>, std::uint64_t>;  // request or stream close

    std::mutex mutex;
    std::condition_variable queued;
    std::deque<Item> inbox;
    bool stopping = false;
    std::atomic<bool> shutdown{false};
    httplib::Server http;
    std::thread listener;
    std::function<void()> wake;  // set before the listener starts, read-only afterwards

    void notify() {
        queued.notify_all();
        if (wake) wake();
    }

    void enqueue(Item item) {
        {
            const std::lock_guard lock(mutex);
            inbox.push_back(std::move(item));
        }
        notify();
    }
};

namespace {

HttpRequest decode(const httplib::Request& req) {
    HttpRequest r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [k, v] : req.params)
        r.query.emplace(k, v);
    r.content_type = req.get_header_value("Content-Type");
    r.accept = req.get_header_value("Accept");
    r.body = req.body;
    for (const auto& [name, value] : req.headers)
        r.headers.emplace_back(name, value);
    return r;
}

void unavailable(httplib::Response& res) {
    res.status = 503;
    res.set_content(
        R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server is shutting down","reason":"ServiceUnavailable","code":503})",
        "application/json");
}

}  // namespace

HttpFace::HttpFace(ApiServer& server, HttpFaceOptions options)
    : router_(server, options.router),
      options_(std::move(options)),
      shared_(std::make_shared<Shared>()) {}

HttpFace::~HttpFace() {
    stop();
}

int HttpFace::start(const std::string& host, int port) {
    std::shared_ptr<Shared> shared = shared_;
    // The handlers live in shared->http: they hold Shared weakly, or Shared would own itself
    // and never be freed.
    const std::weak_ptr<Shared> weak = shared_;
    const bool shutdown_endpoint = options_.enable_shutdown_endpoint;
    auto handler = [weak, shutdown_endpoint](const httplib::Request& req, httplib::Response& res) {
        const std::shared_ptr<Shared> shared = weak.lock();
        if (!shared) return unavailable(res);
        if (shutdown_endpoint && req.method == "POST" && req.path == "/shutdown") {
            shared->shutdown = true;
            shared->notify();
            res.set_content("{}", "application/json");
            return;
        }
        auto job = std::make_shared<Shared::Job>();
        job->request = decode(req);
        std::future<HttpResponse> reply = job->reply.get_future();
        {
            const std::lock_guard lock(shared->mutex);
            if (shared->stopping) return unavailable(res);
            shared->inbox.push_back(job);
        }
        shared->notify();
        while (reply.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
            const std::lock_guard lock(shared->mutex);
            if (shared->stopping) return unavailable(res);
        }
        HttpResponse out = reply.get();
        res.status = out.status;
        for (const auto& [name, value] : out.headers)
            res.set_header(name, value);
        if (!out.stream) {
            res.set_content(out.body, out.content_type);
            return;
        }
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::seconds(out.stream_timeout_seconds);
        const bool bounded = out.stream_timeout_seconds > 0;
        std::shared_ptr<WatchStream> stream = out.stream;
        const std::uint64_t id = out.stream_id;
        // Not plain "application/json": httplib gzips that type when the client accepts gzip
        // (kubectl does), and its compressor holds events back until the stream ends.
        // client-go parses the media type, so the parameter is harmless.
        res.set_chunked_content_provider(
            "application/json;stream=watch",
            [stream, deadline, bounded](std::size_t, httplib::DataSink& sink) {
                if (bounded && std::chrono::steady_clock::now() >= deadline) {
                    sink.done();
                    return true;
                }
                if (auto line = stream->pop(std::chrono::milliseconds(100))) {
                    return sink.write(line->data(), line->size());
                }
                if (stream->closed()) sink.done();
                return sink.is_writable();
            },
            [weak, id](bool) {
                const std::shared_ptr<Shared> alive = weak.lock();
                if (alive && id != 0) alive->enqueue(id);
            });
    };
    shared->http.Get(".*", handler);
    shared->http.Post(".*", handler);
    shared->http.Put(".*", handler);
    shared->http.Patch(".*", handler);
    shared->http.Delete(".*", handler);
    shared->http.Options(".*", handler);  // the Seldon gateway's CORS preflights
    // httplib answers an oversized body with a bare 413 itself; let bodies up to twice the
    // limit reach the router, which answers with a Status body.
    // Watch streams hold a worker each and kubectl's discovery fans out one request per
    // group, so the pool is larger than httplib's default. httplib owns the queue it asks for.
    shared->http.new_task_queue = [] { return new httplib::ThreadPool(32); };  // NOLINT
    shared->http.set_payload_max_length(options_.router.max_body_bytes * 2);

    const int bound = port == 0 ? shared->http.bind_to_any_port(host.c_str())
                                : (shared->http.bind_to_port(host.c_str(), port) ? port : -1);
    if (bound < 0) return -1;
    shared->listener = std::thread([shared] { shared->http.listen_after_bind(); });
    return bound;
}

void HttpFace::stop() {
    {
        const std::lock_guard lock(shared_->mutex);
        if (shared_->stopping) return;
        shared_->stopping = true;
    }
    router_.close_all_streams();
    shared_->http.stop();
    if (shared_->listener.joinable()) shared_->listener.join();
    const std::lock_guard lock(shared_->mutex);
    shared_->inbox.clear();
}

std::size_t HttpFace::pump() {
    std::deque<Shared::Item> items;
    {
        const std::lock_guard lock(shared_->mutex);
        items.swap(shared_->inbox);
    }
    std::size_t answered = 0;
    for (Shared::Item& item : items) {
        if (const auto* id = std::get_if<std::uint64_t>(&item)) {
            router_.close_stream(*id);
            continue;
        }
        auto& job = *std::get<std::shared_ptr<Shared::Job>>(item);
        if (observer_) observer_(job.request);
        if (interceptor_) {
            auto held = std::get<std::shared_ptr<Shared::Job>>(item);
            auto answered_once = std::make_shared<bool>(false);
            const Respond respond = [held, answered_once](HttpResponse response) {
                if (*answered_once) return;
                *answered_once = true;
                held->reply.set_value(std::move(response));
            };
            if (interceptor_(job.request, respond)) {
                ++answered;
                continue;
            }
        }
        job.reply.set_value(router_.handle(job.request));
        ++answered;
    }
    return answered;
}

bool HttpFace::wait_for_work(std::chrono::milliseconds timeout) {
    std::unique_lock lock(shared_->mutex);
    return shared_->queued.wait_for(lock, timeout, [&] {
        return !shared_->inbox.empty() || shared_->shutdown;
    }) && !shared_->inbox.empty();
}

void HttpFace::set_wake_callback(std::function<void()> wake) {
    shared_->wake = std::move(wake);
}

void HttpFace::set_interceptor(std::function<bool(const HttpRequest&, Respond)> interceptor) {
    interceptor_ = std::move(interceptor);
}

void HttpFace::set_request_observer(std::function<void(const HttpRequest&)> observer) {
    observer_ = std::move(observer);
}

bool HttpFace::shutdown_requested() const {
    return shared_->shutdown;
}

}  // namespace sim::kube
