// The technician's side of a remote session: the relay's REST calls (sign in, ask, wait for consent, end) and the
// session socket that carries RFB from the user's machine to an RfbClient (no Qt).
#pragma once

#include "helpdesk.pb.h"
#include "lifeline.pb.h"
#include "reports.pb.h"
#include "shared/core/error.hpp"
#include "shared/net/https_client.hpp"
#include "shared/net/tls.hpp"
#include "shared/net/ws_tunnel.hpp"
#include "viewer/core/rfb_client.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace lifeline::viewer {

// Where the relay is and how to trust it.
struct RelayEndpoint {
    std::string host;  // a DNS name or an IP literal without brackets
    std::uint16_t port = 443;
    net::TlsClientOptions tls;
};

// Ticket numbers ("LL-000123"), session and device ids go into URL paths: true when `text` could not change the
// path (1-64 characters of A-Z, a-z, 0-9, '-' and '_').
bool is_path_token(const std::string& text);

// "https://relay.example:8443", "https://[::1]:8443", "https://10.0.0.5" -> host and port (tls left empty).
// Anything but https with a host, an optional port and an optional "/" is invalid_argument.
core::Result<RelayEndpoint> parse_relay_url(std::string_view url);

// The largest recording the viewer downloads (a sane bound: an hour of a busy screen is some hundred MiB).
inline constexpr std::uint64_t kMaxRecordingDownloadBytes = std::uint64_t{4} << 30;

// The relay's REST API for sessions, over one kept-alive HTTPS connection. Blocking and not thread-safe: use it
// from one thread (never the UI thread). Errors carry the relay's own message with the Errc of its error code
// (or of the HTTP status); a network failure is unavailable, a relay whose certificate does not match the
// configured trust is unauthenticated with a message saying so.
class RelayApi {
public:
    // Errors: invalid_argument when the TLS options are unusable (a malformed fingerprint, an unreadable CA file).
    static core::Result<RelayApi> create(RelayEndpoint relay);

    // POST /auth/login; on success later calls use the new token.
    core::Result<v1::LoginResponse> sign_in(const std::string& username, const std::string& password);
    // Uses a token obtained elsewhere (a token file, the GUI's sign-in).
    void use_token(std::string token) { token_ = std::move(token); }
    const std::string& token() const { return token_; }
    const RelayEndpoint& relay() const { return relay_; }

    // POST /tickets/{number}/sessions: a REQUESTED session.
    // `monitor`: an index into the machine's SystemInfo.screens; none: the whole desktop.
    core::Result<v1::Session> request_session(const std::string& ticket_number, v1::SessionMode mode,
                                              std::optional<int> monitor = std::nullopt);
    // GET /sessions/{id}.
    core::Result<v1::Session> get_session(const std::string& session_id);
    // Polls GET /sessions/{id} every `interval` until the session is no longer REQUESTED (the user answered, or the
    // relay gave up), and answers it. When `timeout` passes first, answers the last state seen, still REQUESTED.
    core::Result<v1::Session> wait_for_answer(const std::string& session_id, std::chrono::milliseconds timeout,
                                              std::chrono::milliseconds interval = std::chrono::milliseconds(200));
    // POST /sessions/{id}/end with an optional reason: the ENDED session.
    core::Result<v1::Session> end_session(const std::string& session_id, const std::string& reason = {});
    // POST /sessions/{id}/upgrade: asks the user for control during a view session (upgradePending).
    core::Result<v1::Session> request_upgrade(const std::string& session_id);

    // The helpdesk side, for the desktop viewer. `query`: the queue's URL parameters, e.g. "status=new,open".
    core::Result<v1::TicketPage> list_tickets(const std::string& query);
    core::Result<v1::Ticket> get_ticket(const std::string& number);
    core::Result<v1::Timeline> timeline(const std::string& number);
    core::Result<v1::Ticket> claim(const std::string& number);
    core::Result<v1::Ticket> change_status(const std::string& number, v1::Ticket::Status status,
                                           const std::string& note);
    core::Result<v1::Comment> add_comment(const std::string& number, const std::string& body, bool internal);
    // PATCH /tickets/{number}: only the fields set in `change` change.
    core::Result<v1::Ticket> update_ticket(const std::string& number, const v1::UpdateTicketRequest& change);
    core::Result<v1::ChatList> chat(const std::string& number);
    core::Result<v1::ChatMessage> send_chat(const std::string& number, const std::string& text);
    core::Result<v1::AttachmentList> attachments(const std::string& number);
    // GET /tickets/{number}/attachments/{id}: the file's bytes.
    core::Result<std::string> download_attachment(const std::string& number, std::int64_t id);
    // The helpdesk's organisation: GET /groups (members with their tier and whether they are online), GET /categories.
    core::Result<v1::GroupList> groups();
    core::Result<v1::CategoryList> categories();
    // POST /tickets/{number}/assign (leads): `assignee` a username, empty to unassign.
    core::Result<v1::Ticket> assign(const std::string& number, const std::string& assignee);
    // POST /tickets/{number}/escalate: to the next staffed tier of the ticket's group, or to `group`; `reason` is
    // required. conflict when no higher tier is staffed and no group is named.
    core::Result<v1::Ticket> escalate(const std::string& number, const std::string& group, const std::string& reason);
    // POST /tickets/{number}/satisfaction: the requester's rating (1 bad to 5 good) as staff heard it, with an
    // optional comment; conflict unless the ticket is resolved or closed.
    core::Result<v1::Ticket> record_rating(const std::string& number, int rating, const std::string& comment);
    // GET /agents/{id}: the machine, online or not, with its latest system info.
    core::Result<v1::Device> get_device(const std::string& device_id);

