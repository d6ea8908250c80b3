#include "sim/kube/http_router.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>
#include <vector>

#include "sim/kube/discovery.hpp"
#include "sim/kube/http_table.hpp"
#include "sim/kube/openapi_schemas.hpp"

namespace sim::kube {
namespace {

HttpResponse json_response(int status, const Json& body) {
    HttpResponse r;
    r.status = status;
    r.body = body.dump();
    return r;
}

HttpResponse error_response(const ApiError& e) {
    return json_response(e.code(), e.status());
}

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> parts;
    std::size_t i = 0;
    while (i < path.size()) {
        const std::size_t j = path.find('/', i);
        const std::size_t end = j == std::string_view::npos ? path.size() : j;
        if (end > i) parts.emplace_back(path.substr(i, end - i));
        i = end + 1;
    }
    return parts;
}

std::optional<std::int64_t> parse_int(const std::string& text) {
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
    return v;
}

std::int64_t int_param(const HttpRequest& req, const std::string& name, std::int64_t fallback) {
    const auto text = req.param(name);
    if (!text) return fallback;
    const auto v = parse_int(*text);
    if (!v) throw bad_request("invalid value for " + name + ": " + *text);
    return *v;
}

// The true values of Go's strconv.ParseBool, which the apiserver's query decoding uses (the
// Python client sends watch=True).
bool bool_param(const HttpRequest& req, const std::string& name) {
    const auto v = req.param(name);
    return v &&
           (*v == "true" || *v == "1" || *v == "t" || *v == "T" || *v == "TRUE" || *v == "True");
}

ListOptions list_options(const HttpRequest& req) {
    ListOptions o;
    o.label_selector = req.param("labelSelector").value_or("");
    o.field_selector = req.param("fieldSelector").value_or("");
    o.limit = int_param(req, "limit", 0);
    o.continue_token = req.param("continue").value_or("");
    o.resource_version = req.param("resourceVersion").value_or("");
    o.allow_watch_bookmarks = bool_param(req, "allowWatchBookmarks");
    return o;
}

// POST/PUT/DELETE bodies must be JSON. kubectl's typed clients first send protobuf; a 415
// makes client-go 1.32 switch to JSON for that client and retry (observed with
// `kubectl create deployment`).
void check_json_body(const HttpRequest& req) {
    const std::string base = req.content_type.substr(0, req.content_type.find(';'));
    if (base.empty() || base == "application/json" || base == "*/*") return;
    throw unsupported_media_type(req.content_type, {"application/json"});
}

Json parse_body(const HttpRequest& req) {
    if (req.body.empty()) throw bad_request("the body of the request is empty");
    Json j = Json::parse(req.body, nullptr, false);
    if (j.is_discarded()) throw bad_request("the body of the request could not be decoded as JSON");
    return j;
}

// DeleteOptions from the body (kubectl sends one) and the query parameters.
DeleteOptions delete_options(const HttpRequest& req) {
    DeleteOptions o;
    if (!req.body.empty()) {
        check_json_body(req);
        const Json b = parse_body(req);
        if (!b.is_object()) throw bad_request("DeleteOptions must be a JSON object");
        if (b.contains("gracePeriodSeconds") && b["gracePeriodSeconds"].is_number_integer())
            o.grace_period_seconds = b["gracePeriodSeconds"].get<std::int64_t>();
        if (b.contains("propagationPolicy") && b["propagationPolicy"].is_string())
            o.propagation_policy = b["propagationPolicy"].get<std::string>();
        if (b.contains("orphanDependents") && b["orphanDependents"].is_boolean() &&
            !o.propagation_policy)
            o.propagation_policy = b["orphanDependents"].get<bool>() ? "Orphan" : "Background";
        if (b.contains("preconditions") && b["preconditions"].is_object()) {
            const Json& p = b["preconditions"];
            if (p.contains("uid") && p["uid"].is_string()) o.precondition_uid = p["uid"];
            if (p.contains("resourceVersion") && p["resourceVersion"].is_string())
                o.precondition_resource_version = p["resourceVersion"];
        }
    }
    if (req.param("gracePeriodSeconds"))
        o.grace_period_seconds = int_param(req, "gracePeriodSeconds", 0);
    if (auto p = req.param("propagationPolicy")) o.propagation_policy = *p;
    return o;
}

// dryRun=All (the only value; apimachinery/pkg/apis/meta/v1/validation ValidateDryRun), in
// the query or, for DELETE, in the DeleteOptions body (kubectl sends it there). Empty values
// are ignored; anything else is 422 Invalid.
bool wants_dry_run(const HttpRequest& req) {
    std::vector<std::string> values;
    const auto [from, to] = req.query.equal_range("dryRun");
    for (auto it = from; it != to; ++it)
        values.push_back(it->second);
    if (req.method == "DELETE" && !req.body.empty()) {
        const Json body = Json::parse(req.body, nullptr, false);
        if (body.is_object() && body.contains("dryRun") && body["dryRun"].is_array())
            for (const Json& v : body["dryRun"])
                if (v.is_string()) values.push_back(v.get<std::string>());
    }
    bool all = false;
    for (const std::string& value : values) {
        if (value.empty()) continue;
        if (value != "All") {
            const std::string options = req.method == "POST"     ? "CreateOptions"
                                        : req.method == "DELETE" ? "DeleteOptions"
                                        : req.method == "PATCH"  ? "PatchOptions"
                                                                 : "UpdateOptions";
            throw invalid_object(
                {"meta.k8s.io", options}, "",
                {not_supported("dryRun", "[]string{" + quote_value(value) + "}", {"All"})});
        }
        all = true;
    }
    return all;
}

const std::vector<std::string> kPatchTypes{
    "application/json-patch+json", "application/merge-patch+json",
    "application/strategic-merge-patch+json", "application/apply-patch+yaml"};

// {"major":"1","minor":"32",...} (§2.5); the build facts name the emulated release.
Json version_document() {
    return Json{{"major", "1"},
                {"minor", "32"},
                {"gitVersion", "v1.32.4"},
                {"gitCommit", "0000000000000000000000000000000000000000"},
                {"gitTreeState", "clean"},
                {"buildDate", "2025-04-22T00:00:00Z"},
                {"goVersion", "go1.23.6"},
                {"compiler", "gc"},
                {"platform", "linux/amd64"}};
}

std::string gv_path(const std::string& group, const std::string& version) {
    return group.empty() ? "api/" + version : "apis/" + group + "/" + version;
}

// GET /openapi/v3: one entry per served group-version (§2.3). The hash only has to be stable.
Json openapi_index(const Registry& registry) {
    Json paths = Json::object();
    for (const ResourceInfo& r : registry.all())
        for (const std::string& v : r.versions) {
            const std::string p = gv_path(r.group, v);
            paths[p] = Json{{"serverRelativeURL", "/openapi/v3/" + p + "?hash=sim0"}};
        }
    return Json{{"paths", paths}};
}

// GET /openapi/v3/<gv>: a patch operation per item path carrying the GVK and the
// fieldValidation parameter, which is all kubectl's query-param verifier looks for. The
// strategic-merge media type is left out on purpose (§2.3) so kubectl builds its patches from
// its compiled-in types instead of from (absent) schemas.
Json openapi_group_version(const Registry& registry, const std::string& group,
                           const std::string& version) {
    Json paths = Json::object();
    bool any = false;
    for (const ResourceInfo& r : registry.all()) {
        if (r.group != group || !r.serves(version)) continue;
        any = true;
        const std::string base = "/" + gv_path(group, version) +
                                 (r.namespaced ? "/namespaces/{namespace}/" : "/") + r.plural;
        Json content = Json::object();
        for (const char* t : {"application/json-patch+json", "application/merge-patch+json",
                              "application/apply-patch+yaml"})
            content[t] = Json{{"schema", Json::object()}};
        Json patch{{"x-kubernetes-group-version-kind",
                    {{"group", group}, {"version", version}, {"kind", r.kind}}},
                   {"parameters", Json::array({{{"name", "fieldValidation"},
                                                {"in", "query"},
                                                {"schema", {{"type", "string"}}}}})},
                   {"requestBody", {{"content", content}}},
                   {"responses", {{"200", {{"description", "OK"}}}}}};
        paths[base + "/{name}"] = Json{{"patch", patch}};
    }
    if (!any) return nullptr;
    return Json{{"openapi", "3.0.0"},
                {"info", {{"title", "Kubernetes"}, {"version", "v1.32.4"}}},
                {"paths", paths},
                {"components", {{"schemas", openapi_component_schemas(registry, group, version)}}}};
}

// GET /apis/<group>: the APIGroup document.
Json api_group(const Registry& registry, const std::string& group) {
    const Json groups = api_group_list(registry);
    for (const Json& g : groups["groups"])
        if (g["name"] == group) {
            Json doc = g;
            doc["kind"] = "APIGroup";
            doc["apiVersion"] = "v1";
            return doc;
        }
    return nullptr;
}

}  // namespace

