// Control-channel sessions: authentication at the upgrade, the frame loop, presence.
#include "relay/ws/agent_hub.hpp"

#include "relay/events/event_bus.hpp"
#include "relay/helpdesk/inventory.hpp"
#include "relay/helpdesk/ticket_rules.hpp"
#include "relay/ws/device_updates.hpp"
#include "relay/ws/upgrade.hpp"
#include "shared/core/ids.hpp"
#include "shared/net/awaitable.hpp"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <deque>

namespace lifeline::relay::ws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using google::protobuf::util::TimeUtil;
using net::kTuple;

struct AgentHub::Session {
    explicit Session(beast::ssl_stream<beast::tcp_stream>&& stream) : ws(std::move(stream)), wake(ws.get_executor()) {}
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws;
    v1::Device device;
    std::string remote;
    // Answers and pushed frames (session requests) share one writer: one outstanding write.
    std::deque<std::string> outbox;
    asio::steady_timer wake;
    bool closed = false;              // the reader is done: the writer stops
    bool close_when_flushed = false;  // a protocol error: send what is queued, then close

    void enqueue(std::string frame) {  // on the strand
        if (closed) return;
        outbox.push_back(std::move(frame));
        wake.cancel();
    }
};

namespace {

constexpr std::chrono::seconds kProtocolErrorCloseGrace{3};

std::string frame(const v1::RelayToAgent& message) { return message.SerializeAsString(); }

v1::RelayToAgent protocol_error(core::Errc code, std::string message, std::string key = {}, std::int64_t id = 0) {
    v1::RelayToAgent out;
    auto* error = out.mutable_error();
    error->set_code(std::string(core::errc_name(code)));
    error->set_message(std::move(message));
    error->set_idempotency_key(std::move(key));
    error->set_request_id(id);
    return out;
}

core::Result<void> check_open_ticket(const v1::OpenTicket& request) {
    if (request.idempotency_key().empty() || request.idempotency_key().size() > 64) {
        return http::invalid("idempotencyKey must be 1 to 64 characters");
    }
    if (request.subject().find_first_not_of(" \t") == std::string::npos) return http::invalid("subject is required");
    if (auto ok = http::check_text("subject", request.subject(), 200, false); !ok) return ok;
    if (auto ok = http::check_text("description", request.description(), 64 << 10, true); !ok) return ok;
    return http::check_text("category", request.category(), 64, false);
}

v1::RelayToAgent chat_history(std::int64_t request_id, const std::string& number,
                              std::vector<v1::ChatMessage> messages) {
    v1::RelayToAgent out;
    auto* history = out.mutable_chat_history();
    history->set_request_id(request_id);
    history->set_ticket_number(number);
    for (auto& m : messages)
        *history->add_messages() = std::move(m);
    return out;
}

}  // namespace

void AgentHub::publish_presence(const v1::Device& device, bool online) {
    if (!api_.events) return;
    v1::StaffEvent event;
    auto* status = event.mutable_device();
    status->set_device_id(device.id());
    status->set_online(online);
    status->set_hostname(device.hostname());
    api_.events->publish(event);
}

AgentHub::AgentHub(http::ApiContext& api, AgentHubOptions options, store::KbStore* kb)
    : api_(api), options_(std::move(options)), requests_(api, kb) {}

AgentHub::~AgentHub() = default;

bool AgentHub::online(const std::string& device_id) {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(device_id);
    return it != sessions_.end() && !it->second.expired();
}

std::size_t AgentHub::connected_count() {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [id, weak] : sessions_)
        n += weak.expired() ? 0 : 1;
    return n;
}

void AgentHub::close_session(const std::shared_ptr<Session>& session) {
    asio::post(session->ws.get_executor(), [session] {
        beast::error_code ignored;
        beast::get_lowest_layer(session->ws).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        beast::get_lowest_layer(session->ws).socket().close(ignored);
    });
}

