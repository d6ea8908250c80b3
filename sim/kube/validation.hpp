// Per-kind validation (the registry strategies' Validate / ValidateUpdate, reduced to the
// rules the simulator's objects exercise). Each returns field errors; the caller turns them
// into a 422 Invalid Status (status.hpp invalid_object).
#pragma once

#include <string>
#include <string_view>

#include "sim/kernel/json.hpp"
#include "sim/kube/registry.hpp"
#include "sim/kube/status.hpp"

namespace sim::kube {

// ObjectMeta rules: name (or generateName) present and well-formed for the kind, labels and
// annotations keys/values valid.
FieldErrors validate_object_meta(const ResourceInfo& resource, const sim::Json& object);

// Kind-specific rules on create (old == nullptr) or update.
FieldErrors validate_object(const ResourceInfo& resource, const sim::Json& object,
                            const sim::Json* old);

// Name checks (apimachinery/pkg/util/validation): is_* says whether a name is valid; the
// *_error functions return "" when it is, else the message.
bool is_dns1123_subdomain(std::string_view name);
std::string dns1123_subdomain_error(const std::string& name);
std::string dns1123_label_error(const std::string& name);
std::string dns1035_label_error(const std::string& name);

}  // namespace sim::kube
