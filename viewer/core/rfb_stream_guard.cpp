// RfbStreamGuard: a byte-level state machine over what an RFB server sends, mirroring libvncclient 0.9.14's reads.
#include "viewer/core/rfb_stream_guard.hpp"

#include <algorithm>
#include <utility>

namespace lifeline::viewer {

namespace {

// RFB encoding numbers (rfbproto.h), as the signed 32-bit values the protocol carries.
constexpr std::int32_t kRaw = 0;
constexpr std::int32_t kCopyRect = 1;
constexpr std::int32_t kTight = 7;
constexpr std::int32_t kZrle = 16;
constexpr std::int32_t kLastRect = -224;
constexpr std::int32_t kNewFbSize = -223;
constexpr std::int32_t kExtDesktopSize = -308;
constexpr std::int32_t kQemuExtendedKeyEvent = -258;
constexpr std::int32_t kKeyboardLedState = static_cast<std::int32_t>(0xFFFE0000u);
constexpr std::int32_t kSupportedMessages = static_cast<std::int32_t>(0xFFFE0001u);
constexpr std::int32_t kSupportedEncodings = static_cast<std::int32_t>(0xFFFE0002u);
constexpr std::int32_t kServerIdentity = static_cast<std::int32_t>(0xFFFE0003u);

// Server-to-client message types.
constexpr std::uint8_t kFramebufferUpdate = 0;
constexpr std::uint8_t kSetColourMapEntries = 1;
constexpr std::uint8_t kBell = 2;
constexpr std::uint8_t kServerCutText = 3;
constexpr std::uint8_t kXvp = 250;

constexpr std::uint8_t kSecurityNone = 1;
constexpr std::uint32_t kSecurityResultFailed = 1;

constexpr std::size_t kVersionLength = 12;     // "RFB 003.008\n"
constexpr std::size_t kServerInitLength = 24;  // size, pixel format, name length
constexpr std::size_t kRectHeaderLength = 12;  // x, y, w, h, encoding
constexpr std::size_t kCopyRectLength = 4;     // source x, y
constexpr std::size_t kSupportedMessagesLength = 64;
constexpr std::size_t kExtDesktopScreenLength = 16;
constexpr std::uint32_t kMaxCutText = 1u << 20;  // libvncclient's own limit, refused here with a clear reason
constexpr std::uint32_t kMaxDesktopName = 1u << 20;
constexpr std::size_t kShownReasonBytes = 512;
// Tight, for our 32-bit depth-24 format: libvncclient's "cutZeros" layout, 3 bytes a pixel.
constexpr int kTightPixelBits = 24;
constexpr std::uint64_t kTightMinToCompress = 12;  // below this libvncclient reads the data uncompressed
constexpr int kTightGradientMaxWidth = 2048;       // libvncclient's row buffers
constexpr std::uint8_t kTightExplicitFilter = 0x04;
constexpr std::uint8_t kTightFill = 0x08;
constexpr std::uint8_t kTightJpeg = 0x09;
constexpr std::uint8_t kTightNoZlib = 0x0A;
constexpr std::uint8_t kTightMaxSubencoding = 0x0A;

std::string printable(std::string_view bytes) {
    std::string out;
    for (const char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\n') {
            out += "\\n";
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        }
    }
    return out;
}

// Whether `text` can still become "RFB ddd.ddd\n".
bool could_be_version(std::string_view text) {
    static constexpr std::string_view kPattern = "RFB 999.999\n";  // 9 = any digit
    for (std::size_t i = 0; i < text.size() && i < kPattern.size(); ++i) {
        if (kPattern[i] == '9' ? (text[i] < '0' || text[i] > '9') : text[i] != kPattern[i]) return false;
    }
    return true;
}

int three_digits(std::string_view text) { return (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0'); }

std::string encoding_label(std::int32_t encoding) {
    switch (encoding) {
        case 1: return "CopyRect";
        case 2: return "RRE";
        case 4: return "CoRRE";
        case 5: return "hextile";
        case 6: return "zlib";
        case 8: return "zlibhex";
        case 9: return "ultra";
        case 15: return "TRLE";
        case 17: return "ZYWRLE";
        case -239: return "RichCursor";
        case -240: return "XCursor";
        case -232: return "PointerPos";
        case -309: return "xvp";
        case -260: return "TightPNG";
        case static_cast<std::int32_t>(0xFFFF0009u): return "UltraZip";
        case 0x48323634: return "H.264";
        default: return "unknown";
    }
}

}  // namespace

bool RfbStreamGuard::accept(const std::uint8_t* data, std::size_t size) {
    feed(data, size, false);
    return refusal_.empty();
}

std::size_t RfbStreamGuard::accept_message(const std::uint8_t* data, std::size_t size) {
    return feed(data, size, true);
}

std::size_t RfbStreamGuard::feed(const std::uint8_t* data, std::size_t size, bool stop_at_boundary) {
    if (!refusal_.empty()) return 0;
    std::size_t pos = 0;
    for (;;) {
        if (stop_at_boundary && pos > 0 && at_message_boundary()) break;
        if (step_ == Step::skip) {
            if (skip_left_ == 0) {
                expect(then_, then_need_);
                continue;
            }
            if (pos == size) break;
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_left_, size - pos));
            pos += n;
            skip_left_ -= n;
            continue;
        }
        if (buf_.size() < need_) {
            if (pos == size) break;
            const std::size_t n = std::min(need_ - buf_.size(), size - pos);
            buf_.append(reinterpret_cast<const char*>(data + pos), n);
            pos += n;
            // Judge a non-RFB peer on its first bytes rather than wait for twelve that may never come.
            if (step_ == Step::version && !could_be_version(buf_)) {
                refuse("the peer is not an RFB server (it sent \"" + printable(buf_) + "\")");
                break;
            }
            continue;
        }
        if (!handle()) break;
    }
    return pos;
}

