// A bare protocol client for wss://RELAY/v1/agent, for relay tests and the load benchmark: it
// speaks the real framing (one protobuf envelope per binary frame) without the agent program.
#pragma once

#include "lifeline.pb.h"
#include "tests/support/relay_process.hpp"
#include "tests/support/ws_test_client.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace lifeline::testing {

class AgentChannelClient {
public:
    AgentChannelClient(std::uint16_t port, const std::string& ca_file) : ws_(port, ca_file) {}

    // Opens the channel. Answers the HTTP status of a refused upgrade, or 101 when open.
    unsigned connect(const std::string& device_id, const std::string& secret, const std::string& origin = {}) {
        return ws_.connect("/v1/agent", "Bearer " + device_id + "." + secret, origin);
    }
    void send(const v1::AgentToRelay& message) { ws_.send(message.SerializeAsString()); }
    void send_raw(const std::string& bytes, bool binary = true) { ws_.send(bytes, binary); }
    // Waits up to `timeout` for a frame; throws on timeout or a closed channel. Ticket updates the relay
    // pushes whenever a ticket changes are not returned but kept for take_ticket_update(), so a test of
    // other frames sees them in order whatever staff did to the ticket meanwhile.
    v1::RelayToAgent receive(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // The oldest ticket update receive() has kept, if any.
    std::optional<v1::TicketSummary> take_ticket_update();
    // True when the relay closed the channel within `timeout`.
    bool closed_by_relay(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        return ws_.closed_by_relay(timeout);
    }
    void close() { ws_.close(); }

private:
    WsTestClient ws_;
    std::deque<v1::TicketSummary> ticket_updates_;
};

// A machine enrolled through the API, on its control channel, that said hello with `info` and
// opened a Get-help ticket (idempotency key "key-MACHINE").
struct ChannelMachine {
    v1::EnrollResponse credential;
    std::unique_ptr<AgentChannelClient> channel;
    std::string ticket;
};
ChannelMachine machine_with_ticket(const RelayProcess& relay, const std::string& machine_id, const v1::SystemInfo& info,
                                   const std::string& subject);

}  // namespace lifeline::testing
