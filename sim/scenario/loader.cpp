// The scenario loader: walks the YAML tree once, filling the typed structs and collecting every
// problem it meets (it never stops at the first), then sorts the problems by position.
#include "sim/scenario/loader.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <system_error>

#include "sim/kernel/json.hpp"
#include "sim/scenario/field_names.hpp"
#include "sim/scenario/glob.hpp"
#include "sim/scenario/yaml_json.hpp"

namespace sim::scenario {

namespace fs = std::filesystem;
using sim::kernel::format_duration;
using sim::kernel::parse_duration;

std::string format_diagnostic(const Diagnostic& d) {
    std::string out = format_location(d.where);
    if (!d.field.empty()) out += ": " + d.field;
    out += ": " + d.message;
    return out;
}

namespace {

constexpr std::string_view kApiVersion = "seldon-sim/v1";
constexpr std::string_view kKind = "Scenario";
// Kubernetes' documented scalability limit (5000 nodes per cluster); also keeps a typo such as
// `count: 1000000000` from exhausting memory while node names are generated.
constexpr std::int64_t kMaxNodesPerGroup = 5000;
// kubelet's default --max-pods.
constexpr std::int64_t kDefaultMaxPods = 110;

// ---------------------------------------------------------------------------------------------
// Diagnostics and positions.

class Context {
  public:
    Context(std::string file, fs::path folder)
        : file_(std::move(file)), folder_(std::move(folder)) {}

    SourceLocation where(const YAML::Node& node) const {
        // An empty value (`duration:`) has no text of its own: point at its key instead.
        if (node.IsNull()) {
            for (const auto& [value, key] : null_values_) {
                if (value.is(node)) return where(key);
            }
        }
        const YAML::Mark mark = node.Mark();
        if (mark.is_null()) return {file_, 0, 0};
        return {file_, mark.line + 1, mark.column + 1};
    }

    void remember_null_value(const YAML::Node& value, const YAML::Node& key) {
        null_values_.emplace_back(value, key);
    }

    void error(const YAML::Node& at, std::string field, std::string message) {
        diagnostics_.push_back({where(at), std::move(field), std::move(message)});
    }
    void error_at(SourceLocation where, std::string field, std::string message) {
        diagnostics_.push_back({std::move(where), std::move(field), std::move(message)});
    }

    const std::string& file() const { return file_; }
    const fs::path& folder() const { return folder_; }
    std::vector<Diagnostic>& diagnostics() { return diagnostics_; }
    std::size_t error_count() const { return diagnostics_.size(); }

  private:
    std::string file_;
    fs::path folder_;
    std::vector<Diagnostic> diagnostics_;
    std::vector<std::pair<YAML::Node, YAML::Node>> null_values_;
};

// "a value of the wrong kind" described the way a user wrote it.
std::string describe(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Null:
            return "nothing";
        case YAML::NodeType::Sequence:
            return "a list";
        case YAML::NodeType::Map:
            return "a mapping";
        case YAML::NodeType::Scalar:
            return in_quotes(node.Scalar());
        case YAML::NodeType::Undefined:
            return "nothing";
    }
    return "nothing";
}

bool is_quoted(const YAML::Node& node) {
    return node.Tag() == "!";
}

// Field-path helpers: "spec" + "traffic" -> "spec.traffic"; + 0 -> "spec.traffic[0]".
std::string child(const std::string& path, std::string_view key) {
    return child_field(path, key);
}
std::string item(const std::string& path, std::size_t index) {
    return item_field(path, index);
}

std::string join(const std::vector<std::string_view>& words) {
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (i > 0) out += ", ";
        out += words[i];
    }
    return out;
}

// Edit distance (insertions, deletions, substitutions; case differences count as one).
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] =
                std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// "did you mean seed? " when exactly one candidate is a likely typo of what was written (one edit
// away, two for longer words), else "". Words of three letters or fewer get no suggestion: `gpu`
// is not a typo of `cpu`.
std::string did_you_mean(std::string_view written,
                         const std::vector<std::string_view>& candidates) {
    if (written.size() <= 3) return "";
    const std::size_t limit = written.size() >= 8 ? 2 : 1;
    std::string_view best;
    std::size_t best_distance = limit + 1;
    bool tie = false;
    for (const std::string_view c : candidates) {
        const std::size_t d = edit_distance(written, c);
        if (d < best_distance) {
            best = c;
            best_distance = d;
            tie = false;
        } else if (d == best_distance) {
            tie = true;
        }
    }
    if (best_distance > limit || tie) return "";
    return "did you mean " + std::string(best) + "? ";
}

// ---------------------------------------------------------------------------------------------
// Mappings: checks the node is a mapping, reports unknown and duplicate keys, and hands out
// values by key in file order.

struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
};

class Fields {
  public:
    Fields(Context& ctx, const YAML::Node& node, std::string path,
           std::vector<std::string_view> allowed)
        : ctx_(ctx), node_(node), path_(std::move(path)) {
        if (!node.IsMap()) {
            ctx.error(node, path_, "expected a mapping, got " + describe(node));
            return;
        }
        valid_ = true;
        std::set<std::string> seen;
        for (auto it = node.begin(); it != node.end(); ++it) {
            const YAML::Node key = it->first;
            if (!key.IsScalar()) {
                ctx.error(key, path_, "expected a field name, got " + describe(key));
                continue;
            }
            const std::string name = key.Scalar();
            if (!seen.insert(name).second) {
                ctx.error(key, child(path_, name), "duplicate field");
                continue;
            }
            if (!allowed.empty() &&
                std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
                ctx.error(key, child(path_, name),
                          "unknown field; " + did_you_mean(name, allowed) +
                              "expected one of: " + join(allowed));
                continue;
            }
            if (it->second.IsNull()) ctx.remember_null_value(it->second, key);
            entries_.push_back({name, key, it->second});
        }
    }

    bool valid() const { return valid_; }
    const std::string& path() const { return path_; }
    const YAML::Node& node() const { return node_; }
    const std::vector<Entry>& entries() const { return entries_; }
    std::string at(std::string_view key) const { return child(path_, key); }

    const Entry* find(std::string_view key) const {
        for (const Entry& e : entries_) {
            if (e.key == key) return &e;
        }
        return nullptr;
    }
    std::optional<YAML::Node> get(std::string_view key) const {
        const Entry* e = find(key);
        if (!e) return std::nullopt;
        return e->value;
    }
    // For optional lists and mappings: an empty value (`images:`) is the same as leaving the
    // field out, as in Kubernetes objects.
    std::optional<YAML::Node> get_collection(std::string_view key) const {
        auto value = get(key);
        if (value && value->IsNull()) return std::nullopt;
        return value;
    }
    // Missing required fields are reported at the mapping that should hold them.
    std::optional<YAML::Node> require(std::string_view key) const {
        if (!valid_) return std::nullopt;
        auto value = get(key);
        if (!value) ctx_.error(node_, at(key), "missing required field");
        return value;
    }

    // The entries whose key is one of `keys`, in file order.
    std::vector<const Entry*> present(const std::vector<std::string_view>& keys) const {
        std::vector<const Entry*> out;
        for (const Entry& e : entries_) {
            if (std::find(keys.begin(), keys.end(), e.key) != keys.end()) out.push_back(&e);
        }
        return out;
    }

    // Exactly one of `keys`: reports none (at the mapping) and extras (at each extra key).
    const Entry* exactly_one(const std::vector<std::string_view>& keys, std::string_view what,
                             std::string_view missing_field = {}) const {
        if (!valid_) return nullptr;
        const auto found = present(keys);
        if (found.empty()) {
            ctx_.error(node_, missing_field.empty() ? path_ : at(missing_field),
                       "needs " + std::string(what) + ": one of " + join(keys));
            return nullptr;
        }
        for (std::size_t i = 1; i < found.size(); ++i) {
            ctx_.error(found[i]->key_node, at(found[i]->key),
                       "only one of " + join(keys) + " is allowed, and " + found[0]->key +
                           " is already given");
        }
        return found[0];
    }

