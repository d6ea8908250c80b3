#include "controller/deployment_util.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "controller/pod_util.hpp"
#include "sim/kube/object_meta.hpp"

namespace sim::controller {

namespace meta = sim::kube::meta;

std::string safe_encode_string(const std::string& text) {
    // k8s.io/apimachinery/pkg/util/rand: no vowels, no 0/1/3 that look like letters.
    static constexpr char kAlphanums[] = "bcdfghjklmnpqrstvwxz2456789";
    std::string out;
    for (const unsigned char c : text)
        out.push_back(kAlphanums[c % 27]);
    return out;
}

std::uint32_t fnv32a(const std::string& bytes, std::uint32_t hash) {
    for (const unsigned char c : bytes) {
        hash ^= c;
        hash *= 16777619u;
    }
    return hash;
}

std::string compute_hash(const Json& pod_template, std::optional<std::int64_t> collision_count) {
    std::uint32_t h = fnv32a(pod_template.dump());
    if (collision_count) {
        // binary.LittleEndian.PutUint32 into an 8-byte buffer, all 8 bytes written.
        std::string buf(8, '\0');
        const auto v = static_cast<std::uint32_t>(*collision_count);
        for (int i = 0; i < 4; ++i)
            buf[static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
        h = fnv32a(buf, h);
    }
    return safe_encode_string(std::to_string(h));
}

std::int64_t scaled_value(const Json& v, std::int64_t total, bool round_up) {
    if (v.is_null()) return 0;
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (!v.is_string()) throw std::invalid_argument("invalid type: neither int nor percentage");
    const std::string s = v.get<std::string>();
    if (s.empty() || s.back() != '%')
        throw std::invalid_argument("invalid type: string is not a percentage");
    std::size_t used = 0;
    const long long pct = std::stoll(s.substr(0, s.size() - 1), &used);
    if (used != s.size() - 1) throw std::invalid_argument("invalid value \"" + s + "\"");
    const double scaled = static_cast<double>(pct) * static_cast<double>(total) / 100.0;
    return static_cast<std::int64_t>(round_up ? std::ceil(scaled) : std::floor(scaled));
}

Fenceposts resolve_fenceposts(const Json& surge, const Json& unavailable, std::int64_t desired) {
    Fenceposts f{scaled_value(surge, desired, true), scaled_value(unavailable, desired, false)};
    if (f.max_surge == 0 && f.max_unavailable == 0) f.max_unavailable = 1;
    return f;
}

namespace {

const Json& spec(const Json& o) {
    static const Json empty = Json::object();
    const auto it = o.find("spec");
    return it != o.end() && it->is_object() ? *it : empty;
}

Json rolling_params(const Json& d) {
    return spec(d).value("strategy", Json::object()).value("rollingUpdate", Json::object());
}

}  // namespace

std::int64_t deployment_replicas(const Json& d) {
    return int_field(spec(d), "replicas", 1);
}

bool is_rolling_update(const Json& d) {
    return spec(d).value("strategy", Json::object()).value("type", "RollingUpdate") ==
           "RollingUpdate";
}

std::int64_t max_surge(const Json& d) {
    if (!is_rolling_update(d)) return 0;
    const Json p = rolling_params(d);
    return resolve_fenceposts(p.value("maxSurge", Json()), p.value("maxUnavailable", Json()),
                              deployment_replicas(d))
        .max_surge;
}

std::int64_t max_unavailable(const Json& d) {
    const std::int64_t replicas = deployment_replicas(d);
    if (!is_rolling_update(d) || replicas == 0) return 0;
    const Json p = rolling_params(d);
    const std::int64_t u =
        resolve_fenceposts(p.value("maxSurge", Json()), p.value("maxUnavailable", Json()), replicas)
            .max_unavailable;
    return std::min(u, replicas);
}

std::int64_t rs_spec_replicas(const Json& rs) {
    return int_field(spec(rs), "replicas", 1);
}

std::int64_t rs_status_field(const Json& rs, const char* field) {
    return int_field(rs.value("status", Json::object()), field);
}

std::optional<std::int64_t> int_annotation(const Json& object, const char* key) {
    const auto v = meta::annotation(object, key);
    if (!v || v->empty()) return std::nullopt;
    try {
        std::size_t used = 0;
        const long long n = std::stoll(*v, &used);
        if (used != v->size()) return std::nullopt;
        return n;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::int64_t rs_revision(const Json& rs) {
    return int_annotation(rs, kRevisionAnnotation).value_or(0);
}

bool rs_older(const Json& a, const Json& b) {
    const auto ta =
        parse_time(a.value("metadata", Json::object()).value("creationTimestamp", Json()));
    const auto tb =
        parse_time(b.value("metadata", Json::object()).value("creationTimestamp", Json()));
    if (ta != tb) return ta.value_or(0) < tb.value_or(0);
    return meta::name(a) < meta::name(b);
}

void sort_by_creation(std::vector<Json>& rss) {
    std::stable_sort(rss.begin(), rss.end(), rs_older);
}

void sort_by_revision(std::vector<Json>& rss) {
    std::stable_sort(rss.begin(), rss.end(), [](const Json& a, const Json& b) {
        const std::int64_t ra = rs_revision(a), rb = rs_revision(b);
        if (ra != rb) return ra < rb;
        return rs_older(a, b);
    });
}

bool equal_ignore_hash(const Json& a, const Json& b) {
    Json x = a, y = b;
    for (Json* t : {&x, &y}) {
        if (!t->contains("metadata")) continue;
        Json& m = (*t)["metadata"];
        if (m.contains("labels") && m["labels"].is_object()) {
            m["labels"].erase(kPodTemplateHashLabel);
            if (m["labels"].empty()) m.erase("labels");
        }
        if (m.empty()) t->erase("metadata");
    }
    return x == y;
}

std::int64_t sum_spec_replicas(const std::vector<Json>& rss) {
    std::int64_t n = 0;
    for (const Json& rs : rss)
        n += rs_spec_replicas(rs);
    return n;
}

std::int64_t sum_status(const std::vector<Json>& rss, const char* field) {
    std::int64_t n = 0;
    for (const Json& rs : rss)
        n += rs_status_field(rs, field);
    return n;
}

std::int64_t new_rs_new_replicas(const Json& d, const std::vector<Json>& all, const Json& new_rs) {
    const std::int64_t replicas = deployment_replicas(d);
    if (!is_rolling_update(d)) return replicas;
    const std::int64_t current = sum_spec_replicas(all);
    const std::int64_t max_total = replicas + max_surge(d);
    const std::int64_t now_new = rs_spec_replicas(new_rs);
    if (current >= max_total) return now_new;
    return now_new + std::min(max_total - current, replicas - now_new);
}

std::int64_t replica_set_fraction(const Json& rs, const Json& d) {
    const std::int64_t replicas = deployment_replicas(d);
    if (replicas == 0) return -rs_spec_replicas(rs);
    const std::int64_t deployment_max = replicas + max_surge(d);
    const std::int64_t annotated =
        int_annotation(rs, kMaxReplicasAnnotation)
            .value_or(int_field(d.value("status", Json::object()), "replicas"));
    if (annotated == 0) return 0;  // Go would divide by zero into +Inf; nothing sensible to add
    const double size =
        static_cast<double>(rs_spec_replicas(rs) * deployment_max) / static_cast<double>(annotated);
    return static_cast<std::int64_t>(std::round(size)) - rs_spec_replicas(rs);
}

std::int64_t proportion(const Json& rs, const Json& d, std::int64_t to_add, std::int64_t added) {
    if (rs_spec_replicas(rs) == 0 || to_add == 0 || to_add == added) return 0;
    const std::int64_t fraction = replica_set_fraction(rs, d);
    const std::int64_t allowed = to_add - added;
    return to_add > 0 ? std::min(fraction, allowed) : std::max(fraction, allowed);
}

}  // namespace sim::controller
