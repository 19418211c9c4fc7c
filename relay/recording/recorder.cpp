// SessionRecorder: the relay's side of a recording — the redacted viewer stream, the screen size, the writer.
#include "relay/recording/recorder.hpp"

#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace lifeline::relay::recording {

namespace fs = std::filesystem;
using lifeline::recording::ChunkKind;

namespace {

constexpr std::string_view kExtension = ".llrec";

bool valid_file_name(const std::string& name) {
    if (name.size() <= kExtension.size() || name.size() > 64 || !name.ends_with(kExtension) || name[0] == '.') {
        return false;
    }
    return std::all_of(name.begin(), name.end() - static_cast<std::ptrdiff_t>(kExtension.size()),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

}  // namespace

std::string recording_file_name(const std::string& session_id) { return session_id + std::string(kExtension); }

SessionRecorder::SessionRecorder(std::unique_ptr<lifeline::recording::RecordingWriter> writer, std::string file_name,
                                 RedactionPolicy policy)
    : writer_(std::move(writer)), file_name_(std::move(file_name)), redactor_(policy) {}

core::Result<std::unique_ptr<SessionRecorder>> SessionRecorder::start(const std::string& dir, RecordingHeader header,
                                                                      RedactionPolicy policy) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return core::make_error(core::Errc::unavailable, "cannot create " + dir + ": " + ec.message());
    // Recordings show everything on a user's screen: only the relay's account may list or read them.
    if (::chmod(dir.c_str(), 0700) != 0) {
        return core::make_error(core::Errc::unavailable,
                                "cannot restrict " + dir + ": " + std::system_category().message(errno));
    }
    if (policy.keep_input) header.flags |= lifeline::recording::kFlagInputKept;
    std::string name = recording_file_name(header.session_id);
    // Written through: each frame's chunk reaches the file before the next frame is read.
    auto writer = lifeline::recording::RecordingWriter::create((fs::path(dir) / name).string(), header,
                                                               lifeline::recording::WriterOptions{0});
    if (!writer) return writer.error();
    return std::unique_ptr<SessionRecorder>(new SessionRecorder(std::move(*writer), std::move(name), policy));
}

std::uint32_t SessionRecorder::offset_now() const {
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_).count();
    return static_cast<std::uint32_t>(std::clamp<std::int64_t>(elapsed, 0, UINT32_MAX));
}

void SessionRecorder::append(ChunkKind kind, std::string_view payload) {
    auto written = writer_->append(offset_now(), kind, payload);
    if (!written && !logged_failure_) {
        logged_failure_ = true;
        spdlog::error("recordings: {} stopped recording: {}", file_name_, written.error().message);
    }
}

void SessionRecorder::server_bytes(std::string_view bytes) {
    if (!screen_.done()) {
        if (auto size = screen_.feed(bytes, redactor_)) {
            std::string payload;
            lifeline::recording::put_u16(payload, size->width);
            lifeline::recording::put_u16(payload, size->height);
            append(ChunkKind::screen, payload);
        }
    }
    append(ChunkKind::server, bytes);
}

void SessionRecorder::client_bytes(std::string_view bytes) {
    Redacted redacted = redactor_.feed(bytes);
    if (!redacted.recorded.empty()) append(ChunkKind::client, redacted.recorded);
    if (redacted.withheld > 0) {
        if (!logged_withholding_) {
            logged_withholding_ = true;
            spdlog::warn("recordings: {}: the viewer sent {}; its further input is recorded as lengths only",
                         file_name_, redactor_.why_withheld());
        }
        // Several chunks if one frame were ever larger than a u32 count.
        for (std::uint64_t left = redacted.withheld; left > 0;) {
            const auto count = static_cast<std::uint32_t>(std::min<std::uint64_t>(left, UINT32_MAX));
            std::string payload;
            lifeline::recording::put_u32(payload, count);
            append(ChunkKind::client_withheld, payload);
            left -= count;
        }
    }
}

RecordingSummary SessionRecorder::finish() { return writer_->finish(offset_now()); }

core::Result<std::string> find_recording(const std::string& dir, const std::string& file_name) {
    if (!valid_file_name(file_name)) return core::make_error(core::Errc::not_found, "no such recording");
    std::string path = (fs::path(dir) / file_name).string();
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return core::make_error(core::Errc::not_found,
                                    "the recording is no longer on the relay (the retention policy removes old ones)");
        }
        return core::make_error(core::Errc::unavailable, "cannot read the recording");
    }
    if (!S_ISREG(info.st_mode)) return core::make_error(core::Errc::not_found, "no such recording");
    return path;
}

}  // namespace lifeline::relay::recording
