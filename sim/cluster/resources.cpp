#include "sim/cluster/resources.hpp"

#include <algorithm>
#include <optional>

#include "sim/cluster/json_view.hpp"
#include "sim/kube/quantity.hpp"

namespace sim::cluster {
namespace {

using json = sim::Json;

// A quantity in milli-units from a resources map, or nullopt when absent or unparsable.
std::optional<std::int64_t> quantity_milli(const json& map, const char* name) {
    if (!map.is_object()) return std::nullopt;
    const auto it = map.find(name);
    if (it == map.end()) return std::nullopt;
    if (it->is_number_integer()) return it->get<std::int64_t>() * 1000;
    if (!it->is_string()) return std::nullopt;
    const auto q = kube::parse_quantity(it->get<std::string>());
    if (!q) return std::nullopt;
    return q->milli;
}

std::optional<std::int64_t> request_milli(const json& container, const char* name) {
    const json& resources = object_member(container, "resources");
    if (auto r = quantity_milli(object_member(resources, "requests"), name)) return r;
    return quantity_milli(object_member(resources, "limits"), name);
}

Resources container_requests(const json& container, bool non_zero) {
    const auto cpu = request_milli(container, "cpu");
    const auto memory = request_milli(container, "memory");
    Resources r;
    r.milli_cpu = cpu ? *cpu : (non_zero ? kDefaultMilliCpuRequest : 0);
    // Memory is counted in bytes: milli-bytes rounded up, as Quantity.Value() does.
    r.memory_bytes = memory ? (*memory + 999) / 1000 : (non_zero ? kDefaultMemoryRequest : 0);
    return r;
}

Resources requests(const json& pod, bool non_zero) {
    const json& spec = object_member(pod, "spec");
    Resources sum;
    for (const json& c : array_member(spec, "containers")) {
        const Resources r = container_requests(c, non_zero);
        sum.milli_cpu += r.milli_cpu;
        sum.memory_bytes += r.memory_bytes;
    }
    // Init containers run one at a time before the others: the pod needs the largest of them.
    for (const json& c : array_member(spec, "initContainers")) {
        const Resources r = container_requests(c, non_zero);
        sum.milli_cpu = std::max(sum.milli_cpu, r.milli_cpu);
        sum.memory_bytes = std::max(sum.memory_bytes, r.memory_bytes);
    }
    if (const json& overhead = object_member(spec, "overhead"); overhead.is_object()) {
        sum.milli_cpu += quantity_milli(overhead, "cpu").value_or(0);
        sum.memory_bytes += (quantity_milli(overhead, "memory").value_or(0) + 999) / 1000;
    }
    return sum;
}

}  // namespace

Resources pod_requests(const json& pod) {
    return requests(pod, false);
}
Resources pod_non_zero_requests(const json& pod) {
    return requests(pod, true);
}

Allocatable node_allocatable(const json& node) {
    const json& status = object_member(node, "status");
    const json* map = &object_member(status, "allocatable");
    if (!map->is_object() || map->empty()) map = &object_member(status, "capacity");
    Allocatable a;
    a.milli_cpu = quantity_milli(*map, "cpu").value_or(0);
    a.memory_bytes = (quantity_milli(*map, "memory").value_or(0) + 999) / 1000;
    a.pods = (quantity_milli(*map, "pods").value_or(0) + 999) / 1000;
    return a;
}

}  // namespace sim::cluster
