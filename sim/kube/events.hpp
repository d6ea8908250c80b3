// A simple core/v1 Event writer for controllers (client-go tools/record, reduced): an
// identical event (same source, involved object, type, reason and message) bumps `count` and
// `lastTimestamp` of the existing Event; otherwise a new Event named
// "<involved name>.<hex unix nanos>" is created. The similar-event aggregation and the spam
// filter of k8s-semantics.md §3h come later.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "sim/kube/client.hpp"

namespace sim::kube {

class EventRecorder {
  public:
    EventRecorder(Client& client, std::string component, std::string host = "");

    // type: "Normal" or "Warning". Returns the written Event (or the API error).
    Result<Json> record_event(const Json& involved, const std::string& type,
                              const std::string& reason, const std::string& message);

  private:
    Client& client_;
    std::string component_;
    std::string host_;
    std::map<std::string, std::string> written_;  // identity key -> Event name
};

// The involvedObject reference for an object.
Json object_reference(const Json& object);

}  // namespace sim::kube
