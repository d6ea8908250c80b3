// Built-in components, selected by name (the graph node's implementation in the cluster layer):
//   sentiment-model    the reference project's SentimentClassifier (src/seldon_model.py)
//   sklearn-server     Seldon's SKLEARN_SERVER over a sentiment model file
//   echo               returns its input
//   random-abtest      routes to child 0 with probability ratioA, else child 1
//   epsilon-greedy     components/routers/epsilon-greedy/EpsilonGreedy.py
//   thompson-sampling  components/routers/thompson-sampling/ThompsonSampling.py
//   average-combiner   element-wise mean of its children's outputs
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "components/component.hpp"
#include "components/model/model.hpp"
#include "sim/kernel/random.hpp"

namespace components {

struct ComponentContext {
    // The node's own named random stream (routers draw from it); owned by the caller.
    sim::kernel::Random* random = nullptr;
    // Loads (and may cache/share) a model by URI or path; throws on failure.
    std::function<std::shared_ptr<const model::SentimentModel>(const std::string& uri)> load_model;
    std::string default_model_uri;  // used when no `model_uri`/`model` parameter is given
};

const std::vector<std::string_view>& builtin_component_names();
bool is_builtin_component(std::string_view name);

// Throws MicroserviceError (MICROSERVICE_BAD_PARAMETER) for bad or missing parameters and
// std::invalid_argument for an unknown name.
std::unique_ptr<Component> make_builtin_component(std::string_view name,
                                                  const Parameters& parameters,
                                                  const ComponentContext& context);

// Beta(a, b) from Gamma draws (Marsaglia & Tsang, 2000), using only the stream's uniform and
// normal draws; for routers and tests.
double sample_beta(sim::kernel::Random& random, double a, double b);

}  // namespace components
