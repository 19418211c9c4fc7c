// lifeline-viewer: the desktop UI, or with --headless the command line over the viewer's libraries.
#include "viewer/app/headless.hpp"

#ifdef LIFELINE_HAVE_DESKTOP
#include "viewer/ui/desktop.hpp"
#endif

#include <CLI/CLI.hpp>

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string_view>
#include <thread>

namespace {

using lifeline::viewer::app::InputAction;

// SIGINT and SIGTERM become a stop request, taken by a thread of their own so every wait can look at it. Blocked
// before any other thread starts, so they all inherit the mask.
std::stop_token stop_on_signals() {
    static auto* source = new std::stop_source();  // outlives main: the signal thread may still hold it
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::thread([stop_signals] {
        int received = 0;
        if (sigwait(&stop_signals, &received) == 0) source->request_stop();
    }).detach();
    return source->get_token();
}

}  // namespace

int main(int argc, char** argv) {
    using namespace lifeline::viewer::app;
    // --help is the command line's: it lists every option, the desktop's --relay and --user included.
    if (std::none_of(argv + 1, argv + argc, [](const char* arg) {
            const std::string_view a(arg);
            return a == "--headless" || a == "--help" || a == "-h";
        })) {
#ifdef LIFELINE_HAVE_DESKTOP
        const auto set = [](const char* name) {
            const char* value = std::getenv(name);
            return value != nullptr && *value != '\0';
        };
        if (set("DISPLAY") || set("WAYLAND_DISPLAY") || set("QT_QPA_PLATFORM")) {
            return lifeline::viewer::ui::run_desktop(argc, argv);
        }
        std::cerr << "lifeline-viewer: no display for the desktop UI (DISPLAY is not set); use --headless (see "
                     "--help)\n";
#else
        std::cerr << "lifeline-viewer: the desktop UI is not part of this build; use --headless (see --help)\n";
#endif
        return kExitUsage;
    }
    CLI::App app{"lifeline-viewer: see and control a user's screen through the Lifeline relay"};
    app.footer(
        "Without --headless: the desktop (--relay URL --user NAME fill in the sign-in). With --tour DIR --relay URL "
        "--user NAME --ca-fingerprint FP --ticket N [--lead NAME] it walks through a whole session by itself, "
        "saves screenshots into DIR and exits; the passwords come on standard input, one a line.");
    HeadlessOptions options;
    bool headless = true;  // main() got here only with --headless
    app.add_flag("--headless", headless, "run without a window: connect, act, print a JSON summary and exit");
    app.add_option("--relay", options.relay_url, "https://HOST:PORT")->type_name("URL");
    app.add_option("--ca,--ca-file", options.ca_file, "PEM file with the relay's CA")->type_name("PEM");
    app.add_option("--ca-fingerprint", options.ca_fingerprint, "sha256:HEX of the relay's CA, to pin it")
        ->type_name("FINGERPRINT");
    app.add_option("--username,--user", options.user,
                   "technician's username (password from --password-stdin, --password-file or LIFELINE_PASSWORD)")
        ->type_name("NAME");
    app.add_flag("--password-stdin", options.password_stdin, "read the password from the first line of standard input");
    app.add_option("--password-file", options.password_file, "file holding the password on its first line")
        ->type_name("FILE");
    app.add_option("--token-file", options.token_file, "file holding a session token instead of --user")
        ->type_name("FILE");
    app.add_option("--ticket", options.ticket, "ask for a new session on this ticket, e.g. LL-000123")
        ->type_name("TICKET");
    app.add_option("--session", options.session_id, "join this already consented session")->type_name("ID");
    auto* mode =
        app.add_option("--mode", options.mode, "view or control (with --ticket; default view)")->type_name("MODE");
    app.add_option("--monitor", options.monitor, "with --ticket: only this monitor of the machine (0, 1, ...)")
        ->type_name("N")
        ->check(CLI::Range(0, 15));
    app.add_option("--consent-timeout", options.consent_timeout_seconds, "seconds to wait for the user's answer (45)")
        ->type_name("SECONDS");
    app.add_option("--encoding", options.encoding, "tight, zrle or raw (default tight)")->type_name("NAME");
    app.add_option("--quality", options.quality, "JPEG quality 0-9 for tight, -1 for lossless (default 6)")
        ->type_name("Q");
    app.add_option("--frames", options.frames, "wait for this many framebuffer updates (default 1)")->type_name("N");
    app.add_option("--duration", options.duration_seconds, "stay connected this many seconds")->type_name("SECONDS");
    // Input, applied after the first frame in the order given; each may repeat.
    std::map<CLI::Option*, InputAction::Kind> input_kinds;
    std::vector<std::string> clicks, texts, keys, clipboards;
    const auto add_input = [&](const char* name, const char* value_name, std::vector<std::string>& values,
                               InputAction::Kind kind, const char* help) {
        auto* option = app.add_option(name, values, help)->type_name(value_name)->expected(1)->take_all();
        option->allow_extra_args(false);
        input_kinds[option] = kind;
    };
    add_input("--click", "X,Y", clicks, InputAction::Kind::click, "press and release the left button there");
    add_input("--type", "TEXT", texts, InputAction::Kind::type, "type the text, one key per character");
    add_input("--key", "KEY", keys, InputAction::Kind::key, "press a key or chord: Return, Tab, ctrl+alt+Delete, F5");
    add_input("--clipboard", "TEXT", clipboards, InputAction::Kind::clipboard, "set the remote clipboard");
    app.add_option("--screenshot", options.screenshot, "write the final picture to this PNG file")->type_name("PNG");
    app.add_flag("--end", options.end, "end the session through the relay's API instead of just closing");
    app.add_option("--log-level", options.log_level, "trace, debug, info, warn (default), error or off")
        ->type_name("LEVEL");
    // Playback of a session recording instead of a live session.
    app.add_option("--play", options.play, "play this session recording (.llrec) instead of joining a session")
        ->type_name("FILE");
    app.add_option("--at", options.at, "with --play: stop at this time into the recording: 12.5s, 12.5, 1m30s, 250ms")
        ->type_name("TIME");
    auto* speed = app.add_option("--speed", options.speed,
                                 "with --play: 1 as recorded, 4 four times as fast, 0 as fast as possible (default)")
                      ->type_name("FACTOR");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : kExitUsage;
    }
    // parse_order() lists each value as it was parsed: the actions' order across the four options.
    std::map<CLI::Option*, std::size_t> taken;
    for (CLI::Option* option : app.parse_order()) {
        auto kind = input_kinds.find(option);
        if (kind == input_kinds.end()) continue;
        const std::size_t index = taken[option]++;
        options.actions.push_back({kind->second, option->results().at(index)});
    }
    options.mode_given = mode->count() > 0;
    options.speed_given = speed->count() > 0;
    if (const char* password = std::getenv("LIFELINE_PASSWORD"); password != nullptr) {
        options.password_from_env = password;
    }
    if (const std::string problem = check_options(options); !problem.empty()) {
        std::cerr << "lifeline-viewer: " << problem << "\n";
        return kExitUsage;
    }
    signal(SIGPIPE, SIG_IGN);
    return run_headless(options, stop_on_signals());
}
