#include "sim/kube/api_server.hpp"

#include <algorithm>
#include <charconv>

#include "sim/kernel/time.hpp"
#include "sim/kernel/uuid.hpp"
#include "sim/kube/conversion.hpp"
#include "sim/kube/defaults.hpp"
#include "sim/kube/json_build.hpp"
#include "sim/kube/selectors.hpp"
#include "sim/kube/server_side_apply.hpp"
#include "sim/kube/validation.hpp"

namespace sim::kube {
namespace {

// apiserver/pkg/storage/names/generate.go: maxNameLength 63, randomLength 5, so the prefix is
// cut to 58; the alphabet is apimachinery/pkg/util/rand's (no vowels, no confusable digits).
constexpr std::size_t kMaxGeneratedPrefix = 58;
constexpr std::string_view kNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
constexpr int kGenerateNameAttempts = 8;

using namespace std::string_view_literals;

// Member access in one search of the object, no strlen and no std::string made for the key;
// a key spelled out here is a JsonKey ("name"_key, json_build.hpp), found by its pointer.
template <class K>
Json& set_member(Json& object, const K& key, Json value) {
    auto& m = object.get_ref<Json::object_t&>();
    const auto [it, added] = m.emplace(key, std::move(value));  // moves only when added
    if (!added) it->second = std::move(value);
    return it->second;
}

template <class K>
void erase_member(Json& object, const K& key) {
    auto& m = object.get_ref<Json::object_t&>();
    if (const auto it = m.find(key); it != m.end()) m.erase(it);
}

Json& meta(Json& object) {
    if (!object.is_object()) {  // null becomes an object; anything else throws, as before
        if (!object.contains("metadata") || !object["metadata"].is_object())
            object["metadata"] = Json::object();
        return object["metadata"];
    }
    auto& m = object.get_ref<Json::object_t&>();
    const auto it = m.emplace("metadata"_key).first;  // null when added
    if (!it->second.is_object()) it->second = Json::object();
    return it->second;
}

const Json& meta_of(const Json& object) {
    static const Json empty = Json::object();
    const Json* m = find_member(object, "metadata"_key);
    return m != nullptr && m->is_object() ? *m : empty;
}

// A string member read in place: its text, or "" when absent or not a string.
template <class K>
std::string_view sv(const Json& object, const K& key) {
    const Json* member = find_member(object, key);
    return member != nullptr && member->is_string()
               ? std::string_view(member->get_ref<const std::string&>())
               : std::string_view{};
}

template <class K>
std::string str(const Json& object, const K& key) {
    return std::string(sv(object, key));
}

Json finalizers_of(const Json& object) {
    const Json& m = meta_of(object);
    const auto it = m.find("finalizers");
    return it != m.end() && it->is_array() ? *it : Json::array();
}

// The Status a binding answers (pkg/registry/core/pod/storage BindingREST.Create), built once.
Json bind_success() {
    static const Json kSuccess{{"kind", "Status"},
                               {"apiVersion", "v1"},
                               {"metadata", Json::object()},
                               {"status", "Success"},
                               {"code", 201}};
    return kSuccess;
}

bool is_deleting(const Json& object) {
    const Json* t = find_member(meta_of(object), "deletionTimestamp"_key);
    return t != nullptr && !t->is_null();
}

// `to` is an object (do_update's next, or its metadata).
template <class K>
void copy_or_erase(Json& to, const Json& from, const K& key) {
    const Json* value = find_member(from, key);
    if (value == nullptr) {
        erase_member(to, key);
        return;
    }
    // Comparing allocates nothing and usually finds them equal (a status update carries the
    // spec it read); copying a pod's spec allocates hundreds of nodes.
    auto& members = to.get_ref<Json::object_t&>();
    const auto [target, added] = members.emplace(key, *value);
    if (!added && target->second != *value) target->second = *value;
}

// a == b, looking first at the member `likely` (what the write was about: a status update's
// status): when that differs, as it mostly does, the other members (a pod's metadata and
// spec, hundreds of nodes) are not walked. The answer is operator=='s.
bool same_object(const Json& a, const Json& b, std::string_view likely) {
    if (a.is_object() && b.is_object() && a.size() == b.size()) {
        const auto x = a.find(likely);
        const auto y = b.find(likely);
        if ((x == a.end()) != (y == b.end())) return false;
        if (x != a.end() && *x != *y) return false;
    }
    return a == b;
}

std::string base64(std::string_view in) {
    static constexpr char kTable[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                           (static_cast<unsigned char>(in[i + 1]) << 8) |
                           static_cast<unsigned char>(in[i + 2]);
        for (int s = 18; s >= 0; s -= 6)
            out += kTable[(v >> s) & 63];
    }
    if (i < in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += kTable[(v >> 18) & 63];
        out += kTable[(v >> 12) & 63];
        out += i + 1 < in.size() ? kTable[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::string> unbase64(std::string_view in) {
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (const char c : in) {
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+' || c == '-')
            v = 62;
        else if (c == '/' || c == '_')
            v = 63;
        else if (c == '=')
            break;
        else
            return std::nullopt;
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xff);
        }
    }
    return out;
}

std::optional<std::uint64_t> parse_u64(std::string_view text) {
    std::uint64_t v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || text.empty()) return std::nullopt;
    return v;
}

// pkg/apis/core/v1/helper/qos: Guaranteed when every container limits cpu and memory and
// requests equal limits; BestEffort when nothing requests or limits anything.
// (Reads members in place: `value(key, {})` would copy the whole spec.)

std::string qos_class(const Json& pod) {
    static const Json empty_object = Json::object();
    static const Json empty_array = Json::array();
    bool any = false;
    bool guaranteed = true;
    const Json& spec = member_or(pod, "spec"_key, empty_object);
    for (const sim::JsonKey* list : {&"containers"_key, &"initContainers"_key}) {
        for (const auto& c : member_or(spec, *list, empty_array)) {
            const Json& res = member_or(c, "resources"_key, empty_object);
            const Json& limits = member_or(res, "limits"_key, empty_object);
            const Json& requests = member_or(res, "requests"_key, empty_object);
            for (const sim::JsonKey* name : {&"cpu"_key, &"memory"_key}) {
                const Json* limit = find_member(limits, *name);
                const Json* request = find_member(requests, *name);
                if (limit != nullptr || request != nullptr) any = true;
                if (limit == nullptr) guaranteed = false;
                if (request != nullptr && limit != nullptr && *request != *limit)
                    guaranteed = false;
            }
        }
    }
    if (!any) return "BestEffort";
    return guaranteed ? "Guaranteed" : "Burstable";
}

// Reads/writes a dotted path ("spec.replicas").
const Json* get_path(const Json& object, std::string_view path) {
    const Json* at = &object;
    std::size_t start = 0;
    while (true) {
        const auto dot = path.find('.', start);
        const std::string key(path.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (!at->is_object() || !at->contains(key)) return nullptr;
        at = &(*at)[key];
        if (dot == std::string_view::npos) return at;
        start = dot + 1;
    }
}

void set_path(Json& object, std::string_view path, Json value) {
    Json* at = &object;
    std::size_t start = 0;
    while (true) {
        const auto dot = path.find('.', start);
        const std::string key(path.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (!at->is_object()) *at = Json::object();
        if (dot == std::string_view::npos) {
            (*at)[key] = std::move(value);
            return;
        }
        at = &(*at)[key];
        start = dot + 1;
    }
}

}  // namespace

ApiServer::ApiServer(sim::kernel::EventLoop& loop, sim::kernel::RandomStreams& streams,
                     ServerOptions options)
    : loop_(loop),
      uid_stream_(streams.get("apiserver/uid")),
      name_stream_(streams.get("apiserver/generate-name")),
      options_(options),
      registry_(Registry::standard()),
      next_cluster_ip_(options.first_cluster_ip),
      hub_(loop, options.watch_history) {
    if (!options_.bootstrap_namespaces) return;
    for (const char* ns : {"default", "kube-node-lease", "kube-public", "kube-system"})
        create(refs::kNamespaces,
               Json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}})
            .value();
}

std::int64_t ApiServer::now_unix_nanos() const {
    return options_.start_unix_nanos + loop_.now();
}
std::string ApiServer::now_rfc3339() const {
    return now_rfc3339_ref();
}
const std::string& ApiServer::now_rfc3339_ref() const {
    // metav1.Time has whole seconds: one text per second, formatted once.
    const std::int64_t nanos = now_unix_nanos();
    const std::int64_t second =
        nanos / sim::kernel::kSecond - (nanos % sim::kernel::kSecond < 0 ? 1 : 0);
    if (second != rfc3339_second_ || rfc3339_text_.empty()) {
        rfc3339_text_ = sim::kernel::format_rfc3339(second * sim::kernel::kSecond);
        rfc3339_second_ = second;
    }
    return rfc3339_text_;
}

const ResourceInfo& ApiServer::resolve(const ResourceRef& ref, const char* verb) const {
    const ResourceInfo* r = registry_.find(ref.group, ref.resource);
    if (r == nullptr || !r->serves(ref.version)) throw unknown_path();
    if (!r->has_verb(verb)) throw method_not_allowed({r->group, r->plural}, verb);
    return *r;
}

void ApiServer::aggregate(const std::string& group_resource, const AggregatedApi* api) {
    if (api == nullptr) {
        aggregated_.erase(group_resource);
        return;
    }
    aggregated_[group_resource] = api;
}

const AggregatedApi* ApiServer::aggregated(const ResourceInfo& r) const {
    if (aggregated_.empty()) return nullptr;
    const auto it = aggregated_.find(r.group_resource());
    return it == aggregated_.end() ? nullptr : it->second;
}

const Bucket* ApiServer::find_bucket(const ResourceInfo& r) const {
    // A core resource's group_resource is its plural: looked up without building the string.
    const auto it = r.group.empty() ? store_.find(r.plural) : store_.find(r.group_resource());
    return it == store_.end() ? nullptr : &it->second;
}

Bucket& ApiServer::bucket(const ResourceInfo& r) {
    if (r.group.empty())
        if (const auto it = store_.find(r.plural); it != store_.end()) return it->second;
    return store_[r.group_resource()];
}

const ObjectPtr& ApiServer::existing_ptr(const ResourceInfo& r, const std::string& ns,
                                         const std::string& name) const {
    if (const Bucket* b = find_bucket(r))
        if (const ObjectPtr* object = b->find(ns, name)) return *object;
    throw not_found({r.group, r.plural}, name);
}

std::string ApiServer::scoped_namespace(const ResourceInfo& r, const ResourceRef& ref) const {
    return r.namespaced ? ref.ns : std::string{};
}

Json ApiServer::present(const ResourceInfo& r, const Json& stored,
                        const std::string& version) const {
    // Stored objects carry the storage apiVersion and kind already (every write went through
    // to_storage_version), so in the storage version the conversion is the identity.
    if (version == r.storage_version) return stored;
    return from_storage_version(r, stored, version);
}

std::vector<Json> ApiServer::snapshot(const std::string& group_resource) const {
    std::vector<Json> out;
    const auto it = store_.find(group_resource);
    if (it == store_.end()) return out;
    for (const auto& [key, object] : it->second)
        out.push_back(*object.tree());
    return out;
}

ApiServer::DryRun::DryRun(ApiServer& server)
    : server_(server), next_cluster_ip_(server.next_cluster_ip_) {
    server_.dry_uid_stream_ = server_.uid_stream_;
    server_.dry_name_stream_ = server_.name_stream_;
}

ApiServer::DryRun::~DryRun() {
    server_.dry_uid_stream_.reset();
    server_.dry_name_stream_.reset();
    server_.next_cluster_ip_ = next_cluster_ip_;
}

std::string ApiServer::new_uid() {
    // From the seeded stream (a copy of it in a dry run, so a dry run shifts no later uid).
    return sim::kernel::uuid_v4(dry_uid_stream_ ? *dry_uid_stream_ : uid_stream_);
}

std::string ApiServer::generate_name(const std::string& prefix) {
    std::string name = prefix.substr(0, std::min(prefix.size(), kMaxGeneratedPrefix));
    sim::kernel::Random& stream = dry_name_stream_ ? *dry_name_stream_ : name_stream_;
    for (int i = 0; i < 5; ++i)
        name += kNameAlphabet[stream.below(kNameAlphabet.size())];
    return name;
}

void ApiServer::allocate_cluster_ip(Json& service) {
    Json& spec = service["spec"];
    if (spec.value("type", "ClusterIP") == "ExternalName") return;
    const std::string given = spec.value("clusterIP", "");
    if (!given.empty()) {
        if (!spec.contains("clusterIPs")) spec["clusterIPs"] = Json::array({given});
        return;
    }
    const std::uint32_t ip = next_cluster_ip_++;
    const std::string text = std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) +
                             "." + std::to_string((ip >> 8) & 255) + "." + std::to_string(ip & 255);
    spec["clusterIP"] = text;
    spec["clusterIPs"] = Json::array({text});
    if (!spec.contains("ipFamilies")) spec["ipFamilies"] = Json::array({"IPv4"});
    if (!spec.contains("ipFamilyPolicy")) spec["ipFamilyPolicy"] = "SingleStack";
}

