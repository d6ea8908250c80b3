// PATCH bodies (k8s-semantics.md §1.12): JSON merge patch (RFC 7386), JSON patch (RFC 6902)
// and strategic merge patch for built-in kinds with the merge keys of k8s.io/api types.go.
#pragma once

#include <string>
#include <string_view>

#include "sim/kernel/json.hpp"

namespace sim::kube {

enum class PatchType { Merge, Json, Strategic, Apply };

// "application/merge-patch+json" etc.; nullopt-like false when unknown.
bool patch_type_from_content_type(std::string_view content_type, PatchType& out);
std::string content_type_of(PatchType type);

// RFC 7386. `patch` must be an object to merge; a non-object replaces the whole target.
// `target` by value: pass an rvalue to patch it in place.
sim::Json apply_merge_patch(sim::Json target, const sim::Json& patch);
// The same, moving the patch's members into the target instead of copying them.
sim::Json apply_merge_patch(sim::Json target, sim::Json&& patch);

// RFC 6902. Throws ApiError: 400 when the patch is not an array of operations, 422 Invalid
// when an operation cannot be applied (as apiserver/pkg/endpoints/handlers/patch.go does).
sim::Json apply_json_patch(const sim::Json& target, const sim::Json& patch);

// Strategic merge patch for an object of `kind` (a built-in kind). Lists with
// patchStrategy:merge are merged by their patchMergeKey; other lists are replaced. Supports
// `$patch: delete|replace|merge`, `$retainKeys`, `$setElementOrder/<list>` and
// `$deleteFromPrimitiveList/<list>`; a null value deletes the key.
sim::Json apply_strategic_merge_patch(const sim::Json& target, const sim::Json& patch,
                                      std::string_view kind);

// The merge key of the list at `path` (dotted field names, no indices) in `kind`: "name",
// "containerPort", ...; "" when the list is replaced whole; "$primitive" for a merged set.
std::string strategic_merge_key(std::string_view kind, std::string_view path);

}  // namespace sim::kube
