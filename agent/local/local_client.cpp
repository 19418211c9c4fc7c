// Blocking Unix-socket client with a deadline per call.
#include "agent/local/local_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace lifeline::agent {

namespace {

using Clock = std::chrono::steady_clock;

core::Error broken(const std::string& what) {
    return core::make_error(core::Errc::unavailable, "the agent daemon " + what);
}

// Waits until `fd` is ready for `events` or the deadline passes.
bool wait_ready(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return false;
        pollfd p{fd, events, 0};
        int n = ::poll(&p, 1, static_cast<int>(left));
        if (n > 0) return true;
        if (n < 0 && errno != EINTR) return false;
    }
}

bool send_all(int fd, const std::string& data, Clock::time_point deadline) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        if (!wait_ready(fd, POLLOUT, deadline)) return false;
        ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

bool receive_exactly(int fd, char* out, std::size_t size, Clock::time_point deadline) {
    std::size_t got = 0;
    while (got < size) {
        if (!wait_ready(fd, POLLIN, deadline)) return false;
        ssize_t n = ::recv(fd, out + got, size - got, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) return false;
        got += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

v1::LocalRequest as_local_request(const v1::LocalRequestExtra& extra) {
    v1::LocalRequest request;
    request.ParseFromString(extra.SerializeAsString());  // the extra's field stays as an unknown field
    return request;
}

std::optional<v1::LocalRequestExtra> extra_request(const v1::LocalRequest& request) {
    if (request.body_case() != v1::LocalRequest::BODY_NOT_SET) return std::nullopt;
    v1::LocalRequestExtra extra;
    if (!extra.ParseFromString(request.SerializeAsString()) ||
        extra.body_case() == v1::LocalRequestExtra::BODY_NOT_SET) {
        return std::nullopt;
    }
    return extra;
}

std::string encode_local_frame(const google::protobuf::MessageLite& message) {
    std::string body = message.SerializeAsString();
    auto size = static_cast<std::uint32_t>(body.size());
    std::string frame{static_cast<char>(size >> 24), static_cast<char>(size >> 16), static_cast<char>(size >> 8),
                      static_cast<char>(size)};
    return frame + body;
}

std::uint32_t decode_local_length(const unsigned char header[4]) {
    return (std::uint32_t{header[0]} << 24) | (std::uint32_t{header[1]} << 16) | (std::uint32_t{header[2]} << 8) |
           std::uint32_t{header[3]};
}

core::Result<LocalClient> LocalClient::connect(const std::string& socket_path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof address.sun_path) {
        return core::make_error(core::Errc::invalid_argument, "socket path too long: " + socket_path);
    }
    std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return broken(std::string("socket failed: ") + std::strerror(errno));
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        int error = errno;
        ::close(fd);
        return broken("is not running (nothing answers at " + socket_path + ": " + std::strerror(error) +
                      "); start it with `lifeline-agent run`");
    }
    return LocalClient(fd);
}

LocalClient::LocalClient(LocalClient&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

LocalClient::~LocalClient() {
    if (fd_ >= 0) ::close(fd_);
}

core::Result<v1::LocalResponse> LocalClient::call(const v1::LocalRequest& request, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    if (auto sent = send(request, timeout); !sent) return sent.error();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto response = receive(std::max(left, std::chrono::milliseconds(1)));
    if (!response) return response.error();
    if (!*response) return broken("did not answer in time");
    return std::move(**response);
}

core::Result<void> LocalClient::send(const v1::LocalRequest& request, std::chrono::milliseconds timeout) {
    std::string frame = encode_local_frame(request);
    if (frame.size() - 4 > kMaxLocalFrame) return core::make_error(core::Errc::payload_too_large, "request too large");
    if (!send_all(fd_, frame, Clock::now() + timeout)) return broken("did not take the request");
    return {};
}

core::Result<std::optional<v1::LocalResponse>> LocalClient::receive(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    if (!wait_ready(fd_, POLLIN, deadline)) return std::optional<v1::LocalResponse>{};
    unsigned char header[4];
    // Once a frame has begun, the rest of it is due within the same deadline or a second, whichever is later.
    auto frame_deadline = std::max(deadline, Clock::now() + std::chrono::seconds(1));
    if (!receive_exactly(fd_, reinterpret_cast<char*>(header), 4, frame_deadline)) {
        return broken("closed the connection");
    }
    std::uint32_t size = decode_local_length(header);
    if (size > kMaxLocalFrame) return broken("sent an oversized answer");
    std::string body(size, '\0');
    if (!receive_exactly(fd_, body.data(), size, frame_deadline)) return broken("sent a truncated answer");
    v1::LocalResponse response;
    if (!response.ParseFromString(body)) return broken("sent an unreadable answer");
    return std::optional<v1::LocalResponse>(std::move(response));
}

}  // namespace lifeline::agent
