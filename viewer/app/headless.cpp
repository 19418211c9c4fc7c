// The headless viewer's run: sign in, get a consented session, watch and act through ViewerSession, report as JSON.
#include "viewer/app/headless.hpp"

#include "shared/core/log.hpp"
#include "shared/recording/reader.hpp"
#include "viewer/core/keysyms.hpp"
#include "viewer/core/playback.hpp"
#include "viewer/core/session_client.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>
#include <variant>

namespace lifeline::viewer::app {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kSlice = 100ms;              // how often a wait looks at `stop`
constexpr auto kFirstFrameTimeout = 30s;    // from the socket's open to the first picture
constexpr auto kRfbHandshakeTimeout = 35s;  // the relay waits up to 30 s for the machine's socket
constexpr auto kInputSentTimeout = 5s;      // for queued input to leave through the session socket
constexpr auto kRelayEndTimeout = 6s;       // after --end, for the relay to close the socket
constexpr auto kFinalStateTimeout = 3s;     // for the relay to record the end
constexpr std::size_t kMaxSecretFileBytes = 4096;

// RFB client-to-server message sizes (RFC 6143 7.5), to know when queued input has gone out.
constexpr std::uint64_t kPointerEventBytes = 6;
constexpr std::uint64_t kKeyEventBytes = 8;
constexpr std::uint64_t kCutTextHeaderBytes = 8;

std::string state_name(v1::Session::State state) { return v1::Session::State_Name(state); }

std::string seconds_text(double seconds) {
    std::ostringstream out;
    out << seconds;
    return out.str();
}

// One line, bounded: the trailing newline an editor or `echo` adds is not part of the secret.
core::Result<std::string> read_secret(std::istream& in, const std::string& where) {
    const auto bad = [&](const std::string& problem) {
        return core::make_error(core::Errc::invalid_argument, where + " " + problem);
    };
    if (!in) return bad("cannot be read");
    // Stops at the first newline, so a terminal user needs no end-of-file to finish typing.
    std::string text;
    for (int c = in.get(); c != std::char_traits<char>::eof() && c != '\n' && c != '\r'; c = in.get()) {
        if (text.size() == kMaxSecretFileBytes) return bad("is too large");
        text.push_back(static_cast<char>(c));
    }
    if (text.empty()) return bad("is empty");
    return text;
}

core::Result<std::string> read_secret_file(const std::string& path, const std::string& what) {
    std::ifstream in(path, std::ios::binary);
    return read_secret(in, "the " + what + " file " + path);
}

std::optional<std::pair<int, int>> parse_point(const std::string& text) {
    const auto comma = text.find(',');
    if (comma == std::string::npos) return std::nullopt;
    int x = -1, y = -1;
    const char* begin = text.data();
    const char* end = begin + text.size();
    auto [x_end, x_error] = std::from_chars(begin, begin + comma, x);
    auto [y_end, y_error] = std::from_chars(begin + comma + 1, end, y);
    if (x_error != std::errc() || y_error != std::errc() || x_end != begin + comma || y_end != end || x < 0 || y < 0 ||
        x > 0xFFFF || y > 0xFFFF) {
        return std::nullopt;
    }
    return std::pair{x, y};
}

std::optional<Encoding> parse_encoding(const std::string& name) {
    if (name == "tight") return Encoding::tight;
    if (name == "zrle") return Encoding::zrle;
    if (name == "raw") return Encoding::raw;
    return std::nullopt;
}

// Everything the final JSON line says.
struct Report {
    v1::Session session;
    int width = 0, height = 0;
    std::uint64_t updates = 0, bytes_received = 0;
    double seconds = 0;
    std::string close_reason;

    void print() const {
        char seconds_field[32];
        std::snprintf(seconds_field, sizeof seconds_field, "%.3f", seconds);
        std::cout << "{\"session\":" << quoted(session.id()) << ",\"state\":" << quoted(state_name(session.state()))
                  << ",\"mode\":" << quoted(v1::SessionMode_Name(session.mode())) << ",\"width\":" << width
                  << ",\"height\":" << height << ",\"updates\":" << updates << ",\"bytesReceived\":" << bytes_received
                  << ",\"seconds\":" << seconds_field << ",\"closeReason\":" << quoted(close_reason)
                  << ",\"endedBy\":" << quoted(session.ended_by()) << ",\"endReason\":" << quoted(session.end_reason())
                  << "}" << std::endl;
    }

private:
    // A JSON string literal, escaped; the relay's texts are UTF-8 and pass through as such.
    static std::string quoted(const std::string& text) { return boost::json::serialize(boost::json::string(text)); }
};

class HeadlessRun {
public:
    HeadlessRun(const HeadlessOptions& options, std::stop_token stop) : options_(options), stop_(std::move(stop)) {}