void AgentHub::disconnect(const std::string& device_id) {
    std::shared_ptr<Session> session;
    {
        std::lock_guard lock(mutex_);
        auto it = sessions_.find(device_id);
        if (it != sessions_.end()) session = it->second.lock();
    }
    if (session) {
        spdlog::info("agents: disconnecting device={}", device_id);
        close_session(session);
    }
}

bool AgentHub::send(const std::string& device_id, const v1::RelayToAgent& message) {
    std::shared_ptr<Session> session;
    {
        std::lock_guard lock(mutex_);
        auto it = sessions_.find(device_id);
        if (it != sessions_.end()) session = it->second.lock();
    }
    if (!session) return false;
    asio::post(session->ws.get_executor(),
               [session, bytes = frame(message)]() mutable { session->enqueue(std::move(bytes)); });
    return true;
}

asio::awaitable<void> AgentHub::write_loop(std::shared_ptr<Session> session) {
    for (;;) {
        if (session->outbox.empty()) {
            if (session->close_when_flushed) {
                // A peer that broke the protocol gets a few seconds to answer the close, not the handshake timeout:
                // a relay stopping waits for every close in flight.
                session->ws.set_option(
                    websocket::stream_base::timeout{kProtocolErrorCloseGrace, websocket::stream_base::none(), false});
                co_await session->ws.async_close(websocket::close_code::policy_error, kTuple);
                break;
            }
            if (session->closed) break;
            session->wake.expires_at(asio::steady_timer::time_point::max());
            co_await session->wake.async_wait(kTuple);
            continue;
        }
        auto [error, written] = co_await session->ws.async_write(asio::buffer(session->outbox.front()), kTuple);
        if (error) break;
        session->outbox.pop_front();
    }
}

void AgentHub::shutdown() {
    std::vector<std::shared_ptr<Session>> live;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (auto& [id, weak] : sessions_) {
            if (auto s = weak.lock()) live.push_back(std::move(s));
        }
        for (auto& weak : closing_) {
            if (auto s = weak.lock()) live.push_back(std::move(s));
        }
    }
    for (auto& s : live)
        close_session(s);
}

asio::awaitable<void> AgentHub::accept(beast::ssl_stream<beast::tcp_stream> stream, http::Request request,
                                       std::string remote_address) {
    struct Refusal {
        beast::http::status status;
        std::string_view code;
        std::string_view message;
    };
    std::optional<Refusal> refusal;
    std::optional<v1::Device> device;
    {
        bool stopping;
        {
            std::lock_guard lock(mutex_);
            stopping = stopping_;
        }
        auto credential = device_credential(request);
        if (stopping) {
            refusal = Refusal{beast::http::status::service_unavailable, "unavailable", "the relay is shutting down"};
        } else if (foreign_origin(request, options_.allowed_origins)) {
            spdlog::warn("agents: refused a WebSocket from a foreign origin address={}", remote_address);
            refusal = Refusal{beast::http::status::forbidden, "permission_denied", "cross-origin WebSocket refused"};
        } else if (!credential) {
            refusal = Refusal{beast::http::status::unauthorized, "unauthenticated",
                              "send 'Authorization: Bearer <device id>.<device secret>'"};
        } else {
            std::string secret_hash = core::sha256_hex(credential->second);
            const std::string& id = credential->first;
            device = co_await api_.run([&] { return api_.devices.authenticate_device(id, secret_hash); });
            if (!device) {
                spdlog::warn("agents: refused device={} address={}: unknown, revoked or wrong secret", id,
                             remote_address);
                refusal = Refusal{beast::http::status::unauthorized, "unauthenticated",
                                  "the device credential is not valid (revoked or re-enrolled?)"};
            }
        }
    }
    if (refusal) {
        co_await refuse_upgrade(stream, refusal->status, refusal->code, refusal->message, options_.handshake_timeout);
        co_return;
    }

    auto session = std::make_shared<Session>(std::move(stream));
    session->device = std::move(*device);
    session->remote = std::move(remote_address);
    websocket::stream_base::timeout timeouts{options_.handshake_timeout, options_.idle_timeout, true};
    session->ws.set_option(timeouts);
    session->ws.read_message_max(options_.max_frame_bytes);
    session->ws.binary(true);
    session->ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(beast::http::field::server, "lifeline-relay"); }));
    auto [accept_error] = co_await session->ws.async_accept(request, kTuple);
    if (accept_error) {
        spdlog::debug("agents: WebSocket handshake failed for device={}: {}", session->device.id(),
                      accept_error.message());
        co_return;
    }
    co_await serve(session);
}

