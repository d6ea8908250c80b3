#include "sim/kube/selectors.hpp"

#include <algorithm>
#include <cctype>

#include "sim/kube/label_syntax.hpp"

namespace sim::kube {
namespace {

using Json = sim::Json;
using Op = LabelRequirement::Op;

// ---- validation of keys and values (apimachinery/pkg/util/validation/validation.go) ----

const char* kNameMsg =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const char* kValueMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  "
    "or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

void validate_key(const std::string& key) {
    const auto slash = key.find('/');
    const std::string_view name = slash == std::string::npos
                                      ? std::string_view(key)
                                      : std::string_view(key).substr(slash + 1);
    if (slash != std::string::npos &&
        !label_syntax::is_dns1123_subdomain(std::string_view(key).substr(0, slash)))
        throw bad_request("key: Invalid value: " + quote_value(key) +
                          ": prefix part a lowercase RFC 1123 subdomain must consist of lower case "
                          "alphanumeric characters, '-' or '.', and must start and end with an "
                          "alphanumeric character");
    if (!label_syntax::is_name_part(name))
        throw bad_request("key: Invalid value: " + quote_value(key) + ": " + kNameMsg);
}

void validate_value(const std::string& value, std::size_t index) {
    if (label_syntax::is_label_value(value)) return;
    throw bad_request("values[" + std::to_string(index) +
                      "][key]: Invalid value: " + quote_value(value) + ": " + kValueMsg);
}

// ---- the label selector lexer (labels/lexer in selector.go) ----

enum class Tok {
    End,
    Identifier,
    Comma,
    OpenPar,
    ClosedPar,
    Equals,
    DoubleEquals,
    NotEquals,
    Not,
    Gt,
    Lt,
    In,
    NotIn
};

struct Token {
    Tok kind;
    std::string text;
};

bool is_special(char c) {
    return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::vector<Token> lex(std::string_view s) {
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (is_space(c)) {
            ++i;
            continue;
        }
        if (is_special(c)) {
            const std::string two(s.substr(i, 2));
            if (two == "==")
                out.push_back({Tok::DoubleEquals, two}), i += 2;
            else if (two == "!=")
                out.push_back({Tok::NotEquals, two}), i += 2;
            else {
                static const std::map<char, Tok> single = {
                    {'=', Tok::Equals}, {'!', Tok::Not}, {'(', Tok::OpenPar}, {')', Tok::ClosedPar},
                    {',', Tok::Comma},  {'>', Tok::Gt},  {'<', Tok::Lt}};
                out.push_back({single.at(c), std::string(1, c)});
                ++i;
            }
            continue;
        }
        std::size_t j = i;
        while (j < s.size() && !is_space(s[j]) && !is_special(s[j]))
            ++j;
        std::string word(s.substr(i, j - i));
        const Tok kind = word == "in" ? Tok::In : word == "notin" ? Tok::NotIn : Tok::Identifier;
        out.push_back({kind, std::move(word)});
        i = j;
    }
    out.push_back({Tok::End, ""});
    return out;
}

class Parser {
  public:
    explicit Parser(std::string_view text) : tokens_(lex(text)) {}

    std::vector<LabelRequirement> parse() {
        std::vector<LabelRequirement> out;
        if (peek().kind == Tok::End) return out;
        while (true) {
            const Token& t = peek();
            if (t.kind != Tok::Identifier && t.kind != Tok::Not && t.kind != Tok::In &&
                t.kind != Tok::NotIn)
                fail(t, "!, identifier, or 'end of string'");
            out.push_back(requirement());
            const Token& after = next();
            if (after.kind == Tok::End) return out;
            if (after.kind != Tok::Comma) fail(after, "',' or 'end of string'");
            if (peek().kind == Tok::End) fail(peek(), "identifier after ','");
        }
    }

  private:
    const Token& peek() const { return tokens_[pos_]; }
    const Token& next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
    [[noreturn]] static void fail(const Token& t, std::string_view expected) {
        throw bad_request("found '" + t.text + "', expected: " + std::string(expected));
    }

    std::string key() {
        const Token& t = next();
        if (t.kind != Tok::Identifier && t.kind != Tok::In && t.kind != Tok::NotIn)
            fail(t, "identifier");
        validate_key(t.text);
        return t.text;
    }

