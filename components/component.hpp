// A component: what one graph node runs, shaped like a Seldon Python wrapper user class
// (python/seldon_core/user_model.py): every method is optional. A ComponentServer wraps it the
// way the wrapper does (wrapper.py, seldon_methods.py): it parses request bodies, calls the
// methods, builds responses (names, meta.requestPath/tags/metrics) and turns failures into the
// wrapper's error bodies. Bodies in, bodies out, so the cluster layer can put network hops
// between the executor and the component.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "components/protocol/message.hpp"

namespace components {

using protocol::Json;

// The executor's calls to a node (executor/api/rest/client.go paths).
enum class Method {
    kPredict,
    kTransformInput,
    kTransformOutput,
    kRoute,
    kAggregate,
    kSendFeedback
};
std::string_view method_path(Method method);  // "/predict", "/transform-input", ...

struct HttpReply {
    int status = 200;
    std::string body;
    bool operator==(const HttpReply&) const = default;
};

// A graph parameter as in the SeldonDeployment: {name, type, value} with value a string.
struct Parameter {
    std::string name;
    std::string type;  // INT, FLOAT, DOUBLE, STRING, BOOL
    std::string value;
};

// Parameters cast like the wrapper (microservice.py parse_parameters): INT -> int,
// FLOAT/DOUBLE -> float, BOOL via strtobool. Bad values throw MicroserviceError
// (MICROSERVICE_BAD_PARAMETER).
class Parameters {
  public:
    Parameters() = default;
    explicit Parameters(std::vector<Parameter> parameters);  // validates every value
    bool has(std::string_view name) const;
    std::int64_t get_int(std::string_view name, std::int64_t fallback) const;
    double get_double(std::string_view name, double fallback) const;  // INT, FLOAT or DOUBLE
    std::string get_string(std::string_view name, std::string fallback) const;
    bool get_bool(std::string_view name, bool fallback) const;
    std::size_t size() const { return parameters_.size(); }
    // The first parameter whose name is not in `allowed`, if any.
    std::optional<std::string> unknown(const std::vector<std::string_view>& allowed) const;

  private:
    const Parameter* find(std::string_view name) const;
    std::vector<Parameter> parameters_;
};

// What a component method receives: the request decoded like get_data_from_json.
struct ComponentInput {
    protocol::SeldonMessage::Payload payload = protocol::SeldonMessage::Payload::kNone;
    protocol::Array array;           // payload kData
    std::vector<std::string> names;  // data.names
    std::string str_data;
    Json json_data;
    std::string bin_data;
    protocol::Meta meta;
};

// What a component method returns (a numpy array/list, str, bytes or dict in Python).
struct ComponentOutput {
    enum class Kind { kArray, kStr, kJson, kBin };
    Kind kind = Kind::kArray;
    Json array = Json::array();  // nested JSON array
    std::string text;            // kStr, or base64 for kBin
    Json json;                   // kJson
    // Names of the output columns for a transform; empty: the wrapper's default rules.
    std::optional<std::vector<std::string>> feature_names;

    static ComponentOutput of_array(Json nested) {
        ComponentOutput o;
        o.array = std::move(nested);
        return o;
    }
};

// The input given back unchanged, in the input's own payload kind (what a wrapper answers
// for a method the component lacks, and what the `echo` built-in does).
ComponentOutput echo_of(const ComponentInput& in);

class Component {
  public:
    virtual ~Component() = default;
    // Each returns nullopt when the component does not define the method; the server then
    // behaves as the wrapper does for a missing method (see component.cpp).
    virtual std::optional<ComponentOutput> predict(const ComponentInput&) { return std::nullopt; }
    virtual std::optional<ComponentOutput> transform_input(const ComponentInput&) {
        return std::nullopt;
    }
    virtual std::optional<ComponentOutput> transform_output(const ComponentInput&) {
        return std::nullopt;
    }
    virtual std::optional<int> route(const ComponentInput&) { return std::nullopt; }
    virtual std::optional<ComponentOutput> aggregate(const std::vector<ComponentInput>&) {
        return std::nullopt;
    }
    // `routing` is response.meta.routing[this unit] when present. Returns false if undefined.
    virtual bool send_feedback(const ComponentInput& /*request*/, double /*reward*/,
                               const ComponentInput* /*truth*/, std::optional<int> /*routing*/) {
        return false;
    }
    // Custom metrics (COUNTER/GAUGE/TIMER), tags and class names, read after each call.
    virtual std::vector<protocol::Metric> metrics() { return {}; }
    virtual Json tags() { return Json::object(); }
    virtual std::optional<std::vector<std::string>> class_names() { return std::nullopt; }
};

// The Python wrapper around one component: body in, HTTP status and body out. Never throws:
// bad bodies get 400 MICROSERVICE_BAD_DATA, failures inside the component 500
// MICROSERVICE_INTERNAL_ERROR, each with the wrapper's error body.
class ComponentServer {
  public:
    // unit_id and image play PREDICTIVE_UNIT_ID and PREDICTIVE_UNIT_IMAGE (meta.requestPath).
    ComponentServer(std::string unit_id, std::string image, std::unique_ptr<Component> component);
    HttpReply handle(Method method, std::string_view body);
    Component& component() { return *component_; }
    const std::string& unit_id() const { return unit_id_; }

  private:
    HttpReply dispatch(Method method, std::string_view body);
    protocol::SeldonMessage respond(const protocol::SeldonMessage& request,
                                    const ComponentOutput& output, bool transform,
                                    const std::vector<const protocol::SeldonMessage*>& merged);

    std::string unit_id_;
    std::string image_;
    std::unique_ptr<Component> component_;
};

// Decodes a message into a component's input (throws MicroserviceError for bad data).
ComponentInput input_from_message(const protocol::SeldonMessage& message);

}  // namespace components
