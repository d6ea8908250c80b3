// The controller manager: keys in queue order, requeue_after, rate-limited retries, the
// decision hook.
#include <catch2/catch.hpp>

#include "workload_fixture.hpp"

namespace {
// See Env::settle: step to a sentinel instead of EventLoop::run_until.
void run_to(sim::kernel::EventLoop& loop, sim::kernel::Nanos t) {
    bool reached = false;
    loop.schedule_at(t, [&reached] { reached = true; });
    while (!reached && loop.step()) {
    }
}
}  // namespace

using namespace workload_test;
using sim::controller::ReconcileResult;
using sim::kernel::kMillisecond;
using sim::kernel::Nanos;

namespace {

// Records every reconcile; fails a key a set number of times; re-queues "tick" every 10 s.
class Probe : public sim::controller::Controller {
  public:
    std::string name() const override { return "probe"; }
    void setup() override {
        informer(refs::kConfigMaps)
            .add_handlers({.on_add = [this](const Json& cm) { enqueue(meta::key_of(cm)); },
                           .on_update = nullptr,
                           .on_delete = nullptr});
    }
    ReconcileResult reconcile(const std::string& key) override {
        seen.emplace_back(key, now());
        if (key == "default/tick") return ReconcileResult::after(10 * kSecond);
        if (key == "default/flaky" && failures_left > 0) {
            --failures_left;
            return ReconcileResult::failed("boom");
        }
        decide(key, "noted", "it exists");
        return ReconcileResult::done();
    }
    std::vector<std::pair<std::string, Nanos>> seen;
    int failures_left = 3;
};

Json config_map(const std::string& name) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", "default"}}}};
}

}  // namespace

TEST_CASE("manager: keys are reconciled in queue order, one per event") {
    sim::kernel::EventLoop loop;
    sim::kernel::RandomStreams streams(1);
    sim::kube::ApiServer server(loop, streams);
    sim::kube::Client client(server, "test");
    sim::controller::Manager manager(client);
    auto& probe = static_cast<Probe&>(manager.add(std::make_unique<Probe>()));
    std::vector<std::string> decisions;
    manager.on_decision(
        [&](const std::string& c, const std::string& k, const std::string& w,
            const std::string& y) { decisions.push_back(c + "|" + k + "|" + w + "|" + y); });
    for (const char* n : {"c", "a", "b"})
        client.create(config_map(n)).value();
    manager.start();
    run_to(loop, kSecond);
    REQUIRE(manager.synced());
    REQUIRE(probe.seen.size() == 3);
    // The initial list is in key order.
    CHECK(probe.seen[0].first == "default/a");
    CHECK(probe.seen[1].first == "default/b");
    CHECK(probe.seen[2].first == "default/c");
    CHECK(decisions.front() == "probe|default/a|noted|it exists");
    client.create(config_map("d")).value();
    run_to(loop, 2 * kSecond);
    CHECK(probe.seen.back().first == "default/d");
    CHECK(manager.stats().reconciles == 4);
}

TEST_CASE("manager: errors back off 5 ms, 10 ms, 20 ms, success forgets") {
    sim::kernel::EventLoop loop;
    sim::kernel::RandomStreams streams(1);
    sim::kube::ApiServer server(loop, streams);
    sim::kube::Client client(server, "test");
    sim::controller::Manager manager(client);
    auto& probe = static_cast<Probe&>(manager.add(std::make_unique<Probe>()));
    manager.start();
    run_to(loop, kSecond);
    client.create(config_map("flaky")).value();
    run_to(loop, 2 * kSecond);
    std::vector<Nanos> at;
    for (const auto& [k, t] : probe.seen)
        if (k == "default/flaky") at.push_back(t);
    REQUIRE(at.size() == 4);
    CHECK(at[1] - at[0] == 5 * kMillisecond);
    CHECK(at[2] - at[1] == 10 * kMillisecond);
    CHECK(at[3] - at[2] == 20 * kMillisecond);
    CHECK(manager.stats().errors == 3);
}

TEST_CASE("manager: requeue_after re-runs the key on schedule") {
    sim::kernel::EventLoop loop;
    sim::kernel::RandomStreams streams(1);
    sim::kube::ApiServer server(loop, streams);
    sim::kube::Client client(server, "test");
    sim::controller::Manager manager(client);
    auto& probe = static_cast<Probe&>(manager.add(std::make_unique<Probe>()));
    client.create(config_map("tick")).value();
    manager.start();
    run_to(loop, 35 * kSecond);
    std::vector<Nanos> at;
    for (const auto& [k, t] : probe.seen)
        at.push_back(t);
    REQUIRE(at.size() == 4);
    CHECK(at[1] - at[0] == 10 * kSecond);
    CHECK(at[3] - at[2] == 10 * kSecond);
}