std::optional<std::string> HttpRequest::param(const std::string& name) const {
    const auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
}

std::optional<std::string> HttpRequest::header(std::string_view name) const {
    const auto same = [name](std::string_view other) {
        return std::equal(name.begin(), name.end(), other.begin(), other.end(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
        });
    };
    for (const auto& [key, value] : headers)
        if (same(key)) return value;
    return std::nullopt;
}

void WatchStream::push(std::string line) {
    {
        const std::lock_guard lock(mutex_);
        if (closed_) return;
        lines_.push_back(std::move(line));
    }
    ready_.notify_all();
}

void WatchStream::close() {
    {
        const std::lock_guard lock(mutex_);
        closed_ = true;
    }
    ready_.notify_all();
}

std::optional<std::string> WatchStream::pop(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    ready_.wait_for(lock, wait, [&] { return closed_ || !lines_.empty(); });
    if (lines_.empty()) return std::nullopt;
    std::string line = std::move(lines_.front());
    lines_.pop_front();
    return line;
}

bool WatchStream::closed() const {
    const std::lock_guard lock(mutex_);
    return closed_;
}

HttpRouter::HttpRouter(ApiServer& server, RouterOptions options)
    : server_(server), options_(std::move(options)) {}

HttpRouter::~HttpRouter() {
    close_all_streams();
}

