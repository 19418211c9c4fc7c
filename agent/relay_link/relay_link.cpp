// Connection loop of the control channel: resolve, TCP, TLS with the pin, WebSocket upgrade with
// the device credential, hello, then one reader, one writer and a heartbeat per connection.
#include "agent/relay_link/relay_link.hpp"

#include "shared/core/ids.hpp"
#include "shared/net/awaitable.hpp"
#include "shared/net/tls.hpp"
#include "shared/net/ws_client.hpp"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>

namespace lifeline::agent {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using net::kTuple;
constexpr std::size_t kMaxFrame = 1 << 20;

struct RelayLink::Connection {
    Connection(const asio::any_io_executor& executor, asio::ssl::context& tls)
        : ws(executor, tls), wake(executor), heartbeat(executor) {}
    net::WsStream ws;
    std::deque<std::string> outbox;
    asio::steady_timer wake;  // the writer sleeps on it while the outbox is empty
    asio::steady_timer heartbeat;
    bool upgraded = false;
    bool closing = false;

    void abort() {
        closing = true;
        wake.cancel();
        heartbeat.cancel();
        beast::error_code ignored;
        beast::get_lowest_layer(ws).close(ignored);
    }
};

namespace {

std::uint64_t random_seed() {
    auto bytes = core::random_bytes(8);
    std::uint64_t seed = 0;
    for (unsigned char b : bytes)
        seed = (seed << 8) | b;
    return seed;
}

}  // namespace

RelayLink::RelayLink(asio::any_io_executor executor, RelayLinkOptions options, RelayLinkCallbacks callbacks)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      tls_(net::make_client_tls_context({"", "", options_.ca_fingerprint})),
      backoff_(options_.backoff_base, options_.backoff_cap, random_seed()),
      retry_timer_(executor_) {}

RelayLink::~RelayLink() {
    stopping_ = true;
    if (current_) current_->abort();
}

void RelayLink::start() { asio::co_spawn(executor_, run(), asio::detached); }

void RelayLink::stop() {
    stopping_ = true;
    retry_timer_.cancel();
    if (!current_) return;
    if (current_->upgraded && !current_->closing) {
        current_->closing = true;
        current_->wake.cancel();
        current_->heartbeat.cancel();
        asio::co_spawn(executor_, close_politely(current_), asio::detached);
    } else {
        current_->abort();
    }
}

bool RelayLink::send(const v1::AgentToRelay& message) {
    if (!connected_ || !current_ || current_->closing) return false;
    current_->outbox.push_back(message.SerializeAsString());
    current_->wake.cancel();
    return true;
}

void RelayLink::fail(std::string message) {
    if (!stopping_) spdlog::warn("agent: relay link: {}", message);
    last_error_ = std::move(message);
}

asio::awaitable<void> RelayLink::run() {
    while (!stopping_) {
        try {
            co_await connect_and_serve();
        } catch (const std::exception& e) {
            fail(std::string("connection failed: ") + e.what());
        }
        if (current_) current_->abort();
        current_.reset();
        if (connected_) {
            connected_ = false;
            if (callbacks_.disconnected) callbacks_.disconnected();
        }
        if (stopping_) break;
        // A refused credential will not heal by itself; knock rarely, so a re-enrolment elsewhere
        // or an administrator's mistake is still noticed without hammering the relay.
        auto delay = credential_refused_ ? options_.backoff_cap : backoff_.next();
        spdlog::info("agent: reconnecting to the relay in {:.1f} s", static_cast<double>(delay.count()) / 1000);
        retry_timer_.expires_after(delay);
        co_await retry_timer_.async_wait(kTuple);
    }
}

asio::awaitable<void> RelayLink::connect_and_serve() {
    auto connection = std::make_shared<Connection>(executor_, tls_);
    current_ = connection;
    const auto& address = options_.address;
    const std::string where = net::host_and_port(address.host, address.port);

    auto& ws = connection->ws;
    net::WsTarget target{address.host, address.port, "/v1/agent",
                         "Bearer " + options_.device_id + "." + options_.device_secret,
                         "lifeline-agent/" LIFELINE_VERSION};
    auto refused = co_await net::connect_websocket(ws, target);
    if (connection->closing) co_return;
    if (refused) {
        if (refused->http_status == 401) {
            credential_refused_ = true;
            co_return fail(
                "the relay refused this machine's device credential (revoked, or enrolled again); "
                "enroll again with `lifeline-agent enroll`");
        }
        if (refused->kind == net::WsConnectError::Kind::certificate) {
            co_return fail(refused->message + " (pinned " + options_.ca_fingerprint + ")");
        }
        co_return fail(refused->message);
    }
    ws.set_option(websocket::stream_base::timeout{std::chrono::seconds(15), options_.idle_timeout, true});
    ws.read_message_max(kMaxFrame);
    credential_refused_ = false;
    connection->upgraded = true;

    v1::AgentHello hello_message = co_await callbacks_.hello();
    v1::AgentToRelay first;
    *first.mutable_hello() = std::move(hello_message);
    std::string hello = first.SerializeAsString();
    if (connection->closing) co_return;
    auto [hello_error, hello_bytes] = co_await ws.async_write(asio::buffer(hello), kTuple);
    if (hello_error) co_return fail("the relay closed the channel during the hello: " + hello_error.message());

    connected_ = true;
    connected_since_ = std::chrono::system_clock::now();
    last_error_.clear();
    backoff_.reset();
    spdlog::info("agent: connected to the relay at {} as device {}", where, options_.device_id);
    asio::co_spawn(executor_, write_loop(connection), asio::detached);
    asio::co_spawn(executor_, heartbeat_loop(connection), asio::detached);
    if (callbacks_.connected) callbacks_.connected();

    beast::flat_buffer buffer;
    for (;;) {
        buffer.clear();
        auto [read_error, bytes] = co_await ws.async_read(buffer, kTuple);
        if (read_error) {
            if (!stopping_) {
                fail("the relay closed the channel: " + (read_error == websocket::error::closed
                                                             ? std::string(ws.reason().reason.c_str())
                                                             : read_error.message()));
            }
            break;
        }
        v1::RelayToAgent message;
        if (!ws.got_binary() || !message.ParseFromArray(buffer.data().data(), static_cast<int>(buffer.size()))) {
            fail("the relay sent a frame that is not a RelayToAgent; reconnecting");
            break;
        }
        if (callbacks_.message) callbacks_.message(message);
    }
    connection->abort();
}

asio::awaitable<void> RelayLink::write_loop(std::shared_ptr<Connection> connection) {
    while (!connection->closing) {
        if (connection->outbox.empty()) {
            connection->wake.expires_at(asio::steady_timer::time_point::max());
            co_await connection->wake.async_wait(kTuple);
            continue;
        }
        auto [error, written] = co_await connection->ws.async_write(asio::buffer(connection->outbox.front()), kTuple);
        if (error) {
            connection->abort();
            co_return;
        }
        connection->outbox.pop_front();
    }
}

asio::awaitable<void> RelayLink::heartbeat_loop(std::shared_ptr<Connection> connection) {
    while (!connection->closing) {
        connection->heartbeat.expires_after(options_.heartbeat_interval);
        co_await connection->heartbeat.async_wait(kTuple);
        if (connection->closing) co_return;
        v1::AgentToRelay beat;
        *beat.mutable_heartbeat()->mutable_sent_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
        connection->outbox.push_back(beat.SerializeAsString());
        connection->wake.cancel();
    }
}

asio::awaitable<void> RelayLink::close_politely(std::shared_ptr<Connection> connection) {
    co_await connection->ws.async_close(websocket::close_code::going_away, kTuple);
    connection->abort();
}

}  // namespace lifeline::agent
