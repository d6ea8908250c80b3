// A test server for the kubectl end-to-end tests: a fresh ApiServer (no controllers) behind
// the HTTP face on 127.0.0.1, virtual time paced 1:1 against the wall clock.
//
//   fake_apiserver PORT_FILE [IDLE_EXIT_SECONDS]
//
// Writes the bound (ephemeral) port to PORT_FILE once listening. Exits 0 on POST /shutdown
// or after IDLE_EXIT_SECONDS (default 60) without a request, so no test leaves it running.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "sim/kernel/event_loop.hpp"
#include "sim/kernel/random.hpp"
#include "sim/kube/api_server.hpp"
#include "sim/kube/http_face.hpp"

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3) {
        std::cerr << "usage: fake_apiserver PORT_FILE [IDLE_EXIT_SECONDS]\n";
        return 2;
    }
    const std::string port_file = argv[1];
    const long idle_exit_seconds = argc == 3 ? std::strtol(argv[2], nullptr, 10) : 60;
    if (idle_exit_seconds <= 0) {
        std::cerr << "fake_apiserver: IDLE_EXIT_SECONDS must be a positive integer, got " << argv[2]
                  << "\n";
        return 2;
    }

    sim::kernel::EventLoop loop;
    sim::kernel::RandomStreams streams(1);
    sim::kube::ApiServer server(loop, streams);
    sim::kube::HttpFace face(server, {.router = {}, .enable_shutdown_endpoint = true});
    const int port = face.start("127.0.0.1", 0);
    if (port < 0) {
        std::cerr << "fake_apiserver: cannot listen on 127.0.0.1\n";
        return 1;
    }
    {
        const std::string tmp = port_file + ".tmp";
        std::ofstream(tmp) << port << "\n";
        if (std::rename(tmp.c_str(), port_file.c_str()) != 0) {
            std::cerr << "fake_apiserver: cannot write " << port_file << "\n";
            return 1;
        }
    }

    using Clock = std::chrono::steady_clock;
    const Clock::time_point origin = Clock::now();
    Clock::time_point last_request = origin;
    while (!face.shutdown_requested()) {
        face.wait_for_work(std::chrono::milliseconds(20));
        if (face.pump() > 0) last_request = Clock::now();
        // Pacing: virtual time follows the wall clock, so watch deliveries (loop events) run.
        const auto elapsed =
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - origin);
        loop.run_until(std::max<sim::kernel::Nanos>(loop.now(), elapsed.count()));
        if (Clock::now() - last_request > std::chrono::seconds(idle_exit_seconds)) break;
    }
    face.stop();
    return 0;
}