void HttpRouter::close_stream(std::uint64_t stream_id) {
    const auto it = streams_.find(stream_id);
    if (it == streams_.end()) return;
    it->second.stream->close();
    streams_.erase(it);  // the WatchHandle stops the watch
}

void HttpRouter::close_all_streams() {
    for (auto& [id, s] : streams_)
        s.stream->close();
    streams_.clear();
}

HttpResponse HttpRouter::handle(const HttpRequest& request) {
    try {
        if (request.body.size() > options_.max_body_bytes) {
            Json s{{"kind", "Status"},
                   {"apiVersion", "v1"},
                   {"metadata", Json::object()},
                   {"status", "Failure"},
                   {"message", "Request entity too large: limit is " +
                                   std::to_string(options_.max_body_bytes)},
                   {"reason", "RequestEntityTooLarge"},
                   {"code", 413}};
            return json_response(413, s);
        }
        return dispatch(request);
    } catch (const ApiError& e) {
        return error_response(e);
    } catch (const std::exception& e) {
        return error_response(internal_error(e.what()));
    }
}

HttpResponse HttpRouter::dispatch(const HttpRequest& req) {
    const std::vector<std::string> parts = split_path(req.path);
    const Registry& registry = server_.registry();
    const bool get = req.method == "GET";
    if (req.method == "OPTIONS") {
        // No API route takes OPTIONS (no CORS configured): go-restful's method mismatch.
        HttpResponse r;
        r.status = 405;
        r.content_type = "text/plain; charset=utf-8";
        r.body = "405: Method Not Allowed";
        return r;
    }

    if (get && parts.size() == 1 && parts[0] == "version")
        return json_response(200, version_document());
    if (get && parts.size() == 1 &&
        (parts[0] == "healthz" || parts[0] == "readyz" || parts[0] == "livez")) {
        HttpResponse r;
        r.content_type = "text/plain";
        r.body = "ok";
        return r;
    }
    if (get && parts.size() >= 2 && parts[0] == "openapi" && parts[1] == "v3") {
        if (parts.size() == 2) return json_response(200, openapi_index(registry));
        std::string group, version;
        if (parts.size() == 4 && parts[2] == "api")
            version = parts[3];
        else if (parts.size() == 5 && parts[2] == "apis")
            group = parts[3], version = parts[4];
        const Json doc =
            version.empty() ? Json(nullptr) : openapi_group_version(registry, group, version);
        if (doc.is_null()) throw unknown_path();
        return json_response(200, doc);
    }
    if (parts.empty()) throw unknown_path();

    // Discovery documents.
    if (parts[0] == "api") {
        if (parts.size() == 1) {
            if (!get) throw unknown_path();
            return json_response(200, api_versions(options_.server_address));
        }
        if (parts.size() == 2) {
            const Json doc = get ? api_resource_list(registry, "", parts[1]) : Json(nullptr);
            if (doc.is_null()) throw unknown_path();
            return json_response(200, doc);
        }
    } else if (parts[0] == "apis") {
        if (parts.size() == 1) {
            if (!get) throw unknown_path();
            return json_response(200, api_group_list(registry));
        }
        const Json doc = !get                ? Json(nullptr)
                         : parts.size() == 2 ? api_group(registry, parts[1])
                         : parts.size() == 3 ? api_resource_list(registry, parts[1], parts[2])
                                             : Json(nullptr);
        if (parts.size() <= 3) {
            if (doc.is_null()) throw unknown_path();
            return json_response(200, doc);
        }
    } else {
        throw unknown_path();
    }

    // Resource paths: <gv prefix> [namespaces/<ns>/] <plural> [<name> [<subresource>]].
    ResourceRef ref;
    std::size_t i = 0;
    if (parts[0] == "api") {
        ref.version = parts[1];
        i = 2;
    } else {
        ref.group = parts[1];
        ref.version = parts[2];
        i = 3;
    }
    std::vector<std::string> rest(parts.begin() + static_cast<std::ptrdiff_t>(i), parts.end());
    // "namespaces/<ns>/<plural>..." is namespaced unless the third segment is not a
    // namespaced resource of this group (then it is a Namespace's own subresource).
    if (rest.size() >= 3 && rest[0] == "namespaces") {
        const ResourceInfo* r = registry.find(ref.group, rest[2]);
        if (r != nullptr && r->namespaced) {
            ref.ns = rest[1];
            rest.erase(rest.begin(), rest.begin() + 2);
        }
    }
    if (rest.empty() || rest.size() > 3) throw unknown_path();
    ref.resource = rest[0];
    const ResourceInfo* info = registry.find(ref.group, ref.resource);
    if (info == nullptr || !info->serves(ref.version)) throw unknown_path();
    if (!info->namespaced && !ref.ns.empty()) throw unknown_path();
    return resource_request(req, ref, rest.size() > 1 ? rest[1] : "",
                            rest.size() > 2 ? rest[2] : "");
}

