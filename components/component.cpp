#include "components/component.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace components {

using protocol::Array;
using protocol::DefaultData;
using protocol::MicroserviceError;
using protocol::SeldonMessage;

std::string_view method_path(Method method) {
    switch (method) {
        case Method::kPredict:
            return "/predict";
        case Method::kTransformInput:
            return "/transform-input";
        case Method::kTransformOutput:
            return "/transform-output";
        case Method::kRoute:
            return "/route";
        case Method::kAggregate:
            return "/aggregate";
        case Method::kSendFeedback:
            return "/send-feedback";
    }
    return "/predict";
}

// ---- parameters ---------------------------------------------------------------------------

namespace {

[[noreturn]] void bad_parameter(const Parameter& p, std::string_view problem) {
    throw MicroserviceError("Bad value for parameter " + p.name + " of type " + p.type + ": \"" +
                                p.value + "\" " + std::string(problem),
                            protocol::kBadParameter);
}

bool parse_int(const std::string& text, std::int64_t& out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

bool parse_double(const std::string& text, double& out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && ec == std::errc() && end == text.data() + text.size() &&
           std::isfinite(out);
}

// Python's distutils strtobool.
std::optional<bool> strtobool(std::string value) {
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const char* t : {"y", "yes", "t", "true", "on", "1"})
        if (value == t) return true;
    for (const char* f : {"n", "no", "f", "false", "off", "0"})
        if (value == f) return false;
    return std::nullopt;
}

}  // namespace

Parameters::Parameters(std::vector<Parameter> parameters) : parameters_(std::move(parameters)) {
    for (const Parameter& p : parameters_) {
        std::int64_t i = 0;
        double d = 0;
        if (p.type == "INT") {
            if (!parse_int(p.value, i)) bad_parameter(p, "is not an integer");
        } else if (p.type == "FLOAT" || p.type == "DOUBLE") {
            if (!parse_double(p.value, d)) bad_parameter(p, "is not a number");
        } else if (p.type == "BOOL") {
            if (!strtobool(p.value)) bad_parameter(p, "is not a boolean");
        } else if (p.type != "STRING") {
            bad_parameter(p, "has an unknown type (INT, FLOAT, DOUBLE, STRING or BOOL)");
        }
    }
}

const Parameter* Parameters::find(std::string_view name) const {
    for (const Parameter& p : parameters_) {
        if (p.name == name) return &p;
    }
    return nullptr;
}

bool Parameters::has(std::string_view name) const {
    return find(name) != nullptr;
}

std::optional<std::string> Parameters::unknown(const std::vector<std::string_view>& allowed) const {
    for (const Parameter& p : parameters_) {
        if (std::find(allowed.begin(), allowed.end(), p.name) == allowed.end()) return p.name;
    }
    return std::nullopt;
}

std::int64_t Parameters::get_int(std::string_view name, std::int64_t fallback) const {
    const Parameter* p = find(name);
    if (!p) return fallback;
    std::int64_t v = 0;
    if (p->type != "INT" || !parse_int(p->value, v)) bad_parameter(*p, "must be an INT");
    return v;
}

double Parameters::get_double(std::string_view name, double fallback) const {
    const Parameter* p = find(name);
    if (!p) return fallback;
    double v = 0;
    if (p->type == "STRING" || p->type == "BOOL" || !parse_double(p->value, v)) {
        bad_parameter(*p, "must be an INT, FLOAT or DOUBLE");
    }
    return v;
}

std::string Parameters::get_string(std::string_view name, std::string fallback) const {
    const Parameter* p = find(name);
    return p ? p->value : fallback;
}

bool Parameters::get_bool(std::string_view name, bool fallback) const {
    const Parameter* p = find(name);
    if (!p) return fallback;
    const auto v = strtobool(p->value);
    if (p->type != "BOOL" || !v) bad_parameter(*p, "must be a BOOL");
    return *v;
}

// ---- the wrapper --------------------------------------------------------------------------