    int run();

private:
    int fail(const std::string& message) {
        std::cerr << "lifeline-viewer: " << message << "\n";
        return finish(kExitFailure);
    }
    // Every way out: the viewer closed (so the report has its numbers), the JSON line printed once a session exists.
    int finish(int code) {
        close_viewer();
        if (!report_.session.id().empty()) report_.print();
        return code;
    }
    // The session is over without us: denied, failed, or ended by the user, a lead or the relay.
    int refused(const v1::Session& session) {
        report_.session = session;
        std::cerr << "lifeline-viewer: session " << session.id() << " is " << state_name(session.state())
                  << " (endedBy " << (session.ended_by().empty() ? "-" : session.ended_by())
                  << "): " << (session.end_reason().empty() ? "no reason given" : session.end_reason()) << "\n";
        return finish(kExitRefused);
    }
    bool stopping() const { return stop_.stop_requested(); }

    core::Result<void> sign_in();
    // A consented session, or an exit code.
    std::variant<v1::Session, int> consented_session();
    int watch(const v1::Session& active);
    core::Result<void> apply_input();
    // After the viewer closed without being asked to: the session's end, if someone else made it.
    int ended_early();
    void close_viewer();
    void final_state();

    const HeadlessOptions& options_;
    std::stop_token stop_;
    std::optional<RelayApi> api_;
    std::unique_ptr<ViewerSession> viewer_;
    Clock::time_point opened_at_;
    Report report_;
};

core::Result<void> HeadlessRun::sign_in() {
    if (!options_.token_file.empty()) {
        auto token = read_secret_file(options_.token_file, "token");
        if (!token) return token.error();
        api_->use_token(*token);
        return {};
    }
    std::string password = options_.password_from_env;
    if (!options_.password_file.empty()) {
        auto from_file = read_secret_file(options_.password_file, "password");
        if (!from_file) return from_file.error();
        password = *from_file;
    }
    if (options_.password_stdin) {
        auto from_stdin = read_secret(std::cin, "the password on standard input");
        if (!from_stdin) return from_stdin.error();
        password = *from_stdin;
    }
    auto login = api_->sign_in(options_.user, password);
    if (!login) {
        return core::make_error(login.error().code, "signing in as " + options_.user + ": " + login.error().message);
    }
    return {};
}

std::variant<v1::Session, int> HeadlessRun::consented_session() {
    core::Result<v1::Session> session = core::make_error(core::Errc::unavailable, "");
    if (!options_.ticket.empty()) {
        const auto mode = options_.mode == "control" ? v1::CONTROL : v1::VIEW;
        session = api_->request_session(options_.ticket, mode, options_.monitor);
        if (!session) return fail("asking for a session on " + options_.ticket + ": " + session.error().message);
        std::cerr << "lifeline-viewer: asked for a " << v1::SessionMode_Name(mode) << " session on " << options_.ticket
                  << " (" << session->id() << "); waiting for the user's answer\n";
    } else {
        session = api_->get_session(options_.session_id);
        if (!session) return fail("session " + options_.session_id + ": " + session.error().message);
    }
    report_.session = *session;
    const std::string id = session->id();
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(options_.consent_timeout_seconds));
    while (session->state() == v1::Session::REQUESTED && Clock::now() < deadline && !stopping()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        session = api_->wait_for_answer(id, std::clamp<std::chrono::milliseconds>(left, 0ms, 1000ms));
        if (!session) return fail("waiting for the user's answer: " + session.error().message);
        report_.session = *session;
    }
    if (session->state() == v1::Session::REQUESTED) {
        // Withdrawn, so the machine does not keep asking its user.
        const std::string why = stopping()
                                    ? "the technician gave up waiting"
                                    : "no answer within " + seconds_text(options_.consent_timeout_seconds) + " s";
        if (auto ended = api_->end_session(id, why)) report_.session = *ended;
        if (stopping()) return fail("interrupted while waiting for the user's answer");
        std::cerr << "lifeline-viewer: the user did not answer within "
                  << seconds_text(options_.consent_timeout_seconds) << " s\n";
        return finish(kExitRefused);
    }
    if (session->state() != v1::Session::ACTIVE) return refused(*session);
    return *session;
}

