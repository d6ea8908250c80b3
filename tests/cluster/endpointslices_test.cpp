// EndpointSlices: naming, labels, owner, the ready/serving/terminating conditions, and a
// property: the slice conditions follow each pod's Ready condition and deletion.
#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include <map>

#include "fixtures.hpp"
#include "sim/cluster/endpointslices.hpp"
#include "sim/cluster/kubelet.hpp"
#include "sim/cluster/scheduler.hpp"

using cluster_test::json;
using cluster_test::pod;
using cluster_test::World;
using sim::kernel::kSecond;

namespace {

json service(bool publish_not_ready = false) {
    json s = json::parse(R"({"apiVersion": "v1", "kind": "Service",
      "metadata": {"name": "web", "namespace": "default", "labels": {"tier": "front"}},
      "spec": {"selector": {"app": "web"},
               "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}})");
    if (publish_not_ready) s["spec"]["publishNotReadyAddresses"] = true;
    return s;
}

json web_pod(const std::string& name, const std::string& image) {
    json p = pod(name, "", "", image);
    p["spec"]["containers"][0]["ports"] =
        json::array({{{"name", "http"}, {"containerPort", 8080}}});
    p["spec"]["containers"][0]["readinessProbe"] = {{"tcpSocket", {{"port", "http"}}},
                                                    {"periodSeconds", 10}};
    p["spec"]["terminationGracePeriodSeconds"] = 10;
    return p;
}

sim::cluster::ImageTimings timings(const std::string& image) {
    sim::cluster::ImageTimings t;
    t.pull = 3 * kSecond;
    t.startup = std::stoi(image.substr(image.find(':') + 1)) * kSecond;
    return t;
}

std::vector<json> slices(World& w) {
    std::vector<json> out;
    const json list = w.client.list(sim::kube::refs::kEndpointSlices.in("default")).value();
    for (const json& s : list["items"])
        out.push_back(s);
    return out;
}

// pod name -> conditions, over every slice.
std::map<std::string, json> conditions_by_pod(World& w) {
    std::map<std::string, json> out;
    for (const json& s : slices(w))
        if (s["endpoints"].is_array())
            for (const json& e : s["endpoints"])
                out[e["targetRef"]["name"].get<std::string>()] = e["conditions"];
    return out;
}

struct Cluster {
    World w;
    sim::cluster::Scheduler scheduler{w.client};
    sim::cluster::Kubelet kubelet{w.client, "node-1", {timings, {}}};
    sim::cluster::EndpointSliceController controller{w.client};
    Cluster() {
        w.add_node("node-1", 1, "8", "16Gi", "110", {},
                   {{"topology.kubernetes.io/zone", "zone-a"}});
        scheduler.start();
        kubelet.start();
        controller.start();
    }
};

}  // namespace

TEST_CASE("EndpointSlices: name, labels, owner, then ready, serving and terminating",
          "[endpointslices]") {
    Cluster c;
    c.w.at(0, [&] {
        (void)c.w.client.create(sim::kube::refs::kServices.in("default"), service()).value();
    });
    c.w.at(1 * kSecond, [&] {
        c.w.create_pod(web_pod("fast", "img:1"));
        c.w.create_pod(web_pod("slow", "img:100"));
    });
    std::vector<json> at_0;
    std::map<std::string, json> at_20, at_30;
    c.w.at(0 * kSecond + kSecond / 2, [&] { at_0 = slices(c.w); });
    c.w.at(20 * kSecond + kSecond / 2, [&] { at_20 = conditions_by_pod(c.w); });
    c.w.at(25 * kSecond,
           [&] { (void)c.w.client.remove(sim::kube::refs::kPods.in("default"), "fast"); });
    c.w.at(30 * kSecond, [&] { at_30 = conditions_by_pod(c.w); });
    c.w.loop.run_until(60 * kSecond);

    // Before any pod: one placeholder slice.
    REQUIRE(at_0.size() == 1);
    CHECK(at_0[0]["endpoints"].is_null());
    const json& md = at_0[0]["metadata"];
    CHECK(md["generateName"] == "web-");
    CHECK(md["name"].get<std::string>().rfind("web-", 0) == 0);
    CHECK(md["labels"]["kubernetes.io/service-name"] == "web");
    CHECK(md["labels"]["endpointslice.kubernetes.io/managed-by"] ==
          "endpointslice-controller.k8s.io");
    CHECK(md["labels"]["tier"] == "front");
    CHECK(md["ownerReferences"][0]["kind"] == "Service");
    CHECK(md["ownerReferences"][0]["controller"] == true);
    CHECK(at_0[0]["addressType"] == "IPv4");

    // Pulled at 4 s; fast is Ready at its first probe after 1 s of startup (14 s).
    REQUIRE(at_20.contains("fast"));
    REQUIRE(at_20.contains("slow"));
    CHECK(at_20["fast"] == json({{"ready", true}, {"serving", true}, {"terminating", false}}));
    CHECK(at_20["slow"] == json({{"ready", false}, {"serving", false}, {"terminating", false}}));
    // Terminating pods stay, not ready; the kubelet stops the probes at once.
    REQUIRE(at_30.contains("fast"));
    CHECK(at_30["fast"]["terminating"] == true);
    CHECK(at_30["fast"]["ready"] == false);
    // Gone after its 10 s grace period and the kubelet's final delete.
    const auto at_60 = conditions_by_pod(c.w);
    CHECK_FALSE(at_60.contains("fast"));
    const auto all = slices(c.w);
    REQUIRE(all.size() == 1);
    const json& endpoint = all[0]["endpoints"][0];
    CHECK(endpoint["nodeName"] == "node-1");
    CHECK(endpoint["zone"] == "zone-a");
    CHECK(endpoint["targetRef"]["kind"] == "Pod");
    CHECK(all[0]["ports"] ==
          json::array({{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}}));
}

TEST_CASE("EndpointSlices: at most 100 endpoints per slice", "[endpointslices]") {
    std::vector<json> pods;
    for (int i = 0; i < 250; ++i) {
        json p = web_pod("p" + std::to_string(i), "img:1");
        p["metadata"]["uid"] = "uid-" + std::to_string(i);
        p["status"] = {{"phase", "Running"},
                       {"podIP", "10.1." + std::to_string(i / 200) + "." + std::to_string(i % 200)},
                       {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}};
        pods.push_back(p);
    }
    const auto desired = sim::cluster::desired_slices(service(), pods);
    REQUIRE(desired.size() == 3);
    CHECK(desired[0]["endpoints"].size() == 100);
    CHECK(desired[1]["endpoints"].size() == 100);
    CHECK(desired[2]["endpoints"].size() == 50);
    // publishNotReadyAddresses: ready and serving even when the pod is not Ready.
    json unready = pods[0];
    unready["status"]["conditions"][0]["status"] = "False";
    const auto published = sim::cluster::desired_slices(service(true), {unready});
    CHECK(published[0]["endpoints"][0]["conditions"] ==
          json({{"ready", true}, {"serving", true}, {"terminating", false}}));
}

TEST_CASE("property: slice conditions follow Ready and deletion", "[endpointslices]") {
    rc::prop("slices track readiness", [] {
        struct PodPlan {
            int startup_s;
            int delete_at_s;  // 0: never
            int kill_at_s;    // 0: never
        };
        const auto plans = *rc::gen::container<std::vector<PodPlan>>(
            *rc::gen::inRange(1, 8),
            rc::gen::construct<PodPlan>(rc::gen::inRange(0, 40), rc::gen::inRange(0, 90),
                                        rc::gen::inRange(0, 90)));
        Cluster c;
        c.w.at(0, [&] {
            (void)c.w.client.create(sim::kube::refs::kServices.in("default"), service()).value();
        });
        for (std::size_t i = 0; i < plans.size(); ++i) {
            const std::string name = "p" + std::to_string(i);
            const PodPlan plan = plans[i];
            c.w.at(static_cast<sim::kernel::Nanos>(i) * kSecond, [&c, name, plan] {
                c.w.create_pod(web_pod(name, "img:" + std::to_string(plan.startup_s)));
            });
            if (plan.delete_at_s > 0)
                c.w.at(plan.delete_at_s * kSecond, [&c, name] {
                    (void)c.w.client.remove(sim::kube::refs::kPods.in("default"), name);
                });
            if (plan.kill_at_s > 0)
                c.w.at(plan.kill_at_s * kSecond,
                       [&c, name] { (void)c.kubelet.kill_pod("default", name); });
        }
        bool ok = true;
        for (int t = 1; t < 120; t += 3) {
            // Half-second instants: every action and timer here falls on whole seconds.
            c.w.at(t * kSecond + kSecond / 2, [&c, &ok] {
                std::map<std::string, json> expected;
                const json pods = c.w.client.list(sim::kube::refs::kPods.in("default")).value();
                for (const json& p : pods["items"]) {
                    const json status = p.value("status", json::object());
                    const std::string phase = status.value("phase", "");
                    if (status.value("podIP", "").empty() || phase == "Succeeded" ||
                        phase == "Failed")
                        continue;
                    bool ready = false;
                    for (const json& cond : status.value("conditions", json::array()))
                        if (cond["type"] == "Ready") ready = cond["status"] == "True";
                    const bool terminating = p["metadata"].contains("deletionTimestamp");
                    expected[p["metadata"]["name"].get<std::string>()] = {
                        {"ready", ready && !terminating},
                        {"serving", ready},
                        {"terminating", terminating}};
                }
                ok = ok && conditions_by_pod(c.w) == expected;
            });
        }
        c.w.loop.run_until(121 * kSecond);
        RC_ASSERT(ok);
    });
}
