// The recording's RFB filters: byte-level state machines over both directions of a session.
#include "relay/recording/rfb_filter.hpp"

#include <algorithm>

namespace lifeline::relay::recording {

namespace {

constexpr std::size_t kVersionLength = 12;  // "RFB 003.008\n"
constexpr std::uint8_t kSecurityNone = 1;
constexpr std::uint64_t kMaxCutText = 64ull << 20;
constexpr std::uint8_t kMaxFencePayload = 64;

// Client-to-server message types (rfbproto.h).
constexpr std::uint8_t kSetPixelFormat = 0;
constexpr std::uint8_t kSetEncodings = 2;
constexpr std::uint8_t kFramebufferUpdateRequest = 3;
constexpr std::uint8_t kKeyEvent = 4;
constexpr std::uint8_t kPointerEvent = 5;
constexpr std::uint8_t kClientCutText = 6;
constexpr std::uint8_t kEnableContinuousUpdates = 150;
constexpr std::uint8_t kClientFence = 248;
constexpr std::uint8_t kXvp = 250;
constexpr std::uint8_t kSetDesktopSize = 251;
constexpr std::uint8_t kQemu = 255;
constexpr std::uint8_t kQemuExtendedKeyEvent = 0;

std::uint16_t u16(std::string_view bytes, std::size_t at) {
    return static_cast<std::uint16_t>(static_cast<std::uint8_t>(bytes[at]) << 8 |
                                      static_cast<std::uint8_t>(bytes[at + 1]));
}
std::uint32_t u32(std::string_view bytes, std::size_t at) {
    return static_cast<std::uint32_t>(u16(bytes, at)) << 16 | u16(bytes, at + 2);
}

// "RFB 003.008\n" -> 8; -1 for anything that is not RFB 3.x.
int rfb3_minor(std::string_view version) {
    if (version.size() != kVersionLength || !version.starts_with("RFB 003.") || version[11] != '\n') return -1;
    int minor = 0;
    for (std::size_t i = 8; i < 11; ++i) {
        if (version[i] < '0' || version[i] > '9') return -1;
        minor = minor * 10 + (version[i] - '0');
    }
    return minor;
}

}  // namespace

void ClientStreamRedactor::withhold(std::string why) {
    state_ = State::withhold;
    why_ = std::move(why);
}

void ClientStreamRedactor::emit(std::string_view bytes, std::string& out) {
    const std::uint64_t begin = position_, end = position_ + bytes.size();
    position_ = end;
    const std::uint64_t from = std::clamp(redact_from_, begin, end), to = std::clamp(redact_to_, begin, end);
    if (policy_.keep_input || from >= to) {
        out.append(bytes);
        return;
    }
    out.append(bytes.substr(0, from - begin));
    out.append(to - from, '\0');
    out.append(bytes.substr(to - begin));
}

bool ClientStreamRedactor::start_message(std::uint8_t type) {
    position_ = 0;
    total_ = 0;
    redact_from_ = redact_to_ = 0;
    head_.clear();
    switch (type) {
        case kSetPixelFormat:
        case kFramebufferUpdateRequest:
        case kKeyEvent:
        case kPointerEvent:
        case kEnableContinuousUpdates:
        case kXvp: head_need_ = 1; return true;
        case kSetEncodings: head_need_ = 4; return true;
        case kClientCutText: head_need_ = 8; return true;
        case kClientFence: head_need_ = 9; return true;
        case kSetDesktopSize: head_need_ = 8; return true;
        case kQemu: head_need_ = 2; return true;
        default: return false;
    }
}

bool ClientStreamRedactor::head_complete() {
    const auto type = static_cast<std::uint8_t>(head_[0]);
    switch (type) {
        case kSetPixelFormat: total_ = 20; break;
        case kFramebufferUpdateRequest: total_ = 10; break;
        case kKeyEvent:
            total_ = 8;
            redact_from_ = 4;  // type, down flag, padding stay
            redact_to_ = 8;
            ++keys_redacted_;
            break;
        case kPointerEvent: total_ = 6; break;
        case kEnableContinuousUpdates: total_ = 10; break;
        case kXvp: total_ = 4; break;
        case kSetEncodings: total_ = 4 + 4 * std::uint64_t{u16(head_, 2)}; break;
        case kClientCutText: {
            // A negative length is the extended clipboard's: its data follows, as long as the length's magnitude.
            const auto length = static_cast<std::int32_t>(u32(head_, 4));
            const std::uint64_t size = length < 0 ? -static_cast<std::int64_t>(length) : length;
            if (size > kMaxCutText) {
                withhold("clipboard text of " + std::to_string(size) + " bytes");
                return false;
            }
            total_ = 8 + size;
            redact_from_ = 8;
            redact_to_ = total_;
            break;
        }
        case kClientFence: {
            const auto length = static_cast<std::uint8_t>(head_[8]);
            if (length > kMaxFencePayload) {
                withhold("a fence with " + std::to_string(length) + " bytes of payload");
                return false;
            }
            total_ = 9 + std::uint64_t{length};
            break;
        }
        case kSetDesktopSize: total_ = 8 + 16 * std::uint64_t{static_cast<std::uint8_t>(head_[6])}; break;
        case kQemu:
            if (static_cast<std::uint8_t>(head_[1]) != kQemuExtendedKeyEvent) {
                withhold("QEMU message subtype " + std::to_string(static_cast<std::uint8_t>(head_[1])));
                return false;
            }
            total_ = 12;
            redact_from_ = 4;  // keysym and keycode: both name the key
            redact_to_ = 12;
            ++keys_redacted_;
            break;
        default: withhold("message type " + std::to_string(type)); return false;
    }
    return true;
}

Redacted ClientStreamRedactor::feed(std::string_view in) {
    Redacted out;
    out.recorded.reserve(in.size());
    while (!in.empty()) {
        switch (state_) {
            case State::withhold:
                out.withheld += in.size();
                in = {};
                break;
            case State::version: {
                const std::size_t take = std::min(kVersionLength - head_.size(), in.size());
                head_.append(in.substr(0, take));
                out.recorded.append(in.substr(0, take));
                in.remove_prefix(take);
                if (head_.size() < kVersionLength) break;
                minor_ = rfb3_minor(head_);
                head_.clear();
                // Before 3.7 the server picks the security type, and what the client sends next depends on it.
                if (minor_ < 7) {
                    withhold(minor_ < 0 ? "a client that does not speak RFB 3.x" : "RFB 3." + std::to_string(minor_));
                } else {
                    state_ = State::security;
                }
                break;
            }
            case State::security:
                security_ = static_cast<std::uint8_t>(in[0]);
                out.recorded.push_back(in[0]);
                in.remove_prefix(1);
                // Anything but None carries authentication data next.
                if (*security_ != kSecurityNone) {
                    withhold("security type " + std::to_string(*security_));
                } else {
                    state_ = State::client_init;
                }
                break;
            case State::client_init:
                out.recorded.push_back(in[0]);
                in.remove_prefix(1);
                state_ = State::message_type;
                break;
            case State::message_type:
                if (!start_message(static_cast<std::uint8_t>(in[0]))) {
                    withhold("message type " + std::to_string(static_cast<std::uint8_t>(in[0])));
                    break;
                }
                state_ = State::message_head;
                break;
            case State::message_head: {
                const std::size_t take = std::min(head_need_ - head_.size(), in.size());
                head_.append(in.substr(0, take));
                emit(in.substr(0, take), out.recorded);
                in.remove_prefix(take);
                if (head_.size() < head_need_) break;
                if (!head_complete()) break;
                state_ = position_ >= total_ ? State::message_type : State::message_body;
                break;
            }
            case State::message_body: {
                const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(total_ - position_, in.size()));
                emit(in.substr(0, take), out.recorded);
                in.remove_prefix(take);
                if (position_ >= total_) state_ = State::message_type;
                break;
            }
        }
    }
    return out;
}