ComponentInput input_from_message(const SeldonMessage& message) {
    ComponentInput in;
    in.payload = message.payload;
    if (message.meta) in.meta = *message.meta;
    switch (message.payload) {
        case SeldonMessage::Payload::kData:
            in.array = protocol::array_from_data(message.data);
            in.names = message.data.names;
            break;
        case SeldonMessage::Payload::kStrData:
            in.str_data = message.str_data;
            break;
        case SeldonMessage::Payload::kJsonData:
            in.json_data = message.json_data;
            break;
        case SeldonMessage::Payload::kBinData:
            in.bin_data = message.bin_data;
            break;
        case SeldonMessage::Payload::kNone:
            throw MicroserviceError("Can't find data in json: " + protocol::serialize(message));
    }
    return in;
}

namespace {

void flatten(const Json& nested, std::vector<double>& out) {
    if (nested.is_array()) {
        for (const Json& e : nested)
            flatten(e, out);
    } else {
        out.push_back(nested.is_boolean() ? (nested.get<bool>() ? 1.0 : 0.0)
                                          : nested.get<double>());
    }
}

void check_metrics(const std::vector<protocol::Metric>& metrics) {
    for (const protocol::Metric& m : metrics) {
        if (m.key.empty() || !std::isfinite(m.value)) {
            throw MicroserviceError("Bad metric created during request: key \"" + m.key + "\"",
                                    protocol::kBadMetric, 500);
        }
    }
}


}  // namespace

ComponentOutput echo_of(const ComponentInput& in) {
    ComponentOutput out;
    switch (in.payload) {
        case SeldonMessage::Payload::kStrData:
            out.kind = ComponentOutput::Kind::kStr;
            out.text = in.str_data;
            break;
        case SeldonMessage::Payload::kJsonData:
            out.kind = ComponentOutput::Kind::kJson;
            out.json = in.json_data;
            break;
        case SeldonMessage::Payload::kBinData:
            out.kind = ComponentOutput::Kind::kBin;
            out.text = in.bin_data;
            break;
        default:
            out.array = in.array.values;
            break;
    }
    return out;
}

ComponentServer::ComponentServer(std::string unit_id, std::string image,
                                 std::unique_ptr<Component> component)
    : unit_id_(std::move(unit_id)), image_(std::move(image)), component_(std::move(component)) {}

HttpReply ComponentServer::handle(Method method, std::string_view body) {
    try {
        return dispatch(method, body);
    } catch (const MicroserviceError& e) {
        return {e.http_status(), protocol::wrapper_error_body(e.what(), e.reason())};
    } catch (const std::exception& e) {
        return {500, protocol::wrapper_error_body(e.what(), protocol::kInternalError)};
    }
}

HttpReply ComponentServer::dispatch(Method method, std::string_view body) {
    Component& c = *component_;
    switch (method) {
        case Method::kPredict:
        case Method::kTransformInput:
        case Method::kTransformOutput: {
            const SeldonMessage request = protocol::parse_message(body);
            const ComponentInput in = input_from_message(request);
            std::optional<ComponentOutput> out = method == Method::kPredict ? c.predict(in)
                                                 : method == Method::kTransformInput
                                                     ? c.transform_input(in)
                                                     : c.transform_output(in);
            // A missing predict answers [] (user_model.py client_predict); a missing transform
            // passes the features through.
            if (!out)
                out = method == Method::kPredict ? ComponentOutput::of_array(Json::array())
                                                 : echo_of(in);
            return {200, protocol::serialize(respond(
                             request, *out, method == Method::kTransformInput, {&request}))};
        }
        case Method::kRoute: {
            const SeldonMessage request = protocol::parse_message(body);
            const ComponentInput in = input_from_message(request);
            const int branch = c.route(in).value_or(-1);
            return {200,
                    protocol::serialize(respond(
                        request, ComponentOutput::of_array(Json::array({Json::array({branch})})),
                        false, {&request}))};
        }
        case Method::kAggregate: {
            const std::vector<SeldonMessage> requests = protocol::parse_message_list(body);
            if (requests.empty()) throw MicroserviceError("Aggregate received an empty list");
            std::vector<ComponentInput> inputs;
            std::vector<const SeldonMessage*> merged;
            for (const SeldonMessage& r : requests) {
                inputs.push_back(input_from_message(r));
                merged.push_back(&r);
            }
            const std::optional<ComponentOutput> out = c.aggregate(inputs);
            if (!out)
                throw MicroserviceError("Aggregate not defined", protocol::kInternalError, 500);
            return {200, protocol::serialize(respond(requests.front(), *out, false, merged))};
        }
        case Method::kSendFeedback: {
            const protocol::Feedback feedback = protocol::parse_feedback(body);
            if (!feedback.request) throw MicroserviceError("Feedback has no request");
            const ComponentInput request = input_from_message(*feedback.request);
            std::optional<ComponentInput> truth;
            if (feedback.truth && feedback.truth->payload != SeldonMessage::Payload::kNone) {
                truth = input_from_message(*feedback.truth);
            }
            std::optional<int> routing;
            if (feedback.response && feedback.response->meta) {
                const auto& r = feedback.response->meta->routing;
                if (const auto it = r.find(unit_id_); it != r.end()) routing = it->second;
            }
            c.send_feedback(request, feedback.reward, truth ? &*truth : nullptr, routing);
            return {200, protocol::serialize(respond(*feedback.request,
                                                     ComponentOutput::of_array(Json::array()),
                                                     false, {&*feedback.request}))};
        }
    }
    throw MicroserviceError("unknown method", protocol::kInternalError, 500);
}

