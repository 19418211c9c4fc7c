// A blocking SMTP client (RFC 5321) for the relay's notifications: EHLO, STARTTLS or implicit TLS
// with the server's certificate verified, AUTH PLAIN, then MAIL/RCPT/DATA per message over one kept
// connection. Every network step has a timeout. 4xx replies and network failures are "try again
// later", 5xx replies to a mail's transaction are permanent.
#pragma once

#include "relay/notify/mail_message.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lifeline::relay::notify {

enum class SmtpSecurity {
    none,      // plain text (a local relay on loopback)
    starttls,  // plain connect, then STARTTLS before anything else; refused when the server does not offer it
    tls,       // TLS from the first byte (port 465)
};

struct SmtpSettings {
    std::string host = "localhost";
    std::uint16_t port = 587;
    SmtpSecurity security = SmtpSecurity::starttls;
    std::string ca_file;   // PEM; empty: the system's trust store
    std::string username;  // empty: no AUTH
    std::string password;  // never logged; sent only over TLS
    std::string helo_name = "localhost";
    std::chrono::milliseconds timeout{30'000};  // per step: connect, handshake, each reply, each write
};

// One reply: the code and its text lines (a multi-line reply has several).
struct SmtpReply {
    int code = 0;
    std::vector<std::string> lines;

    std::string text() const;  // the lines joined with "; "
};

// Collects the lines of one reply. Sans-I/O: feed it lines without their line end.
class SmtpReplyParser {
public:
    enum class State { more, done, malformed };
    // A line is "ddd-text" (more follow) or "ddd text" / "ddd" (the last). A line whose code differs
    // from the first line's is malformed.
    State feed(std::string_view line);
    const SmtpReply& reply() const { return reply_; }
    void clear() { reply_ = {}; }

private:
    SmtpReply reply_;
};

enum class DeliveryStatus { sent, retry, rejected };

// A 4xx or 5xx to MAIL FROM, RCPT TO or DATA concerns the mail: retry or rejected. Anything before
// (connect, TLS, the greeting, EHLO, AUTH) concerns the server or our settings, never the mail, so
// it is always retry, with `session_failed` set: the next mail would fail the same way.
struct Delivery {
    DeliveryStatus status = DeliveryStatus::retry;
    std::string detail;  // the server's reply or the network failure, for the outbox's last_error
    bool session_failed = false;
};

// Not thread-safe except cancel(). Connects on the first send and keeps the connection for the next.
class SmtpClient {
public:
    // Throws std::runtime_error when the CA file cannot be used.
    explicit SmtpClient(SmtpSettings settings);
    ~SmtpClient();
    SmtpClient(const SmtpClient&) = delete;
    SmtpClient& operator=(const SmtpClient&) = delete;

    Delivery send(const MailMessage& message);
    // QUIT and close; never throws. The next send connects again.
    void quit();
    // From any thread, to shut down: the step in progress fails at once, and so does every later one.
    void cancel();

    const SmtpSettings& settings() const { return settings_; }

private:
    struct Impl;
    SmtpSettings settings_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lifeline::relay::notify