    LabelRequirement requirement() {
        LabelRequirement r;
        if (peek().kind == Tok::Not) {
            next();
            r.key = key();
            r.op = Op::DoesNotExist;
            return r;
        }
        r.key = key();
        const Token& op = peek();
        switch (op.kind) {
            case Tok::End:
            case Tok::Comma:
                r.op = Op::Exists;
                return r;
            case Tok::Equals:
                r.op = Op::Equals;
                break;
            case Tok::DoubleEquals:
                r.op = Op::DoubleEquals;
                break;
            case Tok::NotEquals:
                r.op = Op::NotEquals;
                break;
            case Tok::In:
                r.op = Op::In;
                break;
            case Tok::NotIn:
                r.op = Op::NotIn;
                break;
            case Tok::Gt:
                r.op = Op::GreaterThan;
                break;
            case Tok::Lt:
                r.op = Op::LessThan;
                break;
            default:
                fail(op, "in, notin, =, ==, !=, gt, lt");
        }
        next();
        if (r.op == Op::In || r.op == Op::NotIn) {
            set_values(r);
        } else {
            r.values.push_back(exact_value());
        }
        check(r);
        return r;
    }

    std::string exact_value() {
        const Token& t = peek();
        if (t.kind == Tok::End || t.kind == Tok::Comma) return "";
        if (t.kind != Tok::Identifier && t.kind != Tok::In && t.kind != Tok::NotIn)
            fail(t, "identifier");
        return next().text;
    }

    void set_values(LabelRequirement& r) {
        if (next().kind != Tok::OpenPar) fail(tokens_[pos_ - 1], "'('");
        while (true) {
            const Token& t = next();
            if (t.kind == Tok::ClosedPar) break;
            if (t.kind == Tok::Identifier || t.kind == Tok::In || t.kind == Tok::NotIn) {
                r.values.push_back(t.text);
                const Token& sep = next();
                if (sep.kind == Tok::ClosedPar) break;
                if (sep.kind != Tok::Comma) fail(sep, "',' or ')'");
                continue;
            }
            if (t.kind == Tok::Comma) {  // "(a,,b)" keeps an empty value, like the real parser
                r.values.push_back("");
                continue;
            }
            fail(t, "',', ')' or identifier");
        }
    }

    static void check(LabelRequirement& r) {
        if ((r.op == Op::In || r.op == Op::NotIn) && r.values.empty())
            throw bad_request(
                "values: Invalid value: []string{}: for 'in', 'notin' operators, "
                "values set can't be empty");
        if (r.op == Op::GreaterThan || r.op == Op::LessThan) {
            const std::string& v = r.values.front();
            const bool integer =
                !v.empty() && std::all_of(v.begin() + (v[0] == '-' ? 1 : 0), v.end(), [](char c) {
                    return std::isdigit(static_cast<unsigned char>(c));
                });
            if (!integer || v == "-")
                throw bad_request("values[0]: Invalid value: " + quote_value(v) +
                                  ": for 'Gt', 'Lt' operators, the value must be an integer");
            return;
        }
        for (std::size_t i = 0; i < r.values.size(); ++i)
            validate_value(r.values[i], i);
        std::sort(r.values.begin(), r.values.end());
        r.values.erase(std::unique(r.values.begin(), r.values.end()), r.values.end());
    }

