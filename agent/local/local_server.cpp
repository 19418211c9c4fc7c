// Unix socket server: peer-credential check, length-prefixed frames, one request at a time per
// connection.
#include "agent/local/local_server.hpp"

#include "agent/core/files.hpp"
#include "shared/net/awaitable.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>
#include <filesystem>

namespace lifeline::agent {

namespace asio = boost::asio;
using stream_protocol = asio::local::stream_protocol;
using net::kTuple;
constexpr std::size_t kMaxConnections = 32;

constexpr std::size_t kMaxPendingEvents = 256;  // a watcher this far behind is hung up on

struct LocalServer::Connection {
    explicit Connection(stream_protocol::socket s) : socket(std::move(s)), wake(socket.get_executor()) {}
    stream_protocol::socket socket;
    bool watching = false;
    std::deque<std::string> events;  // encoded frames for a watcher
    asio::steady_timer wake;
};

namespace {

v1::LocalResponse error_response(core::Errc code, std::string message) {
    v1::LocalResponse response;
    response.mutable_error()->set_code(std::string(core::errc_name(code)));
    response.mutable_error()->set_message(std::move(message));
    return response;
}

}  // namespace

LocalServer::LocalServer(asio::any_io_executor executor, std::string socket_path, Handler handler)
    : executor_(std::move(executor)),
      socket_path_(std::move(socket_path)),
      handler_(std::move(handler)),
      acceptor_(executor_) {}

LocalServer::~LocalServer() { close(); }

core::Result<void> LocalServer::listen() {
    auto parent = std::filesystem::path(socket_path_).parent_path().string();
    if (auto ok = make_private_directories(parent); !ok) return ok;
    if (std::filesystem::exists(socket_path_)) {
        if (LocalClient::connect(socket_path_)) {
            return core::make_error(core::Errc::already_exists,
                                    "another lifeline-agent is already running on " + socket_path_);
        }
        std::filesystem::remove(socket_path_);  // left by a daemon that died
    }
    boost::system::error_code ec;
    acceptor_.open(stream_protocol(), ec);
    // umask makes the file 0600 from the start; chmod below is the belt to umask's braces.
    mode_t previous = ::umask(0177);
    if (!ec) acceptor_.bind(stream_protocol::endpoint(socket_path_), ec);
    ::umask(previous);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec || ::chmod(socket_path_.c_str(), 0600) != 0) {
        return core::make_error(core::Errc::unavailable,
                                "cannot listen on " + socket_path_ + ": " + (ec ? ec.message() : "chmod failed"));
    }
    asio::co_spawn(executor_, accept_loop(), asio::detached);
    return {};
}

void LocalServer::close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    if (acceptor_.is_open()) {
        acceptor_.close(ignored);
        std::filesystem::remove(socket_path_, ignored);
    }
    for (auto& weak : connections_) {
        if (auto connection = weak.lock()) connection->socket.close(ignored);
    }
    connections_.clear();
}

asio::awaitable<void> LocalServer::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(kTuple);
        if (ec == asio::error::operation_aborted || closed_) co_return;
        if (ec) continue;
        ucred peer{};
        socklen_t length = sizeof peer;
        if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 ||
            peer.uid != ::geteuid()) {
            spdlog::warn("agent: refused a local connection from uid {} pid {}", peer.uid, peer.pid);
            continue;  // closing the socket is the whole answer
        }
        std::erase_if(connections_, [](const auto& weak) { return weak.expired(); });
        if (connections_.size() >= kMaxConnections) {
            spdlog::warn("agent: too many local connections; refused pid {}", peer.pid);
            continue;
        }
        auto connection = std::make_shared<Connection>(std::move(socket));
        connections_.push_back(connection);
        asio::co_spawn(executor_, serve(std::move(connection)), asio::detached);
    }
}

asio::awaitable<void> LocalServer::serve(std::shared_ptr<Connection> connection) {
    auto& socket = connection->socket;
    std::string body;
    std::string out;
    for (;;) {
        unsigned char header[4];
        auto [header_error, header_bytes] = co_await asio::async_read(socket, asio::buffer(header), kTuple);
        if (header_error) co_return;
        std::uint32_t size = decode_local_length(header);
        v1::LocalRequest request;
        bool parsed = false;
        if (size <= kMaxLocalFrame) {
            body.assign(size, '\0');
            auto [body_error, body_bytes] = co_await asio::async_read(socket, asio::buffer(body), kTuple);
            if (body_error) co_return;
            parsed = request.ParseFromString(body) &&
                     (request.body_case() != v1::LocalRequest::BODY_NOT_SET || extra_request(request));
        }
        if (!parsed) {
            // After a bad frame the stream position is unknown: answer once, then hang up.
            out = encode_local_frame(error_response(
                size > kMaxLocalFrame ? core::Errc::payload_too_large : core::Errc::invalid_argument,
                size > kMaxLocalFrame ? "request larger than 12 MiB" : "malformed request: expected a LocalRequest"));
            co_await asio::async_write(socket, asio::buffer(out), kTuple);
            co_return;
        }
        if (request.has_watch()) {
            co_await watch(connection);
            co_return;
        }
        v1::LocalResponse response;
        try {
            response = co_await handler_(request);
        } catch (const std::exception& e) {
            spdlog::error("agent: local request failed: {}", e.what());
            response = error_response(core::Errc::unavailable, "the agent could not carry out the request");
        }
        out = encode_local_frame(response);
        auto [write_error, written] = co_await asio::async_write(socket, asio::buffer(out), kTuple);
        if (write_error) co_return;
    }
}

void LocalServer::notify(const v1::LocalEvent& event) {
    v1::LocalResponse response;
    *response.mutable_event() = event;
    const std::string frame = encode_local_frame(response);
    for (auto& weak : connections_) {
        auto connection = weak.lock();
        if (!connection || !connection->watching) continue;
        if (connection->events.size() >= kMaxPendingEvents) {
            spdlog::warn("agent: a local watcher stopped reading; hanging up on it");
            boost::system::error_code ignored;
            connection->socket.close(ignored);
            continue;
        }
        connection->events.push_back(frame);
        connection->wake.cancel();
    }
}

asio::awaitable<void> LocalServer::watch(std::shared_ptr<Connection> connection) {
    connection->watching = true;
    if (greeting_) {
        for (const auto& event : greeting_()) {
            v1::LocalResponse response;
            *response.mutable_event() = event;
            connection->events.push_back(encode_local_frame(response));
        }
    }
    // The watcher has nothing more to say: a byte from it, or its hang-up, ends the watch.
    asio::co_spawn(
        executor_,
        [connection]() -> asio::awaitable<void> {
            char byte;
            co_await connection->socket.async_read_some(asio::buffer(&byte, 1), kTuple);
            boost::system::error_code ignored;
            connection->socket.close(ignored);
            connection->wake.cancel();
        },
        asio::detached);
    while (connection->socket.is_open()) {
        if (connection->events.empty()) {
            connection->wake.expires_at(asio::steady_timer::time_point::max());
            co_await connection->wake.async_wait(kTuple);
            continue;
        }
        std::string frame = std::move(connection->events.front());
        connection->events.pop_front();
        auto [error, written] = co_await asio::async_write(connection->socket, asio::buffer(frame), kTuple);
        if (error) break;
    }
}

}  // namespace lifeline::agent
