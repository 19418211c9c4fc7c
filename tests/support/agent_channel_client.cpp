// The agent control protocol over the generic test WebSocket client.
#include "tests/support/agent_channel_client.hpp"

#include "tests/support/agent_process.hpp"

#include <stdexcept>

namespace lifeline::testing {

v1::RelayToAgent AgentChannelClient::receive(std::chrono::milliseconds timeout) {
    for (;;) {
        auto frame = ws_.receive(timeout);
        v1::RelayToAgent message;
        if (!message.ParseFromString(frame)) {
            throw std::runtime_error("the relay sent a frame that is not a RelayToAgent");
        }
        if (!message.has_ticket_update()) return message;
        ticket_updates_.push_back(message.ticket_update());
    }
}

std::optional<v1::TicketSummary> AgentChannelClient::take_ticket_update() {
    if (ticket_updates_.empty()) return std::nullopt;
    auto update = std::move(ticket_updates_.front());
    ticket_updates_.pop_front();
    return update;
}

ChannelMachine machine_with_ticket(const RelayProcess& relay, const std::string& machine_id, const v1::SystemInfo& info,
                                   const std::string& subject) {
    ChannelMachine m;
    m.credential = enroll_device(relay, machine_id);
    m.channel = std::make_unique<AgentChannelClient>(relay.port(), relay.ca_file());
    if (m.channel->connect(m.credential.device_id(), m.credential.device_secret()) != 101) {
        throw std::runtime_error("the relay refused the control channel of " + machine_id);
    }
    v1::AgentToRelay hello;
    *hello.mutable_hello()->mutable_system_info() = info;
    m.channel->send(hello);
    v1::AgentToRelay open;
    open.mutable_open_ticket()->set_idempotency_key("key-" + machine_id);
    open.mutable_open_ticket()->set_subject(subject);
    m.channel->send(open);
    auto opened = m.channel->receive();
    if (!opened.has_ticket_opened())
        throw std::runtime_error("no ticket for " + machine_id + ": " + opened.DebugString());
    m.ticket = opened.ticket_opened().number();
    return m;
}

}  // namespace lifeline::testing
