// Session broker: consent round trip over the control channel, socket pairing, the byte pumps
// (one frame in flight per direction, so a slow side slows the other through TCP backpressure and
// relay memory stays bounded; every frame also goes into the session's recording), and every way a
// session ends.
#include "relay/ws/session_broker.hpp"

#include "relay/recording/recorder.hpp"
#include "relay/ws/upgrade.hpp"
#include "shared/core/ids.hpp"
#include "shared/core/text.hpp"
#include "shared/net/awaitable.hpp"
#include "shared/net/tls_socket_stream.hpp"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <filesystem>

namespace lifeline::relay::ws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using google::protobuf::util::TimeUtil;
// Session sockets carry bulk screen bytes: past the upgrade they run on TlsSocketStream, not asio's SSL stream.
using WsStream = websocket::stream<net::TlsSocketStream>;
using net::kTuple;

// A consented session whose sockets are connecting or connected.
struct SessionBroker::Live {
    std::string id;
    std::string device_id;
    std::string technician;
    std::string ticket_number;
    std::shared_ptr<WsStream> agent;
    std::shared_ptr<WsStream> viewer;
    asio::any_io_executor pump_executor;               // the first socket's strand
    std::shared_ptr<asio::steady_timer> partner_wait;  // the first socket waits here for the second
    std::shared_ptr<asio::steady_timer> second_wait;   // the second socket waits here until the end
    std::shared_ptr<asio::steady_timer> pumps_done;
    std::shared_ptr<asio::steady_timer> idle_timer;
    int pumps_running = 0;
    bool pumping = false;
    bool ending = false;  // end() or the idle watch decided; the reason below wins
    std::string ended_by;
    std::string end_reason;
    // Counted on the pump strand, read by an end() on another thread.
    std::atomic<std::int64_t> to_viewer{0};
    std::atomic<std::int64_t> to_agent{0};
    std::chrono::steady_clock::time_point last_activity = std::chrono::steady_clock::now();
    // Null when sessions are not recorded (or the file could not be created); used from the pump strand, and
    // finished on the worker pool once both pumps have stopped.
    std::unique_ptr<recording::SessionRecorder> recorder;
};

