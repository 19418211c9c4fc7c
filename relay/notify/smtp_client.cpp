// SMTP over Beast's tcp_stream: each step is an async operation run on a private io_context, so each
// one times out (the same pattern as net::HttpsClient).
#include "relay/notify/smtp_client.hpp"

#include "shared/core/text.hpp"
#include "shared/net/tls.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <cctype>
#include <optional>

namespace lifeline::relay::notify {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxReplyBytes = 64 << 10;  // a server cannot make us buffer more than this
constexpr std::size_t kMaxReplyLines = 200;

// Why a step failed; `keep` when the connection is still in a known state (a refused transaction).
struct SmtpFailure {
    DeliveryStatus status;
    std::string detail;
    bool keep = false;
};

std::string upper(std::string_view text) {
    std::string out(text);
    for (auto& ch : out)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return out;
}

DeliveryStatus status_of(int code) {
    return code >= 500 && code < 600 ? DeliveryStatus::rejected : DeliveryStatus::retry;
}

}  // namespace

std::string SmtpReply::text() const {
    std::string joined;
    for (const auto& line : lines) {
        if (!joined.empty()) joined += "; ";
        joined += line;
    }
    return joined;
}

SmtpReplyParser::State SmtpReplyParser::feed(std::string_view line) {
    if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
        !std::isdigit(static_cast<unsigned char>(line[1])) || !std::isdigit(static_cast<unsigned char>(line[2])) ||
        (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
        return State::malformed;
    }
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (code < 200 || code > 599) return State::malformed;
    if (!reply_.lines.empty() && code != reply_.code) return State::malformed;
    reply_.code = code;
    reply_.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view{});
    return line.size() > 3 && line[3] == '-' ? State::more : State::done;
}

struct SmtpClient::Impl {
    using Stream = asio::ssl::stream<beast::tcp_stream>;

    explicit Impl(const SmtpSettings& s) : settings(s), tls(net::make_client_tls_context({s.ca_file, {}, {}})) {}

    const SmtpSettings& settings;
    asio::io_context io;
    asio::ssl::context tls;
    std::optional<Stream> stream;
    bool encrypted = false;
    std::string input;
    std::vector<std::string> extensions;  // upper case, as EHLO listed them
    std::atomic<bool> cancelled{false};

    void run() {
        io.restart();
        io.run();
    }

    void drop() noexcept {
        stream.reset();
        encrypted = false;
        input.clear();
        extensions.clear();
    }

    beast::tcp_stream& socket() { return beast::get_lowest_layer(*stream); }

    [[noreturn]] void network_failure(const beast::error_code& ec, const std::string& step) {
        if (cancelled) throw SmtpFailure{DeliveryStatus::retry, step + ": cancelled (shutting down)"};
        if (ec == beast::error::timeout) {
            throw SmtpFailure{DeliveryStatus::retry,
                              step + ": no answer within " + std::to_string(settings.timeout.count()) + " ms"};
        }
        throw SmtpFailure{DeliveryStatus::retry, step + ": " + ec.message()};
    }

    void check_cancelled(const std::string& step) {
        if (cancelled) throw SmtpFailure{DeliveryStatus::retry, step + ": cancelled (shutting down)"};
    }

    void connect() {
        drop();
        const std::string where = settings.host + ":" + std::to_string(settings.port);
        check_cancelled("connect to " + where);
        beast::error_code ec;
        tcp::resolver resolver(io);
        tcp::resolver::results_type endpoints;
        asio::steady_timer limit(io);
        limit.expires_after(settings.timeout);
        limit.async_wait([&resolver](const beast::error_code& e) {
            if (!e) resolver.cancel();
        });
        resolver.async_resolve(settings.host, std::to_string(settings.port), tcp::resolver::numeric_service,
                               [&](const beast::error_code& e, tcp::resolver::results_type found) {
                                   ec = e;
                                   endpoints = std::move(found);
                                   limit.cancel();
                               });
        run();
        if (ec == asio::error::operation_aborted) ec = beast::error::timeout;
        if (ec) network_failure(ec, "resolve " + settings.host);

        stream.emplace(io, tls);
        socket().expires_after(settings.timeout);
        socket().async_connect(endpoints, [&ec](const beast::error_code& e, const tcp::endpoint&) { ec = e; });
        run();
        if (ec) network_failure(ec, "connect to " + where);
        if (settings.security == SmtpSecurity::tls) handshake();

        expect(read_reply("greeting"), 220, "greeting", false);
        ehlo();
        if (settings.security == SmtpSecurity::starttls) {
            if (!has_extension("STARTTLS")) {
                // Sending on in plain text would hand the mail (and a password) to anyone in between.
                throw SmtpFailure{DeliveryStatus::retry, where + " does not offer STARTTLS"};
            }
            expect(command("STARTTLS", "STARTTLS"), 220, "STARTTLS", false);
            // Bytes sent before the handshake must not be read as if they came over TLS (CVE-2011-0411).
            if (!input.empty()) throw SmtpFailure{DeliveryStatus::retry, "STARTTLS: the server sent data early"};
            handshake();
            ehlo();
        }
        if (!settings.username.empty()) authenticate();
    }

