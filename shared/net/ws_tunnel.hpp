// The byte tunnel of a remote session at either end: a session WebSocket to the relay on one side,
// a local stream socket (one end of a socketpair: the agent's screen server, the viewer's RFB
// client) on the other.
#pragma once

#include "shared/net/ws_client.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <atomic>
#include <cstdint>
#include <string>

namespace lifeline::net {

struct TunnelCounters {
    std::atomic<std::uint64_t> to_local{0};   // bytes from the relay delivered to the local socket
    std::atomic<std::uint64_t> to_remote{0};  // bytes from the local socket sent to the relay
    // Sent in the WebSocket close frame when the local end finishes first (at most 120 bytes), so
    // the relay can record why: "user: the user stopped sharing". Set it on the tunnel's strand.
    std::string close_reason;
};

// Moves bytes both ways until either side closes or fails, then closes both and answers why it
// ended. One operation in flight per direction, and the next read only after the previous write
// completed, so a slow side slows the other (no buffering beyond one chunk per direction). Local
// reads go out as binary frames of at most 64 KiB. `ws` and `local` must use the same (implicit or
// explicit) strand; run it there.
boost::asio::awaitable<std::string> run_tunnel(WsStream& ws, boost::asio::local::stream_protocol::socket& local,
                                               TunnelCounters& counters);

// What run_tunnel sets on `ws` before it starts: binary, and each message sent as one frame in one
// write. Call it only while nothing is in flight.
void configure_tunnel_stream(WsStream& ws);

}  // namespace lifeline::net
