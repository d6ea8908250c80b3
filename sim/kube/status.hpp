// Kubernetes API errors as real metav1.Status bodies
// (k8s.io/apimachinery/pkg/api/errors/errors.go, .../util/validation/field/errors.go).
//
// An ApiError carries the exact JSON body and HTTP code the real API server would answer
// with, so the later HTTP face can write it out unchanged and kubectl prints
// `Error from server (<reason>): <message>`.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "sim/kernel/json.hpp"

namespace sim::kube {

using Json = sim::Json;

// A group and a resource or kind, as schema.GroupResource / schema.GroupKind.
struct GroupName {
    std::string group;
    std::string name;  // the plural resource ("deployments") or the Kind ("Deployment")
    // GroupResource.String(): "deployments.apps", or "pods" for the core group.
    std::string qualified() const { return group.empty() ? name : name + "." + group; }
};

// One field.Error; `bad_value` is already rendered the way Go's ErrorBody renders it
// (strings quoted with %q, numbers bare): use quote_value()/number_value() to build it.
struct FieldError {
    enum class Type { Required, Invalid, NotSupported, Duplicate, Forbidden, TooLong, NotFound };
    Type type = Type::Invalid;
    std::string field;      // "spec.replicas"
    std::string bad_value;  // rendered; ignored for Required, Forbidden and TooLong
    std::string detail;     // "must be greater than or equal to 0"

    // "Invalid value: -1: must be greater than or equal to 0"
    std::string body() const;
    // "spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    std::string message() const { return field + ": " + body(); }
    // metav1.CauseType: "FieldValueInvalid", ...
    std::string reason() const;
};

using FieldErrors = std::vector<FieldError>;

FieldError required(std::string field, std::string detail = {});
FieldError invalid(std::string field, std::string bad_value, std::string detail);
FieldError not_supported(std::string field, std::string bad_value,
                         const std::vector<std::string>& supported);
FieldError forbidden(std::string field, std::string detail);
FieldError duplicate(std::string field, std::string bad_value);

// Go's %q for a plain string: "\"web\"" (escapes quotes, backslashes and control bytes).
std::string quote_value(std::string_view text);
// A JSON value rendered as ErrorBody would render the Go value it decodes to.
std::string render_value(const Json& value);

class ApiError : public std::runtime_error {
  public:
    explicit ApiError(Json status);
    const Json& status() const { return status_; }
    int code() const { return status_.value("code", 500); }
    std::string reason() const { return status_.value("reason", std::string{}); }
    std::string message() const { return status_.value("message", std::string{}); }

  private:
    Json status_;
};

// The errors of k8s-semantics.md §1.4, with their exact messages.
ApiError not_found(const GroupName& resource, std::string_view name);
ApiError already_exists(const GroupName& resource, std::string_view name);
ApiError conflict(const GroupName& resource, std::string_view name, std::string_view detail);
ApiError optimistic_lock_conflict(const GroupName& resource, std::string_view name);
ApiError invalid_object(const GroupName& kind, std::string_view name, const FieldErrors& errors);
ApiError bad_request(std::string_view message);
ApiError method_not_allowed(const GroupName& resource, std::string_view action);
ApiError unknown_path();
ApiError expired(std::string_view message);
ApiError too_old_resource_version(std::uint64_t requested, std::uint64_t oldest_minus_one);
ApiError unsupported_media_type(std::string_view content_type,
                                const std::vector<std::string>& accepted);
ApiError internal_error(std::string_view message);

// {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{...}}
Json success_status(const GroupName& resource, std::string_view name, std::string_view uid);

// Either a value or the API error that prevented it, like client-go's (obj, err).
template <class T>
class Result {
  public:
    Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
    Result(ApiError error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    const T& value() const& { return check(), std::get<0>(v_); }
    T& value() & { return check(), std::get<0>(v_); }
    T&& value() && { return check(), std::get<0>(std::move(v_)); }
    const T& operator*() const& { return value(); }
    const T* operator->() const { return &value(); }
    const ApiError& error() const { return std::get<1>(v_); }
    int code() const { return ok() ? 200 : error().code(); }
    bool is_not_found() const { return !ok() && error().reason() == "NotFound"; }
    bool is_conflict() const { return !ok() && error().reason() == "Conflict"; }
    bool is_already_exists() const { return !ok() && error().reason() == "AlreadyExists"; }

  private:
    void check() const {
        if (!ok()) throw std::get<1>(v_);
    }
    std::variant<T, ApiError> v_;
};

}  // namespace sim::kube