    void handshake() {
        check_cancelled("TLS handshake");
        net::set_verify_host(*stream, settings.host);
        beast::error_code ec;
        socket().expires_after(settings.timeout);
        stream->async_handshake(asio::ssl::stream_base::client, [&ec](const beast::error_code& e) { ec = e; });
        run();
        if (ec) {
            std::string step = "TLS handshake with " + settings.host;
            const long verify = SSL_get_verify_result(stream->native_handle());
            if (verify != X509_V_OK)
                step += std::string(" (server certificate: ") + X509_verify_cert_error_string(verify) + ")";
            network_failure(ec, step);
        }
        encrypted = true;
    }

    void ehlo() {
        auto reply = command("EHLO " + settings.helo_name, "EHLO");
        if (reply.code >= 500) {
            // A server from before RFC 1869: no extensions, so no STARTTLS, AUTH or 8BITMIME either.
            expect(command("HELO " + settings.helo_name, "HELO"), 250, "HELO", false);
            extensions.clear();
            return;
        }
        expect(reply, 250, "EHLO", false);
        extensions.clear();
        for (std::size_t i = 1; i < reply.lines.size(); ++i)
            extensions.push_back(upper(reply.lines[i]));
    }

    bool has_extension(std::string_view keyword) const {
        for (const auto& line : extensions) {
            if (line.compare(0, keyword.size(), keyword) == 0 &&
                (line.size() == keyword.size() || line[keyword.size()] == ' ' || line[keyword.size()] == '=')) {
                return true;
            }
        }
        return false;
    }

    bool offers_auth_plain() const {
        for (const auto& line : extensions) {
            if (line.compare(0, 5, "AUTH ") != 0 && line.compare(0, 5, "AUTH=") != 0) continue;
            std::size_t at = 5;
            while (at < line.size()) {
                std::size_t end = line.find(' ', at);
                if (end == std::string::npos) end = line.size();
                if (line.compare(at, end - at, "PLAIN") == 0) return true;
                at = end + 1;
            }
        }
        return false;
    }

    void authenticate() {
        if (!encrypted) throw SmtpFailure{DeliveryStatus::retry, "AUTH: refusing to send a password without TLS"};
        if (!offers_auth_plain()) throw SmtpFailure{DeliveryStatus::retry, "AUTH: the server does not offer PLAIN"};
        std::string credentials;
        credentials += '\0';
        credentials += settings.username;
        credentials += '\0';
        credentials += settings.password;
        // The command goes to the socket only; no log line ever carries it.
        expect(command("AUTH PLAIN " + base64_encode(credentials), "AUTH"), 235, "AUTH", false);
    }

    void write(std::string_view data, const std::string& step) {
        check_cancelled(step);
        beast::error_code ec;
        socket().expires_after(settings.timeout);
        auto done = [&ec](const beast::error_code& e, std::size_t) { ec = e; };
        if (encrypted)
            asio::async_write(*stream, asio::buffer(data), done);
        else
            asio::async_write(stream->next_layer(), asio::buffer(data), done);
        run();
        if (ec) network_failure(ec, step);
    }