int HeadlessRun::run() {
    core::init_logging(options_.log_level);
    auto endpoint = parse_relay_url(options_.relay_url);
    if (!endpoint) return fail(endpoint.error().message);
    endpoint->tls.ca_file = options_.ca_file;
    endpoint->tls.pinned_ca_fingerprint = options_.ca_fingerprint;
    auto api = RelayApi::create(*endpoint);
    if (!api) return fail(api.error().message);
    api_.emplace(std::move(*api));
    if (auto signed_in = sign_in(); !signed_in) return fail(signed_in.error().message);

    auto consented = consented_session();
    if (const int* code = std::get_if<int>(&consented)) return *code;
    return watch(std::get<v1::Session>(consented));
}

int HeadlessRun::watch(const v1::Session& active) {
    RfbOptions rfb_options;
    rfb_options.encoding = *parse_encoding(options_.encoding);
    rfb_options.quality = options_.quality;
    rfb_options.view_only = active.mode() != v1::CONTROL;
    rfb_options.handshake_timeout = kRfbHandshakeTimeout;
    auto opened = ViewerSession::open(api_->relay(), api_->token(), active.id(), rfb_options);
    if (!opened) {
        // Ended meanwhile (the user changed their mind, a lead stepped in): that is the answer, not a failure.
        if (auto now = api_->get_session(active.id()); now && now->state() != v1::Session::ACTIVE) return refused(*now);
        return fail("opening session " + active.id() + ": " + opened.error().message);
    }
    viewer_ = std::move(*opened);
    opened_at_ = Clock::now();
    RfbClient& rfb = viewer_->rfb();

    // The first update message may carry only part of the screen: wait until every pixel has arrived.
    while (!rfb.wait_for_full_frame(kSlice)) {
        if (stopping()) return fail("interrupted");
        if (viewer_->closed()) return ended_early();
        if (Clock::now() - opened_at_ > kFirstFrameTimeout) return fail("no complete picture within 30 s");
    }
    if (auto input = apply_input(); !input) return fail(input.error().message);

    const auto stay_until = opened_at_ + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(options_.duration_seconds));
    const auto frames_deadline = stay_until + kFirstFrameTimeout;
    const auto frames = static_cast<std::uint64_t>(options_.frames);
    while (rfb.updates() < frames || Clock::now() < stay_until) {
        if (stopping()) return fail("interrupted");
        if (viewer_->wait_closed(kSlice)) return ended_early();
        if (rfb.updates() < frames && Clock::now() > frames_deadline) {
            return fail("only " + std::to_string(rfb.updates()) + " of " + std::to_string(frames) + " updates arrived");
        }
    }

    if (!options_.screenshot.empty()) {
        if (auto written = write_png(rfb.framebuffer(), options_.screenshot); !written) {
            return fail("--screenshot: " + written.error().message);
        }
    }
    if (options_.end) {
        auto ended = api_->end_session(active.id());  // the relay words it: "the technician ended the session"
        if (!ended) return fail("ending the session: " + ended.error().message);
        viewer_->wait_closed(kRelayEndTimeout);
    }
    close_viewer();
    final_state();
    return finish(kExitOk);
}

core::Result<void> HeadlessRun::apply_input() {
    RfbClient& rfb = viewer_->rfb();
    const std::uint64_t sent_before = viewer_->counters().to_remote;
    std::uint64_t expected = 0;
    const auto press = [&](const std::vector<std::uint32_t>& keysyms) -> core::Result<void> {
        for (std::uint32_t keysym : keysyms) {
            if (auto sent = rfb.send_key(keysym, true); !sent) return sent;
        }
        for (auto it = keysyms.rbegin(); it != keysyms.rend(); ++it) {
            if (auto sent = rfb.send_key(*it, false); !sent) return sent;
        }
        expected += 2 * kKeyEventBytes * keysyms.size();
        return {};
    };
    for (const InputAction& action : options_.actions) {
        core::Result<void> done;
        switch (action.kind) {
            case InputAction::Kind::click: {
                const auto point = parse_point(action.value);  // checked by check_options
                done = rfb.send_pointer(point->first, point->second, 1);
                if (done) done = rfb.send_pointer(point->first, point->second, 0);
                expected += 2 * kPointerEventBytes;
                break;
            }
            case InputAction::Kind::type: {
                auto keysyms = keysyms_for_text(action.value);
                if (!keysyms) return core::make_error(keysyms.error().code, "--type: " + keysyms.error().message);
                // One key at a time: "aa" is two presses, never a held key.
                for (std::uint32_t keysym : *keysyms) {
                    if (done = press({keysym}); !done) break;
                }
                break;
            }
            case InputAction::Kind::key: {
                auto chord = keysyms_for_chord(action.value);
                if (!chord) return core::make_error(chord.error().code, "--key: " + chord.error().message);
                done = press(*chord);
                break;
            }
            case InputAction::Kind::clipboard: {
                auto latin1 = utf8_to_latin1(action.value);
                if (!latin1) return core::make_error(latin1.error().code, "--clipboard: " + latin1.error().message);
                done = rfb.send_clipboard(*latin1);
                expected += kCutTextHeaderBytes + latin1->size();
                break;
            }
        }
        if (!done) {
            if (done.error().code == core::Errc::permission_denied) {
                return core::make_error(done.error().code, "input needs a CONTROL session; this one is VIEW");
            }
            return core::make_error(done.error().code, "sending input: " + done.error().message);
        }
    }
    // Queued input goes out between server messages; closing right away could cut it off.
    const auto deadline = Clock::now() + kInputSentTimeout;
    while (viewer_->counters().to_remote - sent_before < expected && Clock::now() < deadline && !viewer_->closed() &&
           !stopping()) {
        std::this_thread::sleep_for(10ms);
    }
    return {};
}

