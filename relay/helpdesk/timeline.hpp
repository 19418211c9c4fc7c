// A ticket's timeline: its history, comments, attachments, the machine's system info when it asked
// for help, its remote sessions, the user's consent decisions and the chat, merged in time order. Pure logic:
// the HTTP handler reads the pieces from the stores.
#pragma once

#include "lifeline.pb.h"

#include <cstdint>
#include <vector>

namespace lifeline::relay::helpdesk {

struct TimelineSources {
    v1::Ticket ticket;  // with its system_info snapshot
    v1::TicketHistory history;
    v1::CommentList comments;
    v1::AttachmentList attachments;
    v1::SessionList sessions;
    std::vector<v1::AuditEntry> session_audit;  // the ticket's "session.*" audit rows, any order
    std::vector<v1::ChatMessage> chat;
};

// Oldest first; entries at the same instant keep the order ticket, consent, chat, session end. `now_ms`
// measures an active session's duration so far.
v1::Timeline build_timeline(TimelineSources sources, std::int64_t now_ms);

}  // namespace lifeline::relay::helpdesk
