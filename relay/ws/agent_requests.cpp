// The machine user's helpdesk requests on the control channel: ticket detail, reply, rating,
// categories, knowledge-base suggestions.
#include "relay/ws/agent_requests.hpp"

#include "relay/helpdesk/knowledge.hpp"
#include "relay/helpdesk/ticket_rules.hpp"
#include "relay/store/kb_store.hpp"
#include "relay/ws/device_updates.hpp"

#include <spdlog/spdlog.h>

namespace lifeline::relay::ws {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kMaxUserReply = 64 << 10;          // as a staff comment
constexpr std::size_t kMaxRatingComment = 4000;          // a few sentences, like a chat line
constexpr std::size_t kMaxHintSubject = 200;             // as a ticket's
constexpr std::size_t kMaxHintDescription = 64 << 10;    // as a ticket's
constexpr std::size_t kMaxDetailReplyBytes = 512 << 10;  // the newest replies that fit; the channel's frames are 1 MiB
constexpr int kHintCount = 3;                            // a short list for a worried user, not a search page

v1::RelayToAgent request_refused(const core::Error& error, std::int64_t request_id) {
    v1::RelayToAgent out;
    auto* refusal = out.mutable_error();
    refusal->set_code(std::string(core::errc_name(error.code)));
    refusal->set_message(error.message);
    refusal->set_request_id(request_id);
    return out;
}

v1::RelayToAgent request_done(std::int64_t request_id) {
    v1::RelayToAgent out;
    out.mutable_done()->set_request_id(request_id);
    return out;
}

bool only_blanks(const std::string& text) { return text.find_first_not_of(" \t\r\n") == std::string::npos; }

// The machine's own ticket, or not_found: another machine's ticket does not exist for it.
core::Result<v1::Ticket> machine_ticket(http::ApiContext& api, const std::string& number,
                                        const std::string& device_id) {
    auto ticket = api.tickets.get_ticket(number);
    if (!ticket || ticket->device_id() != device_id) {
        return core::make_error(core::Errc::not_found, "no ticket " + number);
    }
    ticket->clear_system_info();
    return ticket;
}

}  // namespace

bool AgentRequests::handles(const v1::AgentToRelay& message) {
    switch (message.body_case()) {
        case v1::AgentToRelay::kTicketDetail:
        case v1::AgentToRelay::kUserReply:
        case v1::AgentToRelay::kRateTicket:
        case v1::AgentToRelay::kHelpCatalog:
        case v1::AgentToRelay::kKbSuggest: return true;
        default: return false;
    }
}

asio::awaitable<v1::RelayToAgent> AgentRequests::answer(AgentCaller caller, const v1::AgentToRelay& message) {
    switch (message.body_case()) {
        case v1::AgentToRelay::kTicketDetail: co_return co_await ticket_detail(caller, message.ticket_detail());
        case v1::AgentToRelay::kUserReply: co_return co_await user_reply(caller, message.user_reply());
        case v1::AgentToRelay::kRateTicket: co_return co_await rate_ticket(caller, message.rate_ticket());
        case v1::AgentToRelay::kHelpCatalog: {
            v1::RelayToAgent out;
            auto* catalog = out.mutable_help_catalog();
            catalog->set_request_id(message.help_catalog().request_id());
            for (const auto& category : api_.categories)
                catalog->add_categories(category.name());
            co_return out;
        }
        case v1::AgentToRelay::kKbSuggest: co_return co_await kb_suggest(message.kb_suggest());
        default: break;
    }
    co_return request_refused(core::make_error(core::Errc::invalid_argument, "not a helpdesk request"), 0);
}

asio::awaitable<v1::RelayToAgent> AgentRequests::ticket_detail(AgentCaller caller, const v1::TicketDetailRequest& ask) {
    const std::string& device_id = caller.device.id();
    const std::string& number = ask.number();
    auto detail = co_await api_.run([&]() -> core::Result<v1::TicketDetail> {
        auto ticket = machine_ticket(api_, number, device_id);
        if (!ticket) return ticket.error();
        // Public comments only: internal notes never leave the staff's side.
        auto comments = api_.tickets.list_comments(number, false);
        if (!comments) return comments.error();
        v1::TicketDetail out;
        *out.mutable_ticket() = ticket_summary(*ticket);
        out.set_description(ticket->description());
        std::size_t bytes = 0;
        int first = comments->comments_size();
        while (first > 0 && bytes + comments->comments(first - 1).ByteSizeLong() <= kMaxDetailReplyBytes) {
            bytes += comments->comments(first - 1).ByteSizeLong();
            --first;
        }
        for (int i = first; i < comments->comments_size(); ++i)
            if (!comments->comments(i).internal()) *out.add_replies() = comments->comments(i);
        return out;
    });
    if (!detail) co_return request_refused(detail.error(), ask.request_id());
    v1::RelayToAgent out;
    *out.mutable_ticket_detail() = std::move(*detail);
    out.mutable_ticket_detail()->set_request_id(ask.request_id());
    co_return out;
}