  private:
    Context& ctx_;
    YAML::Node node_;
    std::string path_;
    bool valid_ = false;
    std::vector<Entry> entries_;
};

// ---------------------------------------------------------------------------------------------
// Scalars.

std::optional<std::string> read_string(Context& ctx, const YAML::Node& node,
                                       const std::string& path, bool allow_empty = false) {
    if (!node.IsScalar()) {
        ctx.error(node, path, "expected a string, got " + describe(node));
        return std::nullopt;
    }
    if (!allow_empty && node.Scalar().empty()) {
        ctx.error(node, path, "must not be empty");
        return std::nullopt;
    }
    return node.Scalar();
}

std::optional<std::int64_t> read_int(Context& ctx, const YAML::Node& node, const std::string& path,
                                     std::int64_t min, std::string_view min_reason = {}) {
    const auto bad = [&]() -> std::optional<std::int64_t> {
        ctx.error(node, path,
                  "expected an integer, got " + describe(node) +
                      (node.IsScalar() && is_quoted(node) ? " (quoted, so a string)" : ""));
        return std::nullopt;
    };
    if (!node.IsScalar() || is_quoted(node)) return bad();
    const std::string& text = node.Scalar();
    std::int64_t value = 0;
    const char* first = text.data() + (text.starts_with('+') ? 1 : 0);
    const auto [end, ec] = std::from_chars(first, text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return bad();
    if (value < min) {
        ctx.error(node, path,
                  "must be at least " + std::to_string(min) + ", got " + text +
                      (min_reason.empty() ? "" : " (" + std::string(min_reason) + ")"));
        return std::nullopt;
    }
    return value;
}

// YAML 1.2 core schema floats and integers, finite only (JSON has no infinities).
std::optional<double> parse_plain_number(std::string_view text) {
    if (text.empty()) return std::nullopt;
    if (text.front() == '+') text.remove_prefix(1);
    if (text.empty()) return std::nullopt;
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) {
        return std::nullopt;
    }
    // from_chars accepts "inf"/"nan" spellings; YAML writes those as .inf/.nan, not numbers here.
    return value;
}

std::optional<double> read_number(Context& ctx, const YAML::Node& node, const std::string& path,
                                  std::string_view expected = "a number") {
    const auto value =
        node.IsScalar() && !is_quoted(node) ? parse_plain_number(node.Scalar()) : std::nullopt;
    if (!value) {
        ctx.error(node, path, "expected " + std::string(expected) + ", got " + describe(node));
    }
    return value;
}

std::optional<bool> read_bool(Context& ctx, const YAML::Node& node, const std::string& path) {
    if (node.IsScalar() && !is_quoted(node)) {
        const std::string& t = node.Scalar();
        if (t == "true" || t == "True" || t == "TRUE") return true;
        if (t == "false" || t == "False" || t == "FALSE") return false;
    }
    ctx.error(node, path, "expected true or false, got " + describe(node));
    return std::nullopt;
}

enum class DurationRule { NonNegative, Positive };

std::optional<Nanos> read_duration(Context& ctx, const YAML::Node& node, const std::string& path,
                                   DurationRule rule) {
    if (!node.IsScalar()) {
        ctx.error(node, path, "expected a duration like 90s or 1h30m, got " + describe(node));
        return std::nullopt;
    }
    std::string why;
    const auto value = parse_duration(node.Scalar(), &why);
    if (!value) {
        ctx.error(node, path, why);
        return std::nullopt;
    }
    if (*value < 0 || (rule == DurationRule::Positive && *value == 0)) {
        ctx.error(node, path,
                  std::string(rule == DurationRule::Positive ? "must be positive"
                                                             : "must not be negative") +
                      ", got " + node.Scalar());
        return std::nullopt;
    }
    return value;
}

std::optional<Quantity> read_quantity(Context& ctx, const YAML::Node& node,
                                      const std::string& path) {
    if (!node.IsScalar()) {
        ctx.error(node, path, "expected a quantity like 500m or 16Gi, got " + describe(node));
        return std::nullopt;
    }
    std::string why;
    const auto value = sim::kube::parse_quantity(node.Scalar(), &why);
    if (!value) {
        ctx.error(node, path, why);
        return std::nullopt;
    }
    if (value->milli <= 0) {
        ctx.error(node, path, "must be positive, got " + node.Scalar());
        return std::nullopt;
    }
    return value;
}

std::optional<Regex> read_regex(Context& ctx, const YAML::Node& node, const std::string& path) {
    const auto text = read_string(ctx, node, path);
    if (!text) return std::nullopt;
    try {
        return Regex{*text, std::regex(*text, std::regex::ECMAScript)};
    } catch (const std::regex_error& e) {
        ctx.error(node, path, "invalid regular expression " + in_quotes(*text) + ": " + e.what());
        return std::nullopt;
    }
}

std::optional<std::string> read_glob(Context& ctx, const YAML::Node& node,
                                     const std::string& path) {
    const auto text = read_string(ctx, node, path);
    if (!text) return std::nullopt;
    if (const auto why = glob_syntax_error(*text)) {
        ctx.error(node, path, "invalid image pattern " + in_quotes(*text) + ": " + *why);
        return std::nullopt;
    }
    return text;
}

// A file the scenario refers to: resolved against the scenario's folder, must be a regular file.
std::optional<fs::path> read_file_ref(Context& ctx, const YAML::Node& node,
                                      const std::string& path) {
    const auto text = read_string(ctx, node, path);
    if (!text) return std::nullopt;
    const fs::path written(*text);
    const fs::path resolved =
        (written.is_absolute() ? written : ctx.folder() / written).lexically_normal();
    const std::string relative_note =
        written.is_absolute() ? "" : " (relative to the scenario file's folder)";
    std::error_code ec;
    const fs::file_status status = fs::status(resolved, ec);
    if (ec || !fs::exists(status)) {
        ctx.error(node, path, "file not found: " + in_quotes(*text) + relative_note);
        return std::nullopt;
    }
    if (!fs::is_regular_file(status)) {
        ctx.error(node, path, "not a regular file: " + in_quotes(*text) + relative_note);
        return std::nullopt;
    }
    return resolved;
}

std::optional<ObjectRef> read_object_ref(Context& ctx, const YAML::Node& node,
                                         const std::string& path) {
    const auto text = read_string(ctx, node, path);
    if (!text) return std::nullopt;
    std::string why;
    auto ref = parse_object_ref(*text, &why);
    if (!ref) ctx.error(node, path, why);
    return ref;
}

// ---------------------------------------------------------------------------------------------
// YAML -> JSON with YAML 1.2 core-schema typing of plain scalars.

std::optional<sim::Json> to_json(Context& ctx, const YAML::Node& node, const std::string& path) {
    return yaml_to_json(node, path,
                        [&](const YAML::Node& at, const std::string& field,
                            const std::string& message) { ctx.error(at, field, message); });
}

// ---------------------------------------------------------------------------------------------
// The scenario, section by section.

class Loader {
  public:
    explicit Loader(Context& ctx) : ctx_(ctx) {}

