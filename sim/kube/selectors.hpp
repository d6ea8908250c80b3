// Label and field selectors (k8s.io/apimachinery/pkg/labels/selector.go,
// k8s.io/apimachinery/pkg/fields/selector.go; k8s-semantics.md §1.11).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/kernel/json.hpp"
#include "sim/kube/registry.hpp"
#include "sim/kube/status.hpp"

namespace sim::kube {

using Labels = std::map<std::string, std::string>;

struct LabelRequirement {
    enum class Op {
        Equals,
        DoubleEquals,
        NotEquals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
        GreaterThan,
        LessThan
    };
    std::string key;
    Op op = Op::Exists;
    std::vector<std::string> values;  // sorted for In/NotIn

    bool matches(const Labels& labels) const;
    // The same for one label's value (nullptr: the object has no such label).
    bool matches_value(const std::string* value) const;
    std::string to_string() const;
};

class LabelSelector {
  public:
    // Matches everything.
    LabelSelector() = default;
    // Matches nothing (a nil metav1.LabelSelector).
    static LabelSelector nothing();
    // Parses the string form; throws ApiError 400 BadRequest with labels.Parse's message.
    static LabelSelector parse(std::string_view text);
    // metav1.LabelSelector (matchLabels + matchExpressions); null matches nothing, {} all.
    // Throws ApiError 400 on an unknown operator or malformed values.
    static LabelSelector from_json(const sim::Json& selector);

    bool matches(const Labels& labels) const;
    bool matches_object(const sim::Json& object) const;
    bool empty() const { return !nothing_ && requirements_.empty(); }
    bool is_nothing() const { return nothing_; }
    // Requirements sorted by key, joined by "," (labels.internalSelector.String()).
    std::string to_string() const;
    const std::vector<LabelRequirement>& requirements() const { return requirements_; }

  private:
    std::vector<LabelRequirement> requirements_;
    bool nothing_ = false;
};

struct FieldRequirement {
    std::string field;
    bool equals = true;  // "=" or "=="; false for "!="
    std::string value;
};

class FieldSelector {
  public:
    FieldSelector() = default;
    // Parses "a=b,c!=d" with backslash escapes; 400 `invalid selector: ...` when malformed.
    static FieldSelector parse(std::string_view text);
    // Checks every field is supported by `resource` (metadata.name, metadata.namespace plus
    // the per-kind labels); 400 `field label not supported: <f>` otherwise.
    void check_supported(const ResourceInfo& resource) const;
    bool matches(const sim::Json& object) const;
    bool empty() const { return requirements_.empty(); }
    const std::vector<FieldRequirement>& requirements() const { return requirements_; }

  private:
    std::vector<FieldRequirement> requirements_;
};

// The value a field selector compares for `field` of `object` (numbers and booleans as text,
// absent as ""; Event `source` is source.component).
std::string selectable_field_value(const sim::Json& object, std::string_view field);

// metadata.labels of an object as a map (absent or null: empty).
Labels object_labels(const sim::Json& object);

}  // namespace sim::kube
