// The usual helper for std::visit with one lambda per alternative.
#pragma once

namespace sim::kernel {

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace sim::kernel