    void load(const YAML::Node& root, Scenario& s) {
        const Fields top(ctx_, root, "", {"apiVersion", "kind", "metadata", "spec"});
        if (!top.valid()) return;
        if (const auto v = top.require("apiVersion")) {
            if (const auto text = read_string(ctx_, *v, "apiVersion");
                text && *text != kApiVersion) {
                ctx_.error(*v, "apiVersion",
                           "expected " + std::string(kApiVersion) + ", got " + in_quotes(*text));
            }
        }
        if (const auto v = top.require("kind")) {
            if (const auto text = read_string(ctx_, *v, "kind"); text && *text != kKind) {
                ctx_.error(*v, "kind",
                           "expected " + std::string(kKind) + ", got " + in_quotes(*text));
            }
        }
        if (const auto v = top.require("metadata")) read_metadata(*v, s.metadata);
        if (const auto v = top.require("spec")) read_spec(*v, s);
    }

  private:
    void read_metadata(const YAML::Node& node, Metadata& m) {
        const Fields f(ctx_, node, "metadata", {"name", "description"});
        if (const auto v = f.require("name")) {
            m.name = read_string(ctx_, *v, f.at("name")).value_or("");
        }
        if (const auto v = f.get_collection("description")) {
            m.description = read_string(ctx_, *v, f.at("description"), true).value_or("");
        }
    }

    void read_spec(const YAML::Node& node, Scenario& s) {
        const Fields f(ctx_, node, "spec",
                       {"seed", "duration", "startTime", "cluster", "images", "models", "traffic",
                        "timeline", "expect", "ingress"});
        if (!f.valid()) return;
        if (const auto v = f.get("seed")) {
            s.seed_given = true;
            s.seed = read_seed(*v, f.at("seed"));
        }
        if (const auto v = f.require("duration")) {
            duration_ = read_duration(ctx_, *v, f.at("duration"), DurationRule::Positive);
            s.duration = duration_.value_or(0);
        }
        std::string start_text(kDefaultStartTime);
        YAML::Node start_node = node;
        if (const auto v = f.get("startTime")) {
            start_node = *v;
            start_text = read_string(ctx_, *v, f.at("startTime")).value_or(start_text);
        }
        std::string why;
        if (const auto t = sim::kernel::parse_rfc3339_unix_nanos(start_text, &why)) {
            s.start_time_unix_nanos = *t;
        } else {
            ctx_.error(start_node, f.at("startTime"), why);
        }
        if (const auto v = f.require("cluster")) read_cluster(*v, s.cluster);
        if (const auto v = f.get_collection("images")) read_images(*v, s.images);
        if (const auto v = f.get_collection("models")) read_models(*v, s.models);
        if (const auto v = f.get_collection("traffic")) read_traffic(*v, s.traffic);
        if (const auto v = f.get_collection("timeline")) read_timeline(*v, s.timeline);
        if (const auto v = f.get_collection("expect")) read_expectations(*v, s.expectations);
        if (const auto v = f.get("ingress")) s.ingress = read_ingress(*v, f.at("ingress"));
    }

    Ingress read_ingress(const YAML::Node& node, const std::string& path) {
        const auto text = read_string(ctx_, node, path);
        if (text == "none") return Ingress::None;
        if (text == "istio") return Ingress::Istio;
        if (text == "ambassador") return Ingress::Ambassador;
        if (text) {
            ctx_.error(node, path, "expected istio, ambassador or none, got " + in_quotes(*text));
        }
        return Ingress::None;
    }

    std::uint64_t read_seed(const YAML::Node& node, const std::string& path) {
        if (node.IsScalar() && !is_quoted(node)) {
            const std::string& t = node.Scalar();
            std::uint64_t value = 0;
            const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
            if (ec == std::errc{} && end == t.data() + t.size()) return value;
        }
        ctx_.error(node, path,
                   "expected a non-negative integer (at most 18446744073709551615), got " +
                       describe(node));
        return kDefaultSeed;
    }

    // Offsets from the scenario start must fall inside it.
    void check_within_duration(const YAML::Node& node, const std::string& path, Nanos t) {
        if (duration_ && t > *duration_) {
            ctx_.error(node, path,
                       format_duration(t) + " is after the end of the scenario (duration " +
                           format_duration(*duration_) + ")");
        }
    }

    std::optional<Nanos> read_offset(const YAML::Node& node, const std::string& path) {
        const auto t = read_duration(ctx_, node, path, DurationRule::NonNegative);
        if (t) check_within_duration(node, path, *t);
        return t;
    }

    // -- cluster ----------------------------------------------------------------------------

    void read_cluster(const YAML::Node& node, Cluster& cluster) {
        const Fields f(ctx_, node, "spec.cluster", {"nodes"});
        const auto nodes = f.require("nodes");
        if (!nodes) return;
        const std::string path = f.at("nodes");
        if (!nodes->IsSequence()) {
            ctx_.error(*nodes, path, "expected a list of node groups, got " + describe(*nodes));
            return;
        }
        if (nodes->size() == 0) {
            ctx_.error(*nodes, path, "must list at least one node group");
            return;
        }
        std::set<std::string> names;
        bool all_groups_valid = true;
        for (std::size_t i = 0; i < nodes->size(); ++i) {
            NodeGroup group;
            if (!read_node_group((*nodes)[i], item(path, i), group)) {
                all_groups_valid = false;
                continue;
            }
            for (int n = 1; n <= group.count; ++n) {
                if (!names.insert(group.node_name(n)).second) {
                    ctx_.error_at(group.where, item(path, i),
                                  "node name " + in_quotes(group.node_name(n)) +
                                      " is already used by an earlier node group");
                    break;
                }
            }
            cluster.nodes.push_back(std::move(group));
        }
        // Node names are only checked against a cluster that loaded completely; otherwise every
        // `node:` would repeat the cluster's own error.
        if (all_groups_valid) node_names_ = names;
    }

    bool read_node_group(const YAML::Node& node, const std::string& path, NodeGroup& g) {
        const std::size_t errors = ctx_.error_count();
        const Fields f(ctx_, node, path, {"namePrefix", "count", "capacity", "labels", "taints"});
        if (!f.valid()) return false;
        g.where = ctx_.where(node);
        if (const auto v = f.require("namePrefix")) {
            g.name_prefix = read_string(ctx_, *v, f.at("namePrefix")).value_or("");
        }
        if (const auto v = f.require("count")) {
            const auto count = read_int(ctx_, *v, f.at("count"), 1);
            if (count && *count > kMaxNodesPerGroup) {
                ctx_.error(*v, f.at("count"),
                           "at most " + std::to_string(kMaxNodesPerGroup) +
                               " nodes per group (Kubernetes' tested cluster size)");
            } else if (count) {
                g.count = static_cast<int>(*count);
            }
        }
        if (const auto v = f.require("capacity")) read_capacity(*v, f.at("capacity"), g.capacity);
        if (const auto v = f.get_collection("labels"))
            g.labels = read_string_map(*v, f.at("labels"));
        if (const auto v = f.get_collection("taints")) read_taints(*v, f.at("taints"), g.taints);
        return ctx_.error_count() == errors;
    }

    void read_capacity(const YAML::Node& node, const std::string& path, NodeCapacity& c) {
        const Fields f(ctx_, node, path, {"cpu", "memory", "pods"});
        if (const auto v = f.require("cpu")) {
            c.cpu = read_quantity(ctx_, *v, f.at("cpu")).value_or(Quantity{});
        }
        if (const auto v = f.require("memory")) {
            c.memory = read_quantity(ctx_, *v, f.at("memory")).value_or(Quantity{});
        }
        c.pods = Quantity{kDefaultMaxPods * 1000};
        if (const auto v = f.get("pods")) {
            const auto pods = read_quantity(ctx_, *v, f.at("pods"));
            if (pods && pods->milli % 1000 != 0) {
                ctx_.error(*v, f.at("pods"), "must be a whole number, got " + v->Scalar());
            } else if (pods) {
                c.pods = *pods;
            }
        }
    }