void ApiServer::check_namespace_usable(const ResourceInfo& r, const std::string& ns) const {
    // NamespaceLifecycle admission.
    if (!r.namespaced) return;
    const auto namespaces = store_.find("namespaces");  // core: the key is the plural
    const Bucket* b = namespaces == store_.end() ? nullptr : &namespaces->second;
    const ObjectPtr* found = b ? b->find("", ns) : nullptr;
    if (found == nullptr) throw not_found({"", "namespaces"}, ns);
    if (is_deleting(**found)) {
        Json s{{"kind", "Status"},
               {"apiVersion", "v1"},
               {"metadata", Json::object()},
               {"status", "Failure"},
               {"message", "unable to create new content in namespace " + ns +
                               " because it is being terminated"},
               {"reason", "Forbidden"},
               {"details",
                Json{{"name", ns},
                     {"kind", "namespaces"},
                     {"causes",
                      Json::array({Json{{"reason", "NamespaceTerminating"},
                                        {"message", "namespace " + ns + " is being terminated"},
                                        {"field", "metadata.namespace"}}})}}},
               {"code", 403}};
        throw ApiError(std::move(s));
    }
}

void ApiServer::admit_and_validate(const ResourceInfo& r, Operation op,
                                   const std::string& subresource, Json& object, const Json* old) {
    const std::string name = str(meta_of(object), "name"_key);
    const std::string ns = str(meta_of(object), "namespace"_key);
    AdmissionRequest request{op, &r, subresource, ns, name, &object, old};
    admission_.run_mutating(request);
    FieldErrors errs = validate_object_meta(r, object);
    // A built-in kind's status update keeps the stored spec (do_update's status strategy), and
    // the kinds' validators here check only the spec, which was valid when it was written:
    // the status strategies' ValidateUpdate (e.g. ValidatePodStatusUpdate) do not look at it.
    const bool spec_from_store = subresource == "status" && !r.custom;
    if (!spec_from_store) {
        const FieldErrors more = validate_object(r, object, old);
        errs.insert(errs.end(), more.begin(), more.end());
    }
    if (old != nullptr && is_deleting(*old)) {
        // ValidateObjectMetaUpdate: no new finalizers while deleting.
        const Json before = finalizers_of(*old);
        std::vector<std::string> added;
        for (const auto& f : finalizers_of(object))
            if (std::find(before.begin(), before.end(), f) == before.end())
                added.push_back(f.get<std::string>());
        if (!added.empty()) {
            std::string list = "[]string{";
            for (std::size_t i = 0; i < added.size(); ++i)
                list += (i ? ", " : "") + quote_value(added[i]);
            errs.push_back(forbidden(
                "metadata.finalizers",
                "no new finalizers can be added if the object is being deleted, found new "
                "finalizers " +
                    list + "}"));
        }
    }
    if (!errs.empty()) throw invalid_object({r.group, r.kind}, name, errs);
    admission_.run_validating(request);
}

