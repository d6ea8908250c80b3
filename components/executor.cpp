#include "components/executor.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

namespace components {

using protocol::MicroserviceError;

bool PredictiveUnit::has_method(std::string_view method) const {
    return std::find(methods.begin(), methods.end(), method) != methods.end();
}

namespace {

PredictiveUnit unit_from_json(const Json& j, const std::string& path) {
    if (!j.is_object()) throw MicroserviceError(path + ": expected an object");
    PredictiveUnit unit;
    const auto string_at = [&](std::string_view key, std::string& out, bool required) {
        const auto it = j.find(key);
        if (it == j.end()) {
            if (required)
                throw MicroserviceError(path + ": missing field `" + std::string(key) + "`");
            return;
        }
        if (!it->is_string())
            throw MicroserviceError(path + "." + std::string(key) + ": expected a string");
        out = it->get<std::string>();
    };
    string_at("name", unit.name, true);
    string_at("type", unit.type, false);
    string_at("implementation", unit.implementation, false);
    if (const auto it = j.find("methods"); it != j.end()) {
        if (!it->is_array()) throw MicroserviceError(path + ".methods: expected an array");
        for (const Json& m : *it) {
            if (!m.is_string()) throw MicroserviceError(path + ".methods: expected strings");
            unit.methods.push_back(m.get<std::string>());
        }
    }
    if (const auto it = j.find("parameters"); it != j.end()) {
        if (!it->is_array()) throw MicroserviceError(path + ".parameters: expected an array");
        for (std::size_t i = 0; i < it->size(); ++i) {
            const Json& p = (*it)[i];
            const std::string where = path + ".parameters[" + std::to_string(i) + "]";
            if (!p.is_object()) throw MicroserviceError(where + ": expected an object");
            Parameter parameter;
            for (const auto& [key, out] :
                 {std::pair<const char*, std::string*>{"name", &parameter.name},
                  {"type", &parameter.type},
                  {"value", &parameter.value}}) {
                const auto f = p.find(key);
                if (f == p.end() || !f->is_string()) {
                    throw MicroserviceError(where + "." + key + ": expected a string");
                }
                *out = f->get<std::string>();
            }
            unit.parameters.push_back(std::move(parameter));
        }
    }
    if (const auto it = j.find("children"); it != j.end()) {
        if (!it->is_array()) throw MicroserviceError(path + ".children: expected an array");
        for (std::size_t i = 0; i < it->size(); ++i) {
            unit.children.push_back(
                unit_from_json((*it)[i], path + ".children[" + std::to_string(i) + "]"));
        }
    }
    return unit;
}

void collect(const PredictiveUnit& unit, std::vector<const PredictiveUnit*>& out) {
    out.push_back(&unit);
    for (const PredictiveUnit& child : unit.children)
        collect(child, out);
}

bool ok(const HttpReply& reply) {
    return reply.status == 200;
}

// A component's failure as the executor answers it.
HttpReply as_error(HttpReply reply) {
    if (reply.status == kTransportFailure) return {500, protocol::executor_error_body(reply.body)};
    return reply;
}

HttpReply executor_error(const std::string& info) {
    return {500, protocol::executor_error_body(info)};
}

bool integer_of(const Json& j, int& out) {
    if (j.is_number_integer()) {
        out = j.get<int>();
        return true;
    }
    if (j.is_number_float()) {
        const double d = j.get<double>();
        if (!std::isfinite(d)) return false;
        out = static_cast<int>(d);  // Go converts float routes with int()
        return true;
    }
    return false;
}

// Results of children called concurrently, gathered by index.
struct Join {
    std::vector<std::optional<HttpReply>> replies;
    std::size_t remaining = 0;
};

}  // namespace

PredictiveUnit graph_from_json(const Json& json) {
    return unit_from_json(json, "graph");
}

std::string html_escape_json(std::string_view body) {
    std::string out;
    out.reserve(body.size());
    for (std::size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (c == '<') {
            out += "\\u003c";
        } else if (c == '>') {
            out += "\\u003e";
        } else if (c == '&') {
            out += "\\u0026";
        } else if (c == '\xE2' && i + 2 < body.size() && body[i + 1] == '\x80' &&
                   (body[i + 2] == '\xA8' || body[i + 2] == '\xA9')) {
            out += body[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

std::vector<const PredictiveUnit*> graph_nodes(const PredictiveUnit& root) {
    std::vector<const PredictiveUnit*> out;
    collect(root, out);
    return out;
}

bool parse_route(std::string_view body, int& route) {
    Json j;
    try {
        j = Json::parse(body);
    } catch (const Json::exception&) {
        return false;
    }
    if (j.is_array()) {
        if (j.empty()) return false;
        return integer_of(
            j.front().is_array() && !j.front().empty() ? j.front().front() : j.front(), route);
    }
    if (!j.is_object()) return false;
    const auto data = j.find("data");
    if (data == j.end() || !data->is_object()) return false;
    if (const auto nd = data->find("ndarray");
        nd != data->end() && nd->is_array() && !nd->empty()) {
        const Json& first = nd->front();
        if (first.is_array()) return !first.empty() && integer_of(first.front(), route);
        return integer_of(first, route);
    }
    if (const auto t = data->find("tensor"); t != data->end() && t->is_object()) {
        const auto values = t->find("values");
        if (values != t->end() && values->is_array() && !values->empty()) {
            return integer_of(values->front(), route);
        }
    }
    return false;
}

void DirectCaller::call(const PredictiveUnit& node, Method method, std::string body,
                        std::function<void(HttpReply)> done) {
    const auto it = servers_.find(node.name);
    if (it == servers_.end()) {
        done({kTransportFailure, "no component serves node \"" + node.name + "\""});
        return;
    }
    done(it->second->handle(method, body));
}

// ---- the walk -----------------------------------------------------------------------------

struct GraphExecutor::Request {
    std::map<std::string, int> routing;  // meta.routing, for SELDON_ENABLE_ROUTING_INJECTION
};

GraphExecutor::GraphExecutor(PredictiveUnit graph, ComponentCaller& caller,
                             sim::kernel::Random* abtest_random, ExecutorOptions options)
    : graph_(std::move(graph)), caller_(caller), abtest_random_(abtest_random), options_(options) {}

void GraphExecutor::predict(std::string body, Done done) {
    auto request = std::make_shared<Request>();
    walk(request, graph_, std::move(body),
         [this, request, done = std::move(done)](HttpReply reply) {
             if (ok(reply) && options_.inject_routing) {
                 try {
                     Json j = Json::parse(reply.body);
                     if (j.is_object()) {
                         j["meta"]["routing"] = request->routing;
                         reply.body = j.dump(-1, ' ', true, Json::error_handler_t::replace);
                     }
                 } catch (const Json::exception&) {
                     // Not JSON: passed on untouched, as the executor passes bodies.
                 }
             }
             reply.body = html_escape_json(reply.body);
             done(std::move(reply));
         });
}

void GraphExecutor::walk(const std::shared_ptr<Request>& request, const PredictiveUnit& node,
                         std::string body, Done done) {
    request->routing[node.name] = -1;
    const bool call_model = node.type == "MODEL";
    const bool call_transform = node.type == "TRANSFORMER" || node.has_method("TRANSFORM_INPUT");
    if (!call_model && !call_transform) {
        children(request, node, std::move(body), std::move(done));
        return;
    }
    caller_.call(node, call_model ? Method::kPredict : Method::kTransformInput, std::move(body),
                 [this, request, &node, done = std::move(done)](HttpReply reply) mutable {
                     if (!ok(reply)) {
                         done(as_error(std::move(reply)));
                         return;
                     }
                     children(request, node, std::move(reply.body), std::move(done));
                 });
}

void GraphExecutor::route(const std::shared_ptr<Request>& /*request*/, const PredictiveUnit& node,
                          const std::string& body, std::function<void(int)> next, Done fail) {
    if (node.type == "ROUTER" || node.has_method("ROUTE")) {
        caller_.call(
            node, Method::kRoute, body,
            [next = std::move(next), fail = std::move(fail), &node](HttpReply reply) {
                if (!ok(reply)) {
                    fail(as_error(std::move(reply)));
                    return;
                }
                int branch = 0;
                if (!parse_route(reply.body, branch)) {
                    fail(executor_error("Failed to find route in response from " + node.name));
                    return;
                }
                next(branch);
            });
        return;
    }
    if (node.implementation == "RANDOM_ABTEST") {
        // predictor/components.go: ratioA is used only when it is the single parameter.
        double ratio_a = 0.5;
        if (node.parameters.size() == 1 && node.parameters[0].name == "ratioA") {
            const std::string& v = node.parameters[0].value;
            const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), ratio_a);
            if (ec != std::errc() || end != v.data() + v.size()) {
                fail(executor_error("Failed to parse ratioA \"" + v + "\" of " + node.name));
                return;
            }
        }
        if (abtest_random_ == nullptr) {
            fail(executor_error("no random stream for RANDOM_ABTEST node " + node.name));
            return;
        }
        next(abtest_random_->uniform01() < ratio_a ? 0 : 1);
        return;
    }
    next(-1);
}

void GraphExecutor::children(const std::shared_ptr<Request>& request, const PredictiveUnit& node,
                             std::string body, Done done) {
    if (node.children.empty()) {
        transform_output(node, std::move(body), std::move(done));
        return;
    }
    auto shared_body = std::make_shared<std::string>(std::move(body));
    auto shared_done = std::make_shared<Done>(std::move(done));
    route(
        request, node, *shared_body,
        [this, request, &node, shared_body, shared_done](int branch) {
            request->routing[node.name] = branch;
            if (branch == -2) {  // stop: the (transformed) input is the answer
                transform_output(node, *shared_body, *shared_done);
                return;
            }
            if (branch >= 0) {
                if (static_cast<std::size_t>(branch) >= node.children.size()) {
                    (*shared_done)(executor_error("route " + std::to_string(branch) + " of " +
                                                  node.name + " is out of range: it has " +
                                                  std::to_string(node.children.size()) +
                                                  " children"));
                    return;
                }
                walk(request, node.children[static_cast<std::size_t>(branch)], *shared_body,
                     [this, request, &node, shared_done](HttpReply reply) {
                         if (!ok(reply)) {
                             (*shared_done)(std::move(reply));
                             return;
                         }
                         aggregate(request, node, {std::move(reply.body)}, *shared_done);
                     });
                return;
            }
            if (branch != -1) {
                (*shared_done)(executor_error("invalid route " + std::to_string(branch) + " from " +
                                              node.name));
                return;
            }
            auto join = std::make_shared<Join>();
            join->replies.resize(node.children.size());
            join->remaining = node.children.size();
            for (std::size_t i = 0; i < node.children.size(); ++i) {
                walk(request, node.children[i], *shared_body,
                     [this, request, &node, join, i, shared_done](HttpReply reply) {
                         join->replies[i] = std::move(reply);
                         if (--join->remaining > 0) return;
                         // All children answered: the first failure by child index wins.
                         std::vector<std::string> outputs;
                         for (auto& r : join->replies) {
                             if (!ok(*r)) {
                                 (*shared_done)(std::move(*r));
                                 return;
                             }
                             outputs.push_back(std::move(r->body));
                         }
                         aggregate(request, node, std::move(outputs), *shared_done);
                     });
            }
        },
        [shared_done](HttpReply error) { (*shared_done)(std::move(error)); });
}

void GraphExecutor::aggregate(const std::shared_ptr<Request>& /*request*/,
                              const PredictiveUnit& node, std::vector<std::string> outputs,
                              Done done) {
    if (node.type != "COMBINER" && !node.has_method("AGGREGATE")) {
        transform_output(node, std::move(outputs.front()), std::move(done));
        return;
    }
    std::string list = "[";
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        if (i) list += ',';
        list += outputs[i];
    }
    list += ']';
    caller_.call(node, Method::kAggregate, std::move(list),
                 [this, &node, done = std::move(done)](HttpReply reply) mutable {
                     if (!ok(reply)) {
                         done(as_error(std::move(reply)));
                         return;
                     }
                     transform_output(node, std::move(reply.body), std::move(done));
                 });
}

void GraphExecutor::transform_output(const PredictiveUnit& node, std::string body, Done done) {
    if (node.type != "OUTPUT_TRANSFORMER" && !node.has_method("TRANSFORM_OUTPUT")) {
        done({200, std::move(body)});
        return;
    }
    caller_.call(node, Method::kTransformOutput, std::move(body),
                 [done = std::move(done)](HttpReply reply) {
                     done(ok(reply) ? std::move(reply) : as_error(std::move(reply)));
                 });
}

// ---- feedback -----------------------------------------------------------------------------

void GraphExecutor::feedback(std::string body, Done done) {
    std::map<std::string, int> routing;
    try {
        const Json j = Json::parse(body);
        if (!j.is_object()) throw MicroserviceError("feedback is not a JSON object");
        const auto response = j.find("response");
        if (response != j.end() && response->is_object()) {
            const auto meta = response->find("meta");
            if (meta != response->end() && meta->is_object()) {
                const auto r = meta->find("routing");
                if (r != meta->end() && r->is_object()) {
                    for (const auto& [name, value] : r->items()) {
                        int branch = -1;
                        if (!integer_of(value, branch))
                            throw MicroserviceError("routing of " + name + " is not an integer");
                        routing[name] = branch;
                    }
                }
            }
        }
    } catch (const std::exception& e) {
        done(executor_error(std::string("Failed to parse feedback: ") + e.what()));
        return;
    }
    feedback_walk(graph_, std::make_shared<const std::string>(std::move(body)),
                  std::make_shared<const std::map<std::string, int>>(std::move(routing)),
                  [done = std::move(done)](HttpReply reply) {
                      reply.body = html_escape_json(reply.body);
                      done(std::move(reply));
                  });
}

void GraphExecutor::feedback_walk(const PredictiveUnit& node,
                                  std::shared_ptr<const std::string> body,
                                  std::shared_ptr<const std::map<std::string, int>> routing,
                                  Done done) {
    // After the children: the node's own /send-feedback for MODEL, ROUTER or SEND_FEEDBACK.
    auto own = [this, &node, body](std::optional<HttpReply> first_child, Done finish) {
        if (node.type == "MODEL" || node.type == "ROUTER" || node.has_method("SEND_FEEDBACK")) {
            caller_.call(node, Method::kSendFeedback, *body,
                         [finish = std::move(finish)](HttpReply reply) {
                             finish(ok(reply) ? std::move(reply) : as_error(std::move(reply)));
                         });
            return;
        }
        finish(first_child ? std::move(*first_child) : HttpReply{200, *body});
    };
    int branch = -1;
    if (const auto it = routing->find(node.name); it != routing->end()) branch = it->second;
    if (node.children.empty() || branch == -2) {
        own(std::nullopt, std::move(done));
        return;
    }
    std::vector<const PredictiveUnit*> targets;
    if (branch == -1) {
        for (const PredictiveUnit& child : node.children)
            targets.push_back(&child);
    } else if (branch >= 0 && static_cast<std::size_t>(branch) < node.children.size()) {
        targets.push_back(&node.children[static_cast<std::size_t>(branch)]);
    } else {
        done(executor_error("feedback route " + std::to_string(branch) + " of " + node.name +
                            " is out of range"));
        return;
    }
    auto join = std::make_shared<Join>();
    join->replies.resize(targets.size());
    join->remaining = targets.size();
    auto shared_done = std::make_shared<Done>(std::move(done));
    auto shared_own = std::make_shared<decltype(own)>(std::move(own));
    for (std::size_t i = 0; i < targets.size(); ++i) {
        feedback_walk(*targets[i], body, routing,
                      [join, i, shared_done, shared_own](HttpReply reply) {
                          join->replies[i] = std::move(reply);
                          if (--join->remaining > 0) return;
                          for (auto& r : join->replies) {
                              if (!ok(*r)) {
                                  (*shared_done)(std::move(*r));
                                  return;
                              }
                          }
                          (*shared_own)(std::move(join->replies.front()), *shared_done);
                      });
    }
}

}  // namespace components