    std::vector<std::pair<std::string, std::string>> read_string_map(const YAML::Node& node,
                                                                     const std::string& path) {
        std::vector<std::pair<std::string, std::string>> out;
        const Fields f(ctx_, node, path, {});
        for (const Entry& e : f.entries()) {
            if (e.key.empty()) {
                ctx_.error(e.key_node, path, "empty key");
                continue;
            }
            if (const auto value = read_string(ctx_, e.value, child(path, e.key), true)) {
                out.emplace_back(e.key, *value);
            }
        }
        return out;
    }

    void read_taints(const YAML::Node& node, const std::string& path, std::vector<Taint>& taints) {
        if (!node.IsSequence()) {
            ctx_.error(node, path, "expected a list of taints, got " + describe(node));
            return;
        }
        for (std::size_t i = 0; i < node.size(); ++i) {
            const Fields f(ctx_, node[i], item(path, i), {"key", "value", "effect"});
            if (!f.valid()) continue;
            Taint t;
            if (const auto v = f.require("key"))
                t.key = read_string(ctx_, *v, f.at("key")).value_or("");
            if (const auto v = f.get("value")) {
                t.value = read_string(ctx_, *v, f.at("value"), true).value_or("");
            }
            if (const auto v = f.require("effect")) {
                const auto text = read_string(ctx_, *v, f.at("effect"));
                if (text == "NoSchedule") {
                    t.effect = TaintEffect::NoSchedule;
                } else if (text == "PreferNoSchedule") {
                    t.effect = TaintEffect::PreferNoSchedule;
                } else if (text == "NoExecute") {
                    t.effect = TaintEffect::NoExecute;
                } else if (text) {
                    ctx_.error(*v, f.at("effect"),
                               "expected NoSchedule, PreferNoSchedule or NoExecute, got " +
                                   in_quotes(*text));
                }
            }
            taints.push_back(std::move(t));
        }
    }

    // -- images and models ------------------------------------------------------------------

    void read_images(const YAML::Node& node, std::vector<ImageRule>& images) {
        const Fields f(ctx_, node, "spec.images", {});
        for (const Entry& e : f.entries()) {
            const std::string path = child(f.path(), e.key);
            ImageRule rule;
            rule.pattern = e.key;
            rule.where = ctx_.where(e.key_node);
            if (const auto why = glob_syntax_error(e.key)) {
                ctx_.error(e.key_node, path,
                           "invalid image pattern " + in_quotes(e.key) + ": " + *why);
            }
            read_image_rule(e.value, path, rule);
            images.push_back(std::move(rule));
        }
    }

    void read_image_rule(const YAML::Node& node, const std::string& path, ImageRule& rule) {
        const Fields f(ctx_, node, path,
                       {"run", "model", "pullTime", "startupTime", "serviceTime", "cpuPerRequest",
                        "concurrency"});
        if (!f.valid()) return;
        if (const auto v = f.get("run")) {
            if (const auto text = read_string(ctx_, *v, f.at("run"))) {
                rule.run = parse_behaviour(*text);
                if (!rule.run) {
                    ctx_.error(*v, f.at("run"),
                               "unknown behaviour " + in_quotes(*text) +
                                   "; expected one of: sentiment-model, sklearn-server, echo, "
                                   "random-abtest, epsilon-greedy, thompson-sampling, "
                                   "average-combiner");
                }
            }
        }
        if (const auto v = f.get("model")) {
            rule.model = read_file_ref(ctx_, *v, f.at("model"));
            if (rule.run && *rule.run != Behaviour::SentimentModel) {
                ctx_.error(*v, f.at("model"),
                           "only run: sentiment-model loads a model file (sklearn-server finds "
                           "its model through spec.models)");
            }
        } else if (rule.run == Behaviour::SentimentModel) {
            ctx_.error(node, f.at("model"),
                       "missing required field (run: sentiment-model needs it)");
        }
        if (const auto v = f.get("pullTime")) {
            rule.pull_time = read_duration(ctx_, *v, f.at("pullTime"), DurationRule::NonNegative);
        }
        if (const auto v = f.get("startupTime")) {
            rule.startup_time =
                read_duration(ctx_, *v, f.at("startupTime"), DurationRule::NonNegative);
        }
        if (const auto v = f.get("serviceTime")) {
            rule.service_time = read_service_time(*v, f.at("serviceTime"));
        }
        if (const auto v = f.get("cpuPerRequest")) {
            rule.cpu_per_request =
                read_duration(ctx_, *v, f.at("cpuPerRequest"), DurationRule::NonNegative);
        }
        if (const auto v = f.get("concurrency")) {
            if (const auto c = read_int(ctx_, *v, f.at("concurrency"), 1)) {
                if (*c > std::numeric_limits<int>::max()) {
                    ctx_.error(*v, f.at("concurrency"), "too large");
                } else {
                    rule.concurrency = static_cast<int>(*c);
                }
            }
        }
    }

    std::optional<ServiceTime> read_service_time(const YAML::Node& node, const std::string& path) {
        const Fields f(ctx_, node, path, {"median", "p99"});
        if (!f.valid()) return std::nullopt;
        std::optional<Nanos> median;
        std::optional<Nanos> p99;
        if (const auto v = f.require("median")) {
            median = read_duration(ctx_, *v, f.at("median"), DurationRule::Positive);
        }
        const auto p99_node = f.require("p99");
        if (p99_node) p99 = read_duration(ctx_, *p99_node, f.at("p99"), DurationRule::Positive);
        if (!median || !p99) return std::nullopt;
        if (*p99 < *median) {
            ctx_.error(*p99_node, f.at("p99"),
                       "p99 (" + format_duration(*p99) + ") must not be below the median (" +
                           format_duration(*median) + ")");
            return std::nullopt;
        }
        return ServiceTime{*median, *p99};
    }

    void read_models(const YAML::Node& node, std::vector<ModelFile>& models) {
        const Fields f(ctx_, node, "spec.models", {});
        for (const Entry& e : f.entries()) {
            const std::string path = child(f.path(), e.key);
            if (e.key.empty()) {
                ctx_.error(e.key_node, path, "empty modelUri");
                continue;
            }
            if (const auto file = read_file_ref(ctx_, e.value, path)) {
                models.push_back({e.key, *file, ctx_.where(e.key_node)});
            }
        }
    }

    // -- traffic ----------------------------------------------------------------------------

    void read_traffic(const YAML::Node& node, std::vector<TrafficSource>& traffic) {
        const std::string path = "spec.traffic";
        if (!node.IsSequence()) {
            ctx_.error(node, path, "expected a list of traffic sources, got " + describe(node));
            return;
        }
        std::set<std::string> names;
        for (std::size_t i = 0; i < node.size(); ++i) {
            TrafficSource source;
            if (!read_source(node[i], item(path, i), source)) continue;
            // A source without a name was already reported; only written names can clash.
            const YAML::Node name = node[i]["name"];
            if (name && !names.insert(source.name).second) {
                ctx_.error(name, item(path, i) + ".name",
                           "another traffic source is already named " + in_quotes(source.name));
            }
            traffic.push_back(std::move(source));
        }
    }

