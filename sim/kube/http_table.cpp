#include "sim/kube/http_table.hpp"

#include <cctype>
#include <optional>
#include <string_view>
#include <vector>

#include "sim/kernel/time.hpp"
#include "sim/kube/selectors.hpp"

namespace sim::kube {
namespace {

using Json = sim::Json;

struct Column {
    const char* name;
    const char* type;  // "string", "integer", "date"
    const char* format;
    int priority;
    const char* description;
};

std::string str(const Json& obj, std::initializer_list<const char*> path,
                std::string fallback = "") {
    const Json* cur = &obj;
    for (const char* key : path) {
        if (!cur->is_object() || !cur->contains(key)) return fallback;
        cur = &(*cur)[key];
    }
    if (cur->is_string()) return cur->get<std::string>();
    if (cur->is_number()) return cur->dump();
    return fallback;
}

std::int64_t num(const Json& obj, std::initializer_list<const char*> path) {
    const Json* cur = &obj;
    for (const char* key : path) {
        if (!cur->is_object() || !cur->contains(key)) return 0;
        cur = &(*cur)[key];
    }
    return cur->is_number_integer() ? cur->get<std::int64_t>() : 0;
}

const Json& at(const Json& obj, std::initializer_list<const char*> path) {
    static const Json kNull;
    const Json* cur = &obj;
    for (const char* key : path) {
        if (!cur->is_object() || !cur->contains(key)) return kNull;
        cur = &(*cur)[key];
    }
    return *cur;
}

std::string age(const Json& obj, std::int64_t now_unix_nanos) {
    const auto created =
        sim::kernel::parse_rfc3339_unix_nanos(str(obj, {"metadata", "creationTimestamp"}));
    if (!created) return "<unknown>";
    return human_duration(now_unix_nanos - *created);
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i)
        out += (i ? sep : "") + parts[i];
    return out;
}

// Containers / Images columns of workloads (printers.go layoutContainerCells).
std::pair<std::string, std::string> containers_and_images(const Json& pod_spec) {
    std::vector<std::string> names, images;
    for (const Json& c :
         at(pod_spec, {"containers"}).is_array() ? at(pod_spec, {"containers"}) : Json::array()) {
        names.push_back(str(c, {"name"}));
        images.push_back(str(c, {"image"}));
    }
    return {join(names, ","), join(images, ",")};
}

std::string selector_text(const Json& selector) {
    if (!selector.is_object()) return "<none>";
    try {
        const std::string text = LabelSelector::from_json(selector).to_string();
        return text.empty() ? "<none>" : text;
    } catch (const std::exception&) {
        return "<error>";
    }
}

// printPod's Status column, without the init-container cases.
std::string pod_status(const Json& pod) {
    std::string reason = str(pod, {"status", "reason"});
    if (reason.empty()) reason = str(pod, {"status", "phase"});
    const Json& statuses = at(pod, {"status", "containerStatuses"});
    bool has_running = false;
    if (statuses.is_array()) {
        for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
            const Json& c = *it;
            const std::string waiting = str(c, {"state", "waiting", "reason"});
            const Json& term = at(c, {"state", "terminated"});
            if (!waiting.empty()) {
                reason = waiting;
            } else if (term.is_object()) {
                const std::string r = str(term, {"reason"});
                if (!r.empty())
                    reason = r;
                else if (num(term, {"signal"}) != 0)
                    reason = "Signal:" + std::to_string(num(term, {"signal"}));
                else
                    reason = "ExitCode:" + std::to_string(num(term, {"exitCode"}));
            } else if (at(c, {"state", "running"}).is_object() && at(c, {"ready"}) == true) {
                has_running = true;
            }
        }
    }
    if (reason == "Completed" && has_running) reason = "Running";
    if (!at(pod, {"metadata", "deletionTimestamp"}).is_null())
        reason = str(pod, {"status", "reason"}) == "NodeLost" ? "Unknown" : "Terminating";
    return reason;
}

