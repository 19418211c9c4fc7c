// What of a session's RFB streams goes into its recording (sans-I/O): the viewer's stream with the technician's
// keys and clipboard redacted, and the screen size read from the server's ServerInit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lifeline::relay::recording {

// recording.keys in the relay's config.
struct RedactionPolicy {
    bool keep_input = false;  // "keep": keysyms and clipboard text are recorded as sent
};

// One step of the viewer's stream: `recorded` is the first part of the input as it goes into the recording (the
// same length; redacted bytes are zero), `withheld` the number of bytes after it that are not recorded at all.
struct Redacted {
    std::string recorded;
    std::uint64_t withheld = 0;
};

// Follows the viewer-to-machine RFB stream (RFC 6143 7.1-7.5) message by message, across any split into frames:
// ProtocolVersion, the security type, ClientInit, then SetPixelFormat, SetEncodings, FramebufferUpdateRequest,
// KeyEvent, PointerEvent, ClientCutText, EnableContinuousUpdates, ClientFence, xvp, SetDesktopSize and QEMU's
// extended KeyEvent. Unless the policy keeps input, it zeroes the keysym of every KeyEvent (and the keysym and
// keycode of an extended one) — the down flag and the fact of a key stay — and the text of every ClientCutText
// (its length stays). From the first thing it cannot follow (RFB before 3.7, a security type other than None, a
// message type not in that list, a clipboard over 64 MiB) everything else is withheld: only its length is kept,
// because a stream we cannot parse might hold keys. Not thread-safe; one per session.
class ClientStreamRedactor {
public:
    explicit ClientStreamRedactor(RedactionPolicy policy) : policy_(policy) {}

    Redacted feed(std::string_view bytes);

    bool withholding() const { return state_ == State::withhold; }
    const std::string& why_withheld() const { return why_; }
    int version_minor() const { return minor_; }                             // -1 until the ProtocolVersion was seen
    std::optional<std::uint8_t> security_type() const { return security_; }  // the client's choice
    std::uint64_t keys_redacted() const { return keys_redacted_; }

private:
    enum class State { version, security, client_init, message_type, message_head, message_body, withhold };
    void withhold(std::string why);
    void emit(std::string_view bytes, std::string& out);  // applies the current message's redaction
    bool start_message(std::uint8_t type);                // false: unknown type
    bool head_complete();                                 // false: withheld

    RedactionPolicy policy_;
    State state_ = State::version;
    std::string head_;  // the bytes collected of the version or the current message's head
    std::size_t head_need_ = 0;
    std::uint64_t position_ = 0;  // in the current message
    std::uint64_t total_ = 0;     // the current message's length, once known
    std::uint64_t redact_from_ = 0, redact_to_ = 0;
    int minor_ = -1;
    std::optional<std::uint8_t> security_;
    std::string why_;
    std::uint64_t keys_redacted_ = 0;
};

// Follows the machine-to-viewer stream just far enough to read the screen size from its ServerInit; gives up
// quietly on anything but a plain "None" handshake (the recording is then without a screen chunk). Needs the
// viewer's side for the negotiated version and security type, which the viewer sent before the server's bytes
// that depend on them.
class ServerInitWatcher {
public:
    struct Size {
        std::uint16_t width, height;
    };
    // The size, once, when the ServerInit's first bytes have arrived.
    std::optional<Size> feed(std::string_view bytes, const ClientStreamRedactor& client);
    bool done() const { return state_ == State::done; }

private:
    enum class State { version, security_33, security_count, security_types, after_types, security_result, init, done };
    void expect(State state, std::size_t need);

    State state_ = State::version;
    std::size_t need_ = 12;
    std::string buf_;
    int server_minor_ = 0;
};

}  // namespace lifeline::relay::recording