    bool read_source(const YAML::Node& node, const std::string& path, TrafficSource& s) {
        const Fields f(ctx_, node, path,
                       {"name", "target", "from", "to", "rate", "arrivals", "payload", "feedback"});
        if (!f.valid()) return false;
        s.where = ctx_.where(node);
        if (const auto v = f.require("name"))
            s.name = read_string(ctx_, *v, f.at("name")).value_or("");
        if (const auto v = f.require("target")) read_target(*v, f.at("target"), s);
        s.from = 0;
        if (const auto v = f.get("from")) s.from = read_offset(*v, f.at("from")).value_or(0);
        s.to = duration_.value_or(0);
        const auto to_node = f.get("to");
        if (to_node) s.to = read_offset(*to_node, f.at("to")).value_or(s.to);
        if (s.from >= s.to && duration_) {
            ctx_.error(to_node ? *to_node : node, f.at("to"),
                       "to (" + format_duration(s.to) + ") must be after from (" +
                           format_duration(s.from) + ")");
        }
        if (const auto v = f.require("rate")) read_rate(*v, f.at("rate"), s.rate);
        if (const auto v = f.get("arrivals")) {
            const auto text = read_string(ctx_, *v, f.at("arrivals"));
            if (text == "poisson") {
                s.arrivals = Arrivals::Poisson;
            } else if (text == "uniform") {
                s.arrivals = Arrivals::Uniform;
            } else if (text) {
                ctx_.error(*v, f.at("arrivals"),
                           "expected poisson or uniform, got " + in_quotes(*text));
            }
        }
        if (const auto v = f.require("payload")) read_payload(*v, f.at("payload"), s.payload);
        if (const auto v = f.get("feedback")) {
            const Fields fb(ctx_, *v, f.at("feedback"), {"reward"});
            if (const auto r = fb.require("reward")) {
                const auto text = read_string(ctx_, *r, fb.at("reward"));
                if (text == "correct") {
                    s.feedback = Feedback{FeedbackReward::Correct};
                } else if (text) {
                    ctx_.error(*r, fb.at("reward"), "expected correct, got " + in_quotes(*text));
                }
            }
        }
        return true;
    }

    void read_target(const YAML::Node& node, const std::string& path, TrafficSource& s) {
        const auto text = read_string(ctx_, node, path);
        if (!text) return;
        const std::size_t slash = text->find('/');
        if (slash == std::string::npos || slash == 0 || slash + 1 == text->size() ||
            text->find('/', slash + 1) != std::string::npos) {
            ctx_.error(node, path,
                       "expected namespace/name of a SeldonDeployment, got " + in_quotes(*text));
            return;
        }
        s.target_namespace = text->substr(0, slash);
        s.target_name = text->substr(slash + 1);
    }

    void read_rate(const YAML::Node& node, const std::string& path, Rate& rate) {
        constexpr std::string_view kExpected = "a number or {ramp|steps}";
        if (node.IsScalar()) {
            const auto value = read_number(ctx_, node, path, kExpected);
            if (!value) return;
            if (*value < 0) {
                ctx_.error(node, path, "must not be negative, got " + node.Scalar());
                return;
            }
            rate = ConstantRate{*value};
            return;
        }
        if (!node.IsMap()) {
            ctx_.error(node, path,
                       "expected " + std::string(kExpected) + ", got " + describe(node));
            return;
        }
        const Fields f(ctx_, node, path, {"ramp", "steps"});
        const Entry* kind = f.exactly_one({"ramp", "steps"}, "a kind of rate");
        if (!kind) return;
        if (kind->key == "ramp") {
            const Fields r(ctx_, kind->value, f.at("ramp"), {"from", "to"});
            RampRate ramp;
            if (const auto v = r.require("from"))
                ramp.from_per_second = read_rate_value(*v, r.at("from"));
            if (const auto v = r.require("to"))
                ramp.to_per_second = read_rate_value(*v, r.at("to"));
            rate = ramp;
            return;
        }
        rate = read_steps(kind->value, f.at("steps"));
    }

    double read_rate_value(const YAML::Node& node, const std::string& path) {
        const auto value = read_number(ctx_, node, path, "a number of requests per second");
        if (value && *value < 0) {
            ctx_.error(node, path, "must not be negative, got " + node.Scalar());
            return 0;
        }
        return value.value_or(0);
    }

    StepRates read_steps(const YAML::Node& node, const std::string& path) {
        StepRates out;
        if (!node.IsSequence() || node.size() == 0) {
            ctx_.error(node, path,
                       "expected a non-empty list of {at, rate}, got " + describe(node));
            return out;
        }
        for (std::size_t i = 0; i < node.size(); ++i) {
            const Fields f(ctx_, node[i], item(path, i), {"at", "rate"});
            if (!f.valid()) continue;
            RateStep step;
            const auto at_node = f.require("at");
            std::optional<Nanos> at;
            if (at_node) at = read_offset(*at_node, f.at("at"));
            if (const auto v = f.require("rate"))
                step.per_second = read_rate_value(*v, f.at("rate"));
            if (!at) continue;
            step.at = *at;
            if (!out.steps.empty() && step.at <= out.steps.back().at) {
                ctx_.error(*at_node, f.at("at"),
                           "steps must be in increasing order of at; " + format_duration(step.at) +
                               " is not after " + format_duration(out.steps.back().at));
                continue;
            }
            out.steps.push_back(step);
        }
        return out;
    }

    void read_payload(const YAML::Node& node, const std::string& path, Payload& p) {
        const Fields f(ctx_, node, path, {"texts", "encoding"});
        if (const auto v = f.require("texts")) {
            p.texts = read_file_ref(ctx_, *v, f.at("texts")).value_or(fs::path{});
        }
        if (const auto v = f.get("encoding")) {
            const auto text = read_string(ctx_, *v, f.at("encoding"));
            if (text == "ndarray") {
                p.encoding = PayloadEncoding::Ndarray;
            } else if (text == "strData") {
                p.encoding = PayloadEncoding::StrData;
            } else if (text) {
                ctx_.error(*v, f.at("encoding"),
                           "expected ndarray or strData, got " + in_quotes(*text));
            }
        }
    }

    // -- timeline ---------------------------------------------------------------------------

    void read_timeline(const YAML::Node& node, std::vector<TimelineStep>& timeline) {
        const std::string path = "spec.timeline";
        if (!node.IsSequence()) {
            ctx_.error(node, path, "expected a list of steps, got " + describe(node));
            return;
        }
        for (std::size_t i = 0; i < node.size(); ++i) {
            TimelineStep step;
            step.index = i;
            if (read_step(node[i], item(path, i), step)) timeline.push_back(std::move(step));
        }
        // Steps run in order of `at`; steps at the same instant keep their file order.
        std::stable_sort(timeline.begin(), timeline.end(),
                         [](const TimelineStep& a, const TimelineStep& b) { return a.at < b.at; });
    }

    bool read_step(const YAML::Node& node, const std::string& path, TimelineStep& step) {
        const Fields f(ctx_, node, path,
                       {"at", "apply", "patch", "scale", "delete", "fault", "drain", "expectError",
                        "errorMatches"});
        if (!f.valid()) return false;
        step.where = ctx_.where(node);
        if (const auto v = f.require("at")) step.at = read_offset(*v, f.at("at")).value_or(0);
        const Entry* action =
            f.exactly_one({"apply", "patch", "scale", "delete", "fault", "drain"}, "an action");
        if (action) read_action(*action, f.at(action->key), step.action);
        if (const auto v = f.get("expectError")) {
            step.expect_error = read_bool(ctx_, *v, f.at("expectError")).value_or(false);
            if (step.expect_error && action && action->key == "fault") {
                ctx_.error(*v, f.at("expectError"),
                           "a fault is not an API request and cannot be refused; expectError "
                           "applies to apply, patch, scale, delete and drain");
            }
        }
        if (const auto v = f.get("errorMatches")) {
            step.error_matches = read_regex(ctx_, *v, f.at("errorMatches"));
            if (!step.expect_error) {
                ctx_.error(*v, f.at("errorMatches"), "only allowed with expectError: true");
            }
        }
        return true;
    }

