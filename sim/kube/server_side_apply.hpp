// Server-side apply (k8s-semantics.md §2.6): PATCH with application/apply-patch+yaml and a
// fieldManager. The server keeps who owns which field in metadata.managedFields (FieldsV1
// tries: "f:<field>", "k:<merge key JSON>" for items of keyed lists, "v:<value>" for sets,
// "." for a list item itself) and:
//  * merges the applied configuration into the live object (strategic merge keys for
//    built-ins; for custom resources every list is atomic, as in a CRD without list-type
//    markers);
//  * refuses, with 409 and structured-merge-diff's message, to change a field another
//    manager owns to a different value, unless force=true, which takes the field over;
//  * removes fields the same manager applied before and now omits, when nobody else owns
//    them;
//  * records the manager's entry (operation Apply) with the applied field set.
// Ordinary writes (PUT, PATCH) through the HTTP face to an object that already has
// managedFields record an Update entry for their fieldManager: the fields they changed become
// theirs and leave the other sets, so a later apply of another value conflicts with them.
// Approximations: writes to objects without managedFields, creates and the in-process
// controllers' writes record nothing (no trace changes for runs that never apply), and maps
// are always granular (no atomic structs).
#pragma once

#include <string>

#include "sim/kernel/json.hpp"

namespace sim::kube {

struct ApplyOptions {
    std::string field_manager = "unknown";
    bool force = false;
};

struct ApplyContext {
    std::string kind;
    bool strategic = false;   // a built-in kind: lists merge by their strategic merge keys
    std::string api_version;  // of the request ("apps/v1"), recorded in the entry
    std::string now_rfc3339;
};

// The manager of an ordinary write: the fieldManager parameter and the subresource written.
struct UpdateManager {
    std::string name;
    std::string subresource;
};

// Records an ordinary write of `old` into `next` in next's managedFields (nothing when it has
// none).
void record_update(sim::Json& next, const sim::Json& old, const UpdateManager& manager,
                   const ApplyContext& context);

// The FieldsV1 trie of the fields an applied configuration sets (identity and server-managed
// metadata left out).
sim::Json applied_fields(const sim::Json& config, const ApplyContext& context);

// The object the apply makes of `live` (nullptr: the object does not exist yet), with its
// managedFields updated. Throws ApiError 409 on conflicts without force.
sim::Json server_side_apply(const sim::Json* live, const sim::Json& config,
                            const ApplyOptions& options, const ApplyContext& context);

}  // namespace sim::kube