int HeadlessRun::ended_early() {
    const std::string why = viewer_->close_reason();
    close_viewer();
    auto session = api_->get_session(report_.session.id());
    for (auto deadline = Clock::now() + kFinalStateTimeout;
         session && session->state() == v1::Session::ACTIVE && Clock::now() < deadline;) {
        std::this_thread::sleep_for(kSlice);
        session = api_->get_session(report_.session.id());
    }
    if (session) report_.session = *session;
    // Ended by the user, a lead or the relay: their decision. Ended as ours: this viewer failed (say, a server it
    // refused), and only we can say why.
    if (session && session->state() != v1::Session::ACTIVE && !session->ended_by().starts_with("technician:")) {
        return refused(*session);
    }
    return fail("the session closed: " + why);
}

void HeadlessRun::close_viewer() {
    if (!viewer_) return;
    if (!viewer_->closed()) viewer_->close();
    RfbClient& rfb = viewer_->rfb();
    const Framebuffer picture = rfb.framebuffer();
    report_.width = picture.width;
    report_.height = picture.height;
    report_.updates = rfb.updates();
    report_.bytes_received = viewer_->counters().to_local;
    report_.seconds = std::chrono::duration<double>(Clock::now() - opened_at_).count();
    report_.close_reason = viewer_->close_reason();
    viewer_.reset();
}

void HeadlessRun::final_state() {
    // The relay records the end once both of its pumps stopped: a moment after our socket closed.
    const auto deadline = Clock::now() + kFinalStateTimeout;
    for (;;) {
        auto session = api_->get_session(report_.session.id());
        if (!session) return;
        report_.session = *session;
        if (session->state() != v1::Session::ACTIVE || Clock::now() >= deadline) return;
        std::this_thread::sleep_for(kSlice);
    }
}

// --play: the recording through the viewer core, the picture at --at, one JSON line.
int play(const HeadlessOptions& options, std::stop_token stop) {
    core::init_logging(options.log_level);
    PlaybackOptions playback;
    playback.speed = options.speed;
    if (!options.at.empty()) playback.stop_at_ms = recording::parse_offset(options.at);  // checked by check_options
    auto played = play_recording(options.play, playback, std::move(stop));
    if (!played) {
        std::cerr << "lifeline-viewer: --play: " << played.error().message << "\n";
        return kExitFailure;
    }
    if (played->truncated) {
        std::cerr << "lifeline-viewer: the recording was cut short (" << played->end
                  << "); it was played up to its last whole chunk\n";
    }
    if (!options.screenshot.empty()) {
        if (auto written = write_png(played->framebuffer, options.screenshot); !written) {
            std::cerr << "lifeline-viewer: --screenshot: " << written.error().message << "\n";
            return kExitFailure;
        }
    }
    const auto quoted = [](const std::string& text) { return boost::json::serialize(boost::json::string(text)); };
    char played_seconds[32];
    std::snprintf(played_seconds, sizeof played_seconds, "%.3f", played->played_ms / 1000.0);
    const auto& header = played->header;
    std::cout << "{\"recording\":" << quoted(options.play) << ",\"session\":" << quoted(header.session_id)
              << ",\"ticket\":" << quoted(header.ticket) << ",\"technician\":" << quoted(header.technician)
              << ",\"startedAtMs\":" << header.started_unix_ms << ",\"width\":" << played->framebuffer.width
              << ",\"height\":" << played->framebuffer.height << ",\"chunks\":" << played->chunks
              << ",\"updates\":" << played->updates << ",\"playedSeconds\":" << played_seconds
              << ",\"complete\":" << (played->complete ? "true" : "false")
              << ",\"truncated\":" << (played->truncated ? "true" : "false") << ",\"end\":" << quoted(played->end)
              << "}" << std::endl;
    return kExitOk;
}

