#include "components/protocol/message.hpp"

#include <cmath>

namespace components::protocol {
namespace {

[[noreturn]] void bad(const std::string& field, const std::string& problem) {
    throw MicroserviceError("Invalid request data type: field `" + field + "`: " + problem);
}

std::string type_of(const Json& j) {
    return j.type_name();
}

const Json* find(const Json& object, std::string_view key) {
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

std::string string_field(const Json& j, const std::string& field) {
    if (!j.is_string()) bad(field, "expected a string, found " + type_of(j));
    return j.get<std::string>();
}

double number_field(const Json& j, const std::string& field) {
    if (!j.is_number()) bad(field, "expected a number, found " + type_of(j));
    return j.get<double>();
}

std::int64_t integer_field(const Json& j, const std::string& field, std::int64_t lo,
                           std::int64_t hi) {
    if (j.is_number_integer()) {
        const std::int64_t v =
            j.is_number_unsigned()
                ? static_cast<std::int64_t>(std::min<std::uint64_t>(
                      j.get<std::uint64_t>(), static_cast<std::uint64_t>(hi) + 1))
                : j.get<std::int64_t>();
        if (v < lo || v > hi) bad(field, "integer out of range");
        return v;
    }
    if (j.is_number_float()) {
        const double d = j.get<double>();
        if (d == std::floor(d) && d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) {
            return static_cast<std::int64_t>(d);
        }
    }
    bad(field, "expected an integer, found " + (j.is_number() ? j.dump() : type_of(j)));
}

const Json& object_field(const Json& j, const std::string& field) {
    if (!j.is_object()) bad(field, "expected an object, found " + type_of(j));
    return j;
}

constexpr std::int64_t kInt32Max = 2147483647;
constexpr std::int64_t kInt32Min = -2147483647 - 1;

Tensor tensor_from_json(const Json& j) {
    object_field(j, "data.tensor");
    Tensor t;
    if (const Json* shape = find(j, "shape")) {
        if (!shape->is_array()) bad("data.tensor.shape", "expected an array");
        for (std::size_t i = 0; i < shape->size(); ++i) {
            t.shape.push_back(integer_field(
                (*shape)[i], "data.tensor.shape[" + std::to_string(i) + "]", 0, kInt32Max));
        }
    }
    if (const Json* values = find(j, "values")) {
        if (!values->is_array()) bad("data.tensor.values", "expected an array");
        t.values.reserve(values->size());
        for (std::size_t i = 0; i < values->size(); ++i) {
            t.values.push_back(
                number_field((*values)[i], "data.tensor.values[" + std::to_string(i) + "]"));
        }
    }
    return t;
}

DefaultData data_from_json(const Json& j) {
    object_field(j, "data");
    DefaultData d;
    if (const Json* names = find(j, "names")) {
        if (!names->is_array()) bad("data.names", "expected an array of strings");
        d.has_names = true;
        for (std::size_t i = 0; i < names->size(); ++i) {
            d.names.push_back(string_field((*names)[i], "data.names[" + std::to_string(i) + "]"));
        }
    }
    if (const Json* tensor = find(j, "tensor")) {
        d.kind = DefaultData::Kind::kTensor;
        d.tensor = tensor_from_json(*tensor);
    } else if (const Json* ndarray = find(j, "ndarray")) {
        if (!ndarray->is_array())
            bad("data.ndarray", "expected an array, found " + type_of(*ndarray));
        d.kind = DefaultData::Kind::kNdarray;
        d.ndarray = *ndarray;
    } else if (const Json* tftensor = find(j, "tftensor")) {
        object_field(*tftensor, "data.tftensor");
        d.kind = DefaultData::Kind::kTftensor;
        d.tftensor = *tftensor;
    }
    return d;
}

Metric metric_from_json(const Json& j, const std::string& field) {
    object_field(j, field);
    Metric m;
    if (const Json* key = find(j, "key")) m.key = string_field(*key, field + ".key");
    if (const Json* type = find(j, "type")) {
        const std::string name = string_field(*type, field + ".type");
        if (name == "COUNTER")
            m.type = MetricType::kCounter;
        else if (name == "GAUGE")
            m.type = MetricType::kGauge;
        else if (name == "TIMER")
            m.type = MetricType::kTimer;
        else
            bad(field + ".type", "expected COUNTER, GAUGE or TIMER, found \"" + name + "\"");
    }
    if (const Json* value = find(j, "value")) m.value = number_field(*value, field + ".value");
    if (const Json* tags = find(j, "tags")) {
        object_field(*tags, field + ".tags");
        for (const auto& [k, v] : tags->items())
            m.tags[k] = string_field(v, field + ".tags." + k);
    }
    return m;
}

Meta meta_from_json(const Json& j) {
    object_field(j, "meta");
    Meta m;
    if (const Json* puid = find(j, "puid")) m.puid = string_field(*puid, "meta.puid");
    if (const Json* tags = find(j, "tags")) m.tags = object_field(*tags, "meta.tags");
    if (const Json* routing = find(j, "routing")) {
        object_field(*routing, "meta.routing");
        for (const auto& [k, v] : routing->items()) {
            m.routing[k] = static_cast<std::int32_t>(
                integer_field(v, "meta.routing." + k, kInt32Min, kInt32Max));
        }
    }
    if (const Json* path = find(j, "requestPath")) {
        object_field(*path, "meta.requestPath");
        for (const auto& [k, v] : path->items()) {
            m.request_path[k] = string_field(v, "meta.requestPath." + k);
        }
    }
    if (const Json* metrics = find(j, "metrics")) {
        if (!metrics->is_array()) bad("meta.metrics", "expected an array");
        for (std::size_t i = 0; i < metrics->size(); ++i) {
            m.metrics.push_back(
                metric_from_json((*metrics)[i], "meta.metrics[" + std::to_string(i) + "]"));
        }
    }
    return m;
}

Status status_from_json(const Json& j) {
    object_field(j, "status");
    Status s;
    if (const Json* code = find(j, "code")) {
        s.code =
            static_cast<std::int32_t>(integer_field(*code, "status.code", kInt32Min, kInt32Max));
    }
    if (const Json* info = find(j, "info")) s.info = string_field(*info, "status.info");
    if (const Json* reason = find(j, "reason")) s.reason = string_field(*reason, "status.reason");
    if (const Json* status = find(j, "status")) {
        if (status->is_number_integer()) {  // protobuf enum by number: 0 SUCCESS, 1 FAILURE
            const auto v = integer_field(*status, "status.status", 0, 1);
            s.status = v == 0 ? "SUCCESS" : "FAILURE";
        } else {
            s.status = string_field(*status, "status.status");
            if (s.status != "SUCCESS" && s.status != "FAILURE") {
                bad("status.status", "expected SUCCESS or FAILURE");
            }
        }
    }
    return s;
}

Json tensor_to_json(const Tensor& t) {
    return {{"shape", t.shape}, {"values", t.values}};
}

// Shape of a nested JSON array; throws on ragged nesting.
void measure(const Json& j, std::size_t depth, std::vector<std::size_t>& shape, bool& numeric,
             bool& shape_known) {
    if (!j.is_array()) {
        if (!shape_known) {
            shape.resize(depth);
            shape_known = true;
        } else if (shape.size() != depth) {
            throw MicroserviceError("Ragged ndarray: elements nest to different depths");
        }
        if (!j.is_number() && !j.is_boolean()) numeric = false;
        return;
    }
    if (shape_known && depth >= shape.size()) {
        throw MicroserviceError("Ragged ndarray: elements nest to different depths");
    }
    if (!shape_known) {
        if (shape.size() <= depth) shape.resize(depth + 1);
        shape[depth] = j.size();
        if (j.empty()) {
            shape.resize(depth + 1);
            shape_known = true;
            return;
        }
    } else if (shape[depth] != j.size()) {
        throw MicroserviceError("Ragged ndarray: a list of length " + std::to_string(j.size()) +
                                " where " + std::to_string(shape[depth]) + " were expected");
    }
    for (const Json& element : j)
        measure(element, depth + 1, shape, numeric, shape_known);
}

Json reshape(const std::vector<double>& values, const std::vector<std::int64_t>& shape,
             std::size_t depth, std::size_t& next) {
    if (depth == shape.size()) return values[next++];
    Json out = Json::array();
    for (std::int64_t i = 0; i < shape[depth]; ++i)
        out.push_back(reshape(values, shape, depth + 1, next));
    return out;
}

}  // namespace

std::string_view metric_type_name(MetricType type) {
    switch (type) {
        case MetricType::kCounter:
            return "COUNTER";
        case MetricType::kGauge:
            return "GAUGE";
        case MetricType::kTimer:
            return "TIMER";
    }
    return "COUNTER";
}

std::string wrapper_error_body(std::string_view info, std::string_view reason) {
    const Json body = {
        {"status", {{"status", 1}, {"info", info}, {"code", -1}, {"reason", reason}}}};
    return body.dump(-1, ' ', true, Json::error_handler_t::replace);
}

std::string executor_error_body(std::string_view info, int code) {
    const Json body = {{"status", {{"code", code}, {"info", info}, {"status", "FAILURE"}}}};
    return body.dump(-1, ' ', true, Json::error_handler_t::replace);
}

Json parse_body(std::string_view body) {
    try {
        return Json::parse(body);
    } catch (const Json::exception&) {
        throw MicroserviceError("Can't find JSON in data");
    }
}

SeldonMessage message_from_json(const Json& j) {
    if (!j.is_object()) bad("(message)", "expected a JSON object, found " + type_of(j));
    SeldonMessage m;
    if (const Json* status = find(j, "status")) m.status = status_from_json(*status);
    if (const Json* meta = find(j, "meta")) m.meta = meta_from_json(*meta);
    // The wrapper's precedence (utils.py get_data_from_json): data, strData, jsonData, binData.
    if (const Json* data = find(j, "data")) {
        m.payload = SeldonMessage::Payload::kData;
        m.data = data_from_json(*data);
    } else if (const Json* str = find(j, "strData")) {
        m.payload = SeldonMessage::Payload::kStrData;
        m.str_data = string_field(*str, "strData");
    } else if (const Json* json_data = find(j, "jsonData")) {
        m.payload = SeldonMessage::Payload::kJsonData;
        m.json_data = *json_data;
    } else if (const Json* bin = find(j, "binData")) {
        m.payload = SeldonMessage::Payload::kBinData;
        m.bin_data = string_field(*bin, "binData");
    }
    return m;
}

SeldonMessage parse_message(std::string_view body) {
    return message_from_json(parse_body(body));
}

Feedback feedback_from_json(const Json& j) {
    if (!j.is_object()) bad("(feedback)", "expected a JSON object, found " + type_of(j));
    Feedback f;
    if (const Json* request = find(j, "request")) f.request = message_from_json(*request);
    if (const Json* response = find(j, "response")) f.response = message_from_json(*response);
    if (const Json* reward = find(j, "reward")) f.reward = number_field(*reward, "reward");
    if (const Json* truth = find(j, "truth")) f.truth = message_from_json(*truth);
    return f;
}

Feedback parse_feedback(std::string_view body) {
    return feedback_from_json(parse_body(body));
}

std::vector<SeldonMessage> parse_message_list(std::string_view body) {
    const Json j = parse_body(body);
    const Json* list = &j;
    if (j.is_object()) {
        list = find(j, "seldonMessages");
        if (list == nullptr) bad("seldonMessages", "missing");
    }
    if (!list->is_array()) bad("(message list)", "expected an array of messages");
    std::vector<SeldonMessage> out;
    for (const Json& m : *list)
        out.push_back(message_from_json(m));
    return out;
}

Json to_json(const Meta& meta) {
    Json j = Json::object();
    if (meta.puid) j["puid"] = *meta.puid;
    if (!meta.tags.empty()) j["tags"] = meta.tags;
    if (!meta.routing.empty()) j["routing"] = meta.routing;
    if (!meta.request_path.empty()) j["requestPath"] = meta.request_path;
    if (!meta.metrics.empty()) {
        Json metrics = Json::array();
        for (const Metric& m : meta.metrics) {
            Json one = {{"key", m.key}, {"type", metric_type_name(m.type)}, {"value", m.value}};
            if (!m.tags.empty()) one["tags"] = m.tags;
            metrics.push_back(std::move(one));
        }
        j["metrics"] = std::move(metrics);
    }
    return j;
}

Json to_json(const SeldonMessage& m) {
    Json j = Json::object();
    if (m.status) {
        j["status"] = {{"code", m.status->code},
                       {"info", m.status->info},
                       {"reason", m.status->reason},
                       {"status", m.status->status}};
    }
    if (m.meta) j["meta"] = to_json(*m.meta);
    switch (m.payload) {
        case SeldonMessage::Payload::kNone:
            break;
        case SeldonMessage::Payload::kData: {
            Json data = Json::object();
            if (m.data.has_names) data["names"] = m.data.names;
            if (m.data.kind == DefaultData::Kind::kTensor)
                data["tensor"] = tensor_to_json(m.data.tensor);
            if (m.data.kind == DefaultData::Kind::kNdarray) data["ndarray"] = m.data.ndarray;
            if (m.data.kind == DefaultData::Kind::kTftensor) data["tftensor"] = m.data.tftensor;
            j["data"] = std::move(data);
            break;
        }
        case SeldonMessage::Payload::kBinData:
            j["binData"] = m.bin_data;
            break;
        case SeldonMessage::Payload::kStrData:
            j["strData"] = m.str_data;
            break;
        case SeldonMessage::Payload::kJsonData:
            j["jsonData"] = m.json_data;
            break;
    }
    return j;
}

Json to_json(const Feedback& f) {
    Json j = Json::object();
    if (f.request) j["request"] = to_json(*f.request);
    if (f.response) j["response"] = to_json(*f.response);
    j["reward"] = f.reward;
    if (f.truth) j["truth"] = to_json(*f.truth);
    return j;
}

std::string serialize(const SeldonMessage& message) {
    // ensure_ascii like Flask's jsonify; invalid UTF-8 is replaced rather than thrown.
    return to_json(message).dump(-1, ' ', true, Json::error_handler_t::replace);
}

Array array_from_json(const Json& nested) {
    Array a;
    a.values = nested;
    bool shape_known = false;
    measure(nested, 0, a.shape, a.numeric, shape_known);
    return a;
}

Array array_from_data(const DefaultData& data) {
    switch (data.kind) {
        case DefaultData::Kind::kNdarray:
            return array_from_json(data.ndarray);
        case DefaultData::Kind::kTensor: {
            std::size_t count = 1;
            for (const std::int64_t d : data.tensor.shape)
                count *= static_cast<std::size_t>(d);
            if (count != data.tensor.values.size()) {
                throw MicroserviceError("Tensor shape does not match values: shape holds " +
                                        std::to_string(count) + " elements, values has " +
                                        std::to_string(data.tensor.values.size()));
            }
            std::size_t next = 0;
            Array a;
            a.values = reshape(data.tensor.values, data.tensor.shape, 0, next);
            a.shape.assign(data.tensor.shape.begin(), data.tensor.shape.end());
            a.numeric = true;
            return a;
        }
        case DefaultData::Kind::kTftensor:
            throw MicroserviceError("tftensor payloads are not supported by this component");
        case DefaultData::Kind::kNone:
            break;
    }
    throw MicroserviceError("Invalid request data type: `data` has no tensor, ndarray or tftensor");
}

}  // namespace components::protocol
