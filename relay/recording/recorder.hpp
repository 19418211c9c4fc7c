// SessionRecorder: one remote session's recording at the relay (DATA/recordings/<session id>.llrec), fed with every
// frame the session broker forwards; and reading a finished one back for the REST API.
#pragma once

#include "relay/recording/rfb_filter.hpp"
#include "shared/core/error.hpp"
#include "shared/recording/writer.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace lifeline::relay::recording {

using lifeline::recording::RecordingHeader;
using lifeline::recording::RecordingSummary;

// "<session id>.llrec"
std::string recording_file_name(const std::string& session_id);

// Call order: start() (a worker thread: it creates files), then server_bytes()/client_bytes() from the session's
// pump strand in the order the bytes were forwarded, then finish() once (a worker thread: it fsyncs) after the
// pumps stopped. Every chunk is written when it is appended (one write(2) per frame, on the strand), so memory is
// the frame the pump already holds, and a relay killed mid-session leaves everything forwarded until then.
class SessionRecorder {
public:
    // Creates `dir` (mode 0700) when missing and the recording in it (mode 0600) with its header. Errors:
    // already_exists, unavailable.
    static core::Result<std::unique_ptr<SessionRecorder>> start(const std::string& dir, RecordingHeader header,
                                                                RedactionPolicy policy);

    // Machine -> viewer bytes, verbatim; the first ServerInit also gives a screen chunk.
    void server_bytes(std::string_view bytes);
    // Viewer -> machine bytes, through the redactor.
    void client_bytes(std::string_view bytes);
    // The end chunk, fsync of the file and the directory. The summary says what is on disk.
    RecordingSummary finish();

    const std::string& file_name() const { return file_name_; }

private:
    SessionRecorder(std::unique_ptr<lifeline::recording::RecordingWriter> writer, std::string file_name,
                    RedactionPolicy policy);
    std::uint32_t offset_now() const;
    void append(lifeline::recording::ChunkKind kind, std::string_view payload);

    std::unique_ptr<lifeline::recording::RecordingWriter> writer_;
    std::string file_name_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    ClientStreamRedactor redactor_;
    ServerInitWatcher screen_;
    bool logged_failure_ = false;
    bool logged_withholding_ = false;
};

// The path of the recording `file_name` in `dir`, for a download the HTTP server streams from disk. Blocking (a
// stat). Errors: not_found (no such file, or a name that is not a recording's), unavailable.
core::Result<std::string> find_recording(const std::string& dir, const std::string& file_name);

}  // namespace lifeline::relay::recording
