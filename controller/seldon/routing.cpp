#include "controller/seldon/routing.hpp"

#include "controller/seldon/json_util.hpp"
#include "controller/seldon/names.hpp"

namespace sim::controller::seldon {

std::vector<PredictorRoute> routing_table(const Json& sdep) {
    const std::string name = str(at(sdep, "metadata"), "name");
    const Json& predictors = array(at(sdep, "spec"), "predictors");
    std::size_t live = 0;
    for (const Json& p : predictors)
        live += boolean(p, "shadow") ? 0 : 1;
    std::vector<PredictorRoute> routes;
    for (const Json& p : predictors) {
        PredictorRoute r;
        r.predictor = str(p, "name");
        r.service = predictor_service_name(name, r.predictor,
                                           str(at(p, "annotations"), "seldon.io/svc-name"));
        r.shadow = boolean(p, "shadow");
        const int traffic = static_cast<int>(integer(p, "traffic"));
        if (r.shadow)
            r.mirror_percent = traffic > 0 ? traffic : 100;
        else
            r.weight_percent = (live == 1 && traffic == 0) ? 100 : traffic;
        routes.push_back(r);
    }
    return routes;
}

}  // namespace sim::controller::seldon
