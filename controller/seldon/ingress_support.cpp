#include "controller/seldon/ingress_support.hpp"

#include <charconv>

#include "controller/seldon/json_util.hpp"
#include "controller/seldon/objects.hpp"

namespace sim::controller::seldon {

std::string sdep_annotation(const Json& sdep, const std::string& key, const std::string& fallback) {
    for (const Json* source :
         {&at(at(sdep, "spec"), "annotations"), &at(at(sdep, "metadata"), "annotations")})
        if (at(*source, key).is_string()) return str(*source, key);
    return fallback;
}

int atoi_or_throw(const std::string& text) {
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
        throw OperatorError("strconv.Atoi: parsing \"" + text + "\": invalid syntax");
    return value;
}

std::int64_t predictor_service_port(const std::vector<Json>& services, const std::string& service,
                                    std::size_t index, std::int64_t fallback) {
    for (const Json& s : services) {
        if (str(at(s, "metadata"), "name") != service) continue;
        const Json& ports = array(at(s, "spec"), "ports");
        return index < ports.size() ? integer(ports[index], "port") : 0;
    }
    return fallback;
}

}  // namespace sim::controller::seldon
