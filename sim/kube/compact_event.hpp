// A core/v1 Event as client-go's recorder creates it (events.hpp), and the compact form the
// API server stores it in (stored_object.hpp says why).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/kernel/json_fwd.hpp"
#include "sim/kube/stored_object.hpp"

namespace sim::kube {

// Every string of a new Event, as the recorder chose them (tools/record/event.go makeEvent):
// count 1, eventTime null, firstTimestamp = lastTimestamp. Views: the caller's strings.
struct EventSpec {
    std::string_view name;
    std::string_view ns;
    // involvedObject (tools/reference GetReference): always all six, "" when unknown.
    std::string_view involved_api_version;
    std::string_view involved_kind;
    std::string_view involved_name;
    std::string_view involved_namespace;
    std::string_view involved_resource_version;
    std::string_view involved_uid;
    std::string_view type;  // Normal or Warning
    std::string_view reason;
    std::string_view message;
    // source.component and reportingComponent; source.host (omitted when "") and
    // reportingInstance.
    std::string_view component;
    std::string_view host;
    std::string_view timestamp;  // RFC 3339: firstTimestamp and lastTimestamp
};

// The Event the recorder sends (what a create request carries).
sim::Json event_json(const EventSpec& spec);

// A created Event: its spec and the metadata the server gave it (uid, creationTimestamp,
// resourceVersion), all packed in one string. Materializes to exactly the object a create of
// event_json(spec) stores.
class CompactEvent final : public CompactObject {
  public:
    CompactEvent(const EventSpec& spec, std::string_view uid, std::string_view creation_timestamp,
                 std::string_view resource_version);

    EventSpec spec() const;  // views into this object

  protected:
    sim::Json to_json() const override;

  private:
    enum Field : std::uint8_t {
        kName,
        kNamespace,
        kInvolvedApiVersion,
        kInvolvedKind,
        kInvolvedName,
        kInvolvedNamespace,
        kInvolvedResourceVersion,
        kInvolvedUid,
        kType,
        kReason,
        kMessage,
        kComponent,
        kHost,
        kTimestamp,
        kUid,
        kCreationTimestamp,
        kResourceVersion,
        kFieldCount
    };
    std::string_view field(Field f) const {
        const std::uint32_t begin = f == 0 ? 0 : end_[f - 1];
        return std::string_view(text_).substr(begin, end_[f] - begin);
    }

    std::string text_;                              // the fields, one after another
    std::array<std::uint32_t, kFieldCount> end_{};  // where each field ends in text_
};

}  // namespace sim::kube
