// The graph executor: walks a predictor graph the way Seldon's Go executor does
// (executor/predictor/predictor_process.go at v1.17.1, see ../shared/seldon-v1.md §2c):
//   1. transform input: MODEL -> /predict, TRANSFORMER or method TRANSFORM_INPUT ->
//      /transform-input, otherwise the message passes through;
//   2. children: the route is -1 (all children, concurrently), -2 (return the transformed
//      input) or N (child N); it comes from /route for a ROUTER (or method ROUTE), from the
//      built-in RANDOM_ABTEST implementation, else -1; then /aggregate for a COMBINER (or
//      method AGGREGATE), else the first child's output;
//   3. transform output: OUTPUT_TRANSFORMER or method TRANSFORM_OUTPUT -> /transform-output.
// Bodies pass byte for byte between nodes; the final body goes through Go's json.HTMLEscape
// (<, >, & and U+2028/U+2029 as \u escapes), as the executor's REST server does. A component's
// non-200 reply ends the request with that status and body; transport failures and executor errors
// give HTTP 500 with
// {"status":{"code":500,"info":...,"status":"FAILURE"}}.
//
// Calls go through the abstract, asynchronous ComponentCaller so the cluster layer can put
// network hops, queues and service times between nodes. Every request calls `done` exactly
// once, whatever order replies arrive in.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "components/component.hpp"
#include "sim/kernel/random.hpp"

namespace components {

// One node of a predictor graph (SeldonDeployment spec.predictors[].graph).
struct PredictiveUnit {
    std::string name;
    std::string type;            // MODEL, TRANSFORMER, OUTPUT_TRANSFORMER, ROUTER, COMBINER or ""
    std::string implementation;  // e.g. RANDOM_ABTEST, SKLEARN_SERVER, AVERAGE_COMBINER or ""
    std::vector<std::string>
        methods;  // TRANSFORM_INPUT, TRANSFORM_OUTPUT, ROUTE, AGGREGATE, SEND_FEEDBACK
    std::vector<Parameter> parameters;
    std::vector<PredictiveUnit> children;

    bool has_method(std::string_view method) const;
};

// Parses a graph from its JSON form; throws MicroserviceError naming the field.
PredictiveUnit graph_from_json(const Json& json);
// Nodes of the graph in depth-first order.
std::vector<const PredictiveUnit*> graph_nodes(const PredictiveUnit& root);

// A reply's status 0 means the call never got an answer (connection refused, timeout...):
// `body` then says why, and the executor answers 500 with its own error body.
inline constexpr int kTransportFailure = 0;

class ComponentCaller {
  public:
    virtual ~ComponentCaller() = default;
    virtual void call(const PredictiveUnit& node, Method method, std::string body,
                      std::function<void(HttpReply)> done) = 0;
};

// Calls ComponentServers in-process, synchronously (tests, `sim-run` tools).
class DirectCaller final : public ComponentCaller {
  public:
    void add(const std::string& node_name, ComponentServer& server) {
        servers_[node_name] = &server;
    }
    void call(const PredictiveUnit& node, Method method, std::string body,
              std::function<void(HttpReply)> done) override;

  private:
    std::map<std::string, ComponentServer*, std::less<>> servers_;
};

struct ExecutorOptions {
    // SELDON_ENABLE_ROUTING_INJECTION: add meta.routing (node -> route) to prediction
    // responses, which routers need to learn from feedback. Off by default, as in Seldon.
    bool inject_routing = false;
};

class GraphExecutor {
  public:
    // `abtest_random` feeds RANDOM_ABTEST nodes (Go's math/rand in the real executor); it may
    // be null if the graph has none.
    GraphExecutor(PredictiveUnit graph, ComponentCaller& caller, sim::kernel::Random* abtest_random,
                  ExecutorOptions options = {});

    using Done = std::function<void(HttpReply)>;
    // POST /api/v1.0/predictions
    void predict(std::string body, Done done);
    // POST /api/v1.0/feedback
    void feedback(std::string body, Done done);

    const PredictiveUnit& graph() const { return graph_; }

  private:
    struct Request;
    void walk(const std::shared_ptr<Request>& request, const PredictiveUnit& node, std::string body,
              Done done);
    void children(const std::shared_ptr<Request>& request, const PredictiveUnit& node,
                  std::string body, Done done);
    void aggregate(const std::shared_ptr<Request>& request, const PredictiveUnit& node,
                   std::vector<std::string> outputs, Done done);
    void transform_output(const PredictiveUnit& node, std::string body, Done done);
    void route(const std::shared_ptr<Request>& request, const PredictiveUnit& node,
               const std::string& body, std::function<void(int)> next, Done fail);
    void feedback_walk(const PredictiveUnit& node, std::shared_ptr<const std::string> body,
                       std::shared_ptr<const std::map<std::string, int>> routing, Done done);

    PredictiveUnit graph_;
    ComponentCaller& caller_;
    sim::kernel::Random* abtest_random_;
    ExecutorOptions options_;
};

// Go's encoding/json.HTMLEscape: <, > and & become \u003c, \u003e, \u0026 and the line and
// paragraph separators U+2028/U+2029 become \u2028/\u2029; everything else is unchanged.
std::string html_escape_json(std::string_view body);

// The route value in a /route reply (executor/api/util/utils.go): the first element of
// data.ndarray (of its first row if nested), data.tensor.values[0], or a bare [n].
// Returns false if there is none.
bool parse_route(std::string_view body, int& route);

}  // namespace components