HttpResponse HttpRouter::resource_request(const HttpRequest& req, const ResourceRef& ref,
                                          const std::string& name, const std::string& sub) {
    const ResourceInfo& info = *server_.registry().find(ref.group, ref.resource);
    std::optional<ApiServer::DryRun> dry_run;
    if (req.method != "GET" && wants_dry_run(req)) dry_run.emplace(server_);
    const bool table = accepts_table(req.accept);
    const auto answer = [&](const Result<Json>& r, int ok_code) {
        if (!r.ok()) return error_response(r.error());
        if (table && req.method == "GET" && sub.empty())
            return json_response(ok_code, to_table(info, r.value(), server_.now_unix_nanos()));
        return json_response(ok_code, r.value());
    };

    if (name.empty()) {  // collection
        if (req.method == "GET") {
            const ListOptions opts = list_options(req);
            if (bool_param(req, "watch")) return watch(req, ref, opts, table);
            return answer(server_.list(ref, opts), 200);
        }
        if (req.method == "POST") {
            check_json_body(req);
            return answer(server_.create(ref, parse_body(req)), 201);
        }
        if (req.method == "DELETE")
            return answer(server_.remove_collection(ref, list_options(req), delete_options(req)),
                          200);
        throw method_not_allowed({info.group, info.plural},
                                 req.method == "PUT" ? "update" : "patch");
    }
    if (!sub.empty() && sub != "status" && sub != "scale" && sub != "binding" && sub != "eviction")
        throw unknown_path();
    if (sub == "eviction" && req.method != "POST")
        throw method_not_allowed({info.group, info.plural}, "get");
    if (req.method == "GET") return answer(server_.get(ref, name, sub), 200);
    if (req.method == "POST") {
        if (sub != "binding" && sub != "eviction")
            throw method_not_allowed({info.group, info.plural}, "create");
        check_json_body(req);
        Json binding = parse_body(req);
        if (binding.is_object() && !binding.contains("metadata"))
            binding["metadata"] = Json::object();
        if (binding.is_object() && !binding["metadata"].contains("name"))
            binding["metadata"]["name"] = name;
        if (sub == "eviction" && binding.is_object() && binding["metadata"].is_object() &&
            binding["metadata"].value("name", name) != name)
            throw bad_request("name in URL does not match name in Eviction object");
        return answer(server_.create(ref, std::move(binding), sub), 201);
    }
    // An ordinary write names its field manager (managedFields, server_side_apply.hpp).
    std::optional<ApiServer::WriteManager> manager;
    const bool apply_patch =
        req.method == "PATCH" && req.content_type.starts_with("application/apply-patch");
    if ((req.method == "PUT" || req.method == "PATCH") && !apply_patch)
        manager.emplace(server_, UpdateManager{req.param("fieldManager").value_or("unknown"), sub});
    if (req.method == "PUT") {
        check_json_body(req);
        return answer(server_.update(ref, name, parse_body(req), sub), 200);
    }
    if (req.method == "PATCH") {
        PatchType type{};
        if (!patch_type_from_content_type(req.content_type, type))
            throw unsupported_media_type(req.content_type, kPatchTypes);
        if (type == PatchType::Apply && !req.param("fieldManager"))
            throw bad_request(
                "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is "
                "required for apply patch");
        const bool existed = type == PatchType::Apply && server_.get(ref, name).ok();
        ApplyOptions apply;
        apply.field_manager = req.param("fieldManager").value_or("unknown");
        apply.force = bool_param(req, "force");
        const Result<Json> r = server_.patch(ref, name, type, parse_body(req), sub, apply);
        return answer(r, type == PatchType::Apply && !existed ? 201 : 200);
    }
    if (req.method == "DELETE") {
        if (!sub.empty()) throw method_not_allowed({info.group, info.plural}, "delete");
        return answer(server_.remove(ref, name, delete_options(req)), 200);
    }
    throw method_not_allowed({info.group, info.plural}, req.method);
}