asio::awaitable<void> AgentHub::serve(std::shared_ptr<Session> session) {
    const std::string device_id = session->device.id();
    std::shared_ptr<Session> replaced;
    bool registered = false;
    {
        std::lock_guard lock(mutex_);
        // Authenticated while shutdown() ran: it never saw this session, so it must not stay open.
        if (!stopping_) {
            auto& slot = sessions_[device_id];
            replaced = slot.lock();
            slot = session;
            registered = true;
        }
    }
    if (!registered) {
        co_await session->ws.async_close(websocket::close_code::going_away, kTuple);
        co_return;
    }
    // One channel per device: a reconnect wins over a half-dead older connection.
    if (replaced) close_session(replaced);
    spdlog::info("agents: device={} hostname={} connected from {}", device_id, session->device.hostname(),
                 session->remote);
    publish_presence(session->device, true);

    auto& ws = session->ws;
    asio::co_spawn(ws.get_executor(), write_loop(session), asio::detached);
    beast::flat_buffer buffer;
    for (;;) {
        buffer.clear();
        auto [read_error, bytes] = co_await ws.async_read(buffer, kTuple);
        if (read_error) {
            spdlog::info("agents: device={} disconnected: {}", device_id, read_error.message());
            break;
        }
        v1::AgentToRelay message;
        if (!ws.got_binary() || !message.ParseFromArray(buffer.data().data(), static_cast<int>(buffer.size())) ||
            message.body_case() == v1::AgentToRelay::BODY_NOT_SET) {
            spdlog::warn("agents: device={} sent a malformed frame; closing", device_id);
            session->enqueue(
                frame(protocol_error(core::Errc::invalid_argument, "malformed frame: expected an AgentToRelay")));
            session->close_when_flushed = true;
            break;
        }

        v1::RelayToAgent answer;
        switch (message.body_case()) {
            case v1::AgentToRelay::kHello: {
                const v1::SystemInfo& info = message.hello().system_info();
                auto now = api_.clock.now();
                co_await api_.run(
                    [&] { api_.devices.record_snapshot(device_id, info, now, helpdesk::diff_inventory); });
                session->device.set_hostname(info.hostname().empty() ? session->device.hostname() : info.hostname());
                *session->device.mutable_system_info() = info;
                continue;  // hello needs no answer
            }
            case v1::AgentToRelay::kHeartbeat:
                *answer.mutable_heartbeat()->mutable_sent_at() =
                    TimeUtil::MillisecondsToTimestamp(core::to_unix_ms(api_.clock.now()));
                break;
            case v1::AgentToRelay::kOpenTicket: {
                const auto& request = message.open_ticket();
                if (auto ok = check_open_ticket(request); !ok) {
                    answer = protocol_error(ok.error().code, ok.error().message, request.idempotency_key());
                    break;
                }
                store::NewTicket ticket;
                auto& t = ticket.ticket;
                t.set_subject(request.subject());
                t.set_description(request.description());
                t.set_category(request.category());
                t.set_urgency(v1::MEDIUM);
                t.set_impact(v1::MEDIUM);
                t.set_priority(helpdesk::derive_priority(v1::MEDIUM, v1::MEDIUM));
                t.set_tier(1);
                t.set_channel("agent");
                t.set_device_id(device_id);
                const v1::SystemInfo& info =
                    request.has_system_info() ? request.system_info() : session->device.system_info();
                *t.mutable_system_info() = info;
                t.mutable_requester()->set_name(info.user().empty() ? session->device.hostname() : info.user());
                t.mutable_requester()->set_contact(session->device.hostname());
                ticket.created_by = "device:" + device_id;
                ticket.idempotency_key = request.idempotency_key();
                auto now = api_.clock.now();
                auto created = co_await api_.run([&] { return api_.tickets.create_ticket(ticket, now); });
                spdlog::info("tickets: device={} opened {} channel=agent", device_id, created.number());
                answer.mutable_ticket_opened()->set_idempotency_key(request.idempotency_key());
                answer.mutable_ticket_opened()->set_number(created.number());
                break;
            }
            case v1::AgentToRelay::kListTickets: {
                auto tickets = co_await api_.run([&] { return api_.tickets.device_tickets(device_id, 50); });
                auto* mine = answer.mutable_my_tickets();
                mine->set_request_id(message.list_tickets().request_id());
                for (const auto& t : tickets)
                    *mine->add_tickets() = ticket_summary(t);
                break;
            }
            case v1::AgentToRelay::kChatSend: {
                const auto& send = message.chat_send();
                if (auto ok = core::check_chat_text(send.text()); !ok) {
                    answer = protocol_error(ok.error().code, ok.error().message, {}, send.request_id());
                    break;
                }
                store::NewChatMessage chat;
                chat.ticket_number = send.ticket_number();
                const auto& user = session->device.system_info().user();
                chat.author = user.empty() ? session->device.hostname() : user;
                chat.from_user = true;
                chat.text = send.text();
                chat.device_id = device_id;
                chat.actor = store::Actor::device(device_id, session->remote);
                auto now = api_.clock.now();
                auto stored = co_await api_.run([&] { return api_.tickets.add_chat_message(chat, now); });
                if (!stored) {
                    answer = protocol_error(stored.error().code, stored.error().message, {}, send.request_id());
                    break;
                }
                answer = chat_history(send.request_id(), stored->ticket_number(), {std::move(*stored)});
                break;
            }
            case v1::AgentToRelay::kChatHistory: {
                const auto& ask = message.chat_history();
                const std::string& number = ask.ticket_number();
                auto messages = co_await api_.run([&] { return api_.tickets.list_chat(number, device_id, 500); });
                if (!messages) {
                    answer = protocol_error(messages.error().code, messages.error().message, {}, ask.request_id());
                    break;
                }
                answer = chat_history(ask.request_id(), number, std::move(*messages));
                break;
            }
            case v1::AgentToRelay::kSessionAnswer:
            case v1::AgentToRelay::kSessionEnded:
            case v1::AgentToRelay::kClipboardTransfer:
                if (session_events_) session_events_->on_session_message(device_id, message);
                continue;  // answered through the session broker, not here
            default:
                if (AgentRequests::handles(message)) {
                    const AgentCaller caller{session->device, session->remote};
                    answer = co_await requests_.answer(caller, message);
                }
                break;
        }
        session->enqueue(frame(answer));
    }
    session->closed = true;
    session->wake.cancel();

    {
        std::lock_guard lock(mutex_);
        auto it = sessions_.find(device_id);
        if (it != sessions_.end() && it->second.lock() == session) sessions_.erase(it);
        // Still sending its error and close: no longer the device's channel, but shutdown() must end it too.
        if (session->close_when_flushed) {
            std::erase_if(closing_, [](const std::weak_ptr<Session>& weak) { return weak.expired(); });
            closing_.push_back(session);
        }
    }
    if (session_events_) session_events_->on_device_offline(device_id);
    if (!online(device_id)) publish_presence(session->device, false);
    auto now = api_.clock.now();
    co_await api_.run([&] { api_.devices.record_last_seen(device_id, now); });
}

}  // namespace lifeline::relay::ws