void ServerInitWatcher::expect(State state, std::size_t need) {
    state_ = state;
    need_ = need;
    buf_.clear();
}

std::optional<ServerInitWatcher::Size> ServerInitWatcher::feed(std::string_view in,
                                                               const ClientStreamRedactor& client) {
    while (state_ != State::done) {
        if (state_ == State::after_types) {
            // The server sends its SecurityResult only after the viewer chose; that choice was recorded first.
            if (in.empty()) return std::nullopt;
            if (client.security_type() != kSecurityNone || client.version_minor() < 7) {
                expect(State::done, 0);
                return std::nullopt;
            }
            if (std::min(server_minor_, client.version_minor()) >= 8) {
                expect(State::security_result, 4);
            } else {
                expect(State::init, 4);
            }
            continue;
        }
        if (buf_.size() < need_) {
            if (in.empty()) return std::nullopt;
            const std::size_t take = std::min(need_ - buf_.size(), in.size());
            buf_.append(in.substr(0, take));
            in.remove_prefix(take);
            continue;
        }
        switch (state_) {
            case State::version:
                server_minor_ = rfb3_minor(buf_);
                if (server_minor_ < 0) {
                    expect(State::done, 0);
                } else if (server_minor_ < 7) {
                    expect(State::security_33, 4);
                } else {
                    expect(State::security_count, 1);
                }
                break;
            case State::security_33:
                if (u32(buf_, 0) == kSecurityNone) {
                    expect(State::init, 4);
                } else {
                    expect(State::done, 0);
                }
                break;
            case State::security_count:
                if (buf_[0] == 0) {
                    expect(State::done, 0);
                } else {
                    expect(State::security_types, static_cast<std::uint8_t>(buf_[0]));
                }
                break;
            case State::security_types: expect(State::after_types, 0); break;
            case State::security_result:
                if (u32(buf_, 0) == 0) {
                    expect(State::init, 4);
                } else {
                    expect(State::done, 0);
                }
                break;
            case State::init: {
                const Size size{u16(buf_, 0), u16(buf_, 2)};
                expect(State::done, 0);
                if (size.width == 0 || size.height == 0) return std::nullopt;
                return size;
            }
            case State::after_types:
            case State::done: break;
        }
    }
    return std::nullopt;
}

}  // namespace lifeline::relay::recording
