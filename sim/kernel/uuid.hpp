// Random (version 4) UUIDs from a seeded stream: what Kubernetes writes as metadata.uid and
// what Seldon's executor writes as a request's Seldon-Puid, made deterministic.
#pragma once

#include <string>

#include "sim/kernel/random.hpp"

namespace sim::kernel {

// RFC 4122 §4.4: 122 random bits from two draws of `random`, the version nibble 4 and the
// variant bits 10, as "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" in lower-case hex.
std::string uuid_v4(Random& random);

}  // namespace sim::kernel
