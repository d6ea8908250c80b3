#pragma once
// The project's JSON value: nlohmann::basic_json whose objects are std::maps ordered by a key
// comparison that is inlined.
//
// nlohmann::json orders an object's members with std::less<>, which compares std::strings
// through a call to memcmp for every step down the map's tree. The API server's objects are
// such maps, and looking members up was a third of the instructions of a pod create (a fifth
// in memcmp alone; docs/performance.md). `BytesLess` (byte_order.hpp) gives exactly the same order
// (bytes compared as unsigned char, then the shorter first, as std::string::compare), so every
// dump, trace and hash is unchanged; it compares eight bytes at a time in registers and needs no
// call. Use `sim::Json` everywhere instead of nlohmann::json: the two are different types.

#include <nlohmann/json.hpp>

#include "sim/kernel/json_fwd.hpp"