// The Targets column (printers.go formatHPAMetrics, 1.30+): at most two metrics, then
// " + N more...". autoscaling/v1 objects carry only the CPU utilization fields.
std::string hpa_targets(const Json& hpa) {
    Json metrics = at(hpa, {"spec", "metrics"});
    Json current = at(hpa, {"status", "currentMetrics"});
    if (!metrics.is_array() && at(hpa, {"spec", "targetCPUUtilizationPercentage"}).is_number()) {
        metrics = Json::array({{{"type", "Resource"},
                                {"resource",
                                 {{"name", "cpu"},
                                  {"target",
                                   {{"averageUtilization",
                                     at(hpa, {"spec", "targetCPUUtilizationPercentage"})}}}}}}});
        const Json& cur = at(hpa, {"status", "currentCPUUtilizationPercentage"});
        current = cur.is_number()
                      ? Json::array({{{"type", "Resource"},
                                      {"resource", {{"current", {{"averageUtilization", cur}}}}}}})
                      : Json::array();
    }
    if (!metrics.is_array() || metrics.empty()) return "<none>";
    if (!current.is_array()) current = Json::array();
    const auto quantity = [](const Json& v) {
        return v.is_string()   ? v.get<std::string>()
               : v.is_number() ? v.dump()
                               : std::string("<unknown>");
    };
    std::vector<std::string> list;
    for (std::size_t i = 0; i < metrics.size() && i < 2; ++i) {
        const Json& m = metrics[i];
        const Json cur = i < current.size() ? current[i] : Json::object();
        const std::string type = str(m, {"type"});
        const auto field = [&](const char* key) -> const Json& { return at(m, {key}); };
        const auto status_of = [&](const char* key) -> const Json& {
            return at(cur, {key, "current"});
        };
        if (type == "Resource" || type == "ContainerResource") {
            const char* key = type == "Resource" ? "resource" : "containerResource";
            const Json& target = at(field(key), {"target"});
            const std::string metric = str(field(key), {"name"});
            if (target.contains("averageValue")) {
                list.push_back(metric + ": " + quantity(at(status_of(key), {"averageValue"})) +
                               "/" + quantity(target["averageValue"]));
            } else {
                const Json& u = at(status_of(key), {"averageUtilization"});
                const Json& t = at(target, {"averageUtilization"});
                list.push_back(metric + ": " + (u.is_number() ? u.dump() + "%" : "<unknown>") +
                               "/" + (t.is_number() ? t.dump() + "%" : "<auto>"));
            }
        } else if (type == "Pods") {
            list.push_back(quantity(at(status_of("pods"), {"averageValue"})) + "/" +
                           quantity(at(field("pods"), {"target", "averageValue"})));
        } else if (type == "Object" || type == "External") {
            const char* key = type == "Object" ? "object" : "external";
            const Json& target = at(field(key), {"target"});
            if (target.contains("averageValue"))
                list.push_back(quantity(at(status_of(key), {"averageValue"})) + "/" +
                               quantity(target["averageValue"]) + " (avg)");
            else
                list.push_back(quantity(at(status_of(key), {"value"})) + "/" +
                               quantity(at(target, {"value"})));
        } else {
            list.push_back("<unknown type>");
        }
    }
    std::string out = join(list, ", ");
    if (metrics.size() > 2) out += " + " + std::to_string(metrics.size() - 2) + " more...";
    return out;
}

