// The agent's local socket protocol: 4-byte big-endian length + one protobuf message, and the
// blocking client that `lifeline-agent help|status` (and later the tray) use to reach the daemon.
#pragma once

#include "agent_local.pb.h"
#include "lifeline.pb.h"
#include "shared/core/error.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace lifeline::agent {

// Room for a screenshot plus the request around it.
constexpr std::size_t kMaxLocalFrame = 12 << 20;

std::string encode_local_frame(const google::protobuf::MessageLite& message);
// The length a frame header announces.
std::uint32_t decode_local_length(const unsigned char header[4]);

// A LocalRequestExtra travels as a LocalRequest with no body (agent_local.proto says why).
v1::LocalRequest as_local_request(const v1::LocalRequestExtra& extra);
// The extra request a bodiless LocalRequest carries, if any.
std::optional<v1::LocalRequestExtra> extra_request(const v1::LocalRequest& request);

class LocalClient {
public:
    // Errc::unavailable when no daemon listens at `socket_path`.
    static core::Result<LocalClient> connect(const std::string& socket_path);
    LocalClient(LocalClient&& other) noexcept;
    LocalClient& operator=(LocalClient&&) = delete;
    ~LocalClient();

    // One request, one response, within `timeout`.
    core::Result<v1::LocalResponse> call(const v1::LocalRequest& request, std::chrono::milliseconds timeout);
    // The halves of call(), for a Watch connection: the daemon then sends events as they happen.
    core::Result<void> send(const v1::LocalRequest& request, std::chrono::milliseconds timeout);
    // The next frame; nullopt when none began within `timeout`; unavailable once the daemon hung up.
    core::Result<std::optional<v1::LocalResponse>> receive(std::chrono::milliseconds timeout);

private:
    explicit LocalClient(int fd) : fd_(fd) {}
    int fd_;
};

}  // namespace lifeline::agent