void ApiServer::bump_generation(const ResourceInfo& r, Json& object, const Json& old) const {
    const auto changed = [&](const char* key) {
        const Json a = object.contains(key) ? object[key] : Json();
        const Json b = old.contains(key) ? old[key] : Json();
        return a != b;
    };
    bool bump = false;
    switch (r.generation) {
        case GenerationRule::None:
            return;
        case GenerationRule::Spec:
            bump = changed("spec");
            break;
        case GenerationRule::SpecOrAnnotations: {
            const Json a = meta_of(object).value("annotations", Json());
            const Json b = meta_of(old).value("annotations", Json());
            bump = changed("spec") || a != b;
            break;
        }
        case GenerationRule::AllButMetadataAndStatus:
            for (const auto& [k, v] : object.items())
                if (k != "metadata" && k != "status" && k != "apiVersion" && k != "kind" &&
                    changed(k.c_str()))
                    bump = true;
            for (const auto& [k, v] : old.items())
                if (k != "metadata" && k != "status" && k != "apiVersion" && k != "kind" &&
                    !object.contains(k))
                    bump = true;
            break;
    }
    if (bump) meta(object)["generation"] = meta_of(old).value("generation", 0LL) + 1;
}

ObjectPtr ApiServer::write(const ResourceInfo& r, Json object, const Json* previous) {
    if (dry_run()) {
        // dryrun.go: a created object has no resourceVersion yet; an update keeps the old one.
        if (previous == nullptr) meta(object).erase("resourceVersion");
        return make_object(std::move(object));
    }
    const std::uint64_t rv = next_revision();
    set_member(meta(object), "resourceVersion"_key, std::to_string(rv));
    const WatchEventType type = previous ? WatchEventType::Modified : WatchEventType::Added;
    // One immutable object shared by the store and the history; the replaced object (the one
    // `previous` refers to) becomes the change's previous state, no copy of either.
    auto stored = make_object(std::move(object));
    const Json& m = meta_of(*stored);
    const std::string_view ns = sv(m, "namespace"_key);
    StoredObject old = bucket(r).put(ns, sv(m, "name"_key), stored);
    hub_.record(Change{rv, r.group_resource(), std::string(ns), type, stored, std::move(old)});
    return stored;
}

void ApiServer::erase(const ResourceInfo& r, const std::string& ns, const std::string& name) {
    if (dry_run()) return;
    StoredObject previous = bucket(r).take(ns, name);
    if (!previous) return;
    const std::uint64_t rv = next_revision();
    Json last = *previous.tree();
    meta(last)["resourceVersion"] = std::to_string(rv);  // watcher.go: the delete revision
    hub_.record(Change{rv, r.group_resource(), ns, WatchEventType::Deleted,
                       make_object(std::move(last)), std::move(previous)});
    if (!ns.empty()) finish_namespace_if_empty(ns);
}

void ApiServer::finish_namespace_if_empty(const std::string& ns) {
    const ResourceInfo* nsr = registry_.find("", "namespaces");
    const Bucket* nb = find_bucket(*nsr);
    if (nb == nullptr) return;
    const ObjectPtr* found = nb->find("", ns);
    if (found == nullptr || !is_deleting(**found)) return;
    for (const auto& [gr, b] : store_)
        for (const auto& [key, object] : b)
            if (key.first == ns) return;
    erase(*nsr, "", ns);
}

// ---------------------------------------------------------------------------------- create

Result<Json> ApiServer::create(const ResourceRef& ref, Json object,
                               const std::string& subresource) {
    try {
        const ResourceInfo& r = resolve(ref, "create");
        if (subresource == "binding" && r.has_binding) return do_bind(r, ref, object);
        if (subresource == "eviction" && r.has_binding) return do_evict(ref, object);
        if (!subresource.empty()) throw unknown_path();
        return present(r, *do_create(r, ref, std::move(object)), ref.version);
    } catch (const ApiError& e) {
        return e;
    }
}

Result<ObjectPtr> ApiServer::create_shared(const ResourceRef& ref, Json object) {
    try {
        const ResourceInfo& r = resolve(ref, "create");
        return shared_in(r, do_create(r, ref, std::move(object)), ref.version);
    } catch (const ApiError& e) {
        return e;
    }
}

Result<std::string> ApiServer::create_event(const ResourceRef& ref, const EventSpec& spec) {
    try {
        const ResourceInfo& r = resolve(ref, "create");
        return do_create_event(r, ref, spec);
    } catch (const ApiError& e) {
        return e;
    }
}

