#include "sim/cluster/feedback_body.hpp"

#include "sim/kernel/json.hpp"

namespace sim::cluster {
namespace {

using Json = sim::Json;

std::optional<FeedbackBodies::Response> read_response(const std::string& body) {
    Json response;
    try {
        response = Json::parse(body);
    } catch (const Json::exception&) {
        return std::nullopt;
    }
    FeedbackBodies::Response out;
    if (response.is_object()) {
        const auto data = response.find("data");
        const Json* nd = nullptr;
        if (data != response.end() && data->is_object()) {
            const auto found = data->find("ndarray");
            if (found != data->end()) nd = &*found;
        }
        const auto str_data = response.find("strData");
        if (nd && nd->is_array() && !nd->empty()) {
            const Json& first =
                nd->front().is_array() && !nd->front().empty() ? nd->front().front() : nd->front();
            if (first.is_string()) out.predicted = first.get<std::string>();
        } else if (str_data != response.end() && str_data->is_string()) {
            out.predicted = str_data->get<std::string>();
        }
    }
    out.canonical = response.dump();
    return out;
}

}  // namespace

const std::optional<FeedbackBodies::Response>& FeedbackBodies::response(const std::string& body) {
    if (const auto it = responses_.find(std::string_view(body)); it != responses_.end())
        return it->second;
    if (responses_.size() >= kMemoLimit) {
        scratch_response_ = read_response(body);
        return scratch_response_;
    }
    return responses_.emplace(body, read_response(body)).first->second;
}

const std::string& FeedbackBodies::request(const std::string& body) {
    if (const auto it = requests_.find(std::string_view(body)); it != requests_.end())
        return it->second;
    if (requests_.size() >= kMemoLimit) {
        scratch_request_ = Json::parse(body).dump();
        return scratch_request_;
    }
    return requests_.emplace(body, Json::parse(body).dump()).first->second;
}

std::string FeedbackBodies::body(std::string_view canonical_request,
                                 std::string_view canonical_response, double reward) {
    std::string out;
    out.reserve(canonical_request.size() + canonical_response.size() + 48);
    out += "{\"request\":";
    out += canonical_request;
    out += ",\"response\":";
    out += canonical_response;
    out += ",\"reward\":";
    out += Json(reward).dump();
    out += '}';
    return out;
}

}  // namespace sim::cluster