void RfbStreamGuard::expect(Step step, std::size_t need) {
    step_ = step;
    need_ = need;
    buf_.clear();
}

void RfbStreamGuard::skip(std::uint64_t count, Step then, std::size_t then_need) {
    step_ = Step::skip;
    skip_left_ = count;
    then_ = then;
    then_need_ = then_need;
    buf_.clear();
}

bool RfbStreamGuard::refuse(std::string why) {
    refusal_ = std::move(why);
    return false;
}

std::uint16_t RfbStreamGuard::u16(std::size_t at) const {
    return static_cast<std::uint16_t>(static_cast<std::uint8_t>(buf_[at]) << 8 |
                                      static_cast<std::uint8_t>(buf_[at + 1]));
}

std::uint32_t RfbStreamGuard::u32(std::size_t at) const {
    return static_cast<std::uint32_t>(u16(at)) << 16 | u16(at + 2);
}

bool RfbStreamGuard::handle() {
    switch (step_) {
        case Step::version: return on_version();
        case Step::security_count:
            if (buf_[0] == 0) {
                reason_context_ = "the server refused the connection";
                expect(Step::reason_length, 4);
            } else {
                expect(Step::security_types, static_cast<std::uint8_t>(buf_[0]));
            }
            return true;
        case Step::security_types: {
            if (buf_.find(static_cast<char>(kSecurityNone)) == std::string::npos) {
                std::string types;
                for (const char type : buf_) {
                    if (!types.empty()) types += ", ";
                    types += std::to_string(static_cast<std::uint8_t>(type));
                }
                return refuse("the server requires authentication (security types " + types +
                              "); only \"None\" is accepted");
            }
            // libvncclient, allowed only "None", picks it.
            if (security_result_) {
                expect(Step::security_result, 4);
            } else {
                expect(Step::server_init, kServerInitLength);
            }
            return true;
        }
        case Step::security_result: {
            const std::uint32_t result = u32(0);
            if (result == 0) {
                expect(Step::server_init, kServerInitLength);
                return true;
            }
            if (result != kSecurityResultFailed) {
                return refuse("the server refused the connection (security result " + std::to_string(result) + ")");
            }
            reason_context_ = "the server refused the connection";
            expect(Step::reason_length, 4);
            return true;
        }
        case Step::reason_length: {
            const std::uint32_t length = u32(0);
            if (length == 0) return refuse(reason_context_);
            expect(Step::reason, std::min<std::size_t>(length, kShownReasonBytes));
            return true;
        }
        case Step::reason: return refuse(reason_context_ + ": " + printable(buf_));
        case Step::server_init: {
            // The size is MallocFrameBuffer's to judge: it can say so in the session's own words.
            const std::uint32_t name_length = u32(20);
            if (name_length > kMaxDesktopName) {
                return refuse("the server's desktop name is " + std::to_string(name_length) +
                              " bytes long; the limit is 1 MiB");
            }
            handshake_done_ = true;
            skip(name_length, Step::message_type, 1);
            return true;
        }
        case Step::message_type: {
            const auto type = static_cast<std::uint8_t>(buf_[0]);
            switch (type) {
                case kFramebufferUpdate: expect(Step::update_header, 3); return true;
                case kBell: expect(Step::message_type, 1); return true;
                case kServerCutText: expect(Step::cut_text_header, 7); return true;
                case kXvp: expect(Step::xvp, 3); return true;
                case kSetColourMapEntries:
                    // libvncclient reads only its first byte and would take the colours for new messages.
                    return refuse("the server sent SetColourMapEntries, which a true-colour session never gets");
                default: return refuse("the server sent message type " + std::to_string(type) + ", which we refuse");
            }
        }
        case Step::update_header:
            rects_left_ = u16(1);
            if (rects_left_ == 0) {
                expect(Step::message_type, 1);
            } else {
                ++updates_begun_;
                expect(Step::rect_header, kRectHeaderLength);
            }
            return true;
        case Step::rect_header: return on_rect_header();
        case Step::next_rect: return next_rect();
        case Step::ext_desktop_size:
            skip(static_cast<std::uint64_t>(static_cast<std::uint8_t>(buf_[0])) * kExtDesktopScreenLength,
                 Step::next_rect, 0);
            return true;
        case Step::cut_text_header: {
            const std::uint32_t length = u32(3);
            if (length > kMaxCutText) {
                return refuse("the server sent " + std::to_string(length) +
                              " bytes of clipboard text; the limit is 1 MiB");
            }
            skip(length, Step::message_type, 1);
            return true;
        }
        case Step::xvp: expect(Step::message_type, 1); return true;
        case Step::tight_control: return on_tight_control();
        case Step::tight_filter:
            switch (buf_[0]) {
                case 0:  // copy
                    tight_bits_ = kTightPixelBits;
                    expect(Step::tight_data, 0);
                    return true;
                case 1:  // palette
                    expect(Step::tight_palette_size, 1);
                    return true;
                case 2:  // gradient
                    if (rect_w_ > kTightGradientMaxWidth) {
                        return refuse("the server sent a tight gradient rectangle " + std::to_string(rect_w_) +
                                      " pixels wide; the limit is 2048");
                    }
                    tight_bits_ = kTightPixelBits;
                    expect(Step::tight_data, 0);
                    return true;
                default:
                    return refuse("the server sent tight data with unknown filter " +
                                  std::to_string(static_cast<std::uint8_t>(buf_[0])));
            }
        case Step::tight_palette_size: {
            const int colours = static_cast<std::uint8_t>(buf_[0]) + 1;
            if (colours < 2) return refuse("the server sent a tight palette of one colour");
            tight_bits_ = colours == 2 ? 1 : 8;
            skip(static_cast<std::uint64_t>(colours) * (kTightPixelBits / 8), Step::tight_data, 0);
            return true;
        }
        case Step::tight_data: {
            const std::uint64_t row = (static_cast<std::uint64_t>(rect_w_) * tight_bits_ + 7) / 8;
            tight_size_ = row * static_cast<std::uint64_t>(rect_h_);
            if (tight_size_ < kTightMinToCompress) {
                skip(tight_size_, Step::next_rect, 0);
            } else {
                tight_jpeg_ = false;
                expect(Step::tight_length, 1);
            }
            return true;
        }
        case Step::tight_length: return on_tight_length();
        case Step::zrle_length: {
            const std::uint32_t length = u32(0);
            // ZRLE is zlib over tiles of at most 3 bytes a pixel plus a byte or so a tile: far less than this.
            const std::uint64_t limit = 4096 + 8 * static_cast<std::uint64_t>(rect_w_) * rect_h_;
            if (length > limit) {
                return refuse("the server sent " + std::to_string(length) + " bytes of ZRLE data for a " +
                              std::to_string(rect_w_) + "x" + std::to_string(rect_h_) + " rectangle");
            }
            skip(length, Step::next_rect, 0);
            return true;
        }
        case Step::skip: break;  // accept() runs skips itself
    }
    return true;
}

