// Seldon feedback bodies for the request path without parsing JSON per feedback call.
//
// A feedback body is the JSON object {request, response, reward} (seldon-v1.md §Feedback). The
// request path used to parse the request and the response and dump the object for every call;
// sim::Json dumps objects with their keys sorted and compactly, so the body is
//   {"request":R,"response":S,"reward":W}
// with R and S the canonical dumps (parse, then dump) of the two bodies and W the reward's
// dump. A traffic source sends the same few texts over and over and a model's answers repeat,
// so both canonical forms, and the label a response predicts, are memoised by body: parsing
// happens once per distinct body, not once per call. The memo is bounded; past its bound a body
// is worked out afresh each time (the same result, only slower).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sim::cluster {

class FeedbackBodies {
  public:
    static constexpr std::size_t kMemoLimit = 1 << 14;  // distinct bodies per table, at most

    // What a response says: its canonical dump and the label it predicts (data.ndarray's first
    // element, or its first row's first element, or strData; "" when none). nullopt when the
    // body is not JSON (then no feedback is sent).
    struct Response {
        std::string canonical;
        std::string predicted;
    };
    const std::optional<Response>& response(const std::string& body);
    // The canonical dump of a request body (a traffic source's rendered text: valid JSON).
    const std::string& request(const std::string& body);

    // The feedback body {"request":..,"response":..,"reward":..} from canonical dumps: equal to
    // sim::Json{{"request", parse(request)}, {"response", parse(response)},
    // {"reward", reward}}.dump().
    static std::string body(std::string_view canonical_request, std::string_view canonical_response,
                            double reward);

  private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };
    template <class V>
    using Table = std::unordered_map<std::string, V, Hash, std::equal_to<>>;

    Table<std::optional<Response>> responses_;
    Table<std::string> requests_;
    std::optional<Response> scratch_response_;  // past the bound
    std::string scratch_request_;
};

}  // namespace sim::cluster