// do_create for an Event exactly as the recorder makes it, whose checks all pass and which
// nothing changes on its way in (no defaults, conversion or admission hook for it): the same
// steps in the same order (the uid is drawn before the name is found taken, as there), the
// Event stored compact. Anything else goes through do_create with the Event as JSON, which
// answers what is wrong or stores what a hook made of it.
std::string ApiServer::do_create_event(const ResourceInfo& r, const ResourceRef& ref,
                                       const EventSpec& spec) {
    const bool plain = r.group.empty() && r.plural == "events" &&
                       ref.version == r.storage_version && !dry_run() &&
                       !admission_.concerns(r, Operation::Create) && !spec.ns.empty() &&
                       (ref.ns.empty() || ref.ns == spec.ns) && is_dns1123_subdomain(spec.name);
    if (!plain) return str(meta_of(*do_create(r, ref, event_json(spec))), "name");
    const std::string ns(spec.ns);
    check_namespace_usable(r, ns);
    const std::string uid = new_uid();
    Bucket& b = bucket(r);
    if (b.contains(ns, spec.name)) throw already_exists({r.group, r.plural}, spec.name);
    const std::uint64_t rv = next_revision();
    std::shared_ptr<const CompactObject> event =
        std::make_shared<const CompactEvent>(spec, uid, now_rfc3339_ref(), std::to_string(rv));
    b.put(ns, spec.name, event);
    hub_.record(Change{rv, r.group_resource(), ns, WatchEventType::Added, std::move(event), {}});
    return std::string(spec.name);
}

ObjectPtr ApiServer::shared_in(const ResourceInfo& r, ObjectPtr stored,
                               const std::string& version) const {
    if (version == r.storage_version) return stored;
    return make_object(from_storage_version(r, *stored, version));
}

ObjectPtr ApiServer::do_create(const ResourceInfo& r, const ResourceRef& ref, Json object) {
    if (!object.is_object()) throw bad_request("the body of the request must be a JSON object");
    bool storage_form = false;  // apiVersion and kind already the storage version's
    {
        const std::string_view body_api_version = sv(object, "apiVersion"_key);
        const std::string_view body_kind = sv(object, "kind"_key);
        if (!body_kind.empty() && body_kind != r.kind)
            throw bad_request("the object provided is unrecognized (must be of type " + r.kind +
                              "): kind " + quote_value(body_kind));
        const std::string expected_api_version = r.api_version(ref.version);
        if (!body_api_version.empty() && body_api_version != expected_api_version)
            throw bad_request("the API version in the data (" + std::string(body_api_version) +
                              ") does not match the expected API version (" + expected_api_version +
                              ")");
        storage_form = ref.version == r.storage_version && body_kind == r.kind &&
                       body_api_version == expected_api_version;
    }
    // In the storage version with apiVersion and kind set, the conversion is the identity.
    if (!storage_form) object = to_storage_version(r, std::move(object), ref.version);
    Json& m = meta(object);
    if (r.namespaced) {
        const std::string_view body_ns = sv(m, "namespace"_key);
        if (body_ns.empty())
            set_member(m, "namespace"_key, ref.ns);
        else if (!ref.ns.empty() && body_ns != ref.ns)
            throw bad_request(
                "the namespace of the provided object does not match the namespace sent on the "
                "request");
    } else {
        erase_member(m, "namespace"_key);
    }
    if (!sv(m, "resourceVersion"_key).empty())
        throw bad_request("resourceVersion should not be set on objects to be created");
    const std::string ns(sv(m, "namespace"_key));
    if (r.namespaced && !ns.empty()) check_namespace_usable(r, ns);

    apply_defaults(r.kind, object);
    Json& md = meta(object);
    // uid, creationTimestamp, generation and, in write(), resourceVersion: one index for them.
    md.get_ref<Json::object_t&>().reserve(md.size() + 4);
    // rest.FillObjectMetaSystemFields and the strategies' PrepareForCreate.
    set_member(md, "uid"_key, new_uid());
    set_member(md, "creationTimestamp"_key, now_rfc3339_ref());
    erase_member(md, "deletionTimestamp"_key);
    erase_member(md, "deletionGracePeriodSeconds"_key);
    erase_member(md, "selfLink"_key);
    if (r.generation != GenerationRule::None)
        set_member(md, "generation"_key, 1);
    else
        erase_member(md, "generation"_key);
    switch (r.create_status) {
        case CreateStatus::Keep:
            break;
        case CreateStatus::Clear:
            erase_member(object, "status"_key);
            break;
        case CreateStatus::PodPending: {
            Json status = Json::object();
            set_member(status, "phase"_key, "Pending");
            set_member(status, "qosClass"_key, qos_class(object));
            set_member(object, "status"_key, std::move(status));
            break;
        }
        case CreateStatus::NamespaceActive:
            object["status"] = Json{{"phase", "Active"}};
            object["spec"] = Json{{"finalizers", Json::array({"kubernetes"})}};
            break;
    }
    if (r.kind == "Service"sv) allocate_cluster_ip(object);

    const std::string generate_prefix(sv(md, "generateName"_key));
    const bool generated = sv(md, "name"_key).empty() && !generate_prefix.empty();
    Bucket& b = bucket(r);
    for (int attempt = 0; generated && attempt < kGenerateNameAttempts; ++attempt) {
        md["name"] = generate_name(generate_prefix);
        if (!b.contains(ns, sv(md, "name"_key))) break;
    }
    admit_and_validate(r, Operation::Create, "", object, nullptr);
    const std::string_view name = sv(meta_of(object), "name"_key);
    if (b.contains(ns, name)) throw already_exists({r.group, r.plural}, name);
    return write(r, std::move(object), nullptr);
}

Json ApiServer::do_bind(const ResourceInfo& r, const ResourceRef& ref, const Json& binding) {
    const std::string name = str(meta_of(binding), "name"_key);
    const std::string ns = scoped_namespace(r, ref);
    const Json& old = existing(r, ns, name);
    // target.name; a target that is not an object throws value()'s type_error, as it always did.
    const auto target = binding.is_object() ? binding.find("target"sv) : binding.end();
    const std::string node =
        target == binding.end() ? std::string() : target->value("name", std::string());
    const GroupName binding_gr{"", "pods/binding"};
    if (node.empty()) throw invalid_object({"", "Binding"}, name, {required("target.name")});
    if (is_deleting(old))
        throw conflict(binding_gr, name,
                       "pod " + name + " is being deleted, cannot be assigned to a host");
    const auto spec = old.find("spec"sv);
    const std::string current = spec != old.end() && spec->is_object()
                                    ? spec->value("nodeName", std::string())
                                    : std::string();
    if (!current.empty())
        throw conflict(binding_gr, name,
                       "pod " + name + " is already assigned to node " + quote_value(current));
    Json pod = old;
    set_member(pod["spec"], "nodeName", node);
    // pkg/registry/core/pod/storage assignPod: PodScheduled=True.
    Json& conditions = pod["status"]["conditions"];
    if (!conditions.is_array()) conditions = Json::array();
    Json condition = Json::object();  // members in key order (put)
    put(condition, "lastProbeTime"_key, nullptr);
    put(condition, "lastTransitionTime"_key, now_rfc3339());
    put(condition, "status"_key, "True");
    put(condition, "type"_key, "PodScheduled");
    const auto it = std::find_if(conditions.begin(), conditions.end(), [](const Json& c) {
        return c.is_object() && sv(c, "type"_key) == "PodScheduled";
    });
    if (it != conditions.end())
        *it = std::move(condition);
    else
        conditions.push_back(std::move(condition));
    write(r, std::move(pod), &old);
    return bind_success();
}

