#include "sim/kube/validation.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "sim/kube/json_build.hpp"
#include "sim/kube/label_syntax.hpp"
#include "sim/kube/selectors.hpp"

namespace sim::kube {
namespace {

using Json = sim::Json;

// ASCII only, as the real validation's regular expressions ([a-z0-9]); no locale, no call.
bool lower_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_label(std::string_view s, bool alpha_first) {
    if (s.empty() || s.size() > 63) return false;
    if (alpha_first ? !std::islower(static_cast<unsigned char>(s.front()))
                    : !lower_alnum(s.front()))
        return false;
    if (!lower_alnum(s.back())) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return lower_alnum(c) || c == '-'; });
}

// Validation runs on every write: the keys it names are JsonKeys ("name"_key,
// json_build.hpp), found by pointer, with no strlen.

template <class K>
const Json& member_or_empty_object(const Json& object, const K& key) {
    static const Json empty = Json::object();
    return member_or(object, key, empty);
}
template <class K>
const Json& member_or_empty_array(const Json& object, const K& key) {
    static const Json empty = Json::array();
    return member_or(object, key, empty);
}

std::string field_at(const std::string& base, std::size_t index) {
    return base + "[" + std::to_string(index) + "]";
}

// object.value(key, fallback) for a string member, read in place: the member's text, or
// `fallback` when absent. A non-object or a member that is not a string throws the
// type_error value() throws.
template <class K>
std::string_view string_or(const Json& object, const K& key, std::string_view fallback) {
    if (!object.is_object()) (void)object.value(key_text(key), std::string{});
    const Json* member = find_member(object, key);
    if (member == nullptr) return fallback;
    if (!member->is_string()) (void)object.value(key_text(key), std::string{});
    return member->get_ref<const std::string&>();
}

const Json* find_path(const Json& object, std::initializer_list<std::string_view> path) {
    const Json* at = &object;
    for (const std::string_view key : path) {
        if (!at->is_object()) return nullptr;
        const auto it = at->find(key);
        if (it == at->end()) return nullptr;
        at = &*it;
    }
    return at;
}

// `field` is `base` + `suffix`, built only for an error.
template <class K>
void check_non_negative(const Json& spec, const K& key, std::string_view base,
                        std::string_view suffix, FieldErrors& errs) {
    const Json* it = find_member(spec, key);
    if (it == nullptr || it->is_null()) return;
    const auto field = [&] { return std::string(base).append(suffix); };
    if (!it->is_number_integer()) {
        errs.push_back(invalid(field(), render_value(*it), "must be an integer"));
    } else if (it->get<long long>() < 0) {
        errs.push_back(invalid(field(), it->dump(), "must be greater than or equal to 0"));
    }
}

void validate_containers(const Json& pod_spec, const std::string& base, FieldErrors& errs) {
    const Json* it = find_member(pod_spec, "containers"_key);
    if (it == nullptr || !it->is_array() || it->empty()) {
        errs.push_back(required(base + ".containers"));
        return;
    }
    // The valid names so far (views into the object; a pod has a handful of containers).
    std::vector<std::string_view> names;
    names.reserve(it->size());
    for (std::size_t i = 0; i < it->size(); ++i) {
        const Json& c = (*it)[i];
        // The field path, built only for an error.
        const auto at = [&] { return field_at(base + ".containers", i); };
        const std::string_view name = string_or(c, "name"_key, "");
        if (name.empty()) {
            errs.push_back(required(at() + ".name"));
        } else if (!is_label(name, false)) {
            errs.push_back(
                invalid(at() + ".name", quote_value(name), dns1123_label_error(std::string(name))));
        } else if (std::find(names.begin(), names.end(), name) != names.end()) {
            errs.push_back(duplicate(at() + ".name", quote_value(name)));
        } else {
            names.push_back(name);
        }
        if (string_or(c, "image"_key, "").empty()) errs.push_back(required(at() + ".image"));
        const Json* ports = find_member(c, "ports"_key);
        if (ports != nullptr && ports->is_array())
            for (std::size_t p = 0; p < ports->size(); ++p) {
                const Json& port = (*ports)[p];
                const long long n = port.value("containerPort", 0LL);
                if (n < 1 || n > 65535)
                    errs.push_back(invalid(field_at(at() + ".ports", p) + ".containerPort",
                                           std::to_string(n),
                                           "must be between 1 and 65535, inclusive"));
            }
    }
}