    // The lead's screens. `query`: the routes' URL parameters, already encoded, e.g. "technician=tina&limit=100".
    core::Result<v1::SessionList> list_sessions(const std::string& query);
    core::Result<v1::AuditPage> audit(const std::string& query);
    // The same filters as an export: CSV text, at most 10,000 rows (the relay's export limit).
    core::Result<std::string> audit_csv(const std::string& query);
    core::Result<v1::AuditVerification> verify_audit();
    // GET /reports/{name}: one of the leads' reports (reports.proto); `query` as for audit(), e.g.
    // "from=2026-11-01&to=2026-11-30&tz=%2B01:00".
    core::Result<v1::Report> report(const std::string& name, const std::string& query);
    // GET /sessions/{id}/recording, streamed into the file `path` (created or emptied, mode 0600): a recording of
    // any size up to `max_bytes` costs one read's worth of memory. `progress(received, total)` runs after each
    // piece (total 0 when the relay did not say); answering false cancels. The relay's SHA-256 is checked when it
    // sends one. Answers the bytes written. Errors: payload_too_large past `max_bytes`; unavailable for a download
    // cancelled, broken off or damaged, or a file that cannot be written (the file is then removed); the relay's
    // own errors as for every call.
    using DownloadProgress = std::function<bool(std::uint64_t received, std::uint64_t total)>;
    core::Result<std::uint64_t> download_recording(const std::string& session_id, const std::string& path,
                                                   const DownloadProgress& progress = {},
                                                   std::uint64_t max_bytes = kMaxRecordingDownloadBytes);
    // From another thread: the call in progress (or else the next one) fails at once (see HttpsClient::interrupt).
    void interrupt() { http_.interrupt(); }

private:
    RelayApi(RelayEndpoint relay, net::HttpsClient http);
    core::Result<std::string> call(std::string_view method, const std::string& target, const std::string& body,
                                   unsigned expected_status);
    core::Result<v1::Session> session_call(std::string_view method, const std::string& target, const std::string& body,
                                           unsigned expected_status);
    // call() for the route of one ticket, /tickets/{number}{suffix}.
    core::Result<std::string> ticket_call(std::string_view method, const std::string& number, const std::string& suffix,
                                          const std::string& body, unsigned expected_status);

    RelayEndpoint relay_;
    net::HttpsClient http_;
    std::string token_;
};

// One consented session as seen by the technician: wss://RELAY/v1/sessions/{id}/viewer, tunnelled through a
// socketpair to an RfbClient. Threads: an io thread of its own runs the WebSocket and the tunnel; RfbClient runs
// its own two. All public methods may be called from any thread except from the on_closed callback, which must
// not call close() nor destroy the session.
class ViewerSession {
public:
    // Connects the session socket with `token` (a technician's), then performs the RFB handshake through it; the
    // handshake waits for the machine's side, so give RfbOptions::handshake_timeout room for the relay's pairing
    // wait (30 s). Errors: invalid_argument for unusable TLS options or session id; unauthenticated when the
    // relay's certificate does not match the trust, or the relay refused the token (401); permission_denied when
    // the session is someone else's (403); conflict when it is not consented yet or already over (409);
    // not_found for an unknown session (404) -- each with the relay's message; unavailable when the relay cannot
    // be reached or the RFB handshake fails.
    static core::Result<std::unique_ptr<ViewerSession>> open(const RelayEndpoint& relay, const std::string& token,
                                                             const std::string& session_id, const RfbOptions& options);

    // Closes politely (see close()), then stops the RFB client, then the io thread.
    ~ViewerSession();
    ViewerSession(const ViewerSession&) = delete;
    ViewerSession& operator=(const ViewerSession&) = delete;

    // The RFB client: framebuffer, updates and input. Stays usable (framebuffer(), counters) after the session
    // closed, until the ViewerSession is destroyed. Do not call its set_on_closed: the session uses it.
    RfbClient& rfb() { return *rfb_; }
    const RfbClient& rfb() const { return *rfb_; }
    const std::string& session_id() const { return session_id_; }
    // Bytes through the session socket: to_local from the relay, to_remote to the relay (RFB payload only).
    const net::TunnelCounters& counters() const { return counters_; }

    // True once the session socket and the RFB connection have both ended.
    bool closed() const;
    // Waits until closed() or `timeout`; answers closed().
    bool wait_closed(std::chrono::milliseconds timeout) const;
    // Why it ended: "closed by the viewer" after close(); the RFB client's reason when it ended the session (for
    // example a server it refused); otherwise what happened to the session socket. Empty while open.
    std::string close_reason() const;
    // Called once when closed() becomes true for a reason other than close() or the destructor, on an internal
    // thread. Set it right after open(); if the session already closed, it is called at once on this thread.
    void set_on_closed(std::function<void(std::string reason)> callback);

    // Ends the session from the technician's side: a WebSocket close to the relay, which records "the technician
    // closed the viewer" and closes the machine's socket. Waits for the relay's answer (at most a few seconds,
    // then drops the connection). Idempotent.
    void close();

private:
    struct Impl;
    explicit ViewerSession(std::string session_id);
    // Closes the WebSocket's TCP connection without a closing handshake and waits for the tunnel to end.
    void drop_connection();
    void on_tunnel_done(std::string reason);
    void on_rfb_closed(std::string reason);
    void notify_if_closed();

    std::string session_id_;
    net::TunnelCounters counters_;
    std::unique_ptr<Impl> impl_;
    std::unique_ptr<RfbClient> rfb_;
};

}  // namespace lifeline::viewer
