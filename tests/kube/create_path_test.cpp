// The create path's shortcuts answer what the long way answers: label keys checked as
// apimachinery's regular expressions would, Pod defaults written in one lookup per member, the uid
// and timestamp formatted without printf.
#include <rapidcheck/catch.h>
#include <catch2/catch.hpp>

#include <regex>

#include "fixtures.hpp"
#include "sim/kube/defaults.hpp"
#include "sim/kube/selectors.hpp"
#include "sim/kube/validation.hpp"

using namespace sim::kube;
using namespace kube_test;

namespace {

// apimachinery's IsQualifiedName, written with its own regular expressions: an optional
// DNS-1123 subdomain prefix (at most 253) and '/', then a name part (at most 63).
bool qualified_name(const std::string& key) {
    static const std::regex name("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    static const std::regex subdomain(
        "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    const auto slash = key.find('/');
    const std::string part = slash == std::string::npos ? key : key.substr(slash + 1);
    if (slash != std::string::npos) {
        const std::string prefix = key.substr(0, slash);
        if (prefix.empty() || prefix.size() > 253 || !std::regex_match(prefix, subdomain))
            return false;
    }
    return !part.empty() && part.size() <= 63 && std::regex_match(part, name);
}

bool label_key_refused(const ResourceInfo& pods, const std::string& key) {
    Json object = pod("p");
    object["metadata"]["labels"] = Json{{key, "v"}};
    for (const FieldError& e : validate_object_meta(pods, object))
        if (e.field == "metadata.labels") return true;
    return false;
}

}  // namespace

TEST_CASE("a label key is refused exactly when it is not a qualified name", "[create-path]") {
    Cluster c;
    const ResourceInfo& pods = *c.server.registry().find("", "pods");
    const std::vector<std::string> keys = {"app",
                                           "a/b",
                                           "example.com/app",
                                           "Example.com/app",
                                           "a/b/c",
                                           "a..b/c",
                                           "a.-b/c",
                                           "a-.b/c",
                                           "a.b.c/d",
                                           "",
                                           "in",
                                           "notin",
                                           "!app",
                                           "-app",
                                           "app-",
                                           "a.b_c-d",
                                           "x/",
                                           "/x",
                                           ".x/y",
                                           "a b",
                                           "a=b",
                                           "a,b",
                                           "(a)",
                                           "a>1",
                                           std::string(63, 'a'),
                                           std::string(64, 'a')};
    for (const std::string& key : keys)
        CHECK(label_key_refused(pods, key) == !qualified_name(key));

    rc::prop("random keys over the selector alphabet", [&] {
        static const std::string alphabet = "aZ09-_./ =!(),<>";
        const auto chars = *rc::gen::container<std::vector<char>>(
            rc::gen::elementOf(std::vector<char>(alphabet.begin(), alphabet.end())));
        const std::string key(chars.begin(), chars.end());
        RC_ASSERT(label_key_refused(pods, key) == !qualified_name(key));
    });
}

TEST_CASE("Pod defaults fill only what is absent or null", "[create-path]") {
    Json object = pod("p");
    Json& spec = object["spec"];
    spec["containers"].push_back(Json{{"name", "b"}, {"image", "registry:5000/img"}});
    spec["containers"].push_back(
        Json{{"name", "c"}, {"image", "nginx@sha256:abc"}, {"imagePullPolicy", nullptr}});
    spec["containers"].push_back(Json{{"name", "d"},
                                      {"image", "nginx:1.27"},
                                      {"terminationMessagePolicy", "FallbackToLogsOnError"},
                                      {"ports", Json::array({Json{{"containerPort", 80}}})},
                                      {"resources", Json{{"limits", Json{{"cpu", "1"}}}}}});
    spec["dnsPolicy"] = nullptr;
    spec["restartPolicy"] = "Never";
    spec["tolerations"] =
        Json::array({Json{{"key", "node.kubernetes.io/unreachable"}, {"operator", "Exists"}}});
    apply_defaults("Pod", object);

    const Json& containers = spec["containers"];
    CHECK(containers[0]["imagePullPolicy"] == "Always");  // "nginx": no tag
    CHECK(containers[1]["imagePullPolicy"] == "Always");  // a registry port is not a tag
    CHECK(containers[2]["imagePullPolicy"].is_null());    // present, even null: kept
    CHECK(containers[3]["imagePullPolicy"] == "IfNotPresent");
    CHECK(containers[3]["terminationMessagePolicy"] == "FallbackToLogsOnError");
    CHECK(containers[3]["terminationMessagePath"] == "/dev/termination-log");
    CHECK(containers[3]["ports"][0]["protocol"] == "TCP");
    CHECK(containers[3]["resources"]["requests"]["cpu"] == "1");
    CHECK(containers[0]["resources"] == Json::object());
    CHECK(spec["dnsPolicy"] == "ClusterFirst");  // null is defaulted
    CHECK(spec["restartPolicy"] == "Never");
    CHECK(spec["terminationGracePeriodSeconds"] == 30);
    CHECK(spec["schedulerName"] == "default-scheduler");
    CHECK(spec["securityContext"] == Json::object());
    CHECK(spec["enableServiceLinks"] == true);
    // unreachable is tolerated already (any effect): only not-ready is added.
    REQUIRE(spec["tolerations"].size() == 2);
    CHECK(spec["tolerations"][1]["key"] == "node.kubernetes.io/not-ready");
    CHECK(spec["tolerations"][1]["tolerationSeconds"] == 300);

    Json bare = Json{{"apiVersion", "v1"}, {"kind", "Pod"}};
    apply_defaults("Pod", bare);
    CHECK(bare["spec"]["tolerations"].size() == 2);
    CHECK(bare["spec"]["restartPolicy"] == "Always");
    Json bad_container = pod("p");
    bad_container["spec"]["containers"][0]["image"] = 5;
    CHECK_THROWS_AS(apply_defaults("Pod", bad_container), sim::Json::type_error);
}

TEST_CASE("created objects carry a version-4 uid and the instant's RFC 3339 time",
          "[create-path]") {
    Cluster c;
    const ResourceRef pods = refs::kPods.in("default");
    const std::regex uid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    std::set<std::string> uids;
    for (int i = 0; i < 50; ++i) {
        const ObjectPtr p = c.server.create_shared(pods, pod("p" + std::to_string(i))).value();
        const std::string id = (*p)["metadata"]["uid"];
        CHECK(std::regex_match(id, uid));
        uids.insert(id);
        CHECK((*p)["metadata"]["creationTimestamp"] == "2025-01-01T00:00:00Z");
    }
    CHECK(uids.size() == 50);
    // The cached text follows the virtual clock.
    c.loop.run_until(c.loop.now() + 61 * sim::kernel::kSecond + 5);
    const ObjectPtr later = c.server.create_shared(pods, pod("later")).value();
    CHECK((*later)["metadata"]["creationTimestamp"] == "2025-01-01T00:01:01Z");
    CHECK(c.server.now_rfc3339() == "2025-01-01T00:01:01Z");
}