// ------------------------------------------------------------------------------ get, list

Result<Json> ApiServer::get(const ResourceRef& ref, const std::string& name,
                            const std::string& subresource) const {
    try {
        const ResourceInfo& r = resolve(ref, "get");
        if (const AggregatedApi* api = aggregated(r)) {
            for (Json& object : api->objects(scoped_namespace(r, ref)))
                if (object["metadata"].value("name", "") == name) return object;
            throw not_found({r.group, r.plural}, name);
        }
        const Json& object = existing(r, scoped_namespace(r, ref), name);
        if (subresource.empty() || (subresource == "status" && r.has_status))
            return present(r, object, ref.version);
        if (subresource == "scale" && r.scale) return scale_of(r, object);
        throw unknown_path();
    } catch (const ApiError& e) {
        return e;
    }
}

Result<Json> ApiServer::list(const ResourceRef& ref, const ListOptions& options) const {
    try {
        const ResourceInfo& r = resolve(ref, "list");
        SharedList listed = list_objects(r, ref, options);
        Json items = Json::array();
        items.get_ref<Json::array_t&>().reserve(listed.items.size());
        for (const ObjectPtr& object : listed.items)
            items.push_back(aggregated(r) ? *object : present(r, *object, ref.version));
        Json metadata = Json::object();
        if (!listed.resource_version.empty())  // aggregated APIs' lists carry none
            metadata["resourceVersion"] = std::move(listed.resource_version);
        if (!listed.continue_token.empty()) metadata["continue"] = listed.continue_token;
        if (listed.remaining_item_count)
            metadata["remainingItemCount"] = *listed.remaining_item_count;
        // Built member by member: an initializer list would copy every item once more.
        Json out = Json::object();
        out["kind"] = r.list_kind();
        out["apiVersion"] = r.api_version(ref.version);
        out["metadata"] = std::move(metadata);
        out["items"] = std::move(items);
        return out;
    } catch (const ApiError& e) {
        return e;
    }
}

Result<SharedList> ApiServer::list_shared(const ResourceRef& ref,
                                          const ListOptions& options) const {
    try {
        const ResourceInfo& r = resolve(ref, "list");
        SharedList listed = list_objects(r, ref, options);
        if (ref.version != r.storage_version && !aggregated(r))
            for (ObjectPtr& object : listed.items)
                object = make_object(present(r, *object, ref.version));
        return listed;
    } catch (const ApiError& e) {
        return e;
    }
}

SharedList ApiServer::list_objects(const ResourceInfo& r, const ResourceRef& ref,
                                   const ListOptions& options) const {
    const LabelSelector labels = LabelSelector::parse(options.label_selector);
    const FieldSelector fields = FieldSelector::parse(options.field_selector);
    fields.check_supported(r);
    SharedList out;
    if (const AggregatedApi* api = aggregated(r)) {
        for (Json& object : api->objects(scoped_namespace(r, ref)))
            if (labels.matches_object(object) && fields.matches(object))
                out.items.push_back(make_object(std::move(object)));
        return out;
    }
    std::uint64_t list_rv = revision_;
    std::optional<Key> after;
    if (!options.continue_token.empty()) {
        const auto decoded = unbase64(options.continue_token);
        Json token;
        if (decoded) token = Json::parse(*decoded, nullptr, false);
        if (!decoded || !token.is_object() || token.value("v", "") != "meta.k8s.io/v1" ||
            !token.contains("rv") || !token["rv"].is_number_unsigned())
            throw bad_request(
                "continue key is not valid: incorrect encoded start resourceVersion (version "
                "meta.k8s.io/v1)");
        list_rv = token["rv"].get<std::uint64_t>();
        if (list_rv < hub_.compacted_revision())
            throw expired(
                "The provided continue parameter is too old to display a consistent list "
                "result. "
                "You can start a new list without the continue parameter, or use the continue "
                "token "
                "in this response to retrieve the remainder of the results. Continuing with "
                "the "
                "provided token results in an inconsistent list - objects that were created, "
                "modified, or deleted between the time the first chunk was returned and now "
                "may "
                "show up in the list.");
        const std::string start = token.value("start", "");
        const auto slash = start.find('/');
        after = slash == std::string::npos ? Key{"", start}
                                           : Key{start.substr(0, slash), start.substr(slash + 1)};
    }
    const std::string ns = scoped_namespace(r, ref);
    std::int64_t remaining = 0;
    const Key* last = nullptr;  // points into the store, which the visit does not change
    if (const Bucket* b = find_bucket(r)) {
        // The label index narrows the visit to candidates; the selectors still decide.
        b->visit(ns, after, labels, [&](const Key& key, const ObjectPtr& object) {
            if (!labels.matches_object(*object) || !fields.matches(*object)) return;
            if (options.limit > 0 && static_cast<std::int64_t>(out.items.size()) >= options.limit) {
                ++remaining;
                return;
            }
            out.items.push_back(object);
            last = &key;
        });
    }
    out.resource_version = std::to_string(list_rv);
    if (remaining > 0 && last != nullptr) {
        const std::string start = r.namespaced ? last->first + "/" + last->second : last->second;
        out.continue_token =
            base64(Json{{"v", "meta.k8s.io/v1"}, {"rv", list_rv}, {"start", start}}.dump());
        if (labels.empty() && fields.empty()) out.remaining_item_count = remaining;
    }
    return out;
}

Result<ObjectPtr> ApiServer::get_shared(const ResourceRef& ref, const std::string& name) const {
    try {
        const ResourceInfo& r = resolve(ref, "get");
        if (!aggregated(r) && ref.version == r.storage_version)
            return existing_ptr(r, scoped_namespace(r, ref), name);  // the stored object itself
        Result<Json> object = get(ref, name);
        if (!object) return object.error();
        return ObjectPtr(make_object(std::move(object).value()));
    } catch (const ApiError& e) {
        return e;
    }
}

bool ApiServer::exists(const ResourceRef& ref, const std::string& name) const {
    const ResourceInfo* r = registry_.find(ref.group, ref.resource);
    if (r == nullptr || !r->serves(ref.version) || !r->has_verb("get")) return false;
    if (aggregated(*r)) return get(ref, name).ok();
    const Bucket* b = find_bucket(*r);
    return b != nullptr && b->contains(scoped_namespace(*r, ref), name);
}

