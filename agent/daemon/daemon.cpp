// The daemon's request handling: help (queue first, then send), status and its pushes to the
// watchers, the relay's answers, and screenshot uploads over HTTPS with the device credential.
#include "agent/daemon/daemon.hpp"

#include "shared/core/ids.hpp"
#include "shared/core/offload.hpp"
#include "shared/core/text.hpp"
#include "shared/net/awaitable.hpp"
#include "shared/net/https_client.hpp"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace lifeline::agent {

namespace asio = boost::asio;
using google::protobuf::util::TimeUtil;
using net::kTuple;
constexpr std::size_t kMaxScreenshot = 8 << 20;  // the relay's attachment limit
constexpr std::string_view kPngSignature = "\x89PNG\r\n\x1a\n";

struct Daemon::Waiter {
    explicit Waiter(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
    std::optional<v1::RelayToAgent> answer;
};

namespace {

v1::LocalResponse local_error(const core::Error& error) {
    v1::LocalResponse response;
    response.mutable_error()->set_code(std::string(core::errc_name(error.code)));
    response.mutable_error()->set_message(error.message);
    return response;
}

v1::LocalResponse local_error(core::Errc code, std::string message) {
    return local_error(core::make_error(code, std::move(message)));
}

core::Result<void> check_help(const v1::HelpRequest& request) {
    if (request.subject().find_first_not_of(" \t") == std::string::npos) {
        return core::make_error(core::Errc::invalid_argument, "say in a few words what is wrong (the subject)");
    }
    if (auto ok = core::check_text("subject", request.subject(), 200, false); !ok) return ok;
    if (auto ok = core::check_text("description", request.description(), 64 << 10, true); !ok) return ok;
    if (auto ok = core::check_text("category", request.category(), 64, false); !ok) return ok;
    if (!request.screenshot_png().empty() && (request.screenshot_png().size() > kMaxScreenshot ||
                                              !std::string_view(request.screenshot_png()).starts_with(kPngSignature))) {
        return core::make_error(core::Errc::invalid_argument, "the screenshot must be a PNG of at most 8 MiB");
    }
    return {};
}

// Answers from the relay that will not change on a resend: the request itself is wrong.
bool is_final_refusal(const v1::ProtocolError& error) {
    return error.code() == core::errc_name(core::Errc::invalid_argument) ||
           error.code() == core::errc_name(core::Errc::payload_too_large) ||
           error.code() == core::errc_name(core::Errc::permission_denied);
}

}  // namespace

Daemon::Daemon(asio::io_context& io, DaemonOptions options) : io_(io), options_(std::move(options)) {}

Daemon::~Daemon() {
    stop();
    pool_.join();
}

core::Result<void> Daemon::start() {
    auto address = parse_relay_url(options_.config.relay_url);
    if (!address) return address.error();
    address_ = *address;
    auto queue = HelpQueue::open(options_.config.state_dir);
    if (!queue) return queue.error();
    queue_.emplace(std::move(*queue));

    local_ = std::make_unique<LocalServer>(io_.get_executor(), options_.config.socket_path,
                                           [this](const v1::LocalRequest& request) { return handle(request); });
    local_->set_watch_greeting([this] {
        v1::LocalEvent event;
        *event.mutable_status() = current_status();
        return std::vector<v1::LocalEvent>{event};
    });
    if (auto ok = local_->listen(); !ok) return ok;

    RelayLinkOptions link;
    link.address = address_;
    link.ca_fingerprint = options_.config.ca_fingerprint;
    link.device_id = options_.config.device_id;
    link.device_secret = options_.config.device_secret;
    link.backoff_cap = options_.backoff_cap;
    SessionDeskOptions desk;
    desk.config = options_.config;
    desk.display = options_.display;
    desk.consent_window = options_.consent_window;
    desk.changed = [this] { push_status(); };
    sessions_ = std::make_unique<SessionDesk>(io_.get_executor(), pool_, std::move(desk),
                                              [this](const v1::AgentToRelay& message) { return link_->send(message); });

    RelayLinkCallbacks callbacks;
    callbacks.hello = [this] { return hello(); };
    callbacks.connected = [this] { on_connected(); };
    callbacks.message = [this](const v1::RelayToAgent& message) { on_message(message); };
    callbacks.disconnected = [this] {
        sessions_->link_lost();
        push_status();
    };
    link_ = std::make_unique<RelayLink>(io_.get_executor(), std::move(link), std::move(callbacks));
    link_->start();
    spdlog::info("agent: device {} for relay {}; local socket {}; {} request(s) queued", options_.config.device_id,
                 options_.config.relay_url, options_.config.socket_path, queue_->size());
    return {};
}

void Daemon::stop() {
    if (sessions_) sessions_->shutdown();
    if (link_) link_->stop();
    if (local_) local_->close();
    for (auto& [key, waiter] : waiters_)
        waiter->timer.cancel();
}

asio::awaitable<v1::AgentHello> Daemon::hello() {
    v1::AgentHello hello;
    hello.set_agent_version(LIFELINE_VERSION);
    *hello.mutable_system_info() = co_await core::offload(pool_, [this] { return options_.machine.system_info(); });
    co_return hello;
}

void Daemon::on_connected() {
    push_status();
    tickets_read_at_.reset();  // whatever changed while the link was down
    asio::co_spawn(io_, refresh_tickets(), asio::detached);
    for (const auto& entry : queue_->to_send()) {
        spdlog::info("agent: sending queued request {} \"{}\"", entry.request().idempotency_key(),
                     entry.request().subject());
        send_open_ticket(entry);
    }
    if (!queue_->to_upload().empty() && !uploading_) asio::co_spawn(io_, upload_screenshots(), asio::detached);
}

void Daemon::send_open_ticket(const v1::QueuedHelp& entry) {
    v1::AgentToRelay message;
    *message.mutable_open_ticket() = entry.request();
    link_->send(message);
}

void Daemon::on_message(const v1::RelayToAgent& message) {
    switch (message.body_case()) {
        case v1::RelayToAgent::kTicketOpened: {
            const auto& opened = message.ticket_opened();
            if (!valid_idempotency_key(opened.idempotency_key())) break;
            spdlog::info("agent: the relay opened {} for request {}", opened.number(), opened.idempotency_key());
            if (auto ok = queue_->opened(opened.idempotency_key(), opened.number()); !ok) {
                spdlog::error("agent: {}", ok.error().message);
            }
            answer("help:" + opened.idempotency_key(), message);
            if (!queue_->to_upload().empty() && !uploading_) asio::co_spawn(io_, upload_screenshots(), asio::detached);
            // The new ticket belongs in My tickets, and the queue is one shorter.
            tickets_read_at_.reset();
            asio::co_spawn(io_, refresh_tickets(), asio::detached);
            push_status();
            break;
        }
        case v1::RelayToAgent::kSessionRequest: sessions_->on_request(message.session_request()); break;
        case v1::RelayToAgent::kSessionEnded: sessions_->on_ended(message.session_ended()); break;
        case v1::RelayToAgent::kMyTickets:
            answer("req:" + std::to_string(message.my_tickets().request_id()), message);
            break;
        case v1::RelayToAgent::kChatHistory:
            answer("req:" + std::to_string(message.chat_history().request_id()), message);
            break;
        case v1::RelayToAgent::kTicketDetail:
            answer("req:" + std::to_string(message.ticket_detail().request_id()), message);
            break;
        case v1::RelayToAgent::kDone: answer("req:" + std::to_string(message.done().request_id()), message); break;
        case v1::RelayToAgent::kHelpCatalog:
            answer("req:" + std::to_string(message.help_catalog().request_id()), message);
            break;
        case v1::RelayToAgent::kKbSuggestions:
            answer("req:" + std::to_string(message.kb_suggestions().request_id()), message);
            break;
        case v1::RelayToAgent::kTicketUpdate: on_ticket_update(message.ticket_update()); break;
        case v1::RelayToAgent::kChat: {
            // The text goes to the user's watchers (the tray, `lifeline-agent chat --follow`), not to the log.
            const auto& chat = message.chat();
            spdlog::info("agent: {} wrote on {} ({} bytes)", chat.author(), chat.ticket_number(), chat.text().size());
            v1::LocalEvent event;
            *event.mutable_chat() = chat;
            local_->notify(event);
            break;
        }
        case v1::RelayToAgent::kError: {
            const auto& error = message.error();
            spdlog::warn("agent: the relay answered {}: {}", error.code(), error.message());
            if (!error.idempotency_key().empty() && valid_idempotency_key(error.idempotency_key())) {
                if (is_final_refusal(error)) (void)queue_->remove(error.idempotency_key());
                answer("help:" + error.idempotency_key(), message);
            } else if (error.request_id() != 0) {
                answer("req:" + std::to_string(error.request_id()), message);
            }
            break;
        }
        default: break;  // heartbeats keep the channel alive; nothing to do
    }
}

void Daemon::answer(const std::string& key, const v1::RelayToAgent& message) {
    auto it = waiters_.find(key);
    if (it == waiters_.end()) return;
    it->second->answer = message;
    it->second->timer.cancel();
}

asio::awaitable<std::optional<v1::RelayToAgent>> Daemon::wait_for(const std::string& key,
                                                                  std::chrono::milliseconds timeout) {
    auto waiter = std::make_shared<Waiter>(io_);
    waiters_[key] = waiter;
    waiter->timer.expires_after(timeout);
    co_await waiter->timer.async_wait(kTuple);
    if (auto it = waiters_.find(key); it != waiters_.end() && it->second == waiter) waiters_.erase(it);
    co_return waiter->answer;
}

asio::awaitable<v1::LocalResponse> Daemon::handle(const v1::LocalRequest& request) {
    switch (request.body_case()) {
        case v1::LocalRequest::kHelp: co_return co_await help(request.help());
        case v1::LocalRequest::kStatus: co_return co_await status();
        case v1::LocalRequest::kConsent: co_return sessions_->consent(request.consent());
        case v1::LocalRequest::kStopSharing: co_return sessions_->stop_sharing();
        case v1::LocalRequest::kChatSend:
        case v1::LocalRequest::kChatHistory: co_return co_await chat(request);
        case v1::LocalRequest::kTicketDetail: co_return co_await ticket_detail(request.ticket_detail());
        case v1::LocalRequest::kReply: co_return co_await reply(request.reply());
        case v1::LocalRequest::kRate: co_return co_await rate(request.rate());
        case v1::LocalRequest::kCatalog: co_return co_await catalog();
        case v1::LocalRequest::kKbSuggest: co_return co_await kb_suggest(request.kb_suggest());
        default: break;
    }
    if (auto extra = extra_request(request); extra && extra->has_kb_helped()) {
        co_return co_await kb_helped(extra->kb_helped());
    }
    co_return local_error(core::Errc::invalid_argument, "unknown request");
}

asio::awaitable<v1::LocalResponse> Daemon::help(const v1::HelpRequest& request) {
    if (auto ok = check_help(request); !ok) co_return local_error(ok.error());

    v1::QueuedHelp entry;
    auto& open = *entry.mutable_request();
    open.set_idempotency_key(core::random_token());
    open.set_subject(request.subject());
    open.set_description(request.description());
    open.set_category(request.category());
    *open.mutable_system_info() = co_await core::offload(pool_, [this] { return options_.machine.system_info(); });
    if (!request.screenshot_png().empty()) {
        entry.set_screenshot_png(request.screenshot_png());
    } else if (request.capture_screenshot()) {
        auto png = co_await core::offload(pool_, [this] { return options_.machine.screenshot_png(); });
        if (!png) co_return local_error(core::Errc::unavailable, "could not take a screenshot: " + png.error().message);
        if (png->size() > kMaxScreenshot) co_return local_error(core::Errc::payload_too_large, "screenshot over 8 MiB");
        entry.set_screenshot_png(std::move(*png));
    }
    *entry.mutable_queued_at() = TimeUtil::GetCurrentTime();
    // On disk before anything else: from here on the request survives a crash, a reboot or a relay outage.
    if (auto ok = queue_->add(entry); !ok) co_return local_error(ok.error());
    const std::string key = open.idempotency_key();
    spdlog::info("agent: help requested: \"{}\" (request {}{})", open.subject(), key,
                 entry.screenshot_png().empty() ? "" : ", with a screenshot");
    push_status();  // one more waiting to be sent

    v1::LocalResponse response;
    auto* result = response.mutable_help();
    result->set_idempotency_key(key);
    result->set_queued(true);
    if (!link_->connected()) co_return response;
    send_open_ticket(entry);
    auto reply = co_await wait_for("help:" + key, options_.help_wait);
    if (reply && reply->has_ticket_opened()) {
        result->set_number(reply->ticket_opened().number());
        result->set_queued(false);
    } else if (reply && reply->has_error() && is_final_refusal(reply->error())) {
        co_return local_error(core::Errc::invalid_argument,
                              "the relay refused the request: " + reply->error().message());
    }
    co_return response;
}

v1::AgentStatus Daemon::current_status() const {
    v1::AgentStatus status;
    if (!link_) return status;
    status.set_connected(link_->connected());
    status.set_relay_url(options_.config.relay_url);
    status.set_device_id(options_.config.device_id);
    status.set_last_error(link_->last_error());
    status.set_queued_requests(static_cast<std::int32_t>(queue_->to_send().size()));
    sessions_->fill_status(status);
    if (!link_->connected()) return status;
    *status.mutable_connected_since() = TimeUtil::MillisecondsToTimestamp(
        std::chrono::duration_cast<std::chrono::milliseconds>(link_->connected_since().time_since_epoch()).count());
    *status.mutable_tickets() = tickets_;
    return status;
}

void Daemon::push_status() {
    if (!local_ || !link_) return;
    v1::LocalEvent event;
    *event.mutable_status() = current_status();
    // The countdown moves every second by itself; the watchers count down from what they were told.
    v1::AgentStatus same = event.status();
    same.clear_pending_seconds_left();
    std::string serialized = same.SerializeAsString();
    if (serialized == pushed_status_) return;
    pushed_status_ = std::move(serialized);
    local_->notify(event);
}

asio::awaitable<void> Daemon::refresh_tickets() {
    v1::AgentToRelay ask;
    const std::int64_t id = next_request_id_++;
    ask.mutable_list_tickets()->set_request_id(id);
    const auto asked_at = std::chrono::steady_clock::now();
    if (!link_->send(ask)) co_return;
    auto reply = co_await wait_for("req:" + std::to_string(id), options_.status_wait);
    if (!reply || !reply->has_my_tickets()) co_return;
    tickets_ = reply->my_tickets().tickets();
    tickets_read_at_ = asked_at;
    push_status();
}

void Daemon::on_ticket_update(const v1::TicketSummary& update) {
    spdlog::info("agent: {} changed at the helpdesk", update.number());
    auto it = std::find_if(tickets_.begin(), tickets_.end(),
                           [&](const v1::TicketSummary& t) { return t.number() == update.number(); });
    if (it != tickets_.end()) {
        *it = update;
    } else {
        google::protobuf::RepeatedPtrField<v1::TicketSummary> list;  // newest first, as the relay lists them
        *list.Add() = update;
        for (auto& ticket : tickets_)
            *list.Add() = std::move(ticket);
        tickets_.Swap(&list);
    }
    // The update first, then the status with it: a watcher compares the update with what it knew.
    v1::LocalEvent event;
    *event.mutable_ticket_update() = update;
    local_->notify(event);
    push_status();
}

asio::awaitable<v1::LocalResponse> Daemon::status() {
    const auto now = std::chrono::steady_clock::now();
    if (link_->connected() && (!tickets_read_at_ || now - *tickets_read_at_ >= options_.tickets_max_age)) {
        co_await refresh_tickets();
    }
    v1::LocalResponse response;
    *response.mutable_status() = current_status();
    co_return response;
}

asio::awaitable<v1::LocalResponse> Daemon::chat(const v1::LocalRequest& request) {
    v1::AgentToRelay ask;
    const std::int64_t id = next_request_id_++;
    if (request.has_chat_send()) {
        if (auto ok = core::check_chat_text(request.chat_send().text()); !ok) co_return local_error(ok.error());
        *ask.mutable_chat_send() = request.chat_send();
        ask.mutable_chat_send()->set_request_id(id);
    } else {
        *ask.mutable_chat_history() = request.chat_history();
        ask.mutable_chat_history()->set_request_id(id);
    }
    // Chat is live: a message the technician cannot read now is not kept for later (Get help is).
    if (!link_->send(ask)) {
        co_return local_error(core::Errc::unavailable, "not connected to the helpdesk right now: nothing was sent");
    }
    auto reply = co_await wait_for("req:" + std::to_string(id), options_.help_wait);
    if (!reply) co_return local_error(core::Errc::unavailable, "the helpdesk did not answer in time");
    v1::LocalResponse response;
    if (reply->has_error()) {
        response.mutable_error()->set_code(reply->error().code());
        response.mutable_error()->set_message(reply->error().message());
    } else if (reply->has_chat_history()) {
        *response.mutable_chat() = reply->chat_history();
    } else {
        co_return local_error(core::Errc::unavailable, "the helpdesk sent an unexpected answer");
    }
    co_return response;
}

asio::awaitable<void> Daemon::upload_screenshots() {
    uploading_ = true;
    const std::string credential = options_.config.device_id + "." + options_.config.device_secret;
    for (const auto& entry : queue_->to_upload()) {
        const std::string& key = entry.request().idempotency_key();
        auto upload = [&]() -> std::optional<net::HttpResponse> {
            try {
                net::HttpsClient client(address_.host, address_.port, {"", "", options_.config.ca_fingerprint});
                return client.request("POST", "/api/v1/tickets/" + entry.number() + "/attachments?name=screenshot.png",
                                      entry.screenshot_png(), credential, {{"Content-Type", "image/png"}});
            } catch (const std::exception& e) {
                spdlog::warn("agent: screenshot upload for {} failed: {}; retrying on the next connection",
                             entry.number(), e.what());
                return std::nullopt;
            }
        };
        auto response = co_await core::offload(pool_, upload);
        if (!response) break;
        if (response->status == 201) {
            spdlog::info("agent: screenshot attached to {} ({} bytes)", entry.number(), entry.screenshot_png().size());
        } else if (response->status >= 500 || response->status == 429) {
            spdlog::warn("agent: the relay could not take the screenshot for {} now ({})", entry.number(),
                         response->status);
            break;
        } else {
            // Refused for good (too large, not this machine's ticket): retrying would not help.
            spdlog::error("agent: the relay refused the screenshot for {}: {} {}", entry.number(), response->status,
                          response->body);
        }
        (void)queue_->remove(key);
    }
    uploading_ = false;
}

}  // namespace lifeline::agent