    std::vector<Token> tokens_;
    std::size_t pos_ = 0;
};

std::string join(const std::vector<std::string>& values) {
    std::string out;
    for (std::size_t i = 0; i < values.size(); ++i)
        out += (i ? "," : "") + values[i];
    return out;
}

}  // namespace

bool LabelRequirement::matches(const Labels& labels) const {
    const auto it = labels.find(key);
    return matches_value(it == labels.end() ? nullptr : &it->second);
}

bool LabelRequirement::matches_value(const std::string* value) const {
    const bool has = value != nullptr;
    const auto contains = [&](const std::string& v) {
        return std::find(values.begin(), values.end(), v) != values.end();
    };
    switch (op) {
        case Op::Equals:
        case Op::DoubleEquals:
        case Op::In:
            return has && contains(*value);
        case Op::NotEquals:
        case Op::NotIn:
            return !has || !contains(*value);
        case Op::Exists:
            return has;
        case Op::DoesNotExist:
            return !has;
        case Op::GreaterThan:
        case Op::LessThan: {
            if (!has) return false;
            try {
                std::size_t used = 0;
                const long long have = std::stoll(*value, &used);
                if (used != value->size()) return false;
                const long long want = std::stoll(values.front());
                return op == Op::GreaterThan ? have > want : have < want;
            } catch (const std::exception&) {
                return false;
            }
        }
    }
    return false;
}

std::string LabelRequirement::to_string() const {
    switch (op) {
        case Op::Equals:
            return key + "=" + values.front();
        case Op::DoubleEquals:
            return key + "==" + values.front();
        case Op::NotEquals:
            return key + "!=" + values.front();
        case Op::In:
            return key + " in (" + join(values) + ")";
        case Op::NotIn:
            return key + " notin (" + join(values) + ")";
        case Op::Exists:
            return key;
        case Op::DoesNotExist:
            return "!" + key;
        case Op::GreaterThan:
            return key + ">" + values.front();
        case Op::LessThan:
            return key + "<" + values.front();
    }
    return key;
}

LabelSelector LabelSelector::nothing() {
    LabelSelector s;
    s.nothing_ = true;
    return s;
}

LabelSelector LabelSelector::parse(std::string_view text) {
    LabelSelector s;
    s.requirements_ = Parser(text).parse();
    std::stable_sort(s.requirements_.begin(), s.requirements_.end(),
                     [](const auto& a, const auto& b) { return a.key < b.key; });
    return s;
}

LabelSelector LabelSelector::from_json(const Json& selector) {
    if (selector.is_null()) return nothing();
    if (!selector.is_object()) throw bad_request("label selector must be an object");
    LabelSelector s;
    if (const auto it = selector.find("matchLabels"); it != selector.end() && it->is_object()) {
        for (const auto& [k, v] : it->items()) {
            if (!v.is_string()) throw bad_request("matchLabels values must be strings");
            validate_key(k);
            validate_value(v.get<std::string>(), 0);
            s.requirements_.push_back({k, Op::Equals, {v.get<std::string>()}});
        }
    }
    if (const auto it = selector.find("matchExpressions"); it != selector.end() && it->is_array()) {
        for (const auto& e : *it) {
            LabelRequirement r;
            r.key = e.value("key", "");
            validate_key(r.key);
            const std::string op = e.value("operator", "");
            std::vector<std::string> values;
            if (const auto vs = e.find("values"); vs != e.end() && vs->is_array())
                for (const auto& v : *vs)
                    values.push_back(v.is_string() ? v.get<std::string>() : v.dump());
            if (op == "In" || op == "NotIn") {
                if (values.empty())
                    throw bad_request(
                        "values: Invalid value: []string{}: for 'in', 'notin' operators, "
                        "values set can't be empty");
                r.op = op == "In" ? Op::In : Op::NotIn;
            } else if (op == "Exists" || op == "DoesNotExist") {
                if (!values.empty())
                    throw bad_request("values: Invalid value: " + render_value(Json(values)) +
                                      ": values set must be empty for exists and does not exist");
                r.op = op == "Exists" ? Op::Exists : Op::DoesNotExist;
            } else {
                throw bad_request(quote_value(op) + " is not a valid label selector operator");
            }
            for (std::size_t i = 0; i < values.size(); ++i)
                validate_value(values[i], i);
            std::sort(values.begin(), values.end());
            values.erase(std::unique(values.begin(), values.end()), values.end());
            r.values = std::move(values);
            s.requirements_.push_back(std::move(r));
        }
    }
    std::stable_sort(s.requirements_.begin(), s.requirements_.end(),
                     [](const auto& a, const auto& b) { return a.key < b.key; });
    return s;
}

bool LabelSelector::matches(const Labels& labels) const {
    if (nothing_) return false;
    return std::all_of(requirements_.begin(), requirements_.end(),
                       [&](const auto& r) { return r.matches(labels); });
}

// Looks each requirement's key up in the object's labels: no label map is built (a list by
// selector calls this once per stored object).
bool LabelSelector::matches_object(const Json& object) const {
    if (nothing_) return false;
    if (requirements_.empty()) return true;
    const Json* labels = nullptr;
    if (const auto meta = object.find("metadata"); meta != object.end() && meta->is_object())
        if (const auto l = meta->find("labels"); l != meta->end() && l->is_object()) labels = &*l;
    return std::all_of(requirements_.begin(), requirements_.end(), [&](const auto& r) {
        const std::string* value = nullptr;
        if (labels != nullptr)
            if (const auto v = labels->find(r.key); v != labels->end() && v->is_string())
                value = &v->template get_ref<const std::string&>();
        return r.matches_value(value);
    });
}

std::string LabelSelector::to_string() const {
    std::string out;
    for (std::size_t i = 0; i < requirements_.size(); ++i)
        out += (i ? "," : "") + requirements_[i].to_string();
    return out;
}

// ---- field selectors ----

FieldSelector FieldSelector::parse(std::string_view text) {
    FieldSelector s;
    if (text.empty()) return s;
    // Split on unescaped commas, keeping escapes for the second pass.
    std::vector<std::string> terms(1);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) {
            terms.back() += text.substr(i, 2);
            ++i;
        } else if (text[i] == ',') {
            terms.emplace_back();
        } else {
            terms.back() += text[i];
        }
    }
    for (const auto& term : terms) {
        // The first unescaped operator: "!=", "==" or "=" (fields/selector.go splitTerm).
        std::size_t at = std::string::npos;
        std::size_t width = 0;
        bool equals = true;
        for (std::size_t i = 0; i < term.size(); ++i) {
            if (term[i] == '\\') {
                ++i;
                continue;
            }
            if (term.compare(i, 2, "!=") == 0)
                at = i, width = 2, equals = false;
            else if (term.compare(i, 2, "==") == 0)
                at = i, width = 2;
            else if (term[i] == '=')
                at = i, width = 1;
            if (at != std::string::npos) break;
        }
        if (at == std::string::npos)
            throw bad_request("invalid selector: '" + std::string(text) + "'; can't understand '" +
                              term + "'");
        const auto unescape = [&](std::string_view v) {
            std::string out;
            for (std::size_t i = 0; i < v.size(); ++i) {
                if (v[i] == '\\' && i + 1 < v.size()) {
                    const char n = v[i + 1];
                    if (n != '\\' && n != ',' && n != '=')
                        throw bad_request("invalid field selector: invalid escape sequence: \\" +
                                          std::string(1, n));
                    out += n;
                    ++i;
                } else {
                    out += v[i];
                }
            }
            return out;
        };
        s.requirements_.push_back(
            {term.substr(0, at), equals, unescape(std::string_view(term).substr(at + width))});
    }
    return s;
}

