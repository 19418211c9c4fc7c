// Two pump coroutines and a timer the caller waits on until both have finished.
#include "shared/net/ws_tunnel.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include "shared/net/awaitable.hpp"

#include <array>
#include <memory>

namespace lifeline::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using Local = asio::local::stream_protocol::socket;

constexpr std::size_t kChunk = 64 * 1024;

namespace {

struct Tunnel {
    explicit Tunnel(const asio::any_io_executor& executor) : done(executor, asio::steady_timer::time_point::max()) {}
    asio::steady_timer done;
    int running = 2;
    std::string reason;

    void finish(std::string why, WsStream& ws, Local& local) {
        if (reason.empty()) reason = std::move(why);
        beast::error_code ignored;
        local.shutdown(Local::shutdown_both, ignored);
        local.close(ignored);
        ws.next_layer().close();
    }
    void exited() {
        --running;
        done.cancel();
    }
};

asio::awaitable<void> relay_to_local(std::shared_ptr<Tunnel> tunnel, WsStream& ws, Local& local,
                                     TunnelCounters& counters) {
    beast::flat_buffer buffer;
    for (;;) {
        buffer.clear();
        auto [read_error, bytes] = co_await ws.async_read(buffer, kTuple);
        if (read_error) {
            tunnel->finish(read_error == websocket::error::closed
                               ? "the relay closed the session: " + std::string(ws.reason().reason.c_str())
                               : "the session connection was lost: " + read_error.message(),
                           ws, local);
            break;
        }
        auto [write_error, written] = co_await asio::async_write(local, buffer.data(), kTuple);
        if (write_error) {
            tunnel->finish("the local end closed", ws, local);
            break;
        }
        counters.to_local += written;
    }
    tunnel->exited();
}

asio::awaitable<void> local_to_relay(std::shared_ptr<Tunnel> tunnel, WsStream& ws, Local& local,
                                     TunnelCounters& counters) {
    auto chunk = std::make_unique<std::array<char, kChunk>>();
    for (;;) {
        auto [read_error, bytes] = co_await local.async_read_some(asio::buffer(*chunk), kTuple);
        if (read_error) {
            // The local end finished: say so to the relay before the socket goes.
            if (tunnel->reason.empty()) {
                tunnel->reason = "the local end closed";
                websocket::close_reason why(websocket::close_code::normal, counters.close_reason.substr(0, 120));
                co_await ws.async_close(why, kTuple);
            }
            tunnel->finish("the local end closed", ws, local);
            break;
        }
        auto [write_error, written] = co_await ws.async_write(asio::buffer(chunk->data(), bytes), kTuple);
        if (write_error) {
            tunnel->finish("the session connection was lost: " + write_error.message(), ws, local);
            break;
        }
        counters.to_remote += bytes;
    }
    tunnel->exited();
}

}  // namespace

void configure_tunnel_stream(WsStream& ws) {
    ws.binary(true);
    // Beast's defaults (auto-fragment, a 4 KiB write buffer) would cut every chunk into 4 KiB frames,
    // each its own TLS record and write.
    ws.auto_fragment(false);
    ws.write_buffer_bytes(kChunk);
}

asio::awaitable<std::string> run_tunnel(WsStream& ws, Local& local, TunnelCounters& counters) {
    auto executor = co_await asio::this_coro::executor;
    auto tunnel = std::make_shared<Tunnel>(executor);
    configure_tunnel_stream(ws);
    asio::co_spawn(executor, relay_to_local(tunnel, ws, local, counters), asio::detached);
    asio::co_spawn(executor, local_to_relay(tunnel, ws, local, counters), asio::detached);
    while (tunnel->running > 0) {
        tunnel->done.expires_at(asio::steady_timer::time_point::max());
        co_await tunnel->done.async_wait(kTuple);
    }
    co_return tunnel->reason;
}

}  // namespace lifeline::net
