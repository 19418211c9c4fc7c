// `lifeline-viewer --headless`: one remote session from the command line, or the playback of a session recording,
// for scripts, tests and support tooling.
#pragma once

#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace lifeline::viewer::app {

// Exit codes of the headless viewer.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // with a message on stderr
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRefused = 3;  // the user denied, or the session failed or was ended by someone else

// An input action, applied after the first frame in command-line order.
struct InputAction {
    enum class Kind { click, type, key, clipboard };
    Kind kind;
    std::string value;  // "X,Y" / UTF-8 text / a key name or chord / UTF-8 text
};

struct HeadlessOptions {
    std::string relay_url;  // https://HOST:PORT
    std::string ca_file;
    std::string ca_fingerprint;
    std::string user;
    std::string password_file;
    bool password_stdin = false;
    std::string password_from_env;  // LIFELINE_PASSWORD, read by main
    std::string token_file;
    std::string ticket;
    std::string session_id;
    std::string mode = "view";   // view | control, with --ticket
    std::optional<int> monitor;  // with --ticket: one monitor of the machine (SystemInfo.screens index)
    bool mode_given = false;
    double consent_timeout_seconds = 45;
    std::string encoding = "tight";  // tight | zrle | raw
    int quality = 6;                 // -1 (lossless) .. 9
    int frames = 1;
    double duration_seconds = 0;
    std::vector<InputAction> actions;
    std::string screenshot;  // PNG path
    bool end = false;        // end the session through the API instead of closing the socket
    std::string log_level = "warn";
    // Playback instead of a live session.
    std::string play;  // a recording (.llrec)
    std::string at;    // stop at this offset: "12.5s", "12.5", "1m30s", "250ms"
    double speed = 0;  // 0 as fast as possible, 1 as recorded, 4 four times as fast
    bool speed_given = false;
};

// The usage errors main() reports with exit code 2: empty when the options make sense together.
std::string check_options(const HeadlessOptions& options);

// Signs in, gets a session (asks for one and waits for consent, or joins a consented one), receives frames,
// applies the input, writes the screenshot, ends or closes, prints one JSON object on stdout and answers the exit
// code. `stop` (SIGINT, SIGTERM) cuts every wait short: the session is closed and the exit code is 1.
// With `play`: plays the recording up to `at` instead, writes the screenshot and prints one JSON object; a file
// that is not a readable recording is exit code 1 with the reason on stderr.
int run_headless(const HeadlessOptions& options, std::stop_token stop);

}  // namespace lifeline::viewer::app
