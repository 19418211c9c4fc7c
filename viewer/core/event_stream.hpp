// The viewer's end of wss://RELAY/v1/events: a thread of its own keeps the stream open, hands each
// StaffEvent (or StaffEventExtra) to a callback, and reconnects (1 s doubling to 30 s) after a drop,
// until stopped. A relay that refuses the token (signed out, disabled) ends it for good. No Qt.
#pragma once

#include "helpdesk.pb.h"
#include "lifeline.pb.h"
#include "viewer/core/session_client.hpp"

#include <functional>
#include <memory>
#include <string>

namespace lifeline::viewer {

struct EventStreamCallbacks {
    // Each pushed change. On the stream's thread.
    std::function<void(const v1::StaffEvent&)> event;
    // Each pushed change of the kinds that came later (a group changed); optional. On the stream's thread.
    std::function<void(const v1::StaffEventExtra&)> extra;
    // The stream opened (`live`: re-read what may have changed meanwhile) or dropped (`why`); `final` when it
    // will not retry (the token was refused). On the stream's thread.
    std::function<void(bool live, const std::string& why, bool final)> state;
};

class EventStream {
public:
    EventStream(RelayEndpoint relay, std::string token, EventStreamCallbacks callbacks);
    ~EventStream();
    EventStream(const EventStream&) = delete;
    EventStream& operator=(const EventStream&) = delete;

    void start();
    // Closes the stream and joins its thread; no callback runs after it returns. Idempotent.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lifeline::viewer
