// TLS accept loop and per-connection request loop.
#include "relay/http/server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include "shared/net/awaitable.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace lifeline::relay::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using net::kTuple;

struct HttpsServer::Connection {
    Connection(tcp::socket socket, asio::ssl::context& tls)
        : stream(std::move(socket), tls), executor(stream.get_executor()) {}
    beast::ssl_stream<beast::tcp_stream> stream;
    asio::any_io_executor executor;  // kept apart: the stream is moved out on an upgrade
    bool busy = false;               // a request is being handled; touched only on the strand
    bool stopping = false;           // touched only on the strand
    bool upgraded = false;           // the stream now belongs to a WebSocket handler; on the strand
    bool sending_file = false;       // a download, which may last as long as the client keeps reading; on the strand
};

namespace {

// Lingering close: a client still sending an oversized body would get a reset instead of our 413
// if we closed at once. Read and drop what it sends, bounded in bytes and time, then close.
asio::awaitable<void> discard_rest(beast::ssl_stream<beast::tcp_stream>& stream) {
    constexpr std::size_t kMaxDiscard = 64 << 20;
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    std::array<char, 16 << 10> sink;
    std::size_t discarded = 0;
    while (discarded < kMaxDiscard) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
        if (ec) break;
        discarded += n;
    }
}

// A response whose body is a file (file_response): the headers, then the file in pieces read as they go, so its
// size costs no memory. The length is the file's when it was opened; each write has its own timeout, so a slow
// client gets as long as it keeps taking bytes. Reads are blocking, like Beast's file_body: a piece from the page
// cache at a time.
asio::awaitable<beast::error_code> send_file_response(beast::ssl_stream<beast::tcp_stream>& stream, Response& head,
                                                      const std::string& path, std::chrono::seconds timeout) {
    constexpr std::size_t kPieceBytes = 256 << 10;
    auto& tcp_stream = beast::get_lowest_layer(stream);
    beast::error_code ec;
    beast::file file;
    file.open(path.c_str(), beast::file_mode::scan, ec);
    std::uint64_t size = ec ? 0 : file.size(ec);
    if (ec) {
        spdlog::warn("http: cannot open {} for a download: {}", path, ec.message());
        Response missing = error_response(beast_http::status::not_found, "not_found", "the file is no longer there");
        missing.keep_alive(head.keep_alive());
        tcp_stream.expires_after(timeout);
        auto [write_error, written] = co_await beast_http::async_write(stream, missing, kTuple);
        co_return write_error;
    }
    beast_http::response<beast_http::buffer_body> response;
    response.base() = head.base();
    response.content_length(size);
    response.body().data = nullptr;
    response.body().more = size > 0;
    beast_http::response_serializer<beast_http::buffer_body> serializer(response);
    tcp_stream.expires_after(timeout);
    auto [header_error, header_bytes] = co_await beast_http::async_write_header(stream, serializer, kTuple);
    if (header_error) co_return header_error;
    std::vector<char> piece(kPieceBytes);
    while (size > 0) {
        const std::size_t n =
            file.read(piece.data(), static_cast<std::size_t>(std::min<std::uint64_t>(size, kPieceBytes)), ec);
        if (ec || n == 0) co_return ec ? ec : beast_http::error::partial_message;  // cut short: the client sees
        size -= n;
        response.body().data = piece.data();
        response.body().size = n;
        response.body().more = size > 0;
        tcp_stream.expires_after(timeout);
        auto [write_error, written] = co_await beast_http::async_write(stream, serializer, kTuple);
        if (write_error == beast_http::error::need_buffer) write_error = {};
        if (write_error) co_return write_error;
    }
    if (!serializer.is_done()) {
        response.body().data = nullptr;
        response.body().more = false;
        tcp_stream.expires_after(timeout);
        auto [end_error, end_bytes] = co_await beast_http::async_write(stream, serializer, kTuple);
        co_return end_error;
    }
    co_return beast::error_code{};
}

}  // namespace

HttpsServer::HttpsServer(asio::io_context& io, asio::ssl::context& tls, Router& router, ServerOptions options)
    : io_(io), tls_(tls), router_(router), options_(std::move(options)), acceptor_(io) {}

HttpsServer::~HttpsServer() = default;

tcp::endpoint HttpsServer::listen() {
    tcp::endpoint endpoint(asio::ip::make_address(options_.host), options_.port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    if (endpoint.address().is_v6()) acceptor_.set_option(asio::ip::v6_only(false));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    return acceptor_.local_endpoint();
}

void HttpsServer::start() { asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached); }

void HttpsServer::shutdown() {
    std::vector<std::shared_ptr<Connection>> live;
    {
        std::lock_guard lock(connections_mutex_);
        stopping_ = true;
        for (auto& weak : connections_) {
            if (auto c = weak.lock()) live.push_back(std::move(c));
        }
    }
    asio::post(acceptor_.get_executor(), [this] {
        beast::error_code ignored;
        acceptor_.close(ignored);
    });
    for (auto& c : live) {
        asio::post(c->executor, [c] {
            if (c->upgraded) return;  // its handler has a shutdown of its own
            c->stopping = true;
            // A request in hand is finished, but a download is cut off: a slow client would hold the stop for
            // as long as it kept reading. The client sees the body end short and drops what it received.
            // Shut down, not cancelled: a cancelled TLS write waiting on a full send buffer carried on until the
            // client read again.
            if (c->sending_file) {
                beast::error_code ignored;
                beast::get_lowest_layer(c->stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
            } else if (!c->busy) {
                beast::get_lowest_layer(c->stream).cancel();
            }
        });
    }
}

void HttpsServer::on_upgrade(std::string path, UpgradeHandler handler) {
    upgrades_.emplace(std::move(path), std::move(handler));
}

void HttpsServer::forget_closed() {
    std::erase_if(connections_, [](const auto& weak) { return weak.expired(); });
}

asio::awaitable<void> HttpsServer::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), kTuple);
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
        if (ec) {
            // Out of descriptors and the like: keep serving the connections we have.
            spdlog::warn("http: accept failed: {}", ec.message());
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        auto connection = std::make_shared<Connection>(std::move(socket), tls_);
        {
            std::lock_guard lock(connections_mutex_);
            if (stopping_) break;
            if (connections_.size() > 64 && connections_.size() % 64 == 0) forget_closed();
            connections_.push_back(connection);
        }
        auto executor = connection->stream.get_executor();
        asio::co_spawn(executor, serve(std::move(connection)), [](std::exception_ptr error) {
            if (!error) return;
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                spdlog::error("http: connection failed: {}", e.what());
            }
        });
    }
    spdlog::info("http: stopped accepting connections");
}