std::vector<Column> columns_of(const ResourceInfo& r) {
    const Column name{
        "Name", "string", "name", 0,
        "Name must be unique within a namespace. More info: "
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"};
    const Column age_col{"Age", "string", "", 0,
                         "CreationTimestamp is a timestamp representing the server time when "
                         "this object was created."};
    if (r.group.empty() && r.plural == "pods")
        return {name,
                {"Ready", "string", "", 0,
                 "The aggregate readiness state of this pod for accepting traffic."},
                {"Status", "string", "", 0, "The aggregate status of the containers in this pod."},
                {"Restarts", "string", "", 0,
                 "The number of times the containers in this pod have been restarted and when the "
                 "last container in this pod has restarted."},
                age_col,
                {"IP", "string", "", 1,
                 "IP address allocated to the pod. Routable at least within the cluster. Empty if "
                 "not yet allocated."},
                {"Node", "string", "", 1, "Name of the Node this pod is running on."},
                {"Nominated Node", "string", "", 1,
                 "Name of the node that the pod has been nominated to run on."},
                {"Readiness Gates", "string", "", 1, "The readiness gates of the pod."}};
    if (r.group == "apps" && r.plural == "deployments")
        return {name,
                {"Ready", "string", "", 0, "Number of the pod with ready state"},
                {"Up-to-date", "integer", "", 0,
                 "Total number of non-terminated pods targeted by this deployment that have the "
                 "desired template spec."},
                {"Available", "integer", "", 0,
                 "Total number of available pods (ready for at least minReadySeconds) targeted by "
                 "this deployment."},
                age_col,
                {"Containers", "string", "", 1, "Names of each container in the template."},
                {"Images", "string", "", 1, "Images referenced by each container in the template."},
                {"Selector", "string", "", 1,
                 "Label selector for pods. Existing ReplicaSets whose pods are selected by this "
                 "will be the ones affected by this deployment."}};
    if (r.group == "apps" && r.plural == "replicasets")
        return {name,
                {"Desired", "integer", "", 0, "Replicas is the number of desired replicas."},
                {"Current", "integer", "", 0,
                 "Replicas is the most recently observed number of replicas."},
                {"Ready", "integer", "", 0, "The number of ready replicas for this replica set."},
                age_col,
                {"Containers", "string", "", 1, "Names of each container in the template."},
                {"Images", "string", "", 1, "Images referenced by each container in the template."},
                {"Selector", "string", "", 1,
                 "Selector is a label query over pods that should match the replica count."}};
    if (r.group.empty() && r.plural == "services")
        return {
            name,
            {"Type", "string", "", 0, "type determines how the Service is exposed."},
            {"Cluster-IP", "string", "", 0, "clusterIP is the IP address of the service."},
            {"External-IP", "string", "", 0,
             "externalIPs is a list of IP addresses for which nodes in the cluster will also "
             "accept traffic for this service."},
            {"Port(s)", "string", "", 0, "The list of ports that are exposed by this service."},
            age_col,
            {"Selector", "string", "", 1,
             "Route service traffic to pods with label keys and values matching this selector."}};
    if (r.group.empty() && r.plural == "nodes")
        return {name,
                {"Status", "string", "", 0, "The status of the node"},
                {"Roles", "string", "", 0, "The roles of the node"},
                age_col,
                {"Version", "string", "", 0, "Kubelet Version reported by the node."}};
    if (r.group.empty() && r.plural == "namespaces")
        return {name, {"Status", "string", "", 0, "The status of the namespace"}, age_col};
    if (r.group.empty() && r.plural == "events")
        return {{"Last Seen", "string", "", 0, "Time when last event occurred"},
                {"Type", "string", "", 0,
                 "Type of this event (Normal, Warning), new types could be added in the future."},
                {"Reason", "string", "", 0,
                 "This should be a short, machine understandable string that gives the reason for "
                 "this event being generated."},
                {"Object", "string", "", 0, "The object that this event is about."},
                {"Subobject", "string", "", 1,
                 "The subobject (fieldPath) of the object that this event is about."},
                {"Source", "string", "", 1, "The component reporting this event."},
                {"Message", "string", "", 0,
                 "A human-readable description of the status of this operation."},
                {"First Seen", "string", "", 1, "Time when first event occurred"},
                {"Count", "integer", "", 1, "The number of times this event has occurred."},
                {"Name", "string", "name", 1, name.description}};
    if (r.group == "autoscaling" && r.plural == "horizontalpodautoscalers")
        return {name,
                {"Reference", "string", "", 0, "reference to scaled resource"},
                {"Targets", "string", "", 0, "the current and target metrics"},
                {"MinPods", "string", "", 0, "minimum number of replicas"},
                {"MaxPods", "integer", "", 0, "maximum number of replicas"},
                {"Replicas", "integer", "", 0, "current number of replicas"},
                age_col};
    // Custom resources without printer columns: Name and Age (type date), as apiextensions'
    // default table convertor; other built-ins get the same two columns here.
    return {name, {"Age", "date", "", 0, age_col.description}};
}

Json cells_of(const ResourceInfo& r, const Json& o, std::int64_t now) {
    const std::string name = str(o, {"metadata", "name"});
    const std::string a = age(o, now);
    if (r.group.empty() && r.plural == "pods") {
        const Json& statuses = at(o, {"status", "containerStatuses"});
        const Json& containers = at(o, {"spec", "containers"});
        std::int64_t ready = 0, restarts = 0;
        std::optional<std::int64_t> last_restart;  // the latest lastState.terminated.finishedAt
        if (statuses.is_array())
            for (const Json& c : statuses) {
                if (at(c, {"ready"}) == true && at(c, {"state", "running"}).is_object()) ++ready;
                restarts += num(c, {"restartCount"});
                const auto finished = sim::kernel::parse_rfc3339_unix_nanos(
                    str(c, {"lastState", "terminated", "finishedAt"}));
                if (finished && (!last_restart || *finished > *last_restart))
                    last_restart = finished;
            }
        std::string restarts_cell = std::to_string(restarts);
        if (last_restart) restarts_cell += " (" + human_duration(now - *last_restart) + " ago)";
        const std::size_t total = containers.is_array() ? containers.size() : 0;
        return Json::array({name, std::to_string(ready) + "/" + std::to_string(total),
                            pod_status(o), restarts_cell, a, str(o, {"status", "podIP"}, "<none>"),
                            str(o, {"spec", "nodeName"}, "<none>"),
                            str(o, {"status", "nominatedNodeName"}, "<none>"), "<none>"});
    }
    if (r.group == "apps" && (r.plural == "deployments" || r.plural == "replicasets")) {
        const auto [cs, images] = containers_and_images(at(o, {"spec", "template", "spec"}));
        const std::string sel = selector_text(at(o, {"spec", "selector"}));
        const std::int64_t desired = num(o, {"spec", "replicas"});
        if (r.plural == "deployments")
            return Json::array({name,
                                std::to_string(num(o, {"status", "readyReplicas"})) + "/" +
                                    std::to_string(desired),
                                num(o, {"status", "updatedReplicas"}),
                                num(o, {"status", "availableReplicas"}), a, cs, images, sel});
        return Json::array({name, desired, num(o, {"status", "replicas"}),
                            num(o, {"status", "readyReplicas"}), a, cs, images, sel});
    }
    if (r.group.empty() && r.plural == "services") {
        std::vector<std::string> ports;
        const Json& ps = at(o, {"spec", "ports"});
        if (ps.is_array())
            for (const Json& p : ps) {
                std::string s = std::to_string(num(p, {"port"}));
                if (num(p, {"nodePort"}) != 0) s += ":" + std::to_string(num(p, {"nodePort"}));
                ports.push_back(s + "/" + str(p, {"protocol"}, "TCP"));
            }
        std::vector<std::string> sel;
        const Json& selector = at(o, {"spec", "selector"});
        if (selector.is_object())
            for (const auto& [k, v] : selector.items())
                sel.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
        std::vector<std::string> external;
        const Json& ext = at(o, {"spec", "externalIPs"});
        if (ext.is_array())
            for (const Json& e : ext)
                external.push_back(e.is_string() ? e.get<std::string>() : e.dump());
        return Json::array({name, str(o, {"spec", "type"}, "ClusterIP"),
                            str(o, {"spec", "clusterIP"}, "<none>"),
                            external.empty() ? "<none>" : join(external, ","),
                            ports.empty() ? "<none>" : join(ports, ","), a,
                            sel.empty() ? "<none>" : join(sel, ",")});
    }
    if (r.group.empty() && r.plural == "nodes") {
        std::string status = "Unknown";
        const Json& conds = at(o, {"status", "conditions"});
        if (conds.is_array())
            for (const Json& c : conds)
                if (str(c, {"type"}) == "Ready")
                    status = str(c, {"status"}) == "True" ? "Ready" : "NotReady";
        if (at(o, {"spec", "unschedulable"}) == true) status += ",SchedulingDisabled";
        std::vector<std::string> roles;
        const Json& labels = at(o, {"metadata", "labels"});
        constexpr std::string_view kRolePrefix = "node-role.kubernetes.io/";
        if (labels.is_object())
            for (const auto& [k, v] : labels.items())
                if (k.starts_with(kRolePrefix) && k.size() > kRolePrefix.size())
                    roles.push_back(k.substr(kRolePrefix.size()));
        return Json::array({name, status, roles.empty() ? "<none>" : join(roles, ","), a,
                            str(o, {"status", "nodeInfo", "kubeletVersion"})});
    }
    if (r.group.empty() && r.plural == "namespaces")
        return Json::array({name, str(o, {"status", "phase"}), a});
    if (r.group.empty() && r.plural == "events") {
        // printers.go printEvent: ages from lastTimestamp/firstTimestamp, object "kind/name"
        // with the kind lower-cased, source "component, host".
        const auto since = [&](const char* field) {
            const auto t = sim::kernel::parse_rfc3339_unix_nanos(str(o, {field}));
            return t ? human_duration(now - *t) : std::string("<unknown>");
        };
        std::string kind = str(o, {"involvedObject", "kind"});
        for (char& ch : kind)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        std::string source = str(o, {"source", "component"});
        if (source.empty()) source = str(o, {"reportingComponent"});
        if (const std::string host = str(o, {"source", "host"}); !host.empty())
            source += ", " + host;
        return Json::array({since("lastTimestamp"), str(o, {"type"}), str(o, {"reason"}),
                            kind + "/" + str(o, {"involvedObject", "name"}),
                            str(o, {"involvedObject", "fieldPath"}), source, str(o, {"message"}),
                            since("firstTimestamp"), num(o, {"count"}), name});
    }
    if (r.group == "autoscaling" && r.plural == "horizontalpodautoscalers") {
        const Json& min = at(o, {"spec", "minReplicas"});
        return Json::array({name,
                            str(o, {"spec", "scaleTargetRef", "kind"}) + "/" +
                                str(o, {"spec", "scaleTargetRef", "name"}),
                            hpa_targets(o), min.is_number_integer() ? min.dump() : "<unset>",
                            num(o, {"spec", "maxReplicas"}), num(o, {"status", "currentReplicas"}),
                            a});
    }
    return Json::array({name, a});
}

Json row_of(const ResourceInfo& r, const Json& o, std::int64_t now) {
    Json meta = o.contains("metadata") ? o["metadata"] : Json::object();
    return Json{{"cells", cells_of(r, o, now)},
                {"object",
                 {{"kind", "PartialObjectMetadata"},
                  {"apiVersion", "meta.k8s.io/v1"},
                  {"metadata", meta}}}};
}

}  // namespace