    void read_action(const Entry& e, const std::string& path, StepAction& action) {
        if (e.key == "apply") {
            action = ApplyStep{read_file_ref(ctx_, e.value, path).value_or(fs::path{})};
        } else if (e.key == "patch") {
            action = read_patch(e.value, path);
        } else if (e.key == "scale") {
            action = read_scale(e.value, path);
        } else if (e.key == "delete") {
            action = read_delete(e.value, path);
        } else if (e.key == "fault") {
            action = FaultStep{read_fault(e.value, path)};
        } else {
            const Fields f(ctx_, e.value, path, {"node"});
            DrainStep drain;
            if (const auto v = f.require("node")) drain.node = read_node_name(*v, f.at("node"));
            action = drain;
        }
    }

    // kind, namespace (optional: cluster-scoped kinds), name.
    ObjectRef read_target_fields(const Fields& f) {
        ObjectRef ref;
        if (const auto v = f.require("kind")) ref.kind = read_kind(*v, f.at("kind"));
        if (const auto v = f.get("namespace")) {
            ref.namespace_ = read_string(ctx_, *v, f.at("namespace")).value_or("");
        }
        if (const auto v = f.require("name"))
            ref.name = read_string(ctx_, *v, f.at("name")).value_or("");
        return ref;
    }

    std::string read_kind(const YAML::Node& node, const std::string& path) {
        const auto text = read_string(ctx_, node, path);
        if (!text) return {};
        if (!std::isupper(static_cast<unsigned char>((*text)[0]))) {
            ctx_.error(node, path,
                       in_quotes(*text) +
                           " is not a Kind (Kinds start with a capital letter, e.g. "
                           "Deployment)");
        }
        return *text;
    }

    PatchStep read_patch(const YAML::Node& node, const std::string& path) {
        PatchStep patch;
        const Fields f(ctx_, node, path, {"kind", "namespace", "name", "merge"});
        if (!f.valid()) return patch;
        patch.target = read_target_fields(f);
        if (const auto v = f.require("merge")) {
            if (!v->IsMap()) {
                ctx_.error(*v, f.at("merge"),
                           "expected a mapping (a JSON merge patch), got " + describe(*v));
            } else if (const auto json = to_json(ctx_, *v, f.at("merge"))) {
                patch.merge_json = json->dump();
            }
        }
        return patch;
    }

    ScaleStep read_scale(const YAML::Node& node, const std::string& path) {
        ScaleStep scale;
        const Fields f(ctx_, node, path, {"kind", "namespace", "name", "replicas"});
        if (!f.valid()) return scale;
        scale.target = read_target_fields(f);
        if (const auto v = f.require("replicas")) {
            scale.replicas = read_int(ctx_, *v, f.at("replicas"), 0).value_or(0);
        }
        return scale;
    }

    DeleteStep read_delete(const YAML::Node& node, const std::string& path) {
        DeleteStep del;
        const Fields f(ctx_, node, path, {"kind", "namespace", "name", "selector", "count"});
        if (!f.valid()) return del;
        if (const auto v = f.require("kind")) del.kind = read_kind(*v, f.at("kind"));
        if (const auto v = f.get("namespace")) {
            del.namespace_ = read_string(ctx_, *v, f.at("namespace")).value_or("");
        }
        const Entry* which = f.exactly_one({"name", "selector"}, "what to delete");
        if (which && which->key == "name") {
            del.name = read_string(ctx_, which->value, f.at("name")).value_or("");
        } else if (which) {
            del.selector = read_string(ctx_, which->value, f.at("selector")).value_or("");
        }
        if (const auto v = f.get("count")) {
            if (which && which->key == "name") {
                ctx_.error(*v, f.at("count"), "count only applies with selector");
            } else if (const auto c = read_int(ctx_, *v, f.at("count"), 1)) {
                del.count = static_cast<int>(std::min<std::int64_t>(*c, 1'000'000));
            }
        }
        return del;
    }

    std::string read_node_name(const YAML::Node& node, const std::string& path) {
        const auto name = read_string(ctx_, node, path);
        if (!name) return {};
        if (node_names_ && !node_names_->contains(*name)) {
            ctx_.error(node, path, "no node named " + in_quotes(*name) + " in spec.cluster.nodes");
        }
        return *name;
    }

    std::optional<Nanos> read_for(const Fields& f) {
        const auto v = f.get("for");
        if (!v) return std::nullopt;
        return read_duration(ctx_, *v, f.at("for"), DurationRule::Positive);
    }

    Fault read_fault(const YAML::Node& node, const std::string& path) {
        const Fields f(ctx_, node, path,
                       {"podKill", "crashLoop", "imagePullError", "slow", "errors", "oomKill",
                        "operatorDown", "nodeDown"});
        const Entry* kind = f.exactly_one({"podKill", "crashLoop", "imagePullError", "slow",
                                           "errors", "oomKill", "operatorDown", "nodeDown"},
                                          "a kind of fault");
        if (!kind) return OperatorDownFault{};
        const std::string at = f.at(kind->key);
        const YAML::Node& body = kind->value;
        if (kind->key == "podKill" || kind->key == "oomKill") {
            const Fields b(ctx_, body, at, {"namespace", "selector", "count"});
            std::string ns;
            std::string selector;
            int count = 1;
            if (const auto v = b.require("namespace"))
                ns = read_string(ctx_, *v, b.at("namespace")).value_or("");
            if (const auto v = b.require("selector")) {
                selector = read_string(ctx_, *v, b.at("selector")).value_or("");
            }
            if (const auto v = b.get("count")) {
                count = static_cast<int>(std::min<std::int64_t>(
                    read_int(ctx_, *v, b.at("count"), 1).value_or(1), 1'000'000));
            }
            if (kind->key == "podKill") return PodKillFault{ns, selector, count};
            return OomKillFault{ns, selector, count};
        }
        if (kind->key == "crashLoop" || kind->key == "imagePullError") {
            const Fields b(ctx_, body, at, {"image", "for"});
            std::string image;
            if (const auto v = b.require("image"))
                image = read_glob(ctx_, *v, b.at("image")).value_or("");
            const auto for_duration = read_for(b);
            if (kind->key == "crashLoop") return CrashLoopFault{image, for_duration};
            return ImagePullErrorFault{image, for_duration};
        }
        if (kind->key == "slow") {
            const Fields b(ctx_, body, at, {"image", "addLatency", "for"});
            SlowFault slow;
            if (const auto v = b.require("image"))
                slow.image = read_glob(ctx_, *v, b.at("image")).value_or("");
            if (const auto v = b.require("addLatency")) {
                slow.add_latency =
                    read_duration(ctx_, *v, b.at("addLatency"), DurationRule::Positive).value_or(0);
            }
            slow.for_duration = read_for(b);
            return slow;
        }
        if (kind->key == "errors") {
            const Fields b(ctx_, body, at, {"image", "rate", "for"});
            ErrorsFault errors;
            if (const auto v = b.require("image"))
                errors.image = read_glob(ctx_, *v, b.at("image")).value_or("");
            if (const auto v = b.require("rate")) {
                const auto rate = read_number(ctx_, *v, b.at("rate"), "a fraction between 0 and 1");
                if (rate && (*rate < 0 || *rate > 1)) {
                    ctx_.error(
                        *v, b.at("rate"),
                        "must be between 0 and 1 (a fraction of requests), got " + v->Scalar());
                } else if (rate) {
                    errors.rate = *rate;
                }
            }
            errors.for_duration = read_for(b);
            return errors;
        }
        if (kind->key == "operatorDown") {
            if (body.IsNull()) return OperatorDownFault{};
            const Fields b(ctx_, body, at, {"for"});
            return OperatorDownFault{read_for(b)};
        }
        const Fields b(ctx_, body, at, {"node", "for"});
        NodeDownFault down;
        if (const auto v = b.require("node")) down.node = read_node_name(*v, b.at("node"));
        down.for_duration = read_for(b);
        return down;
    }