void validate_pod_spec(const Json& spec, const std::string& base, FieldErrors& errs) {
    validate_containers(spec, base, errs);
    const std::string_view policy = string_or(spec, "restartPolicy"_key, "Always");
    if (policy != "Always" && policy != "OnFailure" && policy != "Never")
        errs.push_back(not_supported(base + ".restartPolicy", quote_value(policy),
                                     {"Always", "Never", "OnFailure"}));
    check_non_negative(spec, "terminationGracePeriodSeconds"_key, base,
                       ".terminationGracePeriodSeconds", errs);
}

// Deployment and ReplicaSet: replicas, selector, template labels, pod template.
void validate_workload(const Json& object, FieldErrors& errs) {
    const Json empty = Json::object();
    const Json* spec = find_path(object, {"spec"});
    if (spec == nullptr) spec = &empty;
    check_non_negative(*spec, "replicas"_key, "spec.replicas", "", errs);
    const Json* selector = find_path(*spec, {"selector"});
    if (selector == nullptr || selector->is_null()) {
        errs.push_back(required("spec.selector"));
    } else {
        const bool empty_selector =
            (!selector->contains("matchLabels") || (*selector)["matchLabels"].empty()) &&
            (!selector->contains("matchExpressions") || (*selector)["matchExpressions"].empty());
        if (empty_selector) {
            errs.push_back(invalid("spec.selector",
                                   "v1.LabelSelector{MatchLabels:map[string]string(nil), "
                                   "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}",
                                   "empty selector is invalid for deployment"));
        } else {
            try {
                const LabelSelector s = LabelSelector::from_json(*selector);
                const Json* tmpl_meta = find_path(*spec, {"template", "metadata"});
                const Json tmpl = tmpl_meta ? Json{{"metadata", *tmpl_meta}} : Json::object();
                if (!s.matches_object(tmpl)) {
                    std::string rendered = "map[string]string{";
                    bool first = true;
                    for (const auto& [k, v] : object_labels(tmpl)) {
                        rendered += (first ? "" : ", ") + quote_value(k) + ":" + quote_value(v);
                        first = false;
                    }
                    rendered += "}";
                    errs.push_back(invalid("spec.template.metadata.labels", rendered,
                                           "`selector` does not match template `labels`"));
                }
            } catch (const ApiError& e) {
                errs.push_back(invalid("spec.selector", "", e.message()));
            }
        }
    }
    const Json* pod_spec = find_path(*spec, {"template", "spec"});
    validate_pod_spec(pod_spec ? *pod_spec : empty, "spec.template.spec", errs);
    const std::string policy = pod_spec ? pod_spec->value("restartPolicy", "Always") : "Always";
    if (policy != "Always")
        errs.push_back(
            not_supported("spec.template.spec.restartPolicy", quote_value(policy), {"Always"}));
}

