#include "sim/scenario/loader.hpp"

namespace sim::scenario {

std::string format_diagnostic(const Diagnostic& d) {
    std::string out = format_location(d.where);
    if (!d.field.empty()) out += ": " + d.field;
    out += ": " + d.message;
    return out;
}

LoadResult load_scenario_text(const std::string&, const std::filesystem::path& path) {
    LoadResult r;
    r.diagnostics.push_back({{path.string(), 0, 0}, {}, "loader not implemented yet"});
    return r;
}

LoadResult load_scenario(const std::filesystem::path& path) {
    return load_scenario_text({}, path);
}

}  // namespace sim::scenario