void FieldSelector::check_supported(const ResourceInfo& resource) const {
    for (const auto& r : requirements_) {
        if (r.field == "metadata.name" || r.field == "metadata.namespace") continue;
        const auto& labels = resource.field_labels;
        if (std::find(labels.begin(), labels.end(), r.field) == labels.end())
            throw bad_request("field label not supported: " + r.field);
    }
}

namespace {

// Where a dotted field path ("spec.nodeName") leads: its value, nothing (a member is absent:
// value null), or a dead end (a step that is not an object). Steps are looked up by
// string_view: no string is built.
struct FieldAt {
    const Json* value = nullptr;
    bool dead_end = false;
};
FieldAt field_at(const Json& object, std::string_view field) {
    const Json* at = &object;
    std::size_t start = 0;
    while (start <= field.size()) {
        const auto dot = field.find('.', start);
        const std::string_view part = field.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (!at->is_object()) return {nullptr, true};
        const auto it = at->find(part);
        if (it == at->end()) return {};
        at = &*it;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return {at, false};
}

bool is_alias(std::string_view field) {
    return field == "source" || field == "status.podIPs";
}

}  // namespace

bool FieldSelector::matches(const Json& object) const {
    return std::all_of(requirements_.begin(), requirements_.end(), [&](const auto& r) {
        // A string value (the common case: spec.nodeName, metadata.name) compares in place;
        // anything else as selectable_field_value renders it.
        if (!is_alias(r.field)) {
            const FieldAt at = field_at(object, r.field);
            if (at.value != nullptr && at.value->is_string())
                return (at.value->template get_ref<const std::string&>() == r.value) == r.equals;
        }
        return (selectable_field_value(object, r.field) == r.value) == r.equals;
    });
}

std::string selectable_field_value(const Json& object, std::string_view field) {
    if (field == "source") return selectable_field_value(object, "source.component");
    if (field == "status.podIPs") return selectable_field_value(object, "status.podIP");
    const FieldAt at = field_at(object, field);
    if (at.dead_end) return "";
    if (at.value == nullptr || at.value->is_null()) {
        // Booleans that default to false select as "false" (conversion.go uses the typed value).
        if (field == "spec.hostNetwork" || field == "spec.unschedulable") return "false";
        if (field == "status.replicas") return "0";
        return "";
    }
    if (at.value->is_string()) return at.value->get<std::string>();
    if (at.value->is_boolean()) return at.value->get<bool>() ? "true" : "false";
    return at.value->dump();
}

Labels object_labels(const Json& object) {
    Labels out;
    const auto meta = object.find("metadata");
    if (meta == object.end() || !meta->is_object()) return out;
    const auto labels = meta->find("labels");
    if (labels == meta->end() || !labels->is_object()) return out;
    for (const auto& [k, v] : labels->items())
        if (v.is_string()) out[k] = v.get<std::string>();
    return out;
}

}  // namespace sim::kube
