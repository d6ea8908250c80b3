#pragma once
// The project's JSON value: nlohmann::basic_json whose objects are JsonMembers
// (json_object_map.hpp), ordered by a key comparison that is inlined.
//
// nlohmann::json keeps an object's members in a std::map ordered by std::less<>, which
// compares std::strings through a call to memcmp for every step down the tree, and spends an
// 80-byte node on every member. The API server's objects are such maps: looking members up was
// a third of the instructions of a pod create (a fifth in memcmp alone), and the nodes most of
// the memory of a 100,000-pod run (docs/performance.md). `BytesLess` (byte_order.hpp) gives
// exactly the same order (bytes compared as unsigned char, then the shorter first, as
// std::string::compare), so every dump, trace and hash is unchanged; it compares eight bytes at
// a time in registers and needs no call. Use `sim::Json` everywhere instead of nlohmann::json:
// the two are different types.

#include <nlohmann/json.hpp>

#include "sim/kernel/json_fwd.hpp"
