// The test SMTP server: one coroutine per connection on the sink's own io_context thread.
#include "tests/support/smtp_sink.hpp"

#include "shared/net/pki.hpp"
#include "shared/net/tls.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <fcntl.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

namespace lifeline::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::string sink_upper(std::string_view text) {
    std::string out(text);
    for (auto& ch : out)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return out;
}

std::optional<std::string> sink_base64_decode(std::string_view text) {
    auto value = [](char ch) -> int {
        if (ch >= 'A' && ch <= 'Z') return ch - 'A';
        if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
        if (ch >= '0' && ch <= '9') return ch - '0' + 52;
        if (ch == '+') return 62;
        if (ch == '/') return 63;
        return -1;
    };
    std::string out;
    unsigned bits = 0;
    int count = 0;
    for (char ch : text) {
        if (ch == '=') break;
        const int v = value(ch);
        if (v < 0) return std::nullopt;
        bits = (bits << 6) | static_cast<unsigned>(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>((bits >> count) & 0xFF);
        }
    }
    return out;
}

void write_text_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("test: cannot write " + path);
}

struct SinkConnection {
    explicit SinkConnection(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls;
    std::string input;
};

asio::awaitable<std::string> sink_read_line(SinkConnection& c) {
    auto buffer = asio::dynamic_buffer(c.input, 1 << 20);
    std::size_t n = 0;
    if (c.tls)
        n = co_await asio::async_read_until(*c.tls, buffer, "\r\n", asio::use_awaitable);
    else
        n = co_await asio::async_read_until(c.socket, buffer, "\r\n", asio::use_awaitable);
    std::string line = c.input.substr(0, n - 2);
    c.input.erase(0, n);
    co_return line;
}

// `text` without the final CRLF; several lines separated by "\r\n" make a multi-line reply.
asio::awaitable<void> sink_say(SinkConnection& c, std::string_view text) {
    std::string line(text);
    line += "\r\n";
    if (c.tls)
        co_await asio::async_write(*c.tls, asio::buffer(line), asio::use_awaitable);
    else
        co_await asio::async_write(c.socket, asio::buffer(line), asio::use_awaitable);
}

}  // namespace

std::string SinkMessage::header(std::string_view name) const {
    const std::string wanted = sink_upper(name) + ":";
    std::size_t at = 0;
    while (at < data.size()) {
        std::size_t end = data.find("\r\n", at);
        if (end == std::string::npos || end == at) return {};  // the blank line: headers are over
        std::string_view line(data.data() + at, end - at);
        if (sink_upper(line.substr(0, wanted.size())) == wanted) {
            std::string value(line.substr(wanted.size()));
            // Continuation lines begin with a blank.
            while (end + 2 < data.size() && (data[end + 2] == ' ' || data[end + 2] == '\t')) {
                std::size_t next = data.find("\r\n", end + 2);
                if (next == std::string::npos) next = data.size();
                value += data.substr(end + 2, next - end - 2);
                end = next;
            }
            const auto first = value.find_first_not_of(' ');
            return first == std::string::npos ? std::string() : value.substr(first);
        }
        at = end + 2;
    }
    return {};
}

std::string SinkMessage::body() const {
    const auto blank = data.find("\r\n\r\n");
    return blank == std::string::npos ? std::string() : data.substr(blank + 4);
}

