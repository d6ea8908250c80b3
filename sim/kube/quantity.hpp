// Kubernetes resource quantities ("500m", "4", "16Gi", "1.5", "2e3"), as in
// k8s.io/apimachinery/pkg/api/resource/quantity.go.
//
// A quantity is held as an exact count of milli-units (int64), the precision the scheduler
// and kubelet work in (Quantity.MilliValue rounds up, as here). Memory "16Gi" is
// 17179869184000 milli-bytes, well inside int64 for every realistic capacity.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sim::kube {

struct Quantity {
    std::int64_t milli = 0;

    std::int64_t value() const { return milli >= 0 ? (milli + 999) / 1000 : milli / 1000; }
    friend auto operator<=>(const Quantity&, const Quantity&) = default;
};

// Parses a quantity; nullopt and a message in `error` for malformed text.
std::optional<Quantity> parse_quantity(std::string_view text, std::string* error = nullptr);

// Canonical-enough rendering: "500m" when not whole, else a whole number with the largest
// binary suffix that divides it exactly when `binary` (memory), decimal otherwise.
std::string format_quantity(Quantity q, bool binary);

}  // namespace sim::kube