    // -- expectations -----------------------------------------------------------------------

    void read_expectations(const YAML::Node& node, std::vector<Expectation>& out) {
        const std::string path = "spec.expect";
        if (!node.IsSequence()) {
            ctx_.error(node, path, "expected a list of expectations, got " + describe(node));
            return;
        }
        for (std::size_t i = 0; i < node.size(); ++i) {
            Expectation e;
            e.index = i;
            if (read_expectation(node[i], item(path, i), e)) out.push_back(std::move(e));
        }
    }

    std::optional<std::pair<Nanos, Nanos>> read_window(const YAML::Node& node,
                                                       const std::string& path) {
        if (!node.IsSequence() || node.size() != 2) {
            ctx_.error(node, path, "expected [from, to], got " + describe(node));
            return std::nullopt;
        }
        const auto lo = read_offset(node[0], item(path, 0));
        const auto hi = read_offset(node[1], item(path, 1));
        if (!lo || !hi) return std::nullopt;
        if (*lo > *hi) {
            ctx_.error(node[1], item(path, 1),
                       "the window ends (" + format_duration(*hi) + ") before it starts (" +
                           format_duration(*lo) + ")");
            return std::nullopt;
        }
        return std::pair{*lo, *hi};
    }

    bool read_expectation(const YAML::Node& node, const std::string& path, Expectation& e) {
        const Fields f(
            ctx_, node, path,
            {"name", "at", "by", "during", "window", "object", "field", "count", "metric", "labels",
             "event", "equals", "atLeast", "atMost", "between", "matches"});
        if (!f.valid()) return false;
        e.where = ctx_.where(node);
        if (const auto v = f.get("name")) {
            e.name = read_string(ctx_, *v, f.at("name")).value_or("");
            e.name_given = true;
        }
        const Entry* when = f.exactly_one({"at", "by", "during", "window"}, "a time");
        if (when) read_when(*when, f.at(when->key), e.when);

        // With `event`, `count` holds the comparison on the number of matching Events.
        const bool has_event = f.find("event") != nullptr;
        std::vector<std::string_view> subjects{"object", "count", "metric", "event"};
        if (has_event) subjects = {"object", "metric", "event"};
        const Entry* subject = f.exactly_one(subjects, "a subject");
        if (subject) read_subject(f, *subject, e.subject);
        if (const Entry* field = f.find("field"); field && !f.find("object")) {
            ctx_.error(field->key_node, f.at("field"), "field only applies with object");
        }
        if (const Entry* labels = f.find("labels"); labels && !f.find("metric")) {
            ctx_.error(labels->key_node, f.at("labels"), "labels only apply with metric");
        }
        if (when && when->key == "window" && subject && subject->key != "metric") {
            ctx_.error(when->key_node, f.at("window"),
                       "window aggregates a metric; use during for objects, counts and events");
        }
        read_comparison(f, has_event, subject, e.comparison);
        if (!e.name_given) e.name = describe_expectation(f);
        return true;
    }

    void read_when(const Entry& entry, const std::string& path, When& when) {
        if (entry.key == "at") {
            when = AtTime{read_offset(entry.value, path).value_or(0)};
        } else if (entry.key == "by") {
            when = ByTime{read_offset(entry.value, path).value_or(0)};
        } else {
            const auto window = read_window(entry.value, path).value_or(std::pair<Nanos, Nanos>{});
            if (entry.key == "during") {
                when = DuringWindow{window.first, window.second};
            } else {
                when = MetricWindow{window.first, window.second};
            }
        }
    }

    void read_subject(const Fields& f, const Entry& subject, Subject& out) {
        const std::string path = f.at(subject.key);
        if (subject.key == "object") {
            ObjectFieldSubject s;
            s.object = read_object_ref(ctx_, subject.value, path).value_or(ObjectRef{});
            if (const auto v = f.require("field")) {
                if (const auto text = read_string(ctx_, *v, f.at("field"))) {
                    std::string why;
                    if (auto parsed = parse_field_path(*text, &why)) {
                        s.field = std::move(*parsed);
                    } else {
                        ctx_.error(*v, f.at("field"),
                                   "invalid field path " + in_quotes(*text) + ": " + why);
                    }
                }
            }
            out = std::move(s);
        } else if (subject.key == "count") {
            const Fields c(ctx_, subject.value, path,
                           {"kind", "namespace", "selector", "fieldSelector"});
            CountSubject s;
            if (const auto v = c.require("kind")) s.kind = read_kind(*v, c.at("kind"));
            if (const auto v = c.get("namespace"))
                s.namespace_ = read_string(ctx_, *v, c.at("namespace")).value_or("");
            if (const auto v = c.get("selector"))
                s.selector = read_string(ctx_, *v, c.at("selector"), true).value_or("");
            if (const auto v = c.get("fieldSelector")) {
                s.field_selector = read_string(ctx_, *v, c.at("fieldSelector"), true).value_or("");
            }
            out = std::move(s);
        } else if (subject.key == "metric") {
            out = read_metric(f, subject);
        } else {
            const Fields ev(ctx_, subject.value, path, {"reason", "object", "message"});
            EventSubject s;
            if (const auto v = ev.get("reason")) s.reason = read_string(ctx_, *v, ev.at("reason"));
            if (const auto v = ev.get("object"))
                s.object = read_object_ref(ctx_, *v, ev.at("object"));
            if (const auto v = ev.get("message"))
                s.message = read_regex(ctx_, *v, ev.at("message"));
            out = std::move(s);
        }
    }

    MetricSubject read_metric(const Fields& f, const Entry& subject) {
        MetricSubject m;
        const auto name = read_string(ctx_, subject.value, f.at("metric"));
        if (!name) return m;
        m.name = *name;
        const MetricInfo* info = nullptr;
        for (const MetricInfo& k : known_metrics()) {
            if (k.name == *name) info = &k;
        }
        if (!info) {
            std::vector<std::string_view> names;
            for (const MetricInfo& k : known_metrics())
                names.push_back(k.name);
            ctx_.error(subject.value, f.at("metric"),
                       "unknown metric " + in_quotes(*name) + "; " + did_you_mean(*name, names) +
                           "expected one of: " + join(names));
            return m;
        }
        if (const auto v = f.get("labels")) {
            const Fields l(ctx_, *v, f.at("labels"), info->label_keys);
            for (const Entry& e : l.entries()) {
                if (const auto value = read_string(ctx_, e.value, l.at(e.key))) {
                    m.labels.emplace_back(e.key, *value);
                }
            }
            std::sort(m.labels.begin(), m.labels.end());
        }
        // A share is always the share of one predictor; without it the metric means nothing.
        const bool has_predictor =
            std::any_of(m.labels.begin(), m.labels.end(),
                        [](const auto& label) { return label.first == "predictor"; });
        if (m.name == "traffic_share" && !has_predictor) {
            const auto labels = f.get("labels");
            ctx_.error(labels ? *labels : f.node(), f.at("labels") + ".predictor",
                       "missing required field (traffic_share is the share of one predictor)");
        }
        return m;
    }

