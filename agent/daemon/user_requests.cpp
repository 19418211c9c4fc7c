// The tray's helpdesk requests: one ticket with its public replies, a reply, a rating, Get help's
// categories (kept on disk for when the relay is out of reach), knowledge-base suggestions, and "this
// solved it". Each goes to the relay and comes back as the tray's answer.
#include "agent/core/files.hpp"
#include "agent/daemon/daemon.hpp"
#include "shared/core/offload.hpp"
#include "shared/net/https_client.hpp"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>

#include <filesystem>

namespace lifeline::agent {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kMaxCatalogFile = 64 << 10;

v1::LocalResponse user_request_error(core::Errc code, std::string message) {
    v1::LocalResponse response;
    response.mutable_error()->set_code(std::string(core::errc_name(code)));
    response.mutable_error()->set_message(std::move(message));
    return response;
}

v1::LocalResponse user_request_done(std::string message) {
    v1::LocalResponse response;
    response.mutable_done()->set_message(std::move(message));
    return response;
}

std::string catalog_file(const AgentConfig& config) {
    return (std::filesystem::path(config.state_dir) / "categories.pb").string();
}

}  // namespace

asio::awaitable<std::optional<v1::RelayToAgent>> Daemon::round_trip(const v1::AgentToRelay& ask, std::int64_t id,
                                                                    v1::LocalResponse& refusal) {
    if (!link_->send(ask)) {
        refusal = user_request_error(core::Errc::unavailable, "not connected to the helpdesk right now");
        co_return std::nullopt;
    }
    auto reply = co_await wait_for("req:" + std::to_string(id), options_.help_wait);
    if (!reply) {
        refusal = user_request_error(core::Errc::unavailable, "the helpdesk did not answer in time");
        co_return std::nullopt;
    }
    if (reply->has_error()) {
        refusal.mutable_error()->set_code(reply->error().code());
        refusal.mutable_error()->set_message(reply->error().message());
        co_return std::nullopt;
    }
    co_return reply;
}

asio::awaitable<v1::LocalResponse> Daemon::ticket_detail(const v1::TicketDetailRequest& request) {
    v1::AgentToRelay ask;
    const std::int64_t id = next_request_id_++;
    *ask.mutable_ticket_detail() = request;
    ask.mutable_ticket_detail()->set_request_id(id);
    v1::LocalResponse response;
    auto reply = co_await round_trip(ask, id, response);
    if (!reply) co_return response;
    if (!reply->has_ticket_detail()) co_return user_request_error(core::Errc::unavailable, "an unexpected answer");
    *response.mutable_ticket_detail() = reply->ticket_detail();
    co_return response;
}

asio::awaitable<v1::LocalResponse> Daemon::reply(const v1::UserReply& request) {
    v1::AgentToRelay ask;
    const std::int64_t id = next_request_id_++;
    *ask.mutable_user_reply() = request;
    ask.mutable_user_reply()->set_request_id(id);
    v1::LocalResponse response;
    // Like chat, a reply is live: one the helpdesk cannot take now is not kept for later.
    auto reply = co_await round_trip(ask, id, response);
    if (!reply) co_return response;
    spdlog::info("agent: the user replied on {} ({} bytes)", request.number(), request.body().size());
    co_return user_request_done("Your reply was added to " + request.number() + ".");
}

asio::awaitable<v1::LocalResponse> Daemon::rate(const v1::RateTicket& request) {
    v1::AgentToRelay ask;
    const std::int64_t id = next_request_id_++;
    *ask.mutable_rate_ticket() = request;
    ask.mutable_rate_ticket()->set_request_id(id);
    v1::LocalResponse response;
    auto reply = co_await round_trip(ask, id, response);
    if (!reply) co_return response;
    spdlog::info("agent: the user rated {} {}/5", request.number(), request.rating());
    // My tickets shows the rating at once, without waiting for the next ticket list.
    for (auto& ticket : tickets_) {
        if (ticket.number() != request.number()) continue;
        ticket.mutable_satisfaction()->set_rating(request.rating());
        ticket.mutable_satisfaction()->set_comment(request.comment());
        *ticket.mutable_satisfaction()->mutable_rated_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
    }
    push_status();
    co_return user_request_done("Thank you for rating " + request.number() + ".");
}

asio::awaitable<v1::LocalResponse> Daemon::catalog() {
    const std::string file = catalog_file(options_.config);
    if (link_->connected()) {
        v1::AgentToRelay ask;
        const std::int64_t id = next_request_id_++;
        ask.mutable_help_catalog()->set_request_id(id);
        v1::LocalResponse refusal;
        auto reply = co_await round_trip(ask, id, refusal);
        if (reply && reply->has_help_catalog()) {
            v1::LocalResponse response;
            *response.mutable_catalog() = reply->help_catalog();
            response.mutable_catalog()->set_request_id(0);
            // Kept for Get help while the relay is out of reach (also after a restart).
            if (auto ok = write_file_atomically(file, response.catalog().SerializeAsString(), 0600); !ok) {
                spdlog::warn("agent: could not keep the categories: {}", ok.error().message);
            }
            co_return response;
        }
    }
    auto kept = read_small_file(file, kMaxCatalogFile);
    v1::LocalResponse response;
    if (!kept || !response.mutable_catalog()->ParseFromString(*kept)) {
        co_return user_request_error(core::Errc::unavailable, "the helpdesk's categories are not known yet");
    }
    co_return response;
}

asio::awaitable<v1::LocalResponse> Daemon::kb_suggest(const v1::KbHintRequest& request) {
    v1::AgentToRelay ask;
    const std::int64_t id = next_request_id_++;
    *ask.mutable_kb_suggest() = request;
    ask.mutable_kb_suggest()->set_request_id(id);
    v1::LocalResponse response;
    auto reply = co_await round_trip(ask, id, response);
    if (!reply) co_return response;
    if (!reply->has_kb_suggestions()) co_return user_request_error(core::Errc::unavailable, "an unexpected answer");
    *response.mutable_kb_suggestions() = reply->kb_suggestions();
    co_return response;
}

asio::awaitable<v1::LocalResponse> Daemon::kb_helped(const v1::KbHelped& request) {
    if (request.article_id() <= 0) co_return user_request_error(core::Errc::invalid_argument, "no article given");
    if (!link_->connected()) {
        co_return user_request_error(core::Errc::unavailable, "not connected to the helpdesk right now");
    }
    // The relay's REST route for readers (the device credential is one), as the screenshot upload uses.
    const std::string target = "/api/v1/kb/articles/" + std::to_string(request.article_id()) + "/helped";
    const std::string credential = options_.config.device_id + "." + options_.config.device_secret;
    auto post = [&]() -> std::optional<net::HttpResponse> {
        try {
            net::HttpsClient client(address_.host, address_.port, {"", "", options_.config.ca_fingerprint});
            return client.request("POST", target, "", credential, {});
        } catch (const std::exception& e) {
            spdlog::warn("agent: could not count article {} as helpful: {}", request.article_id(), e.what());
            return std::nullopt;
        }
    };
    auto response = co_await core::offload(pool_, post);
    if (!response) co_return user_request_error(core::Errc::unavailable, "the helpdesk could not be reached");
    if (response->status == 404) {
        co_return user_request_error(core::Errc::not_found, "that article is no longer available");
    }
    if (response->status != 200) {
        co_return user_request_error(core::Errc::unavailable,
                                     "the helpdesk answered " + std::to_string(response->status));
    }
    spdlog::info("agent: the user says article {} solved the problem", request.article_id());
    co_return user_request_done("Glad it helped.");
}

}  // namespace lifeline::agent