std::string human_duration(std::int64_t nanos) {
    constexpr std::int64_t kSecond = 1'000'000'000;
    if (nanos < -kSecond) return "<invalid>";
    if (nanos < 0) return "0s";
    const std::int64_t seconds = nanos / kSecond;
    const auto s = [](std::int64_t v) { return std::to_string(v); };
    if (seconds < 120) return s(seconds) + "s";
    const std::int64_t minutes = seconds / 60;
    if (minutes < 10)
        return seconds % 60 == 0 ? s(minutes) + "m" : s(minutes) + "m" + s(seconds % 60) + "s";
    if (minutes < 180) return s(minutes) + "m";
    const std::int64_t hours = minutes / 60;
    if (hours < 8)
        return minutes % 60 == 0 ? s(hours) + "h" : s(hours) + "h" + s(minutes % 60) + "m";
    if (hours < 48) return s(hours) + "h";
    if (hours < 192)
        return hours % 24 == 0 ? s(hours / 24) + "d" : s(hours / 24) + "d" + s(hours % 24) + "h";
    if (hours < 24 * 365 * 2) return s(hours / 24) + "d";
    if (hours < 24 * 365 * 8) {
        const std::int64_t days = hours / 24 % 365;
        return days == 0 ? s(hours / 24 / 365) + "y" : s(hours / 24 / 365) + "y" + s(days) + "d";
    }
    return s(hours / 24 / 365) + "y";
}