    // Comparisons: at the expectation's top level, or (with `event`) inside `count`.
    void read_comparison(const Fields& f, bool has_event, const Entry* subject, Comparison& out) {
        const std::vector<std::string_view> keys{"equals", "atLeast", "atMost", "between",
                                                 "matches"};
        std::vector<std::pair<const Entry*, std::string>> found;  // entry, its field path
        for (const Entry* e : f.present(keys))
            found.emplace_back(e, f.at(e->key));
        std::optional<Fields> inner;
        if (has_event) {
            if (const Entry* count = f.find("count")) {
                inner.emplace(
                    ctx_, count->value, f.at("count"),
                    std::vector<std::string_view>{"equals", "atLeast", "atMost", "between"});
                for (const Entry* e : inner->present(keys))
                    found.emplace_back(e, inner->at(e->key));
            }
        }
        std::stable_sort(found.begin(), found.end(), [this](const auto& a, const auto& b) {
            const SourceLocation la = ctx_.where(a.first->key_node);
            const SourceLocation lb = ctx_.where(b.first->key_node);
            return std::pair(la.line, la.column) < std::pair(lb.line, lb.column);
        });
        if (found.empty()) {
            ctx_.error(f.node(), f.path(),
                       "needs a comparison: one of equals, atLeast, atMost, between, matches");
            return;
        }
        for (std::size_t i = 1; i < found.size(); ++i) {
            ctx_.error(found[i].first->key_node, found[i].second,
                       "only one of equals, atLeast, atMost, between, matches is allowed, and " +
                           found[0].first->key + " is already given");
        }
        const Entry& c = *found[0].first;
        const std::string& path = found[0].second;
        const bool numeric = subject && subject->key != "object";
        if (c.key == "equals") {
            if (numeric) {
                if (const auto n = read_number(ctx_, c.value, path)) {
                    out = EqualsComparison{sim::Json(*n).dump()};
                    if (std::trunc(*n) == *n && std::abs(*n) < 9e15) {
                        out = EqualsComparison{sim::Json(static_cast<std::int64_t>(*n)).dump()};
                    }
                }
                return;
            }
            if (const auto json = to_json(ctx_, c.value, path))
                out = EqualsComparison{json->dump()};
        } else if (c.key == "atLeast") {
            out = AtLeastComparison{read_number(ctx_, c.value, path).value_or(0)};
        } else if (c.key == "atMost") {
            out = AtMostComparison{read_number(ctx_, c.value, path).value_or(0)};
        } else if (c.key == "between") {
            out = read_between(c.value, path);
        } else {
            if (numeric) {
                ctx_.error(c.key_node, path,
                           "matches compares text; a " + std::string(subject->key) +
                               " is a number (use equals, atLeast, atMost or between)");
                return;
            }
            if (auto regex = read_regex(ctx_, c.value, path))
                out = MatchesComparison{std::move(*regex)};
        }
    }

    BetweenComparison read_between(const YAML::Node& node, const std::string& path) {
        if (!node.IsSequence() || node.size() != 2) {
            ctx_.error(node, path, "expected [lo, hi], got " + describe(node));
            return {};
        }
        const auto lo = read_number(ctx_, node[0], item(path, 0));
        const auto hi = read_number(ctx_, node[1], item(path, 1));
        if (!lo || !hi) return {};
        if (*lo > *hi) {
            ctx_.error(
                node[1], item(path, 1),
                "hi (" + node[1].Scalar() + ") must not be below lo (" + node[0].Scalar() + ")");
            return {};
        }
        return BetweenComparison{*lo, *hi};
    }

    // A readable name for an expectation written without one: "Node/node-2
    // status.conditions[type=Ready].status equals Unknown at 9m".
    static std::string describe_expectation(const Fields& f) {
        std::string out;
        const auto text = [&](std::string_view key) -> std::string {
            const auto v = f.get(key);
            if (!v) return {};
            if (v->IsScalar()) return v->Scalar();
            YAML::Emitter emitter;
            emitter << YAML::Flow << *v;
            return emitter.c_str();
        };
        const auto add = [&](const std::string& part) {
            if (part.empty()) return;
            if (!out.empty()) out += ' ';
            out += part;
        };
        for (const char* key : {"object", "field", "metric", "event", "count", "labels"}) {
            if (!f.find(key)) continue;
            if (std::string_view(key) == "count" || std::string_view(key) == "event" ||
                std::string_view(key) == "labels") {
                add(std::string(key) + " " + text(key));
            } else {
                add(text(key));
            }
        }
        for (const char* key : {"equals", "atLeast", "atMost", "between", "matches"}) {
            if (f.find(key)) add(std::string(key) + " " + text(key));
        }
        for (const char* key : {"at", "by", "during", "window"}) {
            if (f.find(key)) add(std::string(key) + " " + text(key));
        }
        return out;
    }

    Context& ctx_;
    std::optional<Nanos> duration_;
    std::optional<std::set<std::string>> node_names_;
};

// Where a second YAML document (or stray text after the first) starts, if any.
//
// Not YAML::LoadAll: yaml-cpp 0.7's LoadAll loops forever, allocating, when a stray `,` stands
// at document level (jbeder/yaml-cpp#1040, fixed upstream by PR #1319 after 0.7). Asking the
// parser for exactly two documents terminates on the same input.
class FirstMark : public YAML::EventHandler {
  public:
    std::optional<YAML::Mark> mark;

    void OnDocumentStart(const YAML::Mark& m) override { note(m); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& m, YAML::anchor_t) override { note(m); }
    void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { note(m); }
    void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  const std::string&) override {
        note(m);
    }
    void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
        note(m);
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {
        note(m);
    }
    void OnMapEnd() override {}

  private:
    void note(const YAML::Mark& m) {
        if (!mark) mark = m;
    }
};

std::optional<YAML::Mark> second_document_mark(const std::string& yaml_text) {
    std::istringstream in(yaml_text);
    YAML::Parser parser(in);
    FirstMark first;
    FirstMark second;
    if (!parser.HandleNextDocument(first)) return std::nullopt;
    if (!parser.HandleNextDocument(second)) return std::nullopt;
    return second.mark.value_or(YAML::Mark{});
}

}  // namespace

LoadResult load_scenario_text(const std::string& yaml_text, const fs::path& path) {
    Context ctx(path.string(), path.parent_path());
    Scenario scenario;
    scenario.file = path;
    scenario.folder = path.parent_path();
    try {
        const YAML::Node root = YAML::Load(yaml_text);
        const std::optional<YAML::Mark> more = second_document_mark(yaml_text);
        const auto at = [&](const YAML::Mark& m) {
            return SourceLocation{ctx.file(), m.line + 1, m.column + 1};
        };
        if (root.IsNull() && more) {
            ctx.error_at(at(*more), "",
                         "YAML syntax error: unexpected text where the scenario should start");
        } else if (root.IsNull()) {
            ctx.error_at({ctx.file(), 1, 1}, "", "the file holds no scenario (it is empty)");
        } else {
            if (more) {
                ctx.error_at(
                    at(*more), "",
                    "a scenario file holds exactly one YAML document, but more follows here");
            }
            Loader(ctx).load(root, scenario);
        }
    } catch (const YAML::Exception& e) {
        ctx.error_at({ctx.file(), e.mark.line + 1, e.mark.column + 1}, "",
                     "YAML syntax error: " + e.msg);
    }
    LoadResult result;
    result.diagnostics = std::move(ctx.diagnostics());
    std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                         return std::pair(a.where.line, a.where.column) <
                                std::pair(b.where.line, b.where.column);
                     });
    if (result.diagnostics.empty()) result.scenario = std::move(scenario);
    return result;
}

LoadResult load_scenario(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::error_code ec;
    if (!in || fs::is_directory(path, ec)) {
        LoadResult result;
        result.diagnostics.push_back(
            {{path.string(), 0, 0}, "", "cannot read the scenario file (does it exist?)"});
        return result;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return load_scenario_text(text.str(), path);
}

}  // namespace sim::scenario