void validate_service(const Json& svc, FieldErrors& errs) {
    const Json spec = svc.value("spec", Json::object());
    const std::string type = spec.value("type", "ClusterIP");
    if (type != "ClusterIP" && type != "NodePort" && type != "LoadBalancer" &&
        type != "ExternalName")
        errs.push_back(not_supported("spec.type", quote_value(type),
                                     {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"}));
    const bool headless = spec.value("clusterIP", "") == "None";
    const Json ports = spec.value("ports", Json::array());
    if (type != "ExternalName" && !headless && ports.empty())
        errs.push_back(required("spec.ports"));
    for (std::size_t i = 0; i < ports.size(); ++i) {
        const long long port = ports[i].value("port", 0LL);
        if (port < 1 || port > 65535)
            errs.push_back(invalid(field_at("spec.ports", i) + ".port", std::to_string(port),
                                   "must be between 1 and 65535, inclusive"));
        if (ports.size() > 1 && ports[i].value("name", "").empty())
            errs.push_back(required(field_at("spec.ports", i) + ".name"));
    }
}

void validate_hpa(const Json& hpa, FieldErrors& errs) {
    const Json spec = hpa.value("spec", Json::object());
    const Json ref = spec.value("scaleTargetRef", Json::object());
    if (ref.value("kind", "").empty()) errs.push_back(required("spec.scaleTargetRef.kind"));
    if (ref.value("name", "").empty()) errs.push_back(required("spec.scaleTargetRef.name"));
    const long long min = spec.value("minReplicas", 1LL);
    const long long max = spec.value("maxReplicas", 0LL);
    if (min < 1)
        errs.push_back(
            invalid("spec.minReplicas", std::to_string(min), "must be greater than or equal to 1"));
    if (max < 1) {
        errs.push_back(
            invalid("spec.maxReplicas", std::to_string(max), "must be greater than or equal to 1"));
    } else if (max < min) {
        errs.push_back(invalid("spec.maxReplicas", std::to_string(max),
                               "must be greater than or equal to `minReplicas`"));
    }
}

void validate_seldon_schema(const Json& sdep, FieldErrors& errs) {
    // The CRD's OpenAPI schema `required` lists (seldon-v1.md §2a).
    const Json* spec = find_path(sdep, {"spec"});
    if (spec == nullptr || !spec->is_object()) {
        errs.push_back(required("spec"));
        return;
    }
    const auto preds = spec->find("predictors");
    if (preds == spec->end() || !preds->is_array()) {
        errs.push_back(required("spec.predictors"));
        return;
    }
    for (std::size_t i = 0; i < preds->size(); ++i) {
        const Json& p = (*preds)[i];
        const std::string at = field_at("spec.predictors", i);
        if (!p.contains("graph"))
            errs.push_back(required(at + ".graph"));
        else if (!p["graph"].contains("name"))
            errs.push_back(required(at + ".graph.name"));
        if (!p.contains("name")) errs.push_back(required(at + ".name"));
        if (p.contains("replicas") && p["replicas"].is_number_integer() &&
            p["replicas"].get<long long>() < 0)
            errs.push_back(invalid(at + ".replicas", p["replicas"].dump(),
                                   "must be greater than or equal to 0"));
    }
    if (spec->contains("replicas") && (*spec)["replicas"].is_number_integer() &&
        (*spec)["replicas"].get<long long>() < 0)
        errs.push_back(invalid("spec.replicas", (*spec)["replicas"].dump(),
                               "must be greater than or equal to 0"));
}

void validate_label_map(const Json& meta, const sim::JsonKey& key, FieldErrors& errs) {
    const bool labels = key.name() == "labels";
    const Json* it = find_member(meta, key);
    if (it == nullptr || it->is_null()) return;
    if (!it->is_object()) {
        errs.push_back(invalid(std::string("metadata.").append(key.name()), render_value(*it),
                               "must be a map of strings"));
        return;
    }
    for (const auto& [k, v] : it->items()) {
        if (!v.is_string()) {
            errs.push_back(invalid(std::string("metadata.").append(key.name()), render_value(v),
                                   "values must be strings"));
            continue;
        }
        if (!labels) continue;
        if (!label_syntax::is_label_key(k)) {
            errs.push_back(invalid(
                "metadata.labels", quote_value(k),
                "name part must consist of alphanumeric characters, '-', '_' or '.', and must "
                "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  "
                "or '123-abc', regex used for validation is "
                "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"));
            continue;
        }
        const std::string& value = v.get_ref<const std::string&>();
        const bool ok = label_syntax::is_label_value(value);
        if (!ok)
            errs.push_back(invalid(
                "metadata.labels", quote_value(value),
                "a valid label must be an empty string or consist of alphanumeric characters, "
                "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
                "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"));
    }
}

// Go's %#v of a metav1.LabelSelector, as ValidateImmutableField prints it.
std::string render_label_selector(const Json& selector) {
    std::string out = "v1.LabelSelector{MatchLabels:";
    const Json labels = selector.is_object() ? selector.value("matchLabels", Json()) : Json();
    if (labels.is_object() && !labels.empty()) {
        out += "map[string]string{";
        bool first = true;
        for (const auto& [k, v] : labels.items()) {
            out += (first ? "" : ", ") + quote_value(k) + ":" + render_value(v);
            first = false;
        }
        out += "}";
    } else {
        out += "map[string]string(nil)";
    }
    out += ", MatchExpressions:";
    const Json exprs = selector.is_object() ? selector.value("matchExpressions", Json()) : Json();
    if (exprs.is_array() && !exprs.empty()) {
        out += "[]v1.LabelSelectorRequirement{";
        for (std::size_t i = 0; i < exprs.size(); ++i) {
            const Json& e = exprs[i];
            out += (i ? ", " : "") + std::string("v1.LabelSelectorRequirement{Key:") +
                   quote_value(e.value("key", "")) +
                   ", Operator:" + quote_value(e.value("operator", "")) + ", Values:";
            const Json values = e.value("values", Json());
            if (values.is_array() && !values.empty()) {
                out += "[]string{";
                for (std::size_t j = 0; j < values.size(); ++j)
                    out += (j ? ", " : "") + render_value(values[j]);
                out += "}";
            } else {
                out += "[]string(nil)";
            }
            out += "}";
        }
        out += "}";
    } else {
        out += "[]v1.LabelSelectorRequirement(nil)";
    }
    return out + "}";
}

// ValidatePodUpdate: only images, activeDeadlineSeconds, added tolerations and a
// terminationGracePeriodSeconds of 1 after a negative one may change. The real message ends
// with a diff of the two specs, which is left out here.
void validate_pod_spec_update(const Json& spec, const Json& old_spec, FieldErrors& errs) {
    Json munged = spec;
    for (const char* list : {"containers", "initContainers"}) {
        if (!munged.contains(list) || !old_spec.contains(list) || !munged[list].is_array() ||
            munged[list].size() != old_spec[list].size())
            continue;
        for (std::size_t i = 0; i < munged[list].size(); ++i) {
            if (old_spec[list][i].contains("image"))
                munged[list][i]["image"] = old_spec[list][i]["image"];
            else
                munged[list][i].erase("image");
        }
    }
    const auto restore = [&](const char* key) {
        if (old_spec.contains(key))
            munged[key] = old_spec[key];
        else
            munged.erase(key);
    };
    restore("activeDeadlineSeconds");
    const Json& old_tolerations = member_or_empty_array(old_spec, "tolerations"_key);
    const Json& new_tolerations = member_or_empty_array(spec, "tolerations"_key);
    const bool only_added =
        std::all_of(old_tolerations.begin(), old_tolerations.end(), [&](const Json& t) {
            return std::find(new_tolerations.begin(), new_tolerations.end(), t) !=
                   new_tolerations.end();
        });
    if (only_added) restore("tolerations");
    if (old_spec.value("terminationGracePeriodSeconds", 0LL) < 0 &&
        spec.value("terminationGracePeriodSeconds", 0LL) == 1)
        restore("terminationGracePeriodSeconds");
    if (munged == old_spec) return;
    errs.push_back(forbidden(
        "spec",
        "pod updates may not change fields other than `spec.containers[*].image`,"
        "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
        "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be "
        "set to 1 if it was previously negative)"));
}

}  // namespace

// dns1123_subdomain_error(name).empty(), without building any string.
bool is_dns1123_subdomain(std::string_view name) {
    if (name.empty() || name.size() > 253) return false;
    std::size_t start = 0;
    while (true) {
        const auto dot = name.find('.', start);
        const std::string_view part = name.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        const bool ok = !part.empty() && lower_alnum(part.front()) && lower_alnum(part.back()) &&
                        std::all_of(part.begin(), part.end(),
                                    [](char c) { return lower_alnum(c) || c == '-'; });
        if (!ok) return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

std::string dns1123_subdomain_error(const std::string& name) {
    bool ok = !name.empty() && name.size() <= 253;
    if (ok) {
        std::size_t start = 0;
        while (ok && start <= name.size()) {
            const auto dot = name.find('.', start);
            const std::string part =
                name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
            ok = !part.empty() && lower_alnum(part.front()) && lower_alnum(part.back()) &&
                 std::all_of(part.begin(), part.end(),
                             [](char c) { return lower_alnum(c) || c == '-'; });
            if (dot == std::string::npos) break;
            start = dot + 1;
        }
    }
    if (ok) return "";
    if (name.size() > 253) return "must be no more than 253 characters";
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
           "or '.', "
           "and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
           "for "
           "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
}

std::string dns1123_label_error(const std::string& name) {
    if (is_label(name, false)) return "";
    if (name.size() > 63) return "must be no more than 63 characters";
    return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
           "and must "
           "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
           "used for "
           "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
}

std::string dns1035_label_error(const std::string& name) {
    if (is_label(name, true)) return "";
    if (name.size() > 63) return "must be no more than 63 characters";
    return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
           "an "
           "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
           "'abc-123', "
           "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
}

FieldErrors validate_object_meta(const ResourceInfo& resource, const Json& object) {
    FieldErrors errs;
    const Json& meta = member_or_empty_object(object, "metadata"_key);
    const std::string_view name = string_or(meta, "name"_key, "");
    if (name.empty()) {
        errs.push_back(required("metadata.name", "name or generateName is required"));
    } else {
        // The checks first; the message only for an invalid name.
        std::string e;
        const std::string_view kind = resource.kind;  // compared by size first, no strlen
        if (kind == "Service") {
            if (!is_label(name, true)) e = dns1035_label_error(std::string(name));
        } else if (kind == "Namespace") {
            if (!is_label(name, false)) e = dns1123_label_error(std::string(name));
        } else if (!is_dns1123_subdomain(name)) {
            e = dns1123_subdomain_error(std::string(name));
        }
        if (!e.empty()) errs.push_back(invalid("metadata.name", quote_value(name), e));
    }
    if (resource.namespaced && string_or(meta, "namespace"_key, "").empty())
        errs.push_back(required("metadata.namespace"));
    validate_label_map(meta, "labels"_key, errs);
    validate_label_map(meta, "annotations"_key, errs);
    return errs;
}

FieldErrors validate_object(const ResourceInfo& resource, const Json& object, const Json* old) {
    FieldErrors errs;
    const std::string_view kind = resource.kind;  // compared by size first, no strlen
    if (kind == "Deployment" || kind == "ReplicaSet") {
        validate_workload(object, errs);
        // apps/v1 selectors are immutable (ValidateDeploymentUpdate / ValidateReplicaSetUpdate).
        if (old != nullptr) {
            const Json* before = find_path(*old, {"spec", "selector"});
            const Json* after = find_path(object, {"spec", "selector"});
            if (before != nullptr && after != nullptr && *before != *after)
                errs.push_back(
                    invalid("spec.selector", render_label_selector(*after), "field is immutable"));
        }
    } else if (kind == "Pod") {
        const Json& spec = member_or_empty_object(object, "spec"_key);
        validate_pod_spec(spec, "spec", errs);
        if (old != nullptr)
            validate_pod_spec_update(spec, member_or_empty_object(*old, "spec"_key), errs);
    } else if (kind == "Service") {
        validate_service(object, errs);
    } else if (kind == "HorizontalPodAutoscaler") {
        validate_hpa(object, errs);
    } else if (kind == "SeldonDeployment") {
        validate_seldon_schema(object, errs);
    }
    return errs;
}

}  // namespace sim::kube
