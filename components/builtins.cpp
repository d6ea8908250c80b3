#include "components/builtins.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "components/model/predictor.hpp"
#include "sim/kernel/det_math.hpp"

namespace components {
namespace {

using protocol::MicroserviceError;
using protocol::SeldonMessage;
using sim::kernel::Random;

Random& stream_of(const ComponentContext& context, std::string_view component) {
    if (context.random == nullptr) {
        throw std::invalid_argument(std::string(component) + " needs a random stream");
    }
    return *context.random;
}

std::shared_ptr<const model::SentimentModel> load(const Parameters& p, const ComponentContext& c,
                                                  std::string_view parameter) {
    const std::string uri = p.get_string(parameter, c.default_model_uri);
    if (uri.empty()) {
        throw MicroserviceError("no model: set parameter " + std::string(parameter),
                                protocol::kBadParameter);
    }
    if (!c.load_model) throw std::invalid_argument("no model loader configured");
    return c.load_model(uri);
}

// Texts from a request as the reference wrapper normalises them (src/seldon_model.py):
// a 2-D ndarray with one column is flattened, a 1-D array is a list of texts, a list of
// lists gives the first element of each; strData is one text.
std::vector<std::string> texts_of(const ComponentInput& in) {
    if (in.payload == SeldonMessage::Payload::kStrData) return {in.str_data};
    if (in.payload != SeldonMessage::Payload::kData) {
        throw std::runtime_error(
            "expected ndarray texts, got a " +
            std::string(in.payload == SeldonMessage::Payload::kJsonData ? "jsonData" : "binData") +
            " payload");
    }
    std::vector<std::string> texts;
    for (const Json& row : in.array.values) {
        const Json& cell = row.is_array() ? (row.empty() ? row : row.front()) : row;
        if (!cell.is_string()) {
            throw std::runtime_error("'" + std::string(cell.type_name()) +
                                     "' object has no attribute 'lower'");
        }
        texts.push_back(cell.get<std::string>());
    }
    return texts;
}

// ---- sentiment-model ----------------------------------------------------------------------

class SentimentModelComponent final : public Component {
  public:
    SentimentModelComponent(const Parameters& p, const ComponentContext& c)
        : predictor_(load(p, c, p.has("model_uri") ? "model_uri" : "model")),
          method_(p.get_string("method", "predict")),
          emit_metrics_(p.get_bool("metrics", false)) {
        if (method_ != "predict" && method_ != "predict_proba") {
            throw MicroserviceError(
                "parameter method must be predict or predict_proba, not \"" + method_ + "\"",
                protocol::kBadParameter);
        }
        probabilities_.resize(predictor_.class_count());
    }

    std::optional<ComponentOutput> predict(const ComponentInput& in) override {
        const std::vector<std::string> texts = texts_of(in);
        Json out = Json::array();
        for (const std::string& text : texts) {
            const std::size_t label = predictor_.predict_proba(text, probabilities_);
            if (method_ == "predict") {
                out.push_back(predictor_.model().classes[label]);
            } else {
                out.push_back(probabilities_);
            }
        }
        last_texts_ = texts.size();
        return ComponentOutput::of_array(std::move(out));
    }

    std::vector<protocol::Metric> metrics() override {
        if (!emit_metrics_) return {};
        return {{"sentiment_texts_total",
                 protocol::MetricType::kCounter,
                 static_cast<double>(last_texts_),
                 {}}};
    }

  private:
    model::SentimentPredictor predictor_;
    std::string method_;
    bool emit_metrics_;
    std::vector<double> probabilities_;
    std::size_t last_texts_ = 0;
};

// ---- sklearn-server -----------------------------------------------------------------------
// servers/sklearnserver/sklearnserver/SKLearnServer.py: method predict_proba (default),
// decision_function or predict; the pipeline gets X as is, so only a 1-D array of strings
// works. Any exception is swallowed and the wrapper answers 400 "Unknown data type returned
// as payload (must be list or np array):None".

class SklearnServerComponent final : public Component {
  public:
    SklearnServerComponent(const Parameters& p, const ComponentContext& c)
        : predictor_(load(p, c, "model_uri")), method_(p.get_string("method", "predict_proba")) {
        probabilities_.resize(predictor_.class_count());
    }

