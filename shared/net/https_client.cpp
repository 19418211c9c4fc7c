// Blocking HTTPS on Beast: each step is an async operation run on a private io_context, so each can time out.
#include "shared/net/https_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <vector>

namespace lifeline::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kStepTimeout = std::chrono::seconds(30);
constexpr auto kCloseTimeout = std::chrono::seconds(2);
constexpr std::uint64_t kMaxBodyBytes = std::uint64_t{64} << 20;
constexpr std::uint32_t kMaxHeaderBytes = 64 << 10;
constexpr std::size_t kDownloadPieceBytes = 256 << 10;
constexpr std::size_t kMaxErrorBody = 64 << 10;

std::string strip_brackets(std::string host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
    return host;
}

// Beast writes header text as given; a CR or LF from a caller would split the request.
void require_single_line(std::string_view text, std::string_view what) {
    if (text.find_first_of("\r\n") != std::string_view::npos) {
        throw std::invalid_argument(std::string(what) + " must not contain CR or LF");
    }
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (beast::iequals(key, name)) return value;
    }
    return {};
}

struct HttpsClient::Impl {
    using Stream = asio::ssl::stream<beast::tcp_stream>;

    Impl(std::string host, std::uint16_t port, const TlsClientOptions& tls)
        : host_(strip_brackets(std::move(host))), port_(port), tls_(make_client_tls_context(tls)) {
        boost::system::error_code not_ip;
        auto address = asio::ip::make_address(host_, not_ip);
        is_ip_ = !not_ip;
        std::string authority = is_ip_ && address.is_v6() ? "[" + host_ + "]" : host_;
        host_header_ = authority + ":" + std::to_string(port_);
    }

    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl() { close(); }

    // Runs the one operation just started until its handler has stored the outcome (or its timer fired).
    void run() {
        io_.restart();
        io_.run();
        if (interrupted_.exchange(false)) fail(asio::error::operation_aborted, "interrupted");
    }

    // The flag makes whichever run() sees it throw, once (so no retry follows a cancelled write); the posted
    // handler runs on the client's thread inside that run() and cancels what it waits for.
    void interrupt() {
        interrupted_ = true;
        asio::post(io_, [this] {
            if (interrupted_ && stream_) beast::get_lowest_layer(*stream_).cancel();
        });
    }

    void drop() noexcept {
        stream_.reset();
        buffer_.clear();
        used_ = false;
    }

    [[noreturn]] void fail(beast::error_code ec, const std::string& what) {
        drop();
        throw boost::system::system_error(ec, what);
    }

    void connect() {
        drop();
        beast::error_code ec;
        tcp::resolver resolver(io_);
        auto flags = tcp::resolver::numeric_service;
        if (is_ip_) flags = flags | tcp::resolver::numeric_host;
        auto endpoints = resolver.resolve(host_, std::to_string(port_), flags, ec);
        if (ec) fail(ec, "cannot resolve " + host_);

        stream_.emplace(io_, tls_);
        auto& socket = beast::get_lowest_layer(*stream_);
        set_verify_host(*stream_, host_);

        socket.expires_after(kStepTimeout);
        socket.async_connect(endpoints, [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; });
        run();
        if (ec) fail(ec, "cannot connect to " + host_header_);
        socket.socket().set_option(tcp::no_delay(true), ec);
        if (ec) fail(ec, "cannot set TCP_NODELAY towards " + host_header_);

        socket.expires_after(kStepTimeout);
        stream_->async_handshake(asio::ssl::stream_base::client, [&ec](beast::error_code e) { ec = e; });
        run();
        if (ec) {
            std::string what = "TLS handshake with " + host_header_ + " failed";
            long verify = SSL_get_verify_result(stream_->native_handle());
            if (verify != X509_V_OK) {
                what += std::string(" (server certificate: ") + X509_verify_cert_error_string(verify) + ")";
            }
            fail(ec, what);
        }
        socket.expires_never();
    }

