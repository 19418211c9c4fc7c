#include "relay/ws/event_stream.hpp"

#include "relay/ws/upgrade.hpp"
#include "shared/core/ids.hpp"
#include "shared/net/awaitable.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace lifeline::relay::ws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using net::kTuple;
constexpr std::size_t kMaxClientFrame = 4 << 10;  // the client has nothing to say; a close frame fits

struct EventStream::Client {
    explicit Client(beast::ssl_stream<beast::tcp_stream>&& stream) : ws(std::move(stream)), wake(ws.get_executor()) {}
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws;
    asio::steady_timer wake;
    std::shared_ptr<events::Subscription> subscription;
    std::string token_hash;
    std::string username;
    bool reader_done = false;
    bool closing = false;
    bool sent_a_message = false;
    bool left = false;  // serve() returned: no longer counts as online (read_loop may still hold it)
};

EventStream::EventStream(http::ApiContext& api, events::EventBus& bus, EventStreamOptions options)
    : api_(api), bus_(bus), options_(std::move(options)) {}

EventStream::~EventStream() = default;

bool EventStream::online(const std::string& username) {
    std::lock_guard lock(mutex_);
    return online_locked(username);
}

bool EventStream::online_locked(const std::string& username) const {
    for (const auto& weak : clients_) {
        if (auto c = weak.lock(); c && !c->left && c->username == username) return true;
    }
    return false;
}

void EventStream::publish_presence(const std::string& username, bool online) {
    v1::StaffEventExtra event;
    event.mutable_presence()->set_username(username);
    event.mutable_presence()->set_online(online);
    bus_.publish(event);
}

void EventStream::leave(Client& client) {
    bool last = false;
    {
        std::lock_guard lock(mutex_);
        client.left = true;
        last = !online_locked(client.username);
    }
    if (last) publish_presence(client.username, false);
}

void EventStream::shutdown() {
    std::vector<std::shared_ptr<Client>> live;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (auto& weak : clients_) {
            if (auto c = weak.lock()) live.push_back(std::move(c));
        }
    }
    for (auto& client : live) {
        asio::post(client->ws.get_executor(), [client] {
            client->closing = true;
            client->wake.cancel();
        });
    }
}

asio::awaitable<void> EventStream::accept(beast::ssl_stream<beast::tcp_stream> stream, http::Request request,
                                          std::string remote_address) {
    std::optional<store::Principal> principal;
    std::string token_hash;
    bool stopping;
    {
        std::lock_guard lock(mutex_);
        stopping = stopping_;
    }
    if (stopping) {
        co_await refuse_upgrade(stream, beast::http::status::service_unavailable, "unavailable",
                                "the relay is shutting down", options_.handshake_timeout);
        co_return;
    }
    if (foreign_origin(request, options_.allowed_origins)) {
        spdlog::warn("events: refused a WebSocket from a foreign origin address={}", remote_address);
        co_await refuse_upgrade(stream, beast::http::status::forbidden, "permission_denied",
                                "cross-origin WebSocket refused", options_.handshake_timeout);
        co_return;
    }
    if (auto token = bearer_token(request)) {
        token_hash = core::sha256_hex(*token);
        auto now = api_.clock.now();
        principal = co_await api_.run([&] { return api_.users.find_token(token_hash, now); });
    }
    if (!principal || principal->role == v1::AGENT) {
        co_await refuse_upgrade(stream, beast::http::status::unauthorized, "unauthenticated", "sign in as staff first",
                                options_.handshake_timeout);
        co_return;
    }

    auto client = std::make_shared<Client>(std::move(stream));
    client->token_hash = std::move(token_hash);
    client->username = principal->username;
    client->ws.set_option(websocket::stream_base::timeout{options_.handshake_timeout, options_.idle_timeout, true});
    client->ws.read_message_max(kMaxClientFrame);
    client->ws.binary(true);
    client->ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(beast::http::field::server, "lifeline-relay"); }));
    auto [accept_error] = co_await client->ws.async_accept(request, kTuple);
    if (accept_error) co_return;
    co_await serve(client);
}

asio::awaitable<void> EventStream::serve(std::shared_ptr<Client> client) {
    bool first = false;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) co_return;
        std::erase_if(clients_, [](const auto& weak) { return weak.expired(); });
        first = !online_locked(client->username);
        clients_.push_back(client);
    }
    // However serve() ends, the user's last stream closing is news to the others.
    struct Leaving {
        EventStream& streams;
        Client& client;
        ~Leaving() { streams.leave(client); }
    } leaving{*this, *client};
    if (first) publish_presence(client->username, true);
    // Subscribed only after the handshake: the client reads the queue over REST once it is open.
    std::weak_ptr<Client> weak = client;
    auto executor = client->ws.get_executor();
    client->subscription = bus_.subscribe(options_.queue_frames, [weak, executor] {
        asio::post(executor, [weak] {
            if (auto c = weak.lock()) c->wake.cancel();
        });
    });
    spdlog::info("events: {} subscribed", client->username);
    asio::co_spawn(executor, read_loop(client), asio::detached);

    auto recheck_at = std::chrono::steady_clock::now() + options_.recheck;
    websocket::close_reason close{websocket::close_code::going_away, "the relay is shutting down"};
    for (;;) {
        if (client->reader_done) co_return;
        if (client->sent_a_message) {
            close = {websocket::close_code::policy_error, "the event stream takes no messages"};
            break;
        }
        if (client->closing) break;
        if (client->subscription->overflowed()) {
            spdlog::warn("events: {} reads too slowly; closing its stream", client->username);
            close = {websocket::close_code::policy_error, "too slow"};
            break;
        }
        if (std::chrono::steady_clock::now() >= recheck_at) {
            auto now = api_.clock.now();
            const std::string& token_hash = client->token_hash;
            auto still = co_await api_.run([&] { return api_.users.find_token(token_hash, now); });
            if (!still) {
                close = {websocket::close_code::policy_error, "signed out"};
                break;
            }
            recheck_at = std::chrono::steady_clock::now() + options_.recheck;
        }
        auto frames = client->subscription->take();
        if (frames.empty()) {
            client->wake.expires_at(recheck_at);
            co_await client->wake.async_wait(kTuple);
            continue;
        }
        for (const auto& frame : frames) {
            auto [error, written] = co_await client->ws.async_write(asio::buffer(*frame), kTuple);
            if (error) co_return;
        }
    }
    co_await client->ws.async_close(close, kTuple);
}

asio::awaitable<void> EventStream::read_loop(std::shared_ptr<Client> client) {
    beast::flat_buffer buffer;
    for (;;) {
        auto [error, bytes] = co_await client->ws.async_read(buffer, kTuple);
        if (error) break;
        // The stream is one way: anything the client sends is a protocol error.
        buffer.clear();
        client->sent_a_message = true;
        client->wake.cancel();
    }
    client->reader_done = true;
    client->wake.cancel();
}

}  // namespace lifeline::relay::ws