namespace {

google::protobuf::Timestamp now_timestamp(const core::Clock& clock) {
    return TimeUtil::MillisecondsToTimestamp(core::to_unix_ms(clock.now()));
}

// Moves a requested or active session to its final state; leaves a finished one as it is.
void finish(v1::Session& s, v1::Session::State state, const google::protobuf::Timestamp& at, const std::string& by,
            const std::string& reason) {
    if (s.state() != v1::Session::REQUESTED && s.state() != v1::Session::ACTIVE) return;
    s.set_state(state);
    *s.mutable_ended_at() = at;
    s.set_ended_by(by);
    s.set_end_reason(reason);
}

bool valid_session_id(std::string_view id) {
    return id.size() >= 3 && id.size() <= 40 && id.starts_with("s-") &&
           std::all_of(id.begin() + 2, id.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

void close_socket(const std::shared_ptr<WsStream>& ws) {
    if (ws) ws->next_layer().close();
}

}  // namespace

SessionBroker::SessionBroker(asio::any_io_executor executor, http::ApiContext& api, store::SessionStore& store,
                             AgentHub& hub, SessionBrokerOptions options)
    : executor_(std::move(executor)), api_(api), store_(store), hub_(hub), options_(std::move(options)) {}

SessionBroker::~SessionBroker() = default;

void SessionBroker::finish_all_open(v1::Session::State state, const std::string& reason) {
    for (const auto& session : store_.open_sessions()) {
        auto now = now_timestamp(api_.clock);
        // A recording a crash cut short is kept as it is (it reads up to its last whole chunk), with its digest.
        std::optional<lifeline::recording::RecordingSummary> cut_short;
        if (!session.recording().empty() && session.recording_sha256().empty() && !options_.recordings_dir.empty()) {
            auto summary = lifeline::recording::summarize_file(
                (std::filesystem::path(options_.recordings_dir) / session.recording()).string());
            if (summary) cut_short = std::move(*summary);
        }
        (void)store_.update_session(session.id(), [&](v1::Session& s) -> core::Result<void> {
            finish(s, state, now, "relay", reason);
            if (cut_short) {
                s.set_recording_bytes(static_cast<std::int64_t>(cut_short->bytes));
                s.set_recording_sha256(cut_short->sha256);
            }
            return {};
        });
        if (cut_short) {
            spdlog::warn("recordings: {} was cut short ({} bytes, sha256 {})", session.recording(), cut_short->bytes,
                         cut_short->sha256);
        }
        spdlog::info("sessions: {} {}: {}", session.id(), state == v1::Session::FAILED ? "failed" : "ended", reason);
    }
}

void SessionBroker::fail_leftovers() { finish_all_open(v1::Session::FAILED, "the relay restarted"); }

namespace {

v1::RelayToAgent session_request(const v1::Session& session, const std::string& ticket_subject) {
    v1::RelayToAgent message;
    auto* request = message.mutable_session_request();
    request->set_session_id(session.id());
    request->set_ticket_number(session.ticket_number());
    request->set_ticket_subject(ticket_subject);
    request->set_technician_name(session.technician_name());
    request->set_mode(session.mode());
    if (session.has_monitor()) request->set_monitor(session.monitor());
    return message;
}

}  // namespace

asio::awaitable<bool> SessionBroker::ask_agent(v1::Session session, std::string ticket_subject,
                                               bool unattended_allowed) {
    auto message = session_request(session, ticket_subject);
    message.mutable_session_request()->set_unattended_allowed(unattended_allowed);
    if (!hub_.send(session.device_id(), message)) {
        co_await record_end(session.id(), v1::Session::FAILED, "relay", "the machine is offline");
        co_return false;
    }
    asio::co_spawn(executor_, expire_unanswered(session.id()), asio::detached);
    co_return true;
}

asio::awaitable<bool> SessionBroker::ask_upgrade(v1::Session session, std::string ticket_subject) {
    auto message = session_request(session, ticket_subject);
    message.mutable_session_request()->set_mode(v1::CONTROL);
    message.mutable_session_request()->set_upgrade(true);
    if (hub_.send(session.device_id(), message)) co_return true;
    const std::string id = session.id();
    co_await api_.run([&] {
        return store_.update_session(id, [](v1::Session& s) -> core::Result<void> {
            s.set_upgrade_pending(false);
            return {};
        });
    });
    co_return false;
}

asio::awaitable<void> SessionBroker::expire_unanswered(std::string id) {
    auto timer = std::make_shared<asio::steady_timer>(executor_, options_.answer_timeout);
    {
        std::lock_guard lock(mutex_);
        if (stopping_) co_return;
        answer_timers_[id] = timer;
    }
    co_await timer->async_wait(kTuple);
    {
        std::lock_guard lock(mutex_);
        answer_timers_.erase(id);
        if (stopping_) co_return;
    }
    auto now = now_timestamp(api_.clock);
    auto expired = co_await api_.run([&] {
        return store_.update_session(id, [&](v1::Session& s) -> core::Result<void> {
            if (s.state() == v1::Session::REQUESTED)
                finish(s, v1::Session::FAILED, now, "relay", "no answer from the machine");
            return {};
        });
    });
    if (expired && expired->state() == v1::Session::FAILED && expired->end_reason() == "no answer from the machine") {
        v1::RelayToAgent message;
        message.mutable_session_ended()->set_session_id(id);
        message.mutable_session_ended()->set_reason("no answer");
        message.mutable_session_ended()->set_ended_by("relay");
        hub_.send(expired->device_id(), message);
    }
}

void SessionBroker::on_session_message(const std::string& device_id, const v1::AgentToRelay& message) {
    if (message.has_session_answer()) {
        asio::co_spawn(executor_, answer(device_id, message.session_answer()), asio::detached);
    } else if (message.has_session_ended()) {
        const auto& ended = message.session_ended();
        if (!valid_session_id(ended.session_id())) return;
        std::string reason = ended.reason().empty() ? "the user stopped sharing" : ended.reason().substr(0, 200);
        asio::co_spawn(executor_, user_ended(device_id, ended.session_id(), std::move(reason)), asio::detached);
    } else if (message.has_clipboard_transfer()) {
        asio::co_spawn(executor_, clipboard_reported(device_id, message.clipboard_transfer()), asio::detached);
    }
}

asio::awaitable<void> SessionBroker::clipboard_reported(std::string device_id, v1::ClipboardTransfer transfer) {
    constexpr std::int64_t kMaxClipboard = std::int64_t{64} << 20;  // what the recording's parser follows
    if (!valid_session_id(transfer.session_id()) || transfer.bytes() < 0 || transfer.bytes() > kMaxClipboard) co_return;
    const auto now = api_.clock.now();
    auto recorded = co_await api_.run([&]() -> core::Result<void> {
        auto session = store_.get_session(transfer.session_id());
        if (!session) return session.error();
        if (session->device_id() != device_id) {
            return core::make_error(core::Errc::permission_denied, "not this machine's session");
        }
        if (session->state() != v1::Session::ACTIVE) {
            return core::make_error(core::Errc::conflict, "the session is not active");
        }
        const boost::json::object details{{"direction", transfer.to_machine() ? "to_machine" : "to_technician"},
                                          {"bytes", transfer.bytes()}};
        api_.audit.record(
            store::Actor::device(device_id),
            {"session.clipboard", session->ticket_number(), session->id(), device_id, boost::json::serialize(details)},
            now);
        return {};
    });
    if (!recorded) {
        spdlog::warn("sessions: device={} clipboard report for {} ignored: {}", device_id, transfer.session_id(),
                     recorded.error().message);
    }
}

asio::awaitable<void> SessionBroker::user_ended(std::string device_id, std::string id, std::string reason) {
    auto session = co_await api_.run([&] { return store_.get_session(id); });
    if (!session || session->device_id() != device_id) co_return;  // not this machine's
    co_await end(id, "user", reason);
}

asio::awaitable<void> SessionBroker::answer(std::string device_id, v1::SessionAnswer answer) {
    if (!valid_session_id(answer.session_id())) co_return;
    auto now = now_timestamp(api_.clock);
    std::string reason = answer.reason().substr(0, 200);
    auto updated = co_await api_.run([&] {
        return store_.update_session(answer.session_id(), [&](v1::Session& s) -> core::Result<void> {
            if (s.device_id() != device_id) {
                return core::make_error(core::Errc::permission_denied, "not this machine's session");
            }
            if (s.state() == v1::Session::ACTIVE && s.upgrade_pending()) {
                s.set_upgrade_pending(false);
                if (answer.allow()) {
                    s.set_mode(v1::CONTROL);
                    *s.mutable_upgraded_at() = now;
                }
                return {};
            }
            if (s.state() != v1::Session::REQUESTED) return core::make_error(core::Errc::conflict, "already answered");
            *s.mutable_answered_at() = now;
            if (answer.allow()) {
                s.set_state(v1::Session::ACTIVE);
            } else {
                s.set_state(v1::Session::DENIED);
                *s.mutable_ended_at() = now;
                s.set_ended_by("user");
                s.set_end_reason(reason.empty() ? "the user denied the request" : reason);
            }
            return {};
        });
    });
    if (!updated) {
        spdlog::warn("sessions: device={} answered {}: {}", device_id, answer.session_id(), updated.error().message);
        co_return;
    }
    spdlog::info("sessions: {} {} by device={} mode={} {}", updated->id(), answer.allow() ? "consented" : "denied",
                 device_id, updated->mode() == v1::CONTROL ? "control" : "view", updated->end_reason());
}

asio::awaitable<core::Result<v1::Session>> SessionBroker::record_end(const std::string& id, v1::Session::State state,
                                                                     const std::string& by, const std::string& reason,
                                                                     const Live* live) {
    auto now = now_timestamp(api_.clock);
    co_return co_await api_.run([&] {
        return store_.update_session(id, [&](v1::Session& s) -> core::Result<void> {
            // The end's audit row carries what was forwarded until now; the pumps store the final counts.
            if (live != nullptr && s.state() == v1::Session::ACTIVE) {
                s.set_bytes_to_viewer(live->to_viewer.load(std::memory_order_relaxed));
                s.set_bytes_to_agent(live->to_agent.load(std::memory_order_relaxed));
            }
            finish(s, state, now, by, reason);
            return {};
        });
    });
}

asio::awaitable<core::Result<v1::Session>> SessionBroker::end(std::string id, std::string ended_by,
                                                              std::string reason) {
    std::shared_ptr<Live> live;
    {
        std::lock_guard lock(mutex_);
        auto it = live_.find(id);
        if (it != live_.end()) live = it->second;
    }
    auto ended = co_await record_end(id, v1::Session::ENDED, ended_by, reason, live.get());
    if (!ended) co_return ended;
    spdlog::info("sessions: {} ended by {}: {}", id, ended->ended_by(), ended->end_reason());
    if (ended_by != "user") {
        v1::RelayToAgent message;
        message.mutable_session_ended()->set_session_id(id);
        message.mutable_session_ended()->set_reason(ended->end_reason());
        message.mutable_session_ended()->set_ended_by(ended->ended_by());
        hub_.send(ended->device_id(), message);
    }
    if (live) drop_sockets(live, ended->ended_by(), ended->end_reason());
    co_return ended;
}

void SessionBroker::on_device_offline(const std::string& device_id) {
    asio::co_spawn(executor_, end_open_sessions(device_id, "", "the machine went offline"), asio::detached);
}

void SessionBroker::ticket_closed(const std::string& number) {
    asio::co_spawn(executor_, end_open_sessions("", number, "the ticket was closed"), asio::detached);
}

asio::awaitable<void> SessionBroker::end_open_sessions(std::string device_id, std::string ticket_number,
                                                       std::string reason) {
    auto open = co_await api_.run([&] { return store_.open_sessions(); });
    for (const auto& session : open) {
        if (!device_id.empty() && session.device_id() != device_id) continue;
        if (!ticket_number.empty() && session.ticket_number() != ticket_number) continue;
        // An active session's own sockets decide its end; a request nobody can answer ends here.
        if (!device_id.empty() && session.state() == v1::Session::ACTIVE) continue;
        co_await end(session.id(), "relay", reason);
    }
}

void SessionBroker::shutdown() {
    std::map<std::string, std::shared_ptr<Live>> live;
    std::map<std::string, std::shared_ptr<asio::steady_timer>> timers;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        live.swap(live_);
        timers.swap(answer_timers_);
    }
    for (auto& [id, timer] : timers)
        asio::post(timer->get_executor(), [timer] { timer->cancel(); });
    for (auto& [id, l] : live)
        drop_sockets(l, "relay", "the relay is shutting down");
}

void SessionBroker::drop_sockets(const std::shared_ptr<Live>& live, std::string by, std::string reason) {
    if (!live->pump_executor) return;
    asio::post(live->pump_executor, [live, by = std::move(by), reason = std::move(reason)] {
        if (!live->ending) {  // the first reason wins
            live->ending = true;
            live->ended_by = by;
            live->end_reason = reason;
        }
        if (live->partner_wait) live->partner_wait->cancel();
        close_socket(live->agent);
        close_socket(live->viewer);
    });
}

void SessionBroker::end_open_sessions_at_exit() { finish_all_open(v1::Session::ENDED, "the relay is shutting down"); }

bool SessionBroker::recording_in_use(const std::string& session_id) {
    std::lock_guard lock(mutex_);
    return live_.count(session_id) > 0;
}

asio::awaitable<void> SessionBroker::accept(beast::ssl_stream<beast::tcp_stream> stream, http::Request request,
                                            std::string remote_address) {
    // /v1/sessions/{id}/agent or /v1/sessions/{id}/viewer
    std::string target(request.target().substr(0, request.target().find('?')));
    constexpr std::string_view kPrefix = "/v1/sessions/";
    std::string rest = target.substr(std::min(target.size(), kPrefix.size()));
    auto slash = rest.find('/');
    std::string id = rest.substr(0, slash);
    std::string side_name = slash == std::string::npos ? "" : rest.substr(slash + 1);
    const auto refuse = [&](beast::http::status status, std::string_view code, std::string_view message) {
        return refuse_upgrade(stream, status, code, message, options_.handshake_timeout);
    };
    if (!valid_session_id(id) || (side_name != "agent" && side_name != "viewer")) {
        co_await refuse(beast::http::status::not_found, "not_found", "no such session socket");
        co_return;
    }
    const Side side = side_name == "agent" ? Side::agent : Side::viewer;
    if (foreign_origin(request, options_.allowed_origins)) {
        co_await refuse(beast::http::status::forbidden, "permission_denied", "cross-origin WebSocket refused");
        co_return;
    }

    // Who is this, and is it theirs?
    std::string who;
    if (side == Side::agent) {
        auto credential = device_credential(request);
        std::optional<v1::Device> device;
        if (credential) {
            std::string secret_hash = core::sha256_hex(credential->second);
            device =
                co_await api_.run([&] { return api_.devices.authenticate_device(credential->first, secret_hash); });
        }
        if (!device) {
            co_await refuse(beast::http::status::unauthorized, "unauthenticated", "the device credential is not valid");
            co_return;
        }
        who = device->id();
    } else {
        auto token = bearer_token(request);
        std::optional<store::Principal> principal;
        if (token) {
            std::string token_hash = core::sha256_hex(*token);
            auto now = api_.clock.now();
            principal = co_await api_.run([&] { return api_.users.find_token(token_hash, now); });
        }
        if (!principal || principal->role == v1::AGENT) {
            co_await refuse(beast::http::status::unauthorized, "unauthenticated", "sign in first");
            co_return;
        }
        who = principal->username;
    }
    auto session = co_await api_.run([&] { return store_.get_session(id); });
    if (!session) {
        co_await refuse(beast::http::status::not_found, "not_found", "no such session");
        co_return;
    }
    if ((side == Side::agent && session->device_id() != who) ||
        (side == Side::viewer && session->technician() != who)) {
        spdlog::warn("sessions: {} refused {} socket for {} from {}", id, side_name, who, remote_address);
        co_await refuse(beast::http::status::forbidden, "permission_denied", "this session is not yours");
        co_return;
    }
    if (session->state() != v1::Session::ACTIVE) {
        co_await refuse(
            beast::http::status::conflict, "conflict",
            session->state() == v1::Session::REQUESTED ? "the user has not consented yet" : "the session is over");
        co_return;
    }

    auto ws = std::make_shared<WsStream>(net::TlsSocketStream::adopt(std::move(stream)));
    // The broker keeps its own idle watch; a socket may be driven from its partner's strand, so no
    // timer of the stream's own may run once it is paired.
    ws->set_option(websocket::stream_base::timeout{options_.handshake_timeout, websocket::stream_base::none(), false});
    ws->read_message_max(options_.max_frame_bytes);
    ws->binary(true);
    // Forward each message as one frame in one write (Beast would cut it into 4 KiB frames, each a TLS record).
    ws->auto_fragment(false);
    auto [accept_error] = co_await ws->async_accept(request, kTuple);
    if (accept_error) co_return;
    ws->set_option(
        websocket::stream_base::timeout{websocket::stream_base::none(), websocket::stream_base::none(), false});

    auto executor = co_await asio::this_coro::executor;
    std::shared_ptr<Live> live;
    bool first = false;
    std::shared_ptr<asio::steady_timer> my_wait = std::make_shared<asio::steady_timer>(executor);
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            close_socket(ws);
            co_return;
        }
        auto& slot = live_[id];
        if (!slot) {
            slot = std::make_shared<Live>();
            slot->id = id;
            slot->device_id = session->device_id();
            slot->technician = session->technician();
            slot->ticket_number = session->ticket_number();
        }
        live = slot;
        auto& mine = side == Side::agent ? live->agent : live->viewer;
        auto& theirs = side == Side::agent ? live->viewer : live->agent;
        if (mine) {
            live.reset();  // this side is already connected: refuse a second socket
        } else {
            mine = ws;
            first = !theirs;
            if (first) {
                live->pump_executor = executor;
                live->partner_wait = my_wait;
            } else {
                live->second_wait = my_wait;
                asio::post(live->pump_executor, [l = live] {
                    if (l->partner_wait) l->partner_wait->cancel();
                });
            }
        }
    }
    if (!live) {
        websocket::close_reason why(websocket::close_code::policy_error, "this side is already connected");
        co_await ws->async_close(why, kTuple);
        co_return;
    }
    spdlog::info("sessions: {} {} socket connected ({}) from {}", id, side_name, who, remote_address);
    if (first) {
        my_wait->expires_after(options_.pair_timeout);
        co_await my_wait->async_wait(kTuple);
        bool paired;
        {
            std::lock_guard lock(mutex_);
            live->partner_wait.reset();
            paired = live->agent && live->viewer && !live->ending;
        }
        if (!paired) {
            {
                std::lock_guard lock(mutex_);
                live_.erase(id);
            }
            close_socket(live->agent);
            close_socket(live->viewer);
            // Already recorded when end() decided; the relay's own shutdown is recorded here.
            if (live->ending) {
                co_await record_end(id, v1::Session::ENDED, live->ended_by, live->end_reason);
            } else {
                co_await record_end(id, v1::Session::FAILED, "relay",
                                    std::string("the ") + (side == Side::agent ? "technician" : "user's machine") +
                                        " did not connect in time");
            }
            co_return;
        }
        co_await run_pair(live);
    } else {
        my_wait->expires_at(asio::steady_timer::time_point::max());
        co_await my_wait->async_wait(kTuple);  // until the pumps are done with this socket
    }
}