std::string check_play_options(const HeadlessOptions& options) {
    if (!options.relay_url.empty() || !options.ticket.empty() || !options.session_id.empty() || !options.user.empty() ||
        !options.token_file.empty() || !options.actions.empty() || options.end) {
        return "--play replays a recording: it takes no --relay, --ticket, --session, sign-in, input or --end";
    }
    if (!options.at.empty() && !recording::parse_offset(options.at)) {
        return "--at wants a time into the recording such as 12.5s, 12.5, 1m30s or 250ms, got \"" + options.at + "\"";
    }
    if (!(options.speed >= 0) || options.speed > 1000) {
        return "--speed is 0 (as fast as possible) or a factor up to 1000 (1 plays as recorded)";
    }
    return {};
}

}  // namespace

std::string check_options(const HeadlessOptions& options) {
    if (!options.play.empty()) return check_play_options(options);
    if (!options.at.empty() || options.speed_given) return "--at and --speed go with --play FILE";
    if (options.relay_url.empty()) return "--relay https://HOST:PORT is required (or --play FILE to replay one)";
    if (auto url = parse_relay_url(options.relay_url); !url) return url.error().message;
    if (options.ca_file.empty() && options.ca_fingerprint.empty()) {
        return "say how to trust the relay: --ca PEM or --ca-fingerprint sha256:HEX";
    }
    if (options.user.empty() == options.token_file.empty())
        return "sign in with either --username NAME or --token-file FILE";
    const int password_sources = int(!options.password_file.empty()) + int(options.password_stdin);
    if (password_sources > 1) return "give the password one way: --password-stdin or --password-file";
    if (!options.user.empty() && password_sources == 0 && options.password_from_env.empty()) {
        return "--username needs the password from --password-stdin, --password-file FILE or LIFELINE_PASSWORD";
    }
    if (!options.token_file.empty() && password_sources > 0) return "a password goes with --username, not --token-file";
    if (options.ticket.empty() == options.session_id.empty()) {
        return "say which session: --ticket LL-NNNNNN to ask for one, or --session ID to join one";
    }
    if (options.mode != "view" && options.mode != "control") return "--mode is view or control";
    if (options.mode_given && options.ticket.empty()) return "--mode goes with --ticket; a joined session has its own";
    if (options.monitor && options.ticket.empty()) return "--monitor goes with --ticket; a joined session has its own";
    if (!(options.consent_timeout_seconds > 0)) return "--consent-timeout must be positive";
    if (!parse_encoding(options.encoding)) return "--encoding is tight, zrle or raw";
    if (options.quality < -1 || options.quality > 9) return "--quality is -1 (lossless) to 9";
    if (options.frames < 1) return "--frames must be at least 1";
    if (!(options.duration_seconds >= 0)) return "--duration must not be negative";
    for (const InputAction& action : options.actions) {
        switch (action.kind) {
            case InputAction::Kind::click:
                if (!parse_point(action.value)) return "--click wants X,Y in pixels, got \"" + action.value + "\"";
                break;
            case InputAction::Kind::type:
                if (auto keysyms = keysyms_for_text(action.value); !keysyms)
                    return "--type: " + keysyms.error().message;
                break;
            case InputAction::Kind::key:
                if (auto chord = keysyms_for_chord(action.value); !chord) return "--key: " + chord.error().message;
                break;
            case InputAction::Kind::clipboard:
                if (auto text = utf8_to_latin1(action.value); !text) return "--clipboard: " + text.error().message;
                break;
        }
    }
    if (!options.actions.empty() && !options.ticket.empty() && options.mode != "control") {
        return "--click, --type, --key and --clipboard need --mode control";
    }
    return {};
}

int run_headless(const HeadlessOptions& options, std::stop_token stop) {
    try {
        if (!options.play.empty()) return play(options, std::move(stop));
        HeadlessRun run(options, std::move(stop));
        return run.run();
    } catch (const std::exception& error) {
        std::cerr << "lifeline-viewer: " << error.what() << "\n";
        return kExitFailure;
    }
}

}  // namespace lifeline::viewer::app
