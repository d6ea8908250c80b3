// Seldon protocol v1 messages as JSON (seldon-core v1.17.1 proto/prediction.proto and the
// Python wrapper's JSON handling in python/seldon_core/utils.py and flask_utils.py).
//
// JSON values are sim::Json, whose objects keep keys sorted: serialised bodies come out
// with sorted keys, as Flask 2's jsonify writes the wrapper's responses.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/kernel/json.hpp"

namespace components::protocol {

using Json = sim::Json;

// ---- errors (flask_utils.py::SeldonMicroserviceException, executor client.go) ------------

inline constexpr std::string_view kBadData = "MICROSERVICE_BAD_DATA";
inline constexpr std::string_view kInternalError = "MICROSERVICE_INTERNAL_ERROR";
inline constexpr std::string_view kBadParameter = "MICROSERVICE_BAD_PARAMETER";
inline constexpr std::string_view kBadMetric = "MICROSERVICE_BAD_METRIC";

// An error the Python wrapper would answer with `{"status":{"code":-1,"info":...,
// "reason":...,"status":1}}` and the given HTTP status (400 unless said otherwise).
class MicroserviceError : public std::runtime_error {
  public:
    MicroserviceError(std::string info, std::string_view reason = kBadData, int http_status = 400)
        : std::runtime_error(info), reason_(reason), http_status_(http_status) {}
    const std::string& reason() const { return reason_; }
    int http_status() const { return http_status_; }

  private:
    std::string reason_;
    int http_status_;
};

// The wrapper's error body.
std::string wrapper_error_body(std::string_view info, std::string_view reason);
// The Go executor's error body for transport and internal errors (HTTP 500):
// {"status":{"code":500,"info":...,"status":"FAILURE"}}.
std::string executor_error_body(std::string_view info, int code = 500);

// ---- messages ------------------------------------------------------------------------------

struct Tensor {
    std::vector<std::int64_t> shape;
    std::vector<double> values;
    bool operator==(const Tensor&) const = default;
};

struct DefaultData {
    enum class Kind { kNone, kTensor, kNdarray, kTftensor };
    std::vector<std::string> names;
    bool has_names = false;  // `names` present in the JSON (possibly empty)
    Kind kind = Kind::kNone;
    Tensor tensor;
    Json ndarray;   // a JSON array (protobuf ListValue)
    Json tftensor;  // passed through untouched
    bool operator==(const DefaultData&) const = default;
};

enum class MetricType { kCounter, kGauge, kTimer };
std::string_view metric_type_name(MetricType type);

struct Metric {
    std::string key;
    MetricType type = MetricType::kCounter;
    double value = 0.0;  // TIMER: milliseconds
    std::map<std::string, std::string> tags;
    bool operator==(const Metric&) const = default;
};

struct Meta {
    std::optional<std::string> puid;
    Json tags = Json::object();
    std::map<std::string, std::int32_t> routing;
    std::map<std::string, std::string> request_path;
    std::vector<Metric> metrics;
    bool operator==(const Meta&) const = default;
};

struct Status {
    std::int32_t code = 0;
    std::string info;
    std::string reason;
    std::string status;  // SUCCESS or FAILURE
    bool operator==(const Status&) const = default;
};

struct SeldonMessage {
    enum class Payload { kNone, kData, kBinData, kStrData, kJsonData };
    std::optional<Status> status;
    std::optional<Meta> meta;
    Payload payload = Payload::kNone;
    DefaultData data;
    std::string bin_data;  // base64 text, as on the wire
    std::string str_data;
    Json json_data;
    bool operator==(const SeldonMessage&) const = default;
};

struct Feedback {
    std::optional<SeldonMessage> request;
    std::optional<SeldonMessage> response;
    double reward = 0.0;
    std::optional<SeldonMessage> truth;
    bool operator==(const Feedback&) const = default;
};

// Parsing throws MicroserviceError (400, MICROSERVICE_BAD_DATA) naming the field.
SeldonMessage message_from_json(const Json& json);
SeldonMessage parse_message(std::string_view body);
Feedback feedback_from_json(const Json& json);
Feedback parse_feedback(std::string_view body);
// A list of messages for /aggregate: a bare JSON array, or {"seldonMessages":[...]}.
std::vector<SeldonMessage> parse_message_list(std::string_view body);
// Parses a body as JSON or throws "Can't find JSON in data" (the wrapper's words).
Json parse_body(std::string_view body);

Json to_json(const SeldonMessage& message);
Json to_json(const Feedback& feedback);
Json to_json(const Meta& meta);
std::string serialize(const SeldonMessage& message);

// ---- arrays ---------------------------------------------------------------------------------

// The numpy view of a message's `data`: an n-dimensional JSON array and its shape. Throws
// MicroserviceError for a ragged ndarray or a tensor whose shape does not match its values.
struct Array {
    Json values = Json::array();  // nested JSON arrays
    std::vector<std::size_t> shape;
    bool numeric = true;  // every leaf is a number (or bool)
};
Array array_from_json(const Json& nested);
Array array_from_data(const DefaultData& data);

}  // namespace components::protocol