asio::awaitable<void> SessionBroker::run_pair(std::shared_ptr<Live> live) {
    live->pumping = true;
    auto now = now_timestamp(api_.clock);
    const std::string id = live->id;
    if (options_.recording_enabled && !options_.recordings_dir.empty()) {
        recording::RecordingHeader header;
        header.session_id = id;
        header.ticket = live->ticket_number;
        header.device_id = live->device_id;
        header.technician = live->technician;
        header.started_unix_ms = TimeUtil::TimestampToMilliseconds(now);
        auto started = co_await api_.run([&] {
            return recording::SessionRecorder::start(options_.recordings_dir, header, options_.recording_policy);
        });
        if (started) {
            live->recorder = std::move(*started);
        } else {
            spdlog::error("recordings: session {} is not recorded: {}", id, started.error().message);
        }
    }
    const std::string recording_file = live->recorder ? live->recorder->file_name() : std::string();
    co_await api_.run([&] {
        return store_.update_session(id, [&](v1::Session& s) -> core::Result<void> {
            *s.mutable_started_at() = now;
            if (!recording_file.empty()) s.set_recording(recording_file);
            return {};
        });
    });
    spdlog::info("sessions: {} started: agent and viewer connected", id);
    auto executor = co_await asio::this_coro::executor;
    live->pumps_done = std::make_shared<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
    live->pumps_running = 2;
    asio::co_spawn(executor, pump(live, Side::agent), asio::detached);
    asio::co_spawn(executor, pump(live, Side::viewer), asio::detached);
    asio::co_spawn(executor, watch_idle(live), asio::detached);
    while (live->pumps_running > 0) {
        live->pumps_done->expires_at(asio::steady_timer::time_point::max());
        co_await live->pumps_done->async_wait(kTuple);
    }
    std::optional<recording::RecordingSummary> recorded;
    if (live->recorder) {
        recording::SessionRecorder& recorder = *live->recorder;
        recorded = co_await api_.run([&] { return recorder.finish(); });
        live->recorder.reset();
        if (recorded->complete) {
            spdlog::info("recordings: {} finished: {} bytes, sha256 {}", recorded->path, recorded->bytes,
                         recorded->sha256);
        } else {
            spdlog::error("recordings: {} is incomplete ({} bytes, sha256 {}): {}", recorded->path, recorded->bytes,
                          recorded->sha256, recorded->problem);
        }
    }
    {
        std::lock_guard lock(mutex_);
        auto it = live_.find(id);
        if (it != live_.end() && it->second == live) live_.erase(it);
    }
    const std::int64_t to_viewer = live->to_viewer.load(), to_agent = live->to_agent.load();
    const std::string by = live->ended_by, reason = live->end_reason;
    auto end_time = now_timestamp(api_.clock);
    auto ended = co_await api_.run([&] {
        return store_.update_session(id, [&](v1::Session& s) -> core::Result<void> {
            s.set_bytes_to_viewer(to_viewer);
            s.set_bytes_to_agent(to_agent);
            if (recorded) {
                s.set_recording_bytes(static_cast<std::int64_t>(recorded->bytes));
                s.set_recording_sha256(recorded->sha256);
            }
            if (s.state() == v1::Session::ACTIVE) finish(s, v1::Session::ENDED, end_time, by, reason);
            return {};
        });
    });
    if (ended) {
        spdlog::info("sessions: {} closed ({} bytes to the viewer, {} to the agent); ended by {}: {}", id, to_viewer,
                     to_agent, ended->ended_by(), ended->end_reason());
        if (ended->ended_by() != "user" && ended->ended_by() != "agent") {
            v1::RelayToAgent message;
            message.mutable_session_ended()->set_session_id(id);
            message.mutable_session_ended()->set_reason(ended->end_reason());
            message.mutable_session_ended()->set_ended_by(ended->ended_by());
            hub_.send(ended->device_id(), message);
        }
    }
    if (live->second_wait) {
        asio::post(live->second_wait->get_executor(), [wait = live->second_wait] { wait->cancel(); });
    }
}