bool accepts_table(const std::string& accept) {
    return accept.find("as=Table") != std::string::npos &&
           accept.find("g=meta.k8s.io") != std::string::npos;
}

Json to_table(const ResourceInfo& r, const Json& object_or_list, std::int64_t now_unix_nanos) {
    Json defs = Json::array();
    for (const Column& c : columns_of(r))
        defs.push_back({{"name", c.name},
                        {"type", c.type},
                        {"format", c.format},
                        {"description", c.description},
                        {"priority", c.priority}});
    Json rows = Json::array();
    Json meta = Json::object();
    if (object_or_list.contains("items") && object_or_list["items"].is_array()) {
        for (const Json& item : object_or_list["items"])
            rows.push_back(row_of(r, item, now_unix_nanos));
        meta["resourceVersion"] = str(object_or_list, {"metadata", "resourceVersion"});
        const std::string cont = str(object_or_list, {"metadata", "continue"});
        if (!cont.empty()) meta["continue"] = cont;
    } else {
        rows.push_back(row_of(r, object_or_list, now_unix_nanos));
        meta["resourceVersion"] = str(object_or_list, {"metadata", "resourceVersion"});
    }
    return Json{{"kind", "Table"},
                {"apiVersion", "meta.k8s.io/v1"},
                {"metadata", meta},
                {"columnDefinitions", defs},
                {"rows", rows}};
}

}  // namespace sim::kube
