#include "sim/scenario/scenario.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <iomanip>
#include <locale>
#include <sstream>
#include <system_error>

#include "sim/scenario/glob.hpp"

namespace sim::scenario {

namespace {

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool fail(std::string* error, std::string message) {
    if (error) *error = std::move(message);
    return false;
}

// A list index; nullopt when it does not fit (no real list is that long).
std::optional<std::size_t> parse_index(std::string_view digits) {
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
    return value;
}

// Parses `[...]` starting at text[pos] == '['; appends one segment and moves pos past ']'.
bool parse_bracket(std::string_view text, std::size_t& pos, std::vector<FieldPathSegment>& out,
                   std::string* error) {
    const std::size_t open = pos;
    ++pos;
    if (pos < text.size() && text[pos] == '"') {
        std::string key;
        ++pos;
        while (pos < text.size() && text[pos] != '"') {
            if (text[pos] == '\\' && pos + 1 < text.size()) ++pos;
            key += text[pos++];
        }
        if (pos >= text.size()) {
            return fail(error,
                        "unterminated quoted key starting at position " + std::to_string(open + 1));
        }
        ++pos;  // closing quote
        if (pos >= text.size() || text[pos] != ']') {
            return fail(error,
                        "expected ']' after the quoted key at position " + std::to_string(pos + 1));
        }
        ++pos;
        if (key.empty())
            return fail(error, "empty quoted key at position " + std::to_string(open + 1));
        out.push_back({FieldPathSegment::Kind::Key, std::move(key), 0, {}});
        return true;
    }
    const std::size_t close = text.find(']', pos);
    if (close == std::string_view::npos) {
        return fail(error, "unterminated '[' at position " + std::to_string(open + 1));
    }
    const std::string_view inside = text.substr(pos, close - pos);
    pos = close + 1;
    if (all_digits(inside)) {
        const auto index = parse_index(inside);
        if (!index) return fail(error, "index too large at position " + std::to_string(open + 1));
        out.push_back({FieldPathSegment::Kind::Index, {}, *index, {}});
        return true;
    }
    const std::size_t eq = inside.find('=');
    if (eq == std::string_view::npos) {
        return fail(error, "expected [index], [key=value] or [\"key\"] at position " +
                               std::to_string(open + 1) + ", got [" + std::string(inside) + "]");
    }
    const std::string_view key = inside.substr(0, eq);
    if (key.empty()) {
        return fail(error, "missing key before '=' at position " + std::to_string(open + 1));
    }
    if (key.find_first_of("[\"") != std::string_view::npos) {
        return fail(error,
                    "unexpected character in [key=value] at position " + std::to_string(open + 1));
    }
    out.push_back(
        {FieldPathSegment::Kind::Match, std::string(key), 0, std::string(inside.substr(eq + 1))});
    return true;
}

}  // namespace

std::string format_location(const SourceLocation& where) {
    if (where.line <= 0) return where.file;
    return where.file + ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
}

bool Regex::search(std::string_view text) const {
    return std::regex_search(text.begin(), text.end(), compiled);
}

std::optional<FieldPath> parse_field_path(std::string_view text, std::string* error) {
    FieldPath path{std::string(text), {}};
    if (text.empty()) {
        fail(error, "empty field path");
        return std::nullopt;
    }
    std::size_t pos = 0;
    bool after_dot = true;  // a name must follow (start of the path or after '.')
    while (pos < text.size()) {
        const char c = text[pos];
        if (c == '[' && !after_dot) {
            if (!parse_bracket(text, pos, path.segments, error)) return std::nullopt;
        } else if (c == '.' || c == '[' || c == ']' || c == '"') {
            fail(error, std::string("expected a name at position ") + std::to_string(pos + 1) +
                            ", got '" + std::string(1, c) + "'");
            return std::nullopt;
        } else {
            const std::size_t end = std::min(text.find_first_of(".[", pos), text.size());
            const std::string_view name = text.substr(pos, end - pos);
            if (const std::size_t bad = name.find_first_of("]\""); bad != std::string_view::npos) {
                fail(error, "unexpected '" + std::string(1, name[bad]) + "' at position " +
                                std::to_string(pos + bad + 1));
                return std::nullopt;
            }
            if (all_digits(name)) {
                const auto index = parse_index(name);
                if (!index) {
                    fail(error, "index too large at position " + std::to_string(pos + 1));
                    return std::nullopt;
                }
                path.segments.push_back({FieldPathSegment::Kind::Index, {}, *index, {}});
            } else {
                path.segments.push_back({FieldPathSegment::Kind::Key, std::string(name), 0, {}});
            }
            pos = end;
        }
        after_dot = false;
        if (pos < text.size() && text[pos] == '.') {
            ++pos;
            after_dot = true;
            if (pos == text.size()) {
                fail(error, "path ends with '.'");
                return std::nullopt;
            }
        } else if (pos < text.size() && text[pos] != '[') {
            fail(error, "expected '.' or '[' at position " + std::to_string(pos + 1));
            return std::nullopt;
        }
    }
    return path;
}

std::optional<ObjectRef> parse_object_ref(std::string_view text, std::string* error) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t slash = text.find('/', start);
        parts.emplace_back(
            text.substr(start, slash == std::string_view::npos ? slash : slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    if (parts.size() != 2 && parts.size() != 3) {
        fail(error, "expected Kind/namespace/name or Kind/name, got \"" + std::string(text) + "\"");
        return std::nullopt;
    }
    for (const std::string& p : parts) {
        if (p.empty()) {
            fail(error, "empty part in \"" + std::string(text) +
                            "\" (expected Kind/namespace/name or Kind/name)");
            return std::nullopt;
        }
    }
    if (!std::isupper(static_cast<unsigned char>(parts[0][0]))) {
        fail(error, "\"" + parts[0] +
                        "\" is not a Kind (Kinds start with a capital letter, e.g. "
                        "Pod/seldon/my-pod)");
        return std::nullopt;
    }
    if (parts.size() == 2) return ObjectRef{parts[0], {}, parts[1]};
    return ObjectRef{parts[0], parts[1], parts[2]};
}

std::string format_object_ref(const ObjectRef& ref) {
    if (ref.namespace_.empty()) return ref.kind + "/" + ref.name;
    return ref.kind + "/" + ref.namespace_ + "/" + ref.name;
}

std::string_view to_string(TaintEffect effect) {
    switch (effect) {
        case TaintEffect::NoSchedule:
            return "NoSchedule";
        case TaintEffect::PreferNoSchedule:
            return "PreferNoSchedule";
        case TaintEffect::NoExecute:
            return "NoExecute";
    }
    return "NoSchedule";
}

namespace {
constexpr std::array<std::pair<Behaviour, std::string_view>, 7> kBehaviourNames{{
    {Behaviour::SentimentModel, "sentiment-model"},
    {Behaviour::SklearnServer, "sklearn-server"},
    {Behaviour::Echo, "echo"},
    {Behaviour::RandomAbTest, "random-abtest"},
    {Behaviour::EpsilonGreedy, "epsilon-greedy"},
    {Behaviour::ThompsonSampling, "thompson-sampling"},
    {Behaviour::AverageCombiner, "average-combiner"},
}};
}  // namespace

std::string_view to_string(Behaviour behaviour) {
    for (const auto& [b, name] : kBehaviourNames) {
        if (b == behaviour) return name;
    }
    return "echo";
}

std::optional<Behaviour> parse_behaviour(std::string_view text) {
    for (const auto& [b, name] : kBehaviourNames) {
        if (name == text) return b;
    }
    return std::nullopt;
}

std::string_view to_string(Arrivals arrivals) {
    return arrivals == Arrivals::Poisson ? "poisson" : "uniform";
}

std::string_view to_string(PayloadEncoding encoding) {
    return encoding == PayloadEncoding::Ndarray ? "ndarray" : "strData";
}

std::string_view to_string(Ingress ingress) {
    switch (ingress) {
        case Ingress::Istio:
            return "istio";
        case Ingress::Ambassador:
            return "ambassador";
        case Ingress::None:
            break;
    }
    return "none";
}

std::string NodeGroup::node_name(int ordinal) const {
    return name_prefix + std::to_string(ordinal);
}

const ImageRule* find_image_rule(const std::vector<ImageRule>& rules, std::string_view image) {
    for (const ImageRule& rule : rules) {
        if (glob_match(rule.pattern, image)) return &rule;
    }
    return nullptr;
}

ImageTimings effective_timings(const ImageRule* rule) {
    ImageTimings t = kDefaultImageTimings;
    if (!rule) return t;
    t.pull_time = rule->pull_time.value_or(t.pull_time);
    t.startup_time = rule->startup_time.value_or(t.startup_time);
    t.service_time = rule->service_time.value_or(t.service_time);
    t.cpu_per_request = rule->cpu_per_request.value_or(t.cpu_per_request);
    t.concurrency = rule->concurrency.value_or(t.concurrency);
    return t;
}

const ModelFile* find_model(const std::vector<ModelFile>& models, std::string_view model_uri) {
    for (const ModelFile& m : models) {
        if (m.model_uri == model_uri) return &m;
    }
    return nullptr;
}

const std::vector<MetricInfo>& known_metrics() {
    // Request metrics can be narrowed to one traffic source or one predictor.
    static const std::vector<MetricInfo> kMetrics{
        {"requests_total", {"source", "predictor"}},
        {"responses_total", {"source", "predictor"}},
        {"errors_total", {"source", "predictor"}},
        {"error_rate", {"source", "predictor"}},
        {"requests_lost", {"source", "predictor"}},
        {"latency_p50_ms", {"source", "predictor"}},
        {"latency_p90_ms", {"source", "predictor"}},
        {"latency_p99_ms", {"source", "predictor"}},
        {"traffic_share", {"source", "predictor"}},
        {"rewards_total", {"source", "predictor"}},
        {"reward_rate", {"source", "predictor"}},
        {"replicas", {"namespace", "deployment"}},
        {"ready_replicas", {"namespace", "deployment"}},
        {"hpa_desired_replicas", {"namespace", "hpa"}},
        {"pod_restarts", {"namespace", "pod", "selector"}},
    };
    return kMetrics;
}

std::string format_short_duration(Nanos d) {
    std::string text = sim::kernel::format_duration(d);
    // Go renders whole minutes and hours with zero lower units ("3m0s", "1h0m0s").
    for (const std::string_view zero : {"0s", "0m"}) {
        const bool has_higher_unit =
            text.size() > zero.size() &&
            std::isalpha(static_cast<unsigned char>(text[text.size() - zero.size() - 1])) != 0;
        if (text.ends_with(zero) && has_higher_unit) text.resize(text.size() - zero.size());
    }
    return text;
}

namespace {

std::string format_number(double value) {
    std::ostringstream out;
    out.imbue(std::locale::classic());
    out << std::setprecision(15) << value;
    return out.str();
}

std::string window_text(Nanos from, Nanos to) {
    return "[" + format_short_duration(from) + ", " + format_short_duration(to) + "]";
}

}  // namespace

std::string describe(const When& when) {
    if (const auto* at = std::get_if<AtTime>(&when)) return "at " + format_short_duration(at->at);
    if (const auto* by = std::get_if<ByTime>(&when)) return "by " + format_short_duration(by->by);
    if (const auto* during = std::get_if<DuringWindow>(&when)) {
        return "during " + window_text(during->from, during->to);
    }
    const auto& window = std::get<MetricWindow>(when);
    return "window " + window_text(window.from, window.to);
}

std::string describe(const Subject& subject) {
    if (const auto* object = std::get_if<ObjectFieldSubject>(&subject)) {
        return format_object_ref(object->object) + " " + object->field.text;
    }
    if (const auto* count = std::get_if<CountSubject>(&subject)) {
        std::string text = "count " + count->kind;
        if (!count->namespace_.empty()) text += " in " + count->namespace_;
        if (!count->selector.empty()) text += " matching " + count->selector;
        if (!count->field_selector.empty()) text += " with " + count->field_selector;
        return text;
    }
    if (const auto* metric = std::get_if<MetricSubject>(&subject)) {
        std::string text = "metric " + metric->name;
        if (metric->labels.empty()) return text;
        text += "{";
        for (std::size_t i = 0; i < metric->labels.size(); ++i) {
            if (i > 0) text += ",";
            text += metric->labels[i].first + "=" + metric->labels[i].second;
        }
        return text + "}";
    }
    const auto& event = std::get<EventSubject>(subject);
    std::string text = "events";
    if (event.reason) text += " " + *event.reason;
    if (event.object) text += " on " + format_object_ref(*event.object);
    if (event.message) text += " matching /" + event.message->pattern + "/";
    return text;
}

std::string describe(const Comparison& comparison) {
    if (const auto* equals = std::get_if<EqualsComparison>(&comparison)) {
        return "equals " + equals->json;
    }
    if (const auto* at_least = std::get_if<AtLeastComparison>(&comparison)) {
        return "atLeast " + format_number(at_least->value);
    }
    if (const auto* at_most = std::get_if<AtMostComparison>(&comparison)) {
        return "atMost " + format_number(at_most->value);
    }
    if (const auto* between = std::get_if<BetweenComparison>(&comparison)) {
        return "between [" + format_number(between->lo) + ", " + format_number(between->hi) + "]";
    }
    return "matches /" + std::get<MatchesComparison>(comparison).regex.pattern + "/";
}

}  // namespace sim::scenario