    std::string read_line(const std::string& step) {
        check_cancelled(step);
        beast::error_code ec;
        std::size_t length = 0;
        socket().expires_after(settings.timeout);
        auto buffer = asio::dynamic_buffer(input, kMaxReplyBytes);
        auto done = [&](const beast::error_code& e, std::size_t n) {
            ec = e;
            length = n;
        };
        if (encrypted)
            asio::async_read_until(*stream, buffer, '\n', done);
        else
            asio::async_read_until(stream->next_layer(), buffer, '\n', done);
        run();
        if (ec == asio::error::not_found) throw SmtpFailure{DeliveryStatus::retry, step + ": reply too long"};
        if (ec) network_failure(ec, step);
        std::string line = input.substr(0, length - 1);
        input.erase(0, length);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
    }

    SmtpReply read_reply(const std::string& step) {
        SmtpReplyParser parser;
        for (std::size_t i = 0; i < kMaxReplyLines; ++i) {
            auto line = read_line(step);
            switch (parser.feed(line)) {
                case SmtpReplyParser::State::more: continue;
                case SmtpReplyParser::State::done: return parser.reply();
                case SmtpReplyParser::State::malformed:
                    throw SmtpFailure{DeliveryStatus::retry, step + ": malformed reply '" + line.substr(0, 80) + "'"};
            }
        }
        throw SmtpFailure{DeliveryStatus::retry, step + ": reply with too many lines"};
    }

    SmtpReply command(const std::string& line, const std::string& step) {
        write(line + "\r\n", step);
        return read_reply(step);
    }

    // `keep`: a refusal inside a transaction concerns the mail and leaves the session usable (after
    // RSET); any other refusal concerns the session and is retried.
    static const SmtpReply& expect(const SmtpReply& reply, int wanted, const std::string& step, bool keep) {
        if (reply.code == wanted) return reply;
        const auto status = keep ? status_of(reply.code) : DeliveryStatus::retry;
        throw SmtpFailure{status, step + ": " + std::to_string(reply.code) + " " + reply.text(), keep};
    }

    void deliver(const MailMessage& message) {
        const auto encoding = choose_body_encoding(normalize_line_ends(message.body), has_extension("8BITMIME"));
        const std::string data = dot_stuff(format_message(message, encoding)) + ".\r\n";
        const std::string body_parameter = encoding == BodyEncoding::eight_bit ? " BODY=8BITMIME" : "";
        expect(command("MAIL FROM:<" + message.from + ">" + body_parameter, "MAIL FROM"), 250, "MAIL FROM", true);
        expect(command("RCPT TO:<" + message.to + ">", "RCPT TO"), 250, "RCPT TO", true);
        expect(command("DATA", "DATA"), 354, "DATA", true);
        write(data, "message data");
        expect(read_reply("end of data"), 250, "end of data", true);
    }
};

SmtpClient::SmtpClient(SmtpSettings settings)
    : settings_(std::move(settings)), impl_(std::make_unique<Impl>(settings_)) {}

SmtpClient::~SmtpClient() { quit(); }

Delivery SmtpClient::send(const MailMessage& message) {
    if (!core::is_mail_address(message.from) || !core::is_mail_address(message.to)) {
        return {DeliveryStatus::rejected,
                "not a mail address: " + (core::is_mail_address(message.from) ? message.to : message.from), false};
    }
    try {
        if (!impl_->stream) impl_->connect();
        impl_->deliver(message);
        return {DeliveryStatus::sent, {}};
    } catch (const SmtpFailure& failure) {
        if (failure.keep) {
            try {
                // 250 expected; anything else and the session is in an unknown state.
                if (impl_->command("RSET", "RSET").code != 250) impl_->drop();
            } catch (const SmtpFailure&) {
                impl_->drop();
            }
        } else {
            impl_->drop();
        }
        return {failure.status, failure.detail, !failure.keep};
    }
}

void SmtpClient::quit() {
    if (!impl_->stream) return;
    try {
        impl_->command("QUIT", "QUIT");
    } catch (...) {  // NOLINT(bugprone-empty-catch): leaving is best effort, the socket closes regardless
    }
    impl_->drop();
}

void SmtpClient::cancel() {
    impl_->cancelled = true;
    asio::post(impl_->io, [impl = impl_.get()] {
        if (impl->stream) impl->socket().cancel();
    });
}

}  // namespace lifeline::relay::notify