    // An idle HTTP connection has nothing to read; anything readable (close_notify, FIN, reset, stray bytes)
    // means it cannot carry another request.
    bool peer_went_away() {
        if (buffer_.size() != 0) return true;
        pollfd descriptor{beast::get_lowest_layer(*stream_).socket().native_handle(), POLLIN, 0};
        return ::poll(&descriptor, 1, 0) != 0;
    }

    // Sends `message` on a connection that can take it: connects lazily, and reconnects once when the server had
    // closed an idle connection before any byte of the request went out.
    void send(const http::request<http::string_body>& message) {
        bool retried = false;
        for (;;) {
            bool fresh = false;
            // Only after a first response: right after the handshake, TLS 1.3 session tickets are still unread.
            if (!stream_ || (used_ && peer_went_away())) {
                connect();
                fresh = true;
            }
            auto& socket = beast::get_lowest_layer(*stream_);
            beast::error_code ec;
            std::size_t written = 0;
            socket.expires_after(kStepTimeout);
            http::async_write(*stream_, message, [&](beast::error_code e, std::size_t n) {
                ec = e;
                written = n;
            });
            run();
            if (ec) {
                // The server may have closed between our check and the write; with no byte of the request out,
                // it cannot have acted on it.
                if (!fresh && !retried && written == 0) {
                    retried = true;
                    drop();
                    continue;
                }
                fail(ec, "cannot send the request to " + host_header_);
            }
            return;
        }
    }

    HttpResponse request(const http::request<http::string_body>& message) {
        send(message);
        auto& socket = beast::get_lowest_layer(*stream_);
        beast::error_code ec;
        http::response_parser<http::string_body> parser;
        parser.body_limit(kMaxBodyBytes);
        parser.header_limit(kMaxHeaderBytes);
        if (message.method() == http::verb::head) parser.skip(true);
        socket.expires_after(kStepTimeout);
        http::async_read(*stream_, buffer_, parser, [&ec](beast::error_code e, std::size_t) { ec = e; });
        run();
        if (ec) fail(ec, "no complete response from " + host_header_);
        socket.expires_never();
        used_ = true;

        auto received = parser.release();
        HttpResponse response = head_of(received);
        response.body = std::move(received.body());
        if (!received.keep_alive()) close();
        return response;
    }

    template <class Body>
    static HttpResponse head_of(const http::response<Body>& received) {
        HttpResponse response;
        response.status = received.result_int();
        for (const auto& field : received) {
            response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        }
        response.content_type = std::string(received[http::field::content_type]);
        return response;
    }

    HttpDownload download(const http::request<http::string_body>& message, std::uint64_t max_bytes,
                          const DownloadSink& sink) {
        send(message);
        auto& socket = beast::get_lowest_layer(*stream_);
        beast::error_code ec;
        http::response_parser<http::buffer_body> parser;
        parser.body_limit(boost::none);  // counted here, against max_bytes
        parser.header_limit(kMaxHeaderBytes);
        socket.expires_after(kStepTimeout);
        http::async_read_header(*stream_, buffer_, parser, [&ec](beast::error_code e, std::size_t) { ec = e; });
        run();
        if (ec) fail(ec, "no complete response from " + host_header_);

        HttpDownload result;
        result.response = head_of(parser.get());
        const bool ok = result.response.status == 200;
        if (const auto length = parser.content_length()) result.length = *length;
        if (ok && result.length > max_bytes) {
            result.too_large = true;
            drop();  // the body is not read, so the connection cannot carry another request
            return result;
        }
        std::vector<char> piece(kDownloadPieceBytes);
        while (!parser.is_done()) {
            parser.get().body().data = piece.data();
            parser.get().body().size = piece.size();
            socket.expires_after(kStepTimeout);
            http::async_read(*stream_, buffer_, parser, [&ec](beast::error_code e, std::size_t) { ec = e; });
            run();
            if (ec == http::error::need_buffer) ec = {};
            if (ec) fail(ec, "the response from " + host_header_ + " broke off");
            const std::size_t got = piece.size() - parser.get().body().size;
            if (!ok) {
                // An error's body is the server's explanation: kept, within reason.
                result.response.body.append(piece.data(), std::min(got, kMaxErrorBody - result.response.body.size()));
                if (result.response.body.size() >= kMaxErrorBody) {
                    drop();
                    return result;
                }
                continue;
            }
            result.bytes += got;
            if (result.bytes > max_bytes) {
                result.too_large = true;
                drop();
                return result;
            }
            if (got > 0 && !sink(std::string_view(piece.data(), got), result.length)) {
                result.stopped = true;
                drop();
                return result;
            }
        }
        socket.expires_never();
        used_ = true;
        if (!parser.get().keep_alive()) close();
        return result;
    }