    std::optional<ComponentOutput> predict(const ComponentInput& in) override {
        if (in.payload != SeldonMessage::Payload::kData || in.array.shape.size() != 1 ||
            (!in.array.values.empty() && in.array.numeric)) {
            throw MicroserviceError(
                "Unknown data type returned as payload (must be list or np array):None");
        }
        Json out = Json::array();
        for (const Json& cell : in.array.values) {
            if (!cell.is_string()) {
                throw MicroserviceError(
                    "Unknown data type returned as payload (must be list or np array):None");
            }
            const std::size_t label =
                predictor_.predict_proba(cell.get<std::string>(), probabilities_);
            if (method_ == "predict_proba") {
                out.push_back(probabilities_);
            } else if (method_ == "decision_function") {
                const auto scores = predictor_.last_scores();
                if (scores.size() == 1) {
                    out.push_back(scores[0]);  // binary: decision_function is 1-D
                } else {
                    out.push_back(Json(std::vector<double>(scores.begin(), scores.end())));
                }
            } else {
                out.push_back(predictor_.model().classes[label]);
            }
        }
        return ComponentOutput::of_array(std::move(out));
    }

  private:
    model::SentimentPredictor predictor_;
    std::string method_;
    std::vector<double> probabilities_;
};

// ---- echo ---------------------------------------------------------------------------------

class EchoComponent final : public Component {
  public:
    std::optional<ComponentOutput> predict(const ComponentInput& in) override {
        return echo_of(in);
    }
};

// ---- routers ------------------------------------------------------------------------------

class RandomAbTest final : public Component {
  public:
    RandomAbTest(const Parameters& p, const ComponentContext& c)
        : random_(stream_of(c, "random-abtest")), ratio_a_(p.get_double("ratioA", 0.5)) {
        if (!(ratio_a_ >= 0.0 && ratio_a_ <= 1.0)) {
            throw MicroserviceError("parameter ratioA must be in [0, 1]", protocol::kBadParameter);
        }
    }
    std::optional<int> route(const ComponentInput&) override {
        return random_.uniform01() < ratio_a_ ? 0 : 1;
    }

  private:
    Random& random_;
    double ratio_a_;
};

std::size_t branch_count(const Parameters& p) {
    if (!p.has("n_branches")) {
        throw MicroserviceError("parameter n_branches is required", protocol::kBadParameter);
    }
    const std::int64_t n = p.get_int("n_branches", 0);
    if (n <= 0 || n > 1'000'000) {
        throw MicroserviceError("parameter n_branches must be > 0", protocol::kBadParameter);
    }
    return static_cast<std::size_t>(n);
}

// Rows in the request, the `n_predictions` of the routers' send_feedback.
std::size_t rows_of(const ComponentInput& in) {
    if (in.payload != SeldonMessage::Payload::kData || in.array.shape.empty()) return 1;
    return in.array.shape[0];
}

int routed_branch(std::optional<int> routing, std::size_t n) {
    if (!routing || *routing < 0 || static_cast<std::size_t>(*routing) >= n) {
        throw MicroserviceError(
            "feedback without a valid routing for this router "
            "(response.meta.routing)");
    }
    return *routing;
}

class EpsilonGreedy final : public Component {
  public:
    EpsilonGreedy(const Parameters& p, const ComponentContext& c)
        : random_(stream_of(c, "epsilon-greedy")),
          n_(branch_count(p)),
          epsilon_(p.get_double("epsilon", 0.1)),
          values_(n_, 0.0),
          successes_(n_, 0),
          tries_(n_, 0) {
        if (!(epsilon_ >= 0.0 && epsilon_ <= 1.0)) {
            throw MicroserviceError("parameter epsilon must be in [0, 1]", protocol::kBadParameter);
        }
        if (p.has("best_branch")) {
            const std::int64_t best = p.get_int("best_branch", 0);
            if (best < 0 || static_cast<std::size_t>(best) >= n_) {
                throw MicroserviceError("parameter best_branch out of range",
                                        protocol::kBadParameter);
            }
            best_ = static_cast<std::size_t>(best);
        } else {
            best_ = static_cast<std::size_t>(random_.below(n_));
        }
    }

