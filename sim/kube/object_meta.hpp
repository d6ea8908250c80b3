// Small typed helpers over unstructured objects' metadata (what client-go's
// metav1.Object accessors and metav1.NewControllerRef give a controller).
#pragma once

#include <optional>
#include <string>

#include "sim/kernel/json.hpp"
#include "sim/kube/selectors.hpp"

namespace sim::kube::meta {

using Json = sim::Json;

std::string name(const Json& object);
std::string namespace_of(const Json& object);
std::string uid(const Json& object);
std::string resource_version(const Json& object);
std::int64_t generation(const Json& object);
bool is_being_deleted(const Json& object);

Labels labels(const Json& object);
void set_label(Json& object, const std::string& key, const std::string& value);
std::optional<std::string> annotation(const Json& object, const std::string& key);
void set_annotation(Json& object, const std::string& key, const std::string& value);

bool has_finalizer(const Json& object, const std::string& finalizer);
void add_finalizer(Json& object, const std::string& finalizer);
void remove_finalizer(Json& object, const std::string& finalizer);

// {"apiVersion","kind","name","uid","controller":true,"blockOwnerDeletion":true}
Json controller_ref(const Json& owner);
// The ownerReference with controller:true, if any.
std::optional<Json> controller_of(const Json& object);
bool is_controlled_by(const Json& object, const Json& owner);
void add_owner_reference(Json& object, const Json& reference);

// cache.MetaNamespaceKeyFunc: "ns/name", or "name" for cluster-scoped objects.
std::string key_of(const Json& object);
// Splits a key back into {namespace, name}.
std::pair<std::string, std::string> split_key(const std::string& key);

}  // namespace sim::kube::meta