asio::awaitable<void> SessionBroker::pump(std::shared_ptr<Live> live, Side from) {
    WsStream& in = from == Side::agent ? *live->agent : *live->viewer;
    WsStream& out = from == Side::agent ? *live->viewer : *live->agent;
    std::atomic<std::int64_t>& counter = from == Side::agent ? live->to_viewer : live->to_agent;
    beast::flat_buffer buffer;
    for (;;) {
        buffer.clear();
        auto [read_error, bytes] = co_await in.async_read(buffer, kTuple);
        if (!read_error && live->recorder) {
            // Recorded before it is forwarded, so an answer from the other side is always recorded after it.
            const auto data = buffer.data();
            const std::string_view frame(static_cast<const char*>(data.data()), data.size());
            if (from == Side::agent) {
                live->recorder->server_bytes(frame);
            } else {
                live->recorder->client_bytes(frame);
            }
        }
        if (read_error) {
            if (!live->ending) {
                live->ending = true;
                live->ended_by = from == Side::agent ? "agent" : "technician:" + live->technician;
                live->end_reason =
                    from == Side::agent ? "the user's machine closed the session" : "the technician closed the viewer";
                // The agent says in its close frame who ended it: "user: the user stopped sharing".
                std::string said(in.reason().reason.c_str());
                auto colon = said.find(": ");
                if (from == Side::agent && read_error == websocket::error::closed && colon != std::string::npos &&
                    core::check_text("close reason", said, 123, false)) {
                    std::string who = said.substr(0, colon);
                    if (who == "user" || who == "agent") {
                        live->ended_by = who;
                        live->end_reason = said.substr(colon + 2);
                    }
                }
            }
            break;
        }
        auto [write_error, written] = co_await out.async_write(buffer.data(), kTuple);
        if (write_error) {
            if (!live->ending) {
                live->ending = true;
                live->ended_by = from == Side::agent ? "technician:" + live->technician : "agent";
                live->end_reason =
                    from == Side::agent ? "the technician closed the viewer" : "the user's machine closed the session";
            }
            break;
        }
        counter.fetch_add(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
        live->last_activity = std::chrono::steady_clock::now();
    }
    // One side is gone: the other pump must not wait on its read forever.
    close_socket(live->agent);
    close_socket(live->viewer);
    --live->pumps_running;
    live->pumps_done->cancel();
    if (live->pumps_running == 0 && live->idle_timer) live->idle_timer->cancel();
}

asio::awaitable<void> SessionBroker::watch_idle(std::shared_ptr<Live> live) {
    live->idle_timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
    auto& timer = *live->idle_timer;
    while (live->pumps_running > 0) {
        // Checked five times per timeout, at most every 5 s: a session ends within 20 % of its idle limit.
        timer.expires_after(
            std::min<std::chrono::steady_clock::duration>(options_.idle_timeout / 5, std::chrono::seconds(5)));
        co_await timer.async_wait(kTuple);
        if (live->pumps_running == 0) break;
        if (std::chrono::steady_clock::now() - live->last_activity >= options_.idle_timeout) {
            if (!live->ending) {
                live->ending = true;
                live->ended_by = "relay";
                live->end_reason = "idle for " + std::to_string(options_.idle_timeout.count()) + " s";
            }
            close_socket(live->agent);
            close_socket(live->viewer);
            break;
        }
    }
}

}  // namespace lifeline::relay::ws