    std::optional<int> route(const ComponentInput&) override {
        const double x = random_.uniform01();
        if (x > epsilon_ || n_ == 1) return static_cast<int>(best_);
        // A uniform choice among the other branches.
        std::size_t other = static_cast<std::size_t>(random_.below(n_ - 1));
        if (other >= best_) ++other;
        return static_cast<int>(other);
    }

    bool send_feedback(const ComponentInput& request, double reward, const ComponentInput*,
                       std::optional<int> routing) override {
        const auto branch = static_cast<std::size_t>(routed_branch(routing, n_));
        const std::size_t rows = rows_of(request);
        const auto success = static_cast<std::int64_t>(reward * static_cast<double>(rows));
        successes_[branch] += success;
        tries_[branch] += static_cast<std::int64_t>(rows);
        values_[branch] =
            static_cast<double>(successes_[branch]) / static_cast<double>(tries_[branch]);
        // Best branch: a uniform choice among the argmax ties.
        const double top = *std::max_element(values_.begin(), values_.end());
        std::vector<std::size_t> ties;
        for (std::size_t i = 0; i < n_; ++i) {
            if (values_[i] == top) ties.push_back(i);
        }
        best_ = ties[static_cast<std::size_t>(random_.below(ties.size()))];
        return true;
    }

    Json tags() override { return Json::object(); }

  private:
    Random& random_;
    std::size_t n_;
    double epsilon_;
    std::size_t best_ = 0;
    std::vector<double> values_;
    std::vector<std::int64_t> successes_;
    std::vector<std::int64_t> tries_;
};

class ThompsonSampling final : public Component {
  public:
    ThompsonSampling(const Parameters& p, const ComponentContext& c)
        : random_(stream_of(c, "thompson-sampling")),
          n_(branch_count(p)),
          alpha_(n_, 1.0),
          beta_(n_, 1.0) {}

    std::optional<int> route(const ComponentInput&) override {
        std::size_t best = 0;
        double best_draw = -1.0;
        for (std::size_t i = 0; i < n_; ++i) {
            const double draw = sample_beta(random_, alpha_[i], beta_[i]);
            if (draw > best_draw) {  // first maximum wins, like np.argmax
                best_draw = draw;
                best = i;
            }
        }
        return static_cast<int>(best);
    }

    bool send_feedback(const ComponentInput& request, double reward, const ComponentInput*,
                       std::optional<int> routing) override {
        const auto branch = static_cast<std::size_t>(routed_branch(routing, n_));
        const std::size_t rows = rows_of(request);
        const auto success = static_cast<std::int64_t>(reward * static_cast<double>(rows));
        const std::int64_t failures = static_cast<std::int64_t>(rows) - success;
        alpha_[branch] += static_cast<double>(success);
        beta_[branch] += static_cast<double>(std::max<std::int64_t>(0, failures));
        return true;
    }

  private:
    Random& random_;
    std::size_t n_;
    std::vector<double> alpha_;
    std::vector<double> beta_;
};

// ---- average-combiner ---------------------------------------------------------------------
// The Java engine's AverageCombinerUnit: element-wise mean; every child output must be a
// numeric array of the same shape.

class AverageCombiner final : public Component {
  public:
    std::optional<ComponentOutput> aggregate(const std::vector<ComponentInput>& inputs) override {
        const ComponentInput& first = inputs.front();
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            const ComponentInput& in = inputs[i];
            if (in.payload != SeldonMessage::Payload::kData || !in.array.numeric) {
                throw MicroserviceError("average-combiner: input " + std::to_string(i) +
                                        " is not a numeric array");
            }
            if (in.array.shape != first.array.shape) {
                throw MicroserviceError("average-combiner: input " + std::to_string(i) +
                                        " has shape " + shape_text(in.array.shape) +
                                        ", input 0 has " + shape_text(first.array.shape));
            }
        }
        return ComponentOutput::of_array(
            mean(inputs, [](const ComponentInput& in) -> const Json& { return in.array.values; }));
    }