bool RfbStreamGuard::on_version() {
    const int major = three_digits(std::string_view(buf_).substr(4, 3));
    const int minor = three_digits(std::string_view(buf_).substr(8, 3));
    // Before 3.7 the server picks the security type, and libvncclient would run whatever it picked; libvncclient
    // turns UltraVNC's 3.14 and 3.16 into 3.4 and 3.6.
    if (major < 3 || (major == 3 && (minor < 7 || minor == 14 || minor == 16))) {
        return refuse("the server speaks RFB " + std::to_string(major) + "." + std::to_string(minor) +
                      ", where the server picks the security type; RFB 3.7 or later is required");
    }
    // libvncclient answers 3.8 to anything newer.
    security_result_ = major > 3 || minor >= 8;
    expect(Step::security_count, 1);
    return true;
}

bool RfbStreamGuard::on_rect_header() {
    rect_w_ = u16(4);
    rect_h_ = u16(6);
    const auto encoding = static_cast<std::int32_t>(u32(8));
    switch (encoding) {
        case kLastRect: expect(Step::message_type, 1); return true;
        case kRaw:
            skip(static_cast<std::uint64_t>(rect_w_) * static_cast<std::uint64_t>(rect_h_) * kBytesPerPixel,
                 Step::next_rect, 0);
            return true;
        case kCopyRect: skip(kCopyRectLength, Step::next_rect, 0); return true;
        case kTight: expect(Step::tight_control, 1); return true;
        case kZrle: expect(Step::zrle_length, 4); return true;
        case kNewFbSize:
        case kKeyboardLedState:
        case kQemuExtendedKeyEvent: return next_rect();
        case kExtDesktopSize: expect(Step::ext_desktop_size, 4); return true;
        case kSupportedMessages: skip(kSupportedMessagesLength, Step::next_rect, 0); return true;
        case kSupportedEncodings:
        case kServerIdentity: skip(static_cast<std::uint64_t>(rect_w_), Step::next_rect, 0); return true;
        default:
            return refuse("the server sent a rectangle in encoding " + std::to_string(encoding) + " (" +
                          encoding_label(encoding) + "), which we did not offer");
    }
}

