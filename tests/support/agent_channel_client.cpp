// The agent control protocol over the generic test WebSocket client.
#include "tests/support/agent_channel_client.hpp"

#include <stdexcept>

namespace lifeline::testing {

v1::RelayToAgent AgentChannelClient::receive(std::chrono::milliseconds timeout) {
    auto frame = ws_.receive(timeout);
    v1::RelayToAgent message;
    if (!message.ParseFromString(frame)) throw std::runtime_error("the relay sent a frame that is not a RelayToAgent");
    return message;
}

}  // namespace lifeline::testing