asio::awaitable<v1::RelayToAgent> AgentRequests::user_reply(AgentCaller caller, const v1::UserReply& reply) {
    if (only_blanks(reply.body())) {
        co_return request_refused(core::make_error(core::Errc::invalid_argument, "write something first"),
                                  reply.request_id());
    }
    if (auto ok = core::check_text("body", reply.body(), kMaxUserReply, true); !ok) {
        co_return request_refused(ok.error(), reply.request_id());
    }
    const std::string& device_id = caller.device.id();
    const std::string& number = reply.number();
    const auto now = api_.clock.now();
    auto stored = co_await api_.run([&]() -> core::Result<v1::Comment> {
        auto ticket = machine_ticket(api_, number, device_id);
        if (!ticket) return ticket.error();
        if (ticket->status() == v1::Ticket::CLOSED) {
            return core::make_error(core::Errc::conflict, "ticket " + number + " is closed");
        }
        const std::string author = machine_reply_author(*ticket);
        auto comment = api_.tickets.add_comment(number, author, reply.body(), false, now);
        if (!comment || ticket->status() != v1::Ticket::PENDING) return comment;
        // Pending waits on the user; the user's answer puts the ticket back in the technician's work.
        const store::TicketMutation reopen = [](v1::Ticket& t,
                                                std::vector<store::TicketEventDraft>& events) -> core::Result<void> {
            if (t.status() != v1::Ticket::PENDING) return {};  // someone moved it meanwhile
            events.push_back({"status", std::string(helpdesk::status_name(v1::Ticket::PENDING)),
                              std::string(helpdesk::status_name(v1::Ticket::OPEN)), "the user replied"});
            t.set_status(v1::Ticket::OPEN);
            return {};
        };
        if (auto reopened = api_.tickets.modify_ticket(number, author, now, reopen); !reopened) {
            spdlog::warn("tickets: {} stays pending after the user's reply: {}", number, reopened.error().message);
        }
        return comment;
    });
    if (!stored) co_return request_refused(stored.error(), reply.request_id());
    spdlog::info("tickets: device={} replied on {} ({} bytes)", device_id, number, reply.body().size());
    co_return request_done(reply.request_id());
}

asio::awaitable<v1::RelayToAgent> AgentRequests::rate_ticket(AgentCaller caller, const v1::RateTicket& rate) {
    if (rate.rating() < 1 || rate.rating() > 5) {
        co_return request_refused(core::make_error(core::Errc::invalid_argument, "a rating is 1 (bad) to 5 (good)"),
                                  rate.request_id());
    }
    if (auto ok = core::check_text("comment", rate.comment(), kMaxRatingComment, true); !ok) {
        co_return request_refused(ok.error(), rate.request_id());
    }
    v1::Satisfaction satisfaction;
    satisfaction.set_rating(rate.rating());
    satisfaction.set_comment(rate.comment());
    const std::string& device_id = caller.device.id();
    const std::string actor = "device:" + device_id;
    const std::string& number = rate.number();
    const auto now = api_.clock.now();
    auto rated =
        co_await api_.run([&] { return api_.tickets.rate_ticket(number, satisfaction, device_id, actor, now); });
    if (!rated) co_return request_refused(rated.error(), rate.request_id());
    spdlog::info("tickets: device={} rated {} {}/5", device_id, number, rate.rating());
    co_return request_done(rate.request_id());
}

asio::awaitable<v1::RelayToAgent> AgentRequests::kb_suggest(const v1::KbHintRequest& ask) {
    v1::RelayToAgent out;
    auto* hints = out.mutable_kb_suggestions();
    hints->set_request_id(ask.request_id());
    if (auto ok = core::check_text("subject", ask.subject(), kMaxHintSubject, false); !ok) {
        co_return request_refused(ok.error(), ask.request_id());
    }
    if (auto ok = core::check_text("description", ask.description(), kMaxHintDescription, true); !ok) {
        co_return request_refused(ok.error(), ask.request_id());
    }
    // Asked while the user types: nothing typed yet is no question, and no error either.
    if (kb_ == nullptr || (only_blanks(ask.subject()) && only_blanks(ask.description()))) co_return out;
    store::KbSearchQuery query;
    query.terms = helpdesk::kb_suggestion_terms(ask.subject(), ask.description());
    query.any_term = true;        // the user's words, not an article's
    query.published_only = true;  // a draft does not exist outside the staff
    query.limit = kHintCount;
    if (query.terms.empty()) co_return out;
    auto found = co_await api_.run([&]() -> core::Result<std::vector<v1::KbHint>> {
        auto hits = kb_->search(query);
        if (!hits) return hits.error();
        std::vector<v1::KbHint> articles;
        for (const auto& hit : *hits) {
            auto article = kb_->get_article(hit.id(), true);
            if (!article) continue;  // unpublished since the search
            v1::KbHint hint;
            hint.set_id(article->id());
            hint.set_title(article->title());
            hint.set_body_markdown(article->body_markdown());
            articles.push_back(std::move(hint));
        }
        return articles;
    });
    if (!found) co_return request_refused(found.error(), ask.request_id());
    for (auto& hint : *found)
        *hints->add_articles() = std::move(hint);
    co_return out;
}

}  // namespace lifeline::relay::ws