  private:
    static std::string shape_text(const std::vector<std::size_t>& shape) {
        std::string s = "[";
        for (std::size_t i = 0; i < shape.size(); ++i)
            s += (i ? "," : "") + std::to_string(shape[i]);
        return s + "]";
    }
    template <class Get>
    static Json mean(const std::vector<ComponentInput>& inputs, Get get) {
        // Walk the first input's structure; at leaves, average across inputs in input order.
        std::vector<const Json*> nodes;
        for (const ComponentInput& in : inputs)
            nodes.push_back(&get(in));
        return mean_of(nodes);
    }
    static Json mean_of(const std::vector<const Json*>& nodes) {
        if (!nodes.front()->is_array()) {
            double sum = 0.0;
            for (const Json* n : nodes)
                sum += n->is_boolean() ? (n->get<bool>() ? 1.0 : 0.0) : n->get<double>();
            return sum / static_cast<double>(nodes.size());
        }
        Json out = Json::array();
        for (std::size_t i = 0; i < nodes.front()->size(); ++i) {
            std::vector<const Json*> children;
            for (const Json* n : nodes)
                children.push_back(&(*n)[i]);
            out.push_back(mean_of(children));
        }
        return out;
    }
};

double sample_gamma(Random& random, double shape) {
    if (shape < 1.0) {
        // Gamma(a) = Gamma(a + 1) * U^(1/a).
        const double u = random.uniform01();
        return sample_gamma(random, shape + 1.0) *
               sim::kernel::det_exp(sim::kernel::det_log(u) / shape);
    }
    const double d = shape - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
        double x = 0.0;
        double v = 0.0;
        do {
            x = random.normal(0.0, 1.0);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        const double u = random.uniform01();
        if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
        if (sim::kernel::det_log(u) < 0.5 * x * x + d * (1.0 - v + sim::kernel::det_log(v)))
            return d * v;
    }
}

}  // namespace

double sample_beta(Random& random, double a, double b) {
    const double x = sample_gamma(random, a);
    const double y = sample_gamma(random, b);
    return x / (x + y);
}

const std::vector<std::string_view>& builtin_component_names() {
    static const std::vector<std::string_view> names{
        "sentiment-model",   "sklearn-server",  "echo", "random-abtest", "epsilon-greedy",
        "thompson-sampling", "average-combiner"};
    return names;
}

bool is_builtin_component(std::string_view name) {
    const auto& names = builtin_component_names();
    return std::find(names.begin(), names.end(), name) != names.end();
}

namespace {

// Python components take their parameters as constructor keyword arguments, so an unknown one
// is a TypeError when the container starts. Components taking **kwargs accept anything.
void check_keywords(std::string_view component, const Parameters& p,
                    const std::vector<std::string_view>& allowed) {
    if (const auto name = p.unknown(allowed)) {
        throw MicroserviceError(std::string(component) +
                                    ": __init__() got an unexpected keyword argument '" + *name +
                                    "'",
                                protocol::kBadParameter);
    }
}

}  // namespace

std::unique_ptr<Component> make_builtin_component(std::string_view name, const Parameters& p,
                                                  const ComponentContext& c) {
    // Constructor signatures: SKLearnServer.py, EpsilonGreedy.py, ThompsonSampling.py.
    if (name == "sklearn-server") check_keywords(name, p, {"model_uri", "method"});
    if (name == "random-abtest") check_keywords(name, p, {"ratioA"});
    if (name == "epsilon-greedy") {
        check_keywords(
            name, p,
            {"n_branches", "epsilon", "verbose", "best_branch", "seed", "history", "branch_names"});
    }
    if (name == "thompson-sampling") {
        check_keywords(name, p, {"n_branches", "verbose", "seed", "history", "branch_names"});
    }
    if (name == "sentiment-model") return std::make_unique<SentimentModelComponent>(p, c);
    if (name == "sklearn-server") return std::make_unique<SklearnServerComponent>(p, c);
    if (name == "echo") return std::make_unique<EchoComponent>();
    if (name == "random-abtest") return std::make_unique<RandomAbTest>(p, c);
    if (name == "epsilon-greedy") return std::make_unique<EpsilonGreedy>(p, c);
    if (name == "thompson-sampling") return std::make_unique<ThompsonSampling>(p, c);
    if (name == "average-combiner") return std::make_unique<AverageCombiner>();
    throw std::invalid_argument("unknown component \"" + std::string(name) + "\"");
}

}  // namespace components