    void close() noexcept {
        if (!stream_) return;
        try {
            auto& socket = beast::get_lowest_layer(*stream_);
            if (socket.socket().is_open()) {
                socket.expires_after(kCloseTimeout);
                stream_->async_shutdown([](beast::error_code) {});
                run();
            }
        } catch (...) {  // NOLINT(bugprone-empty-catch): closing is best effort, the socket goes away regardless
        }
        drop();
    }

    std::string host_;
    std::uint16_t port_;
    bool is_ip_ = false;
    std::string host_header_;
    asio::io_context io_{1};
    asio::ssl::context tls_;
    std::optional<Stream> stream_;  // declared after io_ and tls_, which it refers to
    std::atomic<bool> interrupted_{false};
    beast::flat_buffer buffer_;
    bool used_ = false;  // a response has been read on the current connection
};

HttpsClient::HttpsClient(std::string host, std::uint16_t port, TlsClientOptions tls)
    : impl_(std::make_unique<Impl>(std::move(host), port, tls)) {}

HttpsClient::HttpsClient(HttpsClient&&) noexcept = default;
HttpsClient& HttpsClient::operator=(HttpsClient&&) noexcept = default;
HttpsClient::~HttpsClient() = default;

namespace {

http::request<http::string_body> https_request_message(
    const std::string& host_header, std::string_view method, std::string_view target, std::string_view body,
    std::string_view bearer_token, const std::vector<std::pair<std::string, std::string>>& extra_headers) {
    require_single_line(method, "the method");
    require_single_line(target, "the target");
    require_single_line(bearer_token, "the bearer token");

    http::request<http::string_body> message;
    auto verb = http::string_to_verb(method);
    if (verb == http::verb::unknown) {
        message.method_string(method);
    } else {
        message.method(verb);
    }
    message.target(target);
    message.version(11);
    message.set(http::field::host, host_header);
    message.set(http::field::user_agent, "lifeline-https-client");
    if (!bearer_token.empty()) message.set(http::field::authorization, "Bearer " + std::string(bearer_token));
    if (!body.empty()) {
        message.set(http::field::content_type, "application/json");
        message.body() = std::string(body);
    }
    for (const auto& [name, value] : extra_headers) {
        require_single_line(name, "a header name");
        require_single_line(value, "a header value");
        message.set(name, value);
    }
    message.keep_alive(true);
    message.prepare_payload();
    return message;
}

}  // namespace

HttpResponse HttpsClient::request(std::string_view method, std::string_view target, std::string_view body,
                                  std::string_view bearer_token,
                                  const std::vector<std::pair<std::string, std::string>>& extra_headers) {
    return impl_->request(
        https_request_message(impl_->host_header_, method, target, body, bearer_token, extra_headers));
}

void HttpsClient::interrupt() { impl_->interrupt(); }

HttpDownload HttpsClient::download(std::string_view target, std::string_view bearer_token, std::uint64_t max_bytes,
                                   const DownloadSink& sink) {
    return impl_->download(https_request_message(impl_->host_header_, "GET", target, {}, bearer_token, {}), max_bytes,
                           sink);
}

void HttpsClient::close() {
    if (impl_) impl_->close();
}

}  // namespace lifeline::net