HttpResponse HttpRouter::watch(const HttpRequest& req, const ResourceRef& ref,
                               const ListOptions& options, bool as_table) {
    const ResourceInfo& info = *server_.registry().find(ref.group, ref.resource);
    auto stream = std::make_shared<WatchStream>();
    ApiServer& server = server_;
    WatchHandler handler = [stream, &server, &info, as_table](const WatchEvent& e) {
        Json line = e.to_json();
        const bool object_event = e.type == WatchEventType::Added ||
                                  e.type == WatchEventType::Modified ||
                                  e.type == WatchEventType::Deleted;
        if (as_table && object_event)
            line["object"] = to_table(info, e.object, server.now_unix_nanos());
        stream->push(line.dump() + "\n");
    };
    ListOptions external = options;
    external.external = true;  // a client outside the simulation (see WatcherSpec::external)
    Result<WatchHandle> handle = server_.watch(ref, external, handler);
    HttpResponse r;
    r.stream = stream;
    r.stream_timeout_seconds = int_param(req, "timeoutSeconds", 0);
    if (!handle.ok() && handle.code() != 410) return error_response(handle.error());
    if (!handle.ok()) {
        // A watch that cannot start (410 Expired) is a 200 stream with one ERROR event.
        stream->push(WatchEvent{WatchEventType::Error, handle.error().status()}.to_json().dump() +
                     "\n");
        stream->close();
        return r;
    }
    r.stream_id = next_stream_id_++;
    streams_.emplace(r.stream_id, OpenStream{std::move(handle).value(), stream});
    return r;
}

}  // namespace sim::kube