asio::awaitable<void> HttpsServer::serve(std::shared_ptr<Connection> connection) {
    auto& stream = connection->stream;
    auto& tcp_stream = beast::get_lowest_layer(stream);
    std::string remote;
    {
        beast::error_code ec;
        auto endpoint = tcp_stream.socket().remote_endpoint(ec);
        remote = ec ? "unknown" : endpoint.address().to_string();
    }

    tcp_stream.expires_after(options_.request_timeout);
    auto [handshake_error] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (handshake_error) {
        spdlog::debug("http: TLS handshake from {} failed: {}", remote, handshake_error.message());
        co_return;
    }

    beast::flat_buffer buffer;
    while (!connection->stopping) {
        beast_http::request_parser<beast_http::string_body> parser;
        parser.body_limit(options_.max_body_bytes);
        parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));

        // The idle allowance covers the wait for the first byte of the next request.
        tcp_stream.expires_after(options_.idle_timeout);
        auto [read_error, read_bytes] = co_await beast_http::async_read_header(stream, buffer, parser, kTuple);
        if (!read_error && !parser.is_done()) {
            // Some routes take larger bodies (attachments): the limit is chosen once the target is known.
            if (auto limit = router_.body_limit(parser.get().method(), parser.get().target()); limit > 0) {
                parser.body_limit(limit);
            }
            auto [body_error, body_bytes] = co_await beast_http::async_read(stream, buffer, parser, kTuple);
            read_error = body_error;
        }
        if (read_error) {
            Response limit_response;
            if (read_error == beast_http::error::body_limit || read_error == beast_http::error::header_limit) {
                limit_response = error_response(beast_http::status::payload_too_large, "payload_too_large",
                                                read_error == beast_http::error::body_limit
                                                    ? "the request body is larger than the server accepts"
                                                    : "the request headers are larger than the server accepts");
            } else if (read_error.category() == beast_http::make_error_code(beast_http::error::bad_target).category() &&
                       read_error != beast_http::error::end_of_stream) {
                limit_response =
                    error_response(beast_http::status::bad_request, "invalid_argument", "malformed HTTP request");
            } else {
                break;  // closed, timed out or cancelled
            }
            limit_response.keep_alive(false);
            tcp_stream.expires_after(options_.request_timeout);
            co_await beast_http::async_write(stream, limit_response, kTuple);
            if (read_error == beast_http::error::body_limit) co_await discard_rest(stream);
            break;
        }

        if (boost::beast::websocket::is_upgrade(parser.get())) {
            std::string_view target = parser.get().target();
            std::string_view path = target.substr(0, target.find('?'));
            auto handler = upgrades_.find(path);
            if (handler == upgrades_.end()) {
                // A registered path ending in '/' takes everything below it (/v1/sessions/{id}/agent).
                for (auto it = upgrades_.begin(); it != upgrades_.end(); ++it) {
                    if (it->first.ends_with('/') && path.starts_with(it->first)) handler = it;
                }
            }
            if (handler != upgrades_.end()) {
                connection->upgraded = true;
                tcp_stream.expires_never();  // the WebSocket layer sets its own timeouts
                handler->second(std::move(stream), parser.release(), remote);
                co_return;
            }
        }

        connection->busy = true;
        const Request& request = parser.get();
        auto started = std::chrono::steady_clock::now();
        Response response = co_await router_.dispatch(request, remote);
        response.set(beast_http::field::server, "lifeline-relay");
        response.set(beast_http::field::cache_control, "no-store");
        response.set("X-Content-Type-Options", "nosniff");
        response.set(beast_http::field::strict_transport_security, "max-age=31536000");
        response.keep_alive(request.keep_alive() && !connection->stopping);
        spdlog::debug(
            "http: {} {} {} -> {} in {} us", remote, std::string(request.method_string()),
            std::string(request.target()), response.result_int(),
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count());

        beast::error_code write_error;
        if (auto file = response.find(kFileBodyField); file != response.end()) {
            const std::string path(file->value());
            response.erase(kFileBodyField);
            if (connection->stopping) {
                write_error = beast_http::error::partial_message;  // stopping already: not started
            } else {
                connection->sending_file = true;
                write_error = co_await send_file_response(stream, response, path, options_.request_timeout);
                connection->sending_file = false;
            }
        } else {
            tcp_stream.expires_after(options_.request_timeout);
            auto [error, written] = co_await beast_http::async_write(stream, response, kTuple);
            write_error = error;
        }
        connection->busy = false;
        if (write_error || !response.keep_alive()) break;
    }

    // Stopping: an idle client may never answer our close_notify, so do not wait for it.
    if (connection->stopping) {
        beast::error_code ignored;
        tcp_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        co_return;
    }
    tcp_stream.expires_after(std::chrono::seconds(5));
    co_await stream.async_shutdown(kTuple);
}

}  // namespace lifeline::relay::http