// ---------------------------------------------------------------------------------- update

Result<Json> ApiServer::update(const ResourceRef& ref, const std::string& name, Json object,
                               const std::string& subresource) {
    try {
        const ResourceInfo& r = resolve(ref, "update");
        if (subresource == "scale" && r.scale) return update_scale(r, ref, name, object);
        if (!subresource.empty() && !(subresource == "status" && r.has_status))
            throw unknown_path();
        return present(r, *do_update(r, ref, name, std::move(object), subresource, false),
                       ref.version);
    } catch (const ApiError& e) {
        return e;
    }
}

Result<ObjectPtr> ApiServer::update_shared(const ResourceRef& ref, const std::string& name,
                                           Json object, const std::string& subresource) {
    try {
        const ResourceInfo& r = resolve(ref, "update");
        if (subresource == "scale" && r.scale)
            return ObjectPtr(make_object(update_scale(r, ref, name, object)));
        if (!subresource.empty() && !(subresource == "status" && r.has_status))
            throw unknown_path();
        return shared_in(r, do_update(r, ref, name, std::move(object), subresource, false),
                         ref.version);
    } catch (const ApiError& e) {
        return e;
    }
}

ObjectPtr ApiServer::do_update(const ResourceInfo& r, const ResourceRef& ref,
                               const std::string& name, Json object, const std::string& subresource,
                               bool from_patch, bool spec_unchanged) {
    if (!object.is_object()) throw bad_request("the body of the request must be a JSON object");
    const std::string ns = scoped_namespace(r, ref);
    // Held, not copied: the stored object stays valid (and unchanged) across the write.
    const ObjectPtr old_object = existing_ptr(r, ns, name);
    const Json& old = *old_object;
    object = to_storage_version(r, std::move(object), ref.version);
    Json& m = meta(object);
    const std::string body_name = str(m, "name"_key);
    if (!body_name.empty() && body_name != name)
        throw bad_request("the name of the object (" + body_name +
                          ") does not match the name on the URL (" + name + ")");
    m["name"] = name;
    const std::string body_ns = str(m, "namespace"_key);
    if (r.namespaced && !body_ns.empty() && body_ns != ns)
        throw bad_request(
            "the namespace of the provided object does not match the namespace sent on the "
            "request");
    if (r.namespaced)
        m["namespace"] = ns;
    else
        m.erase("namespace");

    const std::string rv = str(m, "resourceVersion"_key);
    const std::string old_rv = str(meta_of(old), "resourceVersion"_key);
    if (rv.empty() && !from_patch && !r.allows_unconditional_update())
        throw invalid_object(
            {r.group, r.kind}, name,
            {invalid("metadata.resourceVersion", "0x0", "must be specified for an update")});
    if (!rv.empty() && rv != old_rv) throw optimistic_lock_conflict({r.group, r.plural}, name);

    Json next;
    if (subresource == "status") {
        if (r.custom) {
            next = old;  // status_strategy.go: everything but status comes from the old object
            copy_or_erase(next, object, "status"_key);
        } else {
            next = std::move(object);
            if (!spec_unchanged) copy_or_erase(next, old, "spec"_key);
            if (r.kind == "Deployment"sv || r.kind == "ReplicaSet"sv)
                copy_or_erase(meta(next), meta_of(old), "labels"_key);
            if (r.kind == "Pod"sv) copy_or_erase(meta(next), meta_of(old), "ownerReferences"_key);
        }
    } else {
        next = std::move(object);
        if (r.has_status) copy_or_erase(next, old, "status"_key);
        apply_defaults(r.kind, next);
    }
    // Server-managed metadata (rest.BeforeUpdate, FillObjectMetaSystemFields).
    Json& nm = meta(next);
    for (const sim::JsonKey* key : {&"uid"_key, &"creationTimestamp"_key, &"generation"_key,
                                    &"deletionTimestamp"_key, &"deletionGracePeriodSeconds"_key})
        copy_or_erase(nm, meta_of(old), *key);
    nm.erase("selfLink");
    // An update that leaves managedFields out keeps them (fieldmanager: nil means unchanged).
    if (!nm.contains("managedFields")) copy_or_erase(nm, meta_of(old), "managedFields"_key);
    if (r.kind == "Service") {
        // clusterIP is immutable once allocated.
        for (const char* key : {"clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"})
            if (old.contains("spec") && old["spec"].contains(key) && next.contains("spec") &&
                !next["spec"].contains(key))
                next["spec"][key] = old["spec"][key];
    }

    admit_and_validate(r, Operation::Update, subresource, next, &old);
    if (subresource.empty()) bump_generation(r, next, old);
    if (update_manager_) record_update(next, old, *update_manager_, apply_context(r, ref));
    meta(next)["resourceVersion"] = old_rv;
    // etcd3 GuaranteedUpdate: no-op, no write.
    if (same_object(next, old, subresource == "status" ? "status" : "spec")) return old_object;

    const bool finalized = is_deleting(next) && finalizers_of(next).empty() &&
                           meta_of(next).value("deletionGracePeriodSeconds", 0LL) == 0;
    if (finalized) {
        // store.go: the update that empties the finalizers of a deleting object is not
        // written; the object is deleted instead (deleteWithoutFinalizers), so watchers see
        // one DELETED event carrying the last stored state at the delete revision.
        erase(r, ns, name);
        Json last = old;
        meta(last)["resourceVersion"] = std::to_string(revision_);
        return make_object(std::move(last));
    }
    return write(r, std::move(next), &old);
}

// ----------------------------------------------------------------------------------- scale