bool RfbStreamGuard::on_tight_control() {
    // The low four bits reset zlib streams; the high four choose the subencoding.
    auto control = static_cast<std::uint8_t>(static_cast<std::uint8_t>(buf_[0]) >> 4);
    tight_no_zlib_ = (control & kTightNoZlib) == kTightNoZlib;  // libvncclient's test, bit for bit
    if (tight_no_zlib_) control = static_cast<std::uint8_t>(control & ~kTightNoZlib);
    if (control == kTightFill) {
        skip(kTightPixelBits / 8, Step::next_rect, 0);
        return true;
    }
    if (control == kTightJpeg) {
        if (rect_w_ == 0 || rect_h_ == 0) {
            return refuse("the server sent a tight JPEG for a " + std::to_string(rect_w_) + "x" +
                          std::to_string(rect_h_) + " rectangle");
        }
        tight_jpeg_ = true;
        expect(Step::tight_length, 1);
        return true;
    }
    if (control > kTightMaxSubencoding) {
        return refuse("the server sent tight subencoding " + std::to_string(control) + ", which does not exist");
    }
    if ((control & kTightExplicitFilter) != 0) {
        expect(Step::tight_filter, 1);
    } else {
        tight_bits_ = kTightPixelBits;
        expect(Step::tight_data, 0);
    }
    return true;
}

bool RfbStreamGuard::on_tight_length() {
    // A "compact length": 7 bits a byte, a third byte of 8, as libvncclient's ReadCompactLen.
    const std::size_t have = buf_.size();
    if (have < 3 && (static_cast<std::uint8_t>(buf_[have - 1]) & 0x80) != 0) {
        need_ = have + 1;
        return true;
    }
    std::uint64_t length = static_cast<std::uint8_t>(buf_[0]) & 0x7Fu;
    if (have > 1) length |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(buf_[1]) & 0x7Fu) << 7;
    if (have > 2) length |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(buf_[2])) << 14;
    if (length == 0) return refuse("the server sent tight data of length 0");
    if (!tight_jpeg_ && tight_no_zlib_ && length != tight_size_) {
        return refuse("the server sent " + std::to_string(length) + " bytes of uncompressed tight data for a " +
                      std::to_string(rect_w_) + "x" + std::to_string(rect_h_) + " rectangle that needs " +
                      std::to_string(tight_size_));
    }
    skip(length, Step::next_rect, 0);
    return true;
}

bool RfbStreamGuard::next_rect() {
    if (--rects_left_ == 0) {
        expect(Step::message_type, 1);
    } else {
        expect(Step::rect_header, kRectHeaderLength);
    }
    return true;
}

}  // namespace lifeline::viewer
