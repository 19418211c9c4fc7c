// A bare protocol client for wss://RELAY/v1/agent, for relay tests and the load benchmark: it
// speaks the real framing (one protobuf envelope per binary frame) without the agent program.
#pragma once

#include "lifeline.pb.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace lifeline::testing {

class AgentChannelClient {
public:
    AgentChannelClient(std::uint16_t port, const std::string& ca_file);

    // Opens the channel. Answers the HTTP status of a refused upgrade, or 101 when open.
    unsigned connect(const std::string& device_id, const std::string& secret, const std::string& origin = {});
    void send(const v1::AgentToRelay& message);
    void send_raw(const std::string& bytes, bool binary = true);
    // Waits up to `timeout` for a frame; throws on timeout or a closed channel.
    v1::RelayToAgent receive(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // True when the relay closed the channel within `timeout`.
    bool closed_by_relay(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    void close();

private:
    boost::asio::io_context io_;
    boost::asio::ssl::context tls_;
    std::uint16_t port_;
    std::unique_ptr<boost::beast::websocket::stream<boost::beast::ssl_stream<boost::beast::tcp_stream>>> ws_;
};

}  // namespace lifeline::testing