// seldon_core/utils.py construct_response_json.
SeldonMessage ComponentServer::respond(const SeldonMessage& request, const ComponentOutput& output,
                                       bool transform,
                                       const std::vector<const SeldonMessage*>& merged) {
    SeldonMessage response;
    switch (output.kind) {
        case ComponentOutput::Kind::kJson:
            response.payload = SeldonMessage::Payload::kJsonData;
            response.json_data = output.json;
            break;
        case ComponentOutput::Kind::kStr:
            response.payload = SeldonMessage::Payload::kStrData;
            response.str_data = output.text;
            break;
        case ComponentOutput::Kind::kBin:
            response.payload = SeldonMessage::Payload::kBinData;
            response.bin_data = output.text;
            break;
        case ComponentOutput::Kind::kArray: {
            Array array;
            try {
                array = protocol::array_from_json(output.array);
            } catch (const MicroserviceError& e) {
                throw MicroserviceError(std::string("component returned a bad array: ") + e.what(),
                                        protocol::kInternalError, 500);
            }
            response.payload = SeldonMessage::Payload::kData;
            DefaultData& data = response.data;
            data.has_names = true;
            const bool request_tensor = request.payload == SeldonMessage::Payload::kData &&
                                        request.data.kind == DefaultData::Kind::kTensor;
            const bool request_data = request.payload == SeldonMessage::Payload::kData;
            if (array.numeric && (request_tensor || !request_data)) {
                data.kind = DefaultData::Kind::kTensor;
                for (const std::size_t d : array.shape)
                    data.tensor.shape.push_back(static_cast<std::int64_t>(d));
                flatten(array.values, data.tensor.values);
            } else {
                data.kind = DefaultData::Kind::kNdarray;
                data.ndarray = array.values;
            }
            if (transform) {
                data.names = output.feature_names ? *output.feature_names
                             : request_data       ? request.data.names
                                                  : std::vector<std::string>{};
            } else if (array.shape.size() >= 2) {
                if (auto names = component_->class_names()) {
                    data.names = *names;
                } else {
                    for (std::size_t i = 0; i < array.shape[1]; ++i)
                        data.names.push_back("t:" + std::to_string(i));
                }
            }
            break;
        }
    }
    // meta: merged request tags + component tags; request metrics + custom metrics; puid if
    // the request had one; requestPath {unit: image} under the request's entries.
    protocol::Meta meta;
    for (const SeldonMessage* m : merged) {
        if (!m->meta) continue;
        for (const auto& [k, v] : m->meta->tags.items())
            meta.tags[k] = v;
        meta.metrics.insert(meta.metrics.end(), m->meta->metrics.begin(), m->meta->metrics.end());
        for (const auto& [k, v] : m->meta->request_path)
            meta.request_path[k] = v;
    }
    if (request.meta && request.meta->puid) meta.puid = request.meta->puid;
    const Json tags = component_->tags();
    if (tags.is_object()) {
        for (const auto& [k, v] : tags.items())
            meta.tags[k] = v;
    }
    std::vector<protocol::Metric> custom = component_->metrics();
    check_metrics(custom);
    meta.metrics.insert(meta.metrics.end(), custom.begin(), custom.end());
    meta.request_path.try_emplace(unit_id_, image_);
    response.meta = std::move(meta);
    return response;
}

}  // namespace components
