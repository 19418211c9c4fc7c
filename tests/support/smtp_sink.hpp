// A real SMTP server on 127.0.0.1 for tests: it records each message (envelope and data), offers
// STARTTLS or implicit TLS with a certificate from the test PKI, AUTH PLAIN, 8BITMIME, and can be
// told to answer 4xx or 5xx to RCPT TO or to stall. Runs on a thread of its own.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace lifeline::testing {

struct SinkMessage {
    std::string helo;                  // the EHLO/HELO argument
    std::string mail_from;             // the address inside MAIL FROM:<...>
    std::string mail_from_parameters;  // what follows the address, e.g. " BODY=8BITMIME"
    std::vector<std::string> recipients;
    std::string data;  // as sent, dot-stuffing undone, CRLF line ends, without the final "."
    bool over_tls = false;
    std::string auth_user;  // from AUTH PLAIN, when the client authenticated

    // The first header with this name (case-insensitive), continuation lines unfolded; "" when absent.
    std::string header(std::string_view name) const;
    std::string body() const;  // everything after the blank line
};

enum class SinkFault {
    none,
    busy,            // 451 to RCPT TO
    reject,          // 550 to RCPT TO
    stall_greeting,  // accepts the connection and never says a word
    stall_data,      // takes the data and never answers its end
};

struct SmtpSinkOptions {
    std::uint16_t port = 0;  // 0: an ephemeral port (kept across stop() and start())
    // Both set: STARTTLS is offered (or, with implicit_tls, TLS from the first byte).
    std::string certificate_chain_file;
    std::string private_key_file;
    bool implicit_tls = false;
    // Set: AUTH PLAIN is offered after TLS and required before MAIL FROM.
    std::string username;
    std::string password;
    bool eight_bit_mime = true;
};

// A CA and a certificate for 127.0.0.1 and localhost signed by it, in a temporary directory.
class TestPki {
public:
    TestPki();
    ~TestPki();
    TestPki(const TestPki&) = delete;
    TestPki& operator=(const TestPki&) = delete;
    std::string ca_file;     // the CA the client must trust
    std::string chain_file;  // server certificate + CA
    std::string key_file;

private:
    std::string dir_;
};

class SmtpSink {
public:
    explicit SmtpSink(SmtpSinkOptions options = {});  // listening once constructed
    ~SmtpSink();
    SmtpSink(const SmtpSink&) = delete;
    SmtpSink& operator=(const SmtpSink&) = delete;

    std::uint16_t port() const { return port_; }
    void set_fault(SinkFault fault);

    std::vector<SinkMessage> messages() const;
    // Until at least `count` messages have arrived; false when `timeout` passed first.
    bool wait_for_messages(std::size_t count, std::chrono::milliseconds timeout) const;
    int connections() const;

    // Closes the listener and every connection: the port refuses connections until start().
    void stop();
    void start();

private:
    struct Server;
    friend struct Server;
    void record(SinkMessage message);

    SmtpSinkOptions options_;
    std::uint16_t port_ = 0;
    std::unique_ptr<Server> server_;

    mutable std::mutex mutex_;
    mutable std::condition_variable arrived_;
    std::vector<SinkMessage> messages_;
    SinkFault fault_ = SinkFault::none;
    int connections_ = 0;
};

}  // namespace lifeline::testing
