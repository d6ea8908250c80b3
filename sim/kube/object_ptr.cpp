#include "sim/kube/object_ptr.hpp"

#include <type_traits>

#include "sim/kernel/json.hpp"

namespace sim::kube {
namespace {

// nlohmann's json_value::destroy never recurses (a hostile document could nest deep enough to
// overflow the stack): it moves every descendant of a container into a heap-allocated vector
// and destroys them from there, two moves per value and the vector's growth on top of the
// frees. An old version of a pod (hundreds of values) goes that way at every write. API
// objects are shallow, so a recursive walk that empties containers from the leaves up leaves
// nlohmann only empty containers and scalars to destroy. Below kMaxDepth the walk stops and
// nlohmann's own teardown takes the rest: the stack stays bounded whatever the input.
constexpr int kMaxDepth = 64;

void empty_from_leaves(sim::Json& value, int depth) {
    if (depth >= kMaxDepth) return;
    if (value.is_object()) {
        auto& members = value.get_ref<sim::Json::object_t&>();
        for (auto& member : members)
            empty_from_leaves(member.second, depth + 1);
        members.clear();
    } else if (value.is_array()) {
        auto& items = value.get_ref<sim::Json::array_t&>();
        for (sim::Json& item : items)
            empty_from_leaves(item, depth + 1);
        items.clear();
    }
}

// std::allocator, except that destroying a Json empties it from the leaves up first. The shared
// object is a (non-const) Json, handed out as const: nothing changes it before its end.
template <class T>
struct TakeApartAllocator {
    using value_type = T;
    TakeApartAllocator() = default;
    template <class U>
    TakeApartAllocator(const TakeApartAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept { std::allocator<T>{}.deallocate(p, n); }
    template <class U>
    void destroy(U* p) noexcept {
        if constexpr (std::is_same_v<U, sim::Json>) empty_from_leaves(*p, 0);
        p->~U();
    }
    template <class U>
    bool operator==(const TakeApartAllocator<U>&) const noexcept {
        return true;
    }
};

}  // namespace

ObjectPtr make_object(sim::Json&& object) {
    return std::allocate_shared<sim::Json>(TakeApartAllocator<sim::Json>{}, std::move(object));
}

}  // namespace sim::kube