Json ApiServer::scale_of(const ResourceInfo& r, const Json& object) const {
    const ScaleMapping& s = *r.scale;
    const Json& m = meta_of(object);
    Json metadata = Json::object();
    for (const char* key : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"})
        if (m.contains(key)) metadata[key] = m[key];
    const Json* spec_replicas = get_path(object, s.spec_replicas_path);
    const Json* status_replicas = get_path(object, s.status_replicas_path);
    Json spec = Json::object();
    // autoscaling/v1 ScaleSpec.replicas is omitempty; ScaleStatus.replicas is not.
    if (spec_replicas && spec_replicas->is_number_integer() && spec_replicas->get<long long>() != 0)
        spec["replicas"] = *spec_replicas;
    Json status{{"replicas", status_replicas && status_replicas->is_number_integer()
                                 ? *status_replicas
                                 : Json(0)}};
    std::string selector;
    if (s.selector_from_spec_selector) {
        if (const Json* sel = get_path(object, "spec.selector")) {
            try {
                selector = LabelSelector::from_json(*sel).to_string();
            } catch (const ApiError&) {
            }
        }
    } else if (!s.label_selector_path.empty()) {
        if (const Json* sel = get_path(object, s.label_selector_path); sel && sel->is_string())
            selector = sel->get<std::string>();
    }
    if (!selector.empty()) status["selector"] = selector;
    return Json{{"kind", "Scale"},
                {"apiVersion", "autoscaling/v1"},
                {"metadata", metadata},
                {"spec", spec},
                {"status", status}};
}

Json ApiServer::update_scale(const ResourceInfo& r, const ResourceRef& ref, const std::string& name,
                             const Json& scale) {
    if (!scale.is_object()) throw bad_request("the body of the request must be a JSON object");
    const std::string ns = scoped_namespace(r, ref);
    const Json& old = existing(r, ns, name);
    const std::string rv = str(meta_of(scale), "resourceVersion"_key);
    if (!rv.empty() && rv != str(meta_of(old), "resourceVersion"_key))
        throw optimistic_lock_conflict({r.group, r.plural}, name);
    const Json replicas = scale.value("spec", Json::object()).value("replicas", Json(0));
    if (!replicas.is_number_integer())
        throw invalid_object(
            {"autoscaling", "Scale"}, name,
            {invalid("spec.replicas", render_value(replicas), "must be an integer")});
    if (replicas.get<long long>() < 0)
        throw invalid_object(
            {"autoscaling", "Scale"}, name,
            {invalid("spec.replicas", replicas.dump(), "must be greater than or equal to 0")});
    Json parent = old;
    set_path(parent, r.scale->spec_replicas_path, replicas);
    ResourceRef storage_ref = ref;
    storage_ref.version = r.storage_version;
    return scale_of(r, *do_update(r, storage_ref, name, std::move(parent), "", true));
}

// ----------------------------------------------------------------------------------- patch

ApplyContext ApiServer::apply_context(const ResourceInfo& r, const ResourceRef& ref) const {
    return ApplyContext{r.kind, r.supports_strategic_merge(), r.api_version(ref.version),
                        now_rfc3339()};
}

Result<Json> ApiServer::patch(const ResourceRef& ref, const std::string& name, PatchType type,
                              const Json& body, const std::string& subresource,
                              const ApplyOptions& apply_options) {
    try {
        const ResourceInfo& r = resolve(ref, "patch");
        Json scale;
        const ObjectPtr stored =
            do_patch(r, ref, name, type, body, subresource, apply_options, &scale);
        if (stored == nullptr) return scale;
        return present(r, *stored, ref.version);
    } catch (const ApiError& e) {
        return e;
    }
}

Result<ObjectPtr> ApiServer::patch_shared(const ResourceRef& ref, const std::string& name,
                                          PatchType type, Json body, const std::string& subresource,
                                          const ApplyOptions& apply_options) {
    try {
        const ResourceInfo& r = resolve(ref, "patch");
        Json scale;
        ObjectPtr stored =
            do_patch(r, ref, name, type, std::move(body), subresource, apply_options, &scale);
        if (stored == nullptr) return ObjectPtr(make_object(std::move(scale)));
        return shared_in(r, std::move(stored), ref.version);
    } catch (const ApiError& e) {
        return e;
    }
}

ObjectPtr ApiServer::do_patch(const ResourceInfo& r, const ResourceRef& ref,
                              const std::string& name, PatchType type, Json body,
                              const std::string& subresource, const ApplyOptions& apply_options,
                              Json* scale) {
    if (type == PatchType::Strategic && !r.supports_strategic_merge())
        throw unsupported_media_type(content_type_of(type),
                                     {"application/json-patch+json", "application/merge-patch+json",
                                      "application/apply-patch+yaml"});
    // A merge patch in the storage version that names no spec leaves the stored spec as it
    // is: do_update need not compare it again (a kubelet's status patch, mostly).
    const bool spec_unchanged = type == PatchType::Merge && ref.version == r.storage_version &&
                                body.is_object() && !body.contains("spec");
    const std::string ns = scoped_namespace(r, ref);
    const auto apply = [&](Json current) -> Json {
        switch (type) {
            case PatchType::Merge:
                return apply_merge_patch(std::move(current), std::move(body));
            case PatchType::Json:
                return apply_json_patch(current, body);
            case PatchType::Strategic:
                return apply_strategic_merge_patch(current, body, r.kind);
            case PatchType::Apply:
                // Field ownership and conflicts (server_side_apply.hpp); through a
                // subresource, the merge alone.
                if (subresource.empty())
                    return server_side_apply(&current, body, apply_options, apply_context(r, ref));
                return r.supports_strategic_merge()
                           ? apply_strategic_merge_patch(current, body, r.kind)
                           : apply_merge_patch(current, body);
        }
        return current;
    };
    if (type == PatchType::Apply) {
        const Bucket* b = find_bucket(r);
        if (b == nullptr || !b->contains(ns, name)) {
            if (!subresource.empty()) throw not_found({r.group, r.plural}, name);
            Json object = server_side_apply(nullptr, body, apply_options, apply_context(r, ref));
            meta(object)["name"] = name;
            return do_create(r, ref, std::move(object));
        }
    }
    const Json& old = existing(r, ns, name);
    if (subresource == "scale" && r.scale) {
        *scale = update_scale(r, ref, name, apply(scale_of(r, old)));
        return nullptr;
    }
    if (!subresource.empty() && !(subresource == "status" && r.has_status)) throw unknown_path();
    Json patched = apply(present(r, old, ref.version));
    return do_update(r, ref, name, std::move(patched), subresource, true, spec_unchanged);
}

// ---------------------------------------------------------------------------------- delete

Result<Json> ApiServer::remove(const ResourceRef& ref, const std::string& name,
                               const DeleteOptions& options) {
    try {
        const ResourceInfo& r = resolve(ref, "delete");
        const Json result = do_delete(r, scoped_namespace(r, ref), name, options);
        if (result.value("kind", "") == "Status") return result;
        return present(r, result, ref.version);
    } catch (const ApiError& e) {
        return e;
    }
}

Json ApiServer::do_delete(const ResourceInfo& r, const std::string& ns, const std::string& name,
                          const DeleteOptions& options) {
    const ObjectPtr old_object = existing_ptr(r, ns, name);  // held: valid after the write
    const Json& old = *old_object;
    const Json& om = meta_of(old);
    const GroupName gr{r.group, r.plural};
    if (options.precondition_uid && *options.precondition_uid != str(om, "uid"_key))
        throw conflict(gr, name,
                       "Precondition failed: UID in precondition: " + *options.precondition_uid +
                           ", UID in object meta: " + str(om, "uid"_key));
    if (options.precondition_resource_version &&
        *options.precondition_resource_version != str(om, "resourceVersion"_key))
        throw conflict(gr, name,
                       "Precondition failed: ResourceVersion in precondition: " +
                           *options.precondition_resource_version +
                           ", ResourceVersion in object meta: " + str(om, "resourceVersion"_key));
    if (options.propagation_policy) {
        const std::string& p = *options.propagation_policy;
        if (p != "Orphan" && p != "Background" && p != "Foreground")
            throw invalid_object({"meta.k8s.io", "DeleteOptions"}, "",
                                 {not_supported("propagationPolicy", quote_value(p),
                                                {"Foreground", "Background", "Orphan", "nil"})});
    }

    Json next = old;
    Json& nm = meta(next);
    const bool was_deleting = is_deleting(old);

    // Graceful deletion (pod strategy CheckGracefulDelete; rest.BeforeDelete).
    std::int64_t grace = 0;
    if (r.kind == "Pod") {
        const Json spec = old.value("spec", Json::object());
        grace = options.grace_period_seconds.value_or(
            spec.value("terminationGracePeriodSeconds", 30LL));
        const std::string phase = old.value("status", Json::object()).value("phase", "");
        if (spec.value("nodeName", "").empty() || phase == "Succeeded" || phase == "Failed")
            grace = 0;
        if (grace < 0) grace = 1;
        if (was_deleting) {
            const std::int64_t current = om.value("deletionGracePeriodSeconds", 0LL);
            if (grace > current) grace = current;  // only shortening takes effect
        }
    }
    // A first graceful delete marks the pod; a later, shorter one (down to the kubelet's 0)
    // moves the deadline in.
    const std::int64_t current_grace = om.value("deletionGracePeriodSeconds", std::int64_t{-1});
    if ((!was_deleting && grace > 0) || (was_deleting && grace < current_grace)) {
        {
            nm["deletionTimestamp"] =
                sim::kernel::format_rfc3339(now_unix_nanos() + grace * sim::kernel::kSecond);
            nm["deletionGracePeriodSeconds"] = grace;
        }
    }

    // Garbage-collection finalizers (store.go deletionFinalizersForGarbageCollection).
    const Json before = finalizers_of(old);
    const auto has = [&](const char* f) {
        return std::find(before.begin(), before.end(), f) != before.end();
    };
    const std::string policy = options.propagation_policy.value_or("");
    const bool orphan = policy == "Orphan" || (policy.empty() && has("orphan"));
    const bool foreground = policy == "Foreground" || (policy.empty() && has("foregroundDeletion"));
    Json finalizers = Json::array();
    for (const auto& f : before)
        if (f != "orphan" && f != "foregroundDeletion") finalizers.push_back(f);
    if (orphan) finalizers.push_back("orphan");
    if (foreground) finalizers.push_back("foregroundDeletion");
    if (finalizers.empty())
        nm.erase("finalizers");
    else
        nm["finalizers"] = finalizers;

    const bool pending = grace > 0 || !finalizers.empty() || r.kind == "Namespace";
    if (!pending) {
        erase(r, ns, name);
        if (r.return_deleted_object) {
            Json last = old;
            meta(last)["resourceVersion"] = std::to_string(revision_);
            return last;
        }
        return success_status(gr, name, str(om, "uid"_key));
    }
    if (!nm.contains("deletionTimestamp")) {
        nm["deletionTimestamp"] = now_rfc3339();
        nm["deletionGracePeriodSeconds"] = 0;
    }
    if (!was_deleting && nm.contains("generation") && nm["generation"].get<long long>() > 0)
        nm["generation"] = nm["generation"].get<long long>() + 1;
    if (r.kind == "Namespace") next["status"]["phase"] = "Terminating";
    if (dry_run()) return next;  // what the write would store; nothing is written
    if (next != old) write(r, std::move(next), &old);
    if (r.kind == "Namespace" && !was_deleting) {
        // The namespace controller's job, done at once: delete everything inside.
        std::vector<std::pair<const ResourceInfo*, std::string>> victims;
        for (const auto& info : registry_.all()) {
            if (!info.namespaced) continue;
            if (const Bucket* b = find_bucket(info))
                for (const auto& [key, object] : *b)
                    if (key.first == name && !is_deleting(*object.tree()))
                        victims.emplace_back(&info, key.second);
        }
        const ObjectPtr marked = existing_ptr(r, "", name);
        for (const auto& [info, victim] : victims)
            do_delete(*info, name, victim, {});
        finish_namespace_if_empty(name);
        const ObjectPtr* now = bucket(r).find("", name);
        return now != nullptr ? **now : *marked;
    }
    return existing(r, ns, name);
}

Result<Json> ApiServer::remove_collection(const ResourceRef& ref, const ListOptions& list_options,
                                          const DeleteOptions& options) {
    try {
        const ResourceInfo& r = resolve(ref, "deletecollection");
        ListOptions all = list_options;
        all.limit = 0;
        all.continue_token.clear();
        Result<Json> listed = list(ref, all);
        if (!listed) return listed;
        Json items = Json::array();
        for (const auto& item : listed.value()["items"]) {
            const std::string name = str(meta_of(item), "name"_key);
            const std::string ns = r.namespaced ? str(meta_of(item), "namespace"_key) : "";
            const Json result = do_delete(r, ns, name, options);
            items.push_back(result.value("kind", "") == "Status" ? item
                                                                 : present(r, result, ref.version));
        }
        return Json{{"kind", r.list_kind()},
                    {"apiVersion", r.api_version(ref.version)},
                    {"metadata", Json{{"resourceVersion", std::to_string(revision_)}}},
                    {"items", items}};
    } catch (const ApiError& e) {
        return e;
    }
}

// ----------------------------------------------------------------------------------- watch

Result<WatchHandle> ApiServer::watch(const ResourceRef& ref, const ListOptions& options,
                                     WatchHandler handler) {
    try {
        const ResourceInfo& r = resolve(ref, "watch");
        WatcherSpec spec;
        spec.group_resource = r.group_resource();
        spec.ns = scoped_namespace(r, ref);
        spec.labels = LabelSelector::parse(options.label_selector);
        spec.fields = FieldSelector::parse(options.field_selector);
        spec.fields.check_supported(r);
        spec.bookmarks = options.allow_watch_bookmarks;
        spec.external = options.external;
        spec.kind = r.kind;
        spec.api_version = r.api_version(ref.version);
        if (ref.version != r.storage_version) {
            spec.present = [info = r, version = ref.version](const Json& stored) {
                return from_storage_version(info, stored, version);
            };
        }
        std::vector<ObjectPtr> initial;
        bool replay = false;
        std::uint64_t from = 0;
        if (options.resource_version.empty() || options.resource_version == "0") {
            if (const Bucket* b = find_bucket(r))
                b->visit(
                    spec.ns, std::nullopt, LabelSelector(),
                    [&](const ObjectKey&, const ObjectPtr& object) { initial.push_back(object); });
        } else {
            const auto n = parse_u64(options.resource_version);
            if (!n)
                throw invalid_object(
                    {"meta.k8s.io", "ListOptions"}, "",
                    {invalid("resourceVersion", quote_value(options.resource_version),
                             "must be a valid integer")});
            if (*n < hub_.compacted_revision())
                throw too_old_resource_version(*n, hub_.compacted_revision());
            replay = true;
            from = *n;
        }
        return hub_.add(std::move(spec), std::move(handler), initial, replay, from);
    } catch (const ApiError& e) {
        return e;
    }
}

}  // namespace sim::kube
