// Connection loop of the control channel: resolve, TCP, TLS with the pin, WebSocket upgrade with
// the device credential, hello, then one reader, one writer and a heartbeat per connection.
#include "agent/relay_link/relay_link.hpp"

#include "shared/core/ids.hpp"
#include "shared/net/tls.hpp"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <deque>

#ifndef LIFELINE_VERSION
#define LIFELINE_VERSION "dev"
#endif

namespace lifeline::agent {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxFrame = 1 << 20;

struct RelayLink::Connection {
    Connection(const asio::any_io_executor& executor, asio::ssl::context& tls)
        : ws(executor, tls), wake(executor), heartbeat(executor) {}
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws;
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
        beast::get_lowest_layer(ws).socket().close(ignored);
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

std::string host_header(const RelayAddress& address) {
    bool v6 = address.host.find(':') != std::string::npos;
    return (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
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
    const std::string where = host_header(address);

    asio::ip::tcp::resolver resolver(executor_);
    auto [resolve_error, endpoints] =
        co_await resolver.async_resolve(address.host, std::to_string(address.port), kTuple);
    if (resolve_error) co_return fail("cannot resolve " + address.host + ": " + resolve_error.message());
    if (connection->closing) co_return;

    auto& tcp = beast::get_lowest_layer(connection->ws);
    tcp.expires_after(std::chrono::seconds(15));
    auto [connect_error, endpoint] = co_await tcp.async_connect(endpoints, kTuple);
    if (connect_error) co_return fail("cannot connect to " + where + ": " + connect_error.message());
    tcp.socket().set_option(asio::ip::tcp::no_delay(true));

    net::set_verify_host(connection->ws.next_layer().native_handle(), address.host);
    auto [tls_error] = co_await connection->ws.next_layer().async_handshake(asio::ssl::stream_base::client, kTuple);
    if (tls_error) {
        if (net::is_certificate_rejection(tls_error)) {
            co_return fail("the relay at " + where + " presented a certificate that does not match the pinned CA " +
                           options_.ca_fingerprint + "; refusing to talk to it (nothing was sent)");
        }
        co_return fail("TLS handshake with " + where + " failed: " + tls_error.message());
    }
    tcp.expires_never();

    auto& ws = connection->ws;
    ws.set_option(websocket::stream_base::timeout{std::chrono::seconds(15), options_.idle_timeout, true});
    ws.read_message_max(kMaxFrame);
    const std::string authorization = "Bearer " + options_.device_id + "." + options_.device_secret;
    ws.set_option(websocket::stream_base::decorator([authorization](websocket::request_type& request) {
        request.set(beast::http::field::authorization, authorization);
        request.set(beast::http::field::user_agent, "lifeline-agent/" LIFELINE_VERSION);
    }));
    websocket::response_type response;
    auto [upgrade_error] = co_await ws.async_handshake(response, where, "/v1/agent", kTuple);
    if (upgrade_error) {
        if (response.result() == beast::http::status::unauthorized) {
            credential_refused_ = true;
            co_return fail(
                "the relay refused this machine's device credential (revoked, or enrolled again); "
                "enroll again with `lifeline-agent enroll`");
        }
        co_return fail("the relay at " + where + " refused the control channel: " +
                       (response.result_int() ? std::to_string(response.result_int()) + " " + response.body()
                                              : upgrade_error.message()));
    }
    credential_refused_ = false;
    connection->upgraded = true;
    ws.binary(true);

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