TestPki::TestPki() {
    std::string pattern = (std::filesystem::temp_directory_path() / "lifeline-test-pki-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("test: mkdtemp failed");
    dir_ = pattern;
    auto ca = net::create_ca("Lifeline test mail CA");
    auto server = net::create_server_certificate(ca, "localhost", {"localhost", "127.0.0.1"});
    ca_file = dir_ + "/ca.pem";
    chain_file = dir_ + "/smtp.pem";
    key_file = dir_ + "/smtp.key";
    write_text_file(ca_file, ca.certificate_pem);
    write_text_file(chain_file, server.certificate_pem + ca.certificate_pem);
    write_text_file(key_file, server.private_key_pem);
}

TestPki::~TestPki() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

struct SmtpSink::Server {
    Server(SmtpSink& owner, std::uint16_t port) : sink(owner), acceptor(io) {
        const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
        acceptor.open(endpoint.protocol());
        // A restarted sink takes its old port back at once.
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen();
        // Asio's sockets survive exec: a relay the test starts later must not inherit the listener and keep
        // the port taken (and connectable) after stop().
        ::fcntl(acceptor.native_handle(), F_SETFD, FD_CLOEXEC);
        const auto& o = sink.options_;
        if (!o.certificate_chain_file.empty()) {
            tls.emplace(net::make_server_tls_context(o.certificate_chain_file, o.private_key_file));
        }
        asio::co_spawn(io, accept_loop(), asio::detached);
        thread = std::thread([this] { io.run(); });
    }

    // Stopping the loop and destroying the io_context destroys every suspended session with its socket.
    ~Server() {
        io.stop();
        thread.join();
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto socket = co_await acceptor.async_accept(asio::use_awaitable);
            ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
            {
                std::lock_guard lock(sink.mutex_);
                ++sink.connections_;
            }
            asio::co_spawn(io, session(std::move(socket)), asio::detached);
        }
    }

    SinkFault fault() {
        std::lock_guard lock(sink.mutex_);
        return sink.fault_;
    }

    asio::awaitable<void> session(tcp::socket socket) {
        SinkConnection c(std::move(socket));
        try {
            co_await converse(c);
        } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): the client went away; nothing to record
        }
    }

    asio::awaitable<void> start_tls(SinkConnection& c) {
        c.tls = std::make_unique<asio::ssl::stream<tcp::socket&>>(c.socket, *tls);
        co_await c.tls->async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
    }

    asio::awaitable<void> stall(SinkConnection& c) {
        for (;;)
            std::string ignored = co_await sink_read_line(c);  // until the client gives up and closes
    }

    asio::awaitable<void> converse(SinkConnection& c) {
        const auto& o = sink.options_;
        if (fault() == SinkFault::stall_greeting) co_await stall(c);
        if (o.implicit_tls) co_await start_tls(c);
        co_await sink_say(c, "220-127.0.0.1 Lifeline test sink\r\n220 ready");
        SinkMessage message;
        bool authenticated = false;
        for (;;) {
            std::string line = co_await sink_read_line(c);
            const std::string verb = sink_upper(line.substr(0, line.find(' ')));
            const std::string argument = line.find(' ') == std::string::npos ? "" : line.substr(line.find(' ') + 1);
            if (verb == "EHLO" || verb == "HELO") {
                message = {};
                message.helo = argument;
                std::string reply = "250-127.0.0.1 greets " + argument;
                if (o.eight_bit_mime) reply += "\r\n250-8BITMIME";
                if (tls && !c.tls) reply += "\r\n250-STARTTLS";
                if (!o.username.empty() && c.tls) reply += "\r\n250-AUTH PLAIN LOGIN";
                reply += "\r\n250 SIZE 10485760";
                if (verb == "HELO") reply = "250 127.0.0.1";
                co_await sink_say(c, reply);
            } else if (verb == "STARTTLS") {
                if (!tls || c.tls) {
                    co_await sink_say(c, "502 5.5.1 not offered");
                    continue;
                }
                co_await sink_say(c, "220 2.0.0 go ahead");
                c.input.clear();
                co_await start_tls(c);
                message = {};
                authenticated = false;
            } else if (verb == "AUTH") {
                if (o.username.empty() || !c.tls) {
                    co_await sink_say(c, "503 5.5.1 AUTH not offered");
                    continue;
                }
                std::string credentials = argument.size() > 6 ? argument.substr(6) : "";
                if (sink_upper(argument.substr(0, 5)) != "PLAIN") {
                    co_await sink_say(c, "504 5.5.4 only PLAIN");
                    continue;
                }
                if (credentials.empty()) {
                    co_await sink_say(c, "334 ");
                    credentials = co_await sink_read_line(c);
                }
                auto decoded = sink_base64_decode(credentials);
                const std::string expected = std::string(1, '\0') + o.username + '\0' + o.password;
                if (decoded && *decoded == expected) {
                    authenticated = true;
                    message.auth_user = o.username;
                    co_await sink_say(c, "235 2.7.0 authenticated");
                } else {
                    co_await sink_say(c, "535 5.7.8 authentication failed");
                }
            } else if (verb == "MAIL") {
                if (!o.username.empty() && !authenticated) {
                    co_await sink_say(c, "530 5.7.0 authentication required");
                    continue;
                }
                const auto open = line.find('<');
                const auto close = line.find('>');
                if (open == std::string::npos || close == std::string::npos || close < open) {
                    co_await sink_say(c, "501 5.5.4 syntax: MAIL FROM:<address>");
                    continue;
                }
                message.mail_from = line.substr(open + 1, close - open - 1);
                message.mail_from_parameters = line.substr(close + 1);
                message.recipients.clear();
                co_await sink_say(c, "250 2.1.0 ok");
            } else if (verb == "RCPT") {
                const auto open = line.find('<');
                const auto close = line.find('>');
                const auto now = fault();
                if (now == SinkFault::busy) {
                    co_await sink_say(c, "451 4.3.0 mailbox busy, try again later");
                } else if (now == SinkFault::reject) {
                    co_await sink_say(c, "550 5.1.1 no such mailbox");
                } else if (open == std::string::npos || close == std::string::npos || close < open) {
                    co_await sink_say(c, "501 5.5.4 syntax: RCPT TO:<address>");
                } else {
                    message.recipients.push_back(line.substr(open + 1, close - open - 1));
                    co_await sink_say(c, "250 2.1.5 ok");
                }
            } else if (verb == "DATA") {
                if (message.recipients.empty()) {
                    co_await sink_say(c, "503 5.5.1 no recipients");
                    continue;
                }
                co_await sink_say(c, "354 end with <CRLF>.<CRLF>");
                std::string data;
                for (;;) {
                    std::string data_line = co_await sink_read_line(c);
                    if (data_line == ".") break;
                    if (!data_line.empty() && data_line[0] == '.') data_line.erase(0, 1);
                    data += data_line + "\r\n";
                }
                if (fault() == SinkFault::stall_data) co_await stall(c);
                message.data = std::move(data);
                message.over_tls = c.tls != nullptr;
                sink.record(message);
                message.recipients.clear();
                co_await sink_say(c, "250 2.0.0 queued");
            } else if (verb == "RSET") {
                message.mail_from.clear();
                message.recipients.clear();
                co_await sink_say(c, "250 2.0.0 ok");
            } else if (verb == "NOOP") {
                co_await sink_say(c, "250 2.0.0 ok");
            } else if (verb == "QUIT") {
                co_await sink_say(c, "221 2.0.0 bye");
                co_return;
            } else {
                co_await sink_say(c, "500 5.5.2 unknown command");
            }
        }
    }

    SmtpSink& sink;
    // Before the io_context: the sessions it destroys last still hold TLS streams made from it.
    std::optional<asio::ssl::context> tls;
    asio::io_context io{1};
    tcp::acceptor acceptor;
    std::thread thread;
};

SmtpSink::SmtpSink(SmtpSinkOptions options) : options_(std::move(options)), port_(options_.port) { start(); }

SmtpSink::~SmtpSink() { stop(); }

void SmtpSink::start() {
    if (server_) return;
    server_ = std::make_unique<Server>(*this, port_);
    port_ = server_->acceptor.local_endpoint().port();
}

void SmtpSink::stop() { server_.reset(); }

void SmtpSink::set_fault(SinkFault fault) {
    std::lock_guard lock(mutex_);
    fault_ = fault;
}

void SmtpSink::record(SinkMessage message) {
    {
        std::lock_guard lock(mutex_);
        messages_.push_back(std::move(message));
    }
    arrived_.notify_all();
}

std::vector<SinkMessage> SmtpSink::messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
}

bool SmtpSink::wait_for_messages(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
}

int SmtpSink::connections() const {
    std::lock_guard lock(mutex_);
    return connections_;
}

}  // namespace lifeline::testing
