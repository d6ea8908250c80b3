#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include <set>

#include "fixtures.hpp"
#include "sim/cluster/endpoints.hpp"
#include "sim/cluster/kubelet.hpp"
#include "sim/cluster/scheduler.hpp"

using cluster_test::json;
using cluster_test::pod;
using cluster_test::World;
using sim::kernel::kSecond;

namespace {

json service() {
    return json::parse(R"({"apiVersion": "v1", "kind": "Service",
      "metadata": {"name": "web", "namespace": "default", "labels": {"tier": "front"}},
      "spec": {"selector": {"app": "web"},
               "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}})");
}

json web_pod(const std::string& name, const std::string& image) {
    json p = pod(name, "", "", image);
    p["spec"]["containers"][0]["ports"] =
        json::array({{{"name", "http"}, {"containerPort", 8080}}});
    p["spec"]["containers"][0]["readinessProbe"] = {{"tcpSocket", {{"port", "http"}}},
                                                    {"periodSeconds", 10}};
    return p;
}

sim::cluster::ImageTimings timings(const std::string& image) {
    sim::cluster::ImageTimings t;
    t.startup = image == "fast:1" ? 1 * kSecond : 100 * kSecond;
    return t;
}

}  // namespace

TEST_CASE(
    "Endpoints: ready pods in addresses, the others in notReadyAddresses, terminating leave") {
    World w;
    w.add_node("node-1", 1, "4", "8Gi");
    sim::cluster::Scheduler scheduler(w.client);
    sim::cluster::Kubelet kubelet(w.client, "node-1", {timings, {}});
    sim::cluster::EndpointsController endpoints(w.client);
    scheduler.start();
    kubelet.start();
    endpoints.start();
    json other = pod("other");
    other["metadata"]["labels"]["app"] = "db";
    w.at(0, [&] {
        (void)w.client.create(sim::kube::refs::kServices.in("default"), service()).value();
        w.create_pod(web_pod("fast", "fast:1"));
        w.create_pod(web_pod("slow", "slow:1"));
        w.create_pod(other);
    });
    const auto get = [&] {
        return w.client.get(sim::kube::refs::kEndpoints.in("default"), "web").value();
    };
    w.at(10 * kSecond + 1, [&] {
        const json e = get();
        CHECK(e["metadata"]["labels"]["tier"] == "front");
        REQUIRE(e["subsets"].size() == 1);
        const json subset = e["subsets"][0];
        REQUIRE(subset["addresses"].size() == 1);
        CHECK(subset["addresses"][0]["targetRef"]["name"] == "fast");
        CHECK(subset["addresses"][0]["ip"] == "10.244.1.2");
        CHECK(subset["addresses"][0]["nodeName"] == "node-1");
        REQUIRE(subset["notReadyAddresses"].size() == 1);
        CHECK(subset["notReadyAddresses"][0]["targetRef"]["name"] == "slow");
        CHECK(subset["ports"] ==
              json::parse(R"([{"name": "http", "port": 8080, "protocol": "TCP"}])"));
        // Deleting "fast": it leaves at once (deletionTimestamp), long before it is gone.
        (void)w.client.remove(sim::kube::refs::kPods.in("default"), "fast");
    });
    w.at(11 * kSecond, [&] {
        const json subset = get()["subsets"][0];
        CHECK_FALSE(subset.contains("addresses"));
        CHECK(subset["notReadyAddresses"].size() == 1);
        // Deleting the Service removes its Endpoints.
        (void)w.client.remove(sim::kube::refs::kServices.in("default"), "web");
    });
    w.at(12 * kSecond, [&] {
        CHECK(w.client.get(sim::kube::refs::kEndpoints.in("default"), "web").is_not_found());
    });
    w.loop.run_until(13 * kSecond);
    CHECK(endpoints.syncs() > 0);
}

TEST_CASE("endpoints_subsets groups by resolved ports and skips pods without IPs") {
    json svc = service();
    svc["spec"]["ports"] = json::array({{{"port", 80}, {"targetPort", 8080}, {"protocol", "TCP"}}});
    json a = pod("a");
    a["metadata"]["uid"] = "u-a";
    a["spec"]["nodeName"] = "n";
    a["status"] = {{"podIP", "10.244.0.9"},
                   {"phase", "Running"},
                   {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}};
    json b = a;
    b["metadata"]["name"] = "b";
    b["metadata"]["uid"] = "u-b";
    b["status"]["podIP"] = "10.244.0.10";
    json no_ip = a;
    no_ip["status"].erase("podIP");
    json done = a;
    done["status"]["phase"] = "Succeeded";
    const json subsets = sim::cluster::endpoints_subsets(svc, {a, b, no_ip, done});
    REQUIRE(subsets.size() == 1);
    REQUIRE(subsets[0]["addresses"].size() == 2);
    // Sorted by IP as strings.
    CHECK(subsets[0]["addresses"][0]["ip"] == "10.244.0.10");
    CHECK(subsets[0]["ports"][0]["port"] == 8080);
    CHECK_FALSE(subsets[0]["ports"][0].contains("name"));
}

TEST_CASE("property: a pod is in addresses exactly while Ready and not terminating") {
    rc::prop("endpoints track readiness", [] {
        struct PodPlan {
            int startup_s;
            int delete_at_s;  // 0: never
            int kill_at_s;    // 0: never
        };
        const auto plans = *rc::gen::container<std::vector<PodPlan>>(
            *rc::gen::inRange(1, 8),
            rc::gen::construct<PodPlan>(rc::gen::inRange(0, 40), rc::gen::inRange(0, 90),
                                        rc::gen::inRange(0, 90)));
        World w;
        w.add_node("node-1", 1, "8", "16Gi");
        sim::cluster::Scheduler scheduler(w.client);
        sim::cluster::KubeletOptions options;
        options.images = [](const std::string& image) {
            sim::cluster::ImageTimings t;
            t.pull = 3 * kSecond;
            t.startup = std::stoi(image.substr(image.find(':') + 1)) * kSecond;
            return t;
        };
        sim::cluster::Kubelet kubelet(w.client, "node-1", options);
        sim::cluster::EndpointsController endpoints(w.client);
        scheduler.start();
        kubelet.start();
        endpoints.start();
        w.at(0, [&] {
            (void)w.client.create(sim::kube::refs::kServices.in("default"), service()).value();
        });
        for (std::size_t i = 0; i < plans.size(); ++i) {
            const std::string name = "p" + std::to_string(i);
            const PodPlan plan = plans[i];
            w.at(static_cast<sim::kernel::Nanos>(i) * kSecond, [&w, name, plan] {
                json p = web_pod(name, "img:" + std::to_string(plan.startup_s));
                p["spec"]["terminationGracePeriodSeconds"] = 10;
                w.create_pod(p);
            });
            if (plan.delete_at_s > 0)
                w.at(plan.delete_at_s * kSecond, [&w, name] {
                    (void)w.client.remove(sim::kube::refs::kPods.in("default"), name);
                });
            if (plan.kill_at_s > 0)
                w.at(plan.kill_at_s * kSecond,
                     [&kubelet, name] { (void)kubelet.kill_pod("default", name); });
        }
        bool ok = true;
        for (int t = 1; t < 120; t += 3) {
            // Half-second instants: every action and timer here falls on whole seconds.
            w.at(t * kSecond + kSecond / 2, [&w, &ok] {
                std::set<std::string> ready, not_ready, in_addresses, in_not_ready;
                const json pods = w.client.list(sim::kube::refs::kPods.in("default")).value();
                for (const json& p : pods["items"]) {
                    const json status = p.value("status", json::object());
                    if (status.value("podIP", "").empty()) continue;
                    if (p["metadata"].contains("deletionTimestamp")) continue;
                    bool is_ready = false;
                    for (const json& c : status.value("conditions", json::array()))
                        if (c["type"] == "Ready") is_ready = c["status"] == "True";
                    (is_ready ? ready : not_ready).insert(p["metadata"]["name"].get<std::string>());
                }
                const auto e = w.client.get(sim::kube::refs::kEndpoints.in("default"), "web");
                if (e.ok())
                    for (const json& s : e.value().value("subsets", json::array())) {
                        for (const json& a : s.value("addresses", json::array()))
                            in_addresses.insert(a["targetRef"]["name"].get<std::string>());
                        for (const json& a : s.value("notReadyAddresses", json::array()))
                            in_not_ready.insert(a["targetRef"]["name"].get<std::string>());
                    }
                ok = ok && ready == in_addresses && not_ready == in_not_ready;
            });
        }
        w.loop.run_until(121 * kSecond);
        RC_ASSERT(ok);
    });
}
