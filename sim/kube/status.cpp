#include "sim/kube/status.hpp"

#include <algorithm>
#include <cstdio>

namespace sim::kube {
namespace {

Json failure(int code, std::string_view reason, std::string_view message) {
    return Json{{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", Json::object()},
                {"status", "Failure"}, {"message", message}, {"reason", reason},
                {"code", code}};
}

// metav1.StatusDetails with `group` omitted when empty (json:"group,omitempty").
Json details(const GroupName& what, std::string_view name) {
    Json d{{"name", name}, {"kind", what.name}};
    if (!what.group.empty()) d["group"] = what.group;
    return d;
}

std::string type_text(FieldError::Type type) {
    switch (type) {
        case FieldError::Type::Required:
            return "Required value";
        case FieldError::Type::Invalid:
            return "Invalid value";
        case FieldError::Type::NotSupported:
            return "Unsupported value";
        case FieldError::Type::Duplicate:
            return "Duplicate value";
        case FieldError::Type::Forbidden:
            return "Forbidden";
        case FieldError::Type::TooLong:
            return "Too long";
        case FieldError::Type::NotFound:
            return "Not found";
    }
    return "Internal error";
}

}  // namespace

std::string FieldError::body() const {
    std::string s = type_text(type);
    const bool shows_value =
        type != Type::Required && type != Type::Forbidden && type != Type::TooLong;
    if (shows_value) s += ": " + (bad_value.empty() ? std::string{"null"} : bad_value);
    if (!detail.empty()) s += ": " + detail;
    return s;
}

std::string FieldError::reason() const {
    switch (type) {
        case Type::Required:
            return "FieldValueRequired";
        case Type::Invalid:
            return "FieldValueInvalid";
        case Type::NotSupported:
            return "FieldValueNotSupported";
        case Type::Duplicate:
            return "FieldValueDuplicate";
        case Type::Forbidden:
            return "FieldValueForbidden";
        case Type::TooLong:
            return "FieldValueTooLong";
        case Type::NotFound:
            return "FieldValueNotFound";
    }
    return "InternalError";
}

FieldError required(std::string field, std::string detail) {
    return {FieldError::Type::Required, std::move(field), {}, std::move(detail)};
}
FieldError invalid(std::string field, std::string bad_value, std::string detail) {
    return {FieldError::Type::Invalid, std::move(field), std::move(bad_value), std::move(detail)};
}
FieldError not_supported(std::string field, std::string bad_value,
                         const std::vector<std::string>& supported) {
    // field.NotSupported: "supported values: \"a\", \"b\""
    std::string detail = "supported values: ";
    for (std::size_t i = 0; i < supported.size(); ++i) {
        if (i) detail += ", ";
        detail += quote_value(supported[i]);
    }
    return {FieldError::Type::NotSupported, std::move(field), std::move(bad_value),
            std::move(detail)};
}
FieldError forbidden(std::string field, std::string detail) {
    return {FieldError::Type::Forbidden, std::move(field), {}, std::move(detail)};
}
FieldError duplicate(std::string field, std::string bad_value) {
    return {FieldError::Type::Duplicate, std::move(field), std::move(bad_value), {}};
}

std::string quote_value(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (u < 0x20 || u == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string render_value(const Json& value) {
    if (value.is_null()) return "null";
    if (value.is_string()) return quote_value(value.get<std::string>());
    return value.dump();
}

ApiError::ApiError(Json status)
    : std::runtime_error(status.value("message", std::string{"unknown error"})),
      status_(std::move(status)) {}

ApiError not_found(const GroupName& resource, std::string_view name) {
    Json s = failure(404, "NotFound",
                     quote_value(name).insert(0, resource.qualified() + " ") + " not found");
    s["details"] = details(resource, name);
    return ApiError(std::move(s));
}

ApiError already_exists(const GroupName& resource, std::string_view name) {
    Json s = failure(409, "AlreadyExists",
                     resource.qualified() + " " + quote_value(name) + " already exists");
    s["details"] = details(resource, name);
    return ApiError(std::move(s));
}

ApiError conflict(const GroupName& resource, std::string_view name, std::string_view detail) {
    // errors.NewConflict: "Operation cannot be fulfilled on %s %q: %v"
    Json s = failure(409, "Conflict",
                     "Operation cannot be fulfilled on " + resource.qualified() + " " +
                         quote_value(name) + ": " + std::string(detail));
    s["details"] = details(resource, name);
    return ApiError(std::move(s));
}

ApiError optimistic_lock_conflict(const GroupName& resource, std::string_view name) {
    // registry/generic/registry/store.go OptimisticLockErrorMsg
    return conflict(resource, name,
                    "the object has been modified; please apply your changes to the latest "
                    "version and try again");
}

ApiError invalid_object(const GroupName& kind, std::string_view name, const FieldErrors& errors) {
    // errors.NewInvalid; the aggregate prints one error bare and several as "[a, b]",
    // dropping repeated messages (utilerrors.NewAggregate / aggregate.Error).
    std::vector<std::string> messages;
    Json causes = Json::array();
    for (const auto& e : errors) {
        causes.push_back(Json{{"reason", e.reason()}, {"message", e.body()}, {"field", e.field}});
        const std::string m = e.message();
        if (std::find(messages.begin(), messages.end(), m) == messages.end()) messages.push_back(m);
    }
    std::string message = kind.qualified() + " " + quote_value(name) + " is invalid";
    if (messages.size() == 1) {
        message += ": " + messages.front();
    } else if (messages.size() > 1) {
        message += ": [";
        for (std::size_t i = 0; i < messages.size(); ++i)
            message += (i ? ", " : "") + messages[i];
        message += "]";
    }
    Json s = failure(422, "Invalid", message);
    s["details"] = details(kind, name);
    s["details"]["causes"] = std::move(causes);
    return ApiError(std::move(s));
}

ApiError bad_request(std::string_view message) {
    return ApiError(failure(400, "BadRequest", message));
}

ApiError method_not_allowed(const GroupName& resource, std::string_view action) {
    Json s = failure(405, "MethodNotAllowed",
                     std::string(action) + " is not supported on resources of kind " +
                         quote_value(resource.qualified()));
    Json d{{"kind", resource.name}};
    if (!resource.group.empty()) d["group"] = resource.group;
    s["details"] = std::move(d);
    return ApiError(std::move(s));
}

ApiError unknown_path() {
    Json s = failure(404, "NotFound", "the server could not find the requested resource");
    s["details"] = Json::object();
    return ApiError(std::move(s));
}

ApiError expired(std::string_view message) {
    return ApiError(failure(410, "Expired", message));
}

ApiError too_old_resource_version(std::uint64_t requested, std::uint64_t oldest_minus_one) {
    return expired("too old resource version: " + std::to_string(requested) + " (" +
                   std::to_string(oldest_minus_one) + ")");
}

ApiError unsupported_media_type(std::string_view content_type,
                                const std::vector<std::string>& accepted) {
    (void)content_type;
    std::string message =
        "the body of the request was in an unknown format - accepted media types include: ";
    for (std::size_t i = 0; i < accepted.size(); ++i)
        message += (i ? ", " : "") + accepted[i];
    return ApiError(failure(415, "UnsupportedMediaType", message));
}

ApiError internal_error(std::string_view message) {
    return ApiError(
        failure(500, "InternalError", "Internal error occurred: " + std::string(message)));
}

Json success_status(const GroupName& resource, std::string_view name, std::string_view uid) {
    Json d = details(resource, name);
    d["uid"] = uid;
    return Json{{"kind", "Status"},
                {"apiVersion", "v1"},
                {"metadata", Json::object()},
                {"status", "Success"},
                {"details", std::move(d)}};
}

}  // namespace sim::kube
