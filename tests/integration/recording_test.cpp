// Session recordings end to end: the real relay records a session between a machine played in this process
// (libvncserver over a socketpair, tunnelled to the agent socket) and the viewer core; the file, its mode and
// digest, redaction, who may download it, playback equal to the live viewer's last picture, a relay killed
// mid-session, `lifeline-viewer --headless --play`, the config switch and retention.
#include "shared/core/ids.hpp"
#include "shared/recording/reader.hpp"
#include "tests/unit/viewer/session_test_support.hpp"
#include "viewer/core/playback.hpp"
#include "viewer/core/session_client.hpp"

#include <gtest/gtest.h>
#include <rfb/keysym.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

namespace lifeline::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using lifeline::recording::ChunkKind;
using lifeline::recording::RecordingReader;
using viewer::Encoding;
using viewer::Framebuffer;
using viewer::RelayApi;
using viewer::RelayEndpoint;
using viewer::RfbOptions;
using viewer::ViewerSession;

constexpr const char* kPassword = "tech-password-1";
constexpr int kWidth = 320, kHeight = 200;

bool same_picture(const Framebuffer& a, const Framebuffer& b) {
    return a.width == b.width && a.height == b.height && a.pixels == b.pixels;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

unsigned file_mode(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 ? info.st_mode & 0777 : 0;
}

void paint(Framebuffer& picture, int x0, int y0, int w, int h, std::uint32_t rgb) {
    for (int y = y0; y < y0 + h; ++y) {
        for (int x = x0; x < x0 + w; ++x)
            picture.pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(picture.width) + x] = rgb;
    }
}

// Everything in a recording, by kind.
struct Contents {
    std::string server, client;
    std::vector<std::string> screens;
    std::uint64_t chunks = 0;
    bool complete = false, truncated = false;
    std::string error;
};

Contents read_recording(const std::string& path) {
    Contents contents;
    auto reader = RecordingReader::open(path);
    if (!reader) {
        contents.error = reader.error().message;
        return contents;
    }
    for (;;) {
        auto next = reader->next();
        if (!next) {
            contents.error = next.error().message;
            break;
        }
        if (!*next) break;
        const auto& chunk = **next;
        if (chunk.chunk_kind() == ChunkKind::server) contents.server += chunk.payload;
        if (chunk.chunk_kind() == ChunkKind::client) contents.client += chunk.payload;
        if (chunk.chunk_kind() == ChunkKind::screen) contents.screens.push_back(chunk.payload);
    }
    contents.chunks = reader->chunks();
    contents.complete = reader->complete();
    contents.truncated = reader->truncated();
    return contents;
}

class RecordingSessionTest : public ::testing::Test {
protected:
    void SetUp() override {
        relay_.start({"--log-level", "info"});
        ApiClient admin(relay_.client());
        admin.login("admin", relay_.admin_password());
        admin.create_user("tina", v1::TECHNICIAN, kPassword, 1);
        admin.create_user("tom", v1::TECHNICIAN, kPassword, 1);
        admin.create_user("lena", v1::LEAD, kPassword, 0);
        tina_.emplace(relay_.client());
        tina_->login("tina", kPassword);
        machine_ = machine_with_ticket(relay_, *tina_, "m-recorded");
        scratch_ = fs::temp_directory_path() / ("lifeline-recording-it-" + std::to_string(::getpid()) + "-" +
                                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(scratch_);
        fs::create_directories(scratch_);
    }
    void TearDown() override { fs::remove_all(scratch_); }

    RelayEndpoint endpoint() const { return endpoint_of(relay_); }
    std::string recordings_dir() const { return relay_.data_dir() + "/recordings"; }
    std::string recording_path(const std::string& id) const { return recordings_dir() + "/" + id + ".llrec"; }

    RelayApi signed_in(const std::string& user) { return testing::signed_in(relay_, user, kPassword); }

    v1::Session consented(RelayApi& api, v1::SessionMode mode) { return testing::consented(api, machine_, mode); }

    // The session's record once the relay has written its recording's digest (after its end).
    v1::Session finished(RelayApi& api, const std::string& id) {
        v1::Session last;
        EXPECT_TRUE(eventually([&] {
            auto now = api.get_session(id);
            if (now) last = *now;
            return now && now->state() != v1::Session::ACTIVE && !now->recording_sha256().empty();
        })) << last.DebugString();
        return last;
    }

    // A live session, as the technician's viewer sees it: the machine's picture arrives, changes three times, the
    // technician types and pastes (a password, say). Answers the live viewer's last picture.
    struct Live {
        v1::Session session;
        std::unique_ptr<TestRfbServer> server;
        std::unique_ptr<MachineSocket> machine;
        std::unique_ptr<ViewerSession> viewer;
        Framebuffer expected;
    };
    Live live_session(RelayApi& api, Encoding encoding, int quality = 6) {
        Live live;
        live.expected = busy_picture(kWidth, kHeight);
        live.server = std::make_unique<TestRfbServer>(live.expected);
        live.session = consented(api, v1::CONTROL);
        live.machine = std::make_unique<MachineSocket>(relay_.port(), relay_.ca_file());
        EXPECT_EQ(live.machine->connect(live.session.id(), machine_.credential, live.server->take_client_fd()), "");
        RfbOptions options;
        options.encoding = encoding;
        options.quality = quality;
        auto viewer = ViewerSession::open(endpoint(), api.token(), live.session.id(), options);
        EXPECT_TRUE(viewer) << viewer.error().message;
        if (!viewer) return live;
        live.viewer = std::move(*viewer);
        EXPECT_TRUE(live.viewer->rfb().wait_for_full_frame(10s));
        EXPECT_TRUE(eventually([&] { return same_picture(live.viewer->rfb().framebuffer(), live.expected); }));
        const std::uint32_t colours[] = {0x00ABCDEFu, 0x00102030u, 0x00FF8000u};
        for (int i = 0; i < 3; ++i) {
            live.server->draw(20 + 60 * i, 30 + 20 * i, 50, 40, colours[i]);
            paint(live.expected, 20 + 60 * i, 30 + 20 * i, 50, 40, colours[i]);
            EXPECT_TRUE(eventually([&] { return same_picture(live.viewer->rfb().framebuffer(), live.expected); }));
        }
        return live;
    }

    // After a restart: the machine's control channel again, and a fresh sign-in for tina's REST calls.
    void restart_with_config(const std::string& toml) {
        relay_.stop();
        std::ofstream(relay_.data_dir() + "/relay.toml") << toml;
        relay_.start({"--log-level", "info"});
        reconnect();
    }
    void reconnect() {
        machine_.channel = std::make_unique<AgentChannelClient>(relay_.port(), relay_.ca_file());
        ASSERT_EQ(machine_.channel->connect(machine_.credential.device_id(), machine_.credential.device_secret()), 101);
        v1::AgentToRelay hello;
        hello.mutable_hello()->mutable_system_info()->set_hostname("pc-m-recorded");
        machine_.channel->send(hello);
        tina_.emplace(relay_.client());
        tina_->login("tina", kPassword);
    }

    void type_a_secret(Live& live) {
        for (char c : std::string("hunter2")) {
            EXPECT_TRUE(live.viewer->rfb().send_key(static_cast<std::uint32_t>(c), true));
            EXPECT_TRUE(live.viewer->rfb().send_key(static_cast<std::uint32_t>(c), false));
        }
        EXPECT_TRUE(live.viewer->rfb().send_clipboard("clipboard-secret"));
        EXPECT_TRUE(
            eventually([&] { return live.server->keys().size() == 14 && live.server->clipboards().size() == 1; }));
    }

    RelayProcess relay_;
    std::optional<ApiClient> tina_;
    TestMachine machine_;
    fs::path scratch_;
};

// ---- the recording and its playback ------------------------------------------------------------------------

class RecordingFidelityTest : public RecordingSessionTest, public ::testing::WithParamInterface<EncodingCase> {};

TEST_P(RecordingFidelityTest, PlaybackEndsOnTheLiveViewersLastPicture) {
    RelayApi api = signed_in("tina");
    Live live = live_session(api, GetParam().encoding, GetParam().quality);
    ASSERT_TRUE(live.viewer);
    type_a_secret(live);
    const Framebuffer last = live.viewer->rfb().framebuffer();
    ASSERT_TRUE(same_picture(last, live.expected));
    const std::string id = live.session.id();
    ASSERT_TRUE(api.end_session(id));
    EXPECT_TRUE(live.viewer->wait_closed(10s));
    const v1::Session ended = finished(api, id);

    // The file: where the record says, private, and the digest the record holds.
    const std::string path = recording_path(id);
    EXPECT_EQ(ended.recording(), id + ".llrec");
    EXPECT_EQ(file_mode(path), 0600u);
    EXPECT_EQ(file_mode(recordings_dir()), 0700u);
    const std::string bytes = read_file(path);
    EXPECT_EQ(ended.recording_bytes(), static_cast<std::int64_t>(bytes.size()));
    EXPECT_EQ(ended.recording_sha256(), core::sha256_hex(bytes));

    // Its contents: the header, the screen size, both directions, the secret nowhere.
    auto reader = RecordingReader::open(path);
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_EQ(reader->header().session_id, id);
    EXPECT_EQ(reader->header().ticket, machine_.ticket);
    EXPECT_EQ(reader->header().device_id, machine_.credential.device_id());
    EXPECT_EQ(reader->header().technician, "tina");
    const Contents contents = read_recording(path);
    EXPECT_EQ(contents.error, "");
    EXPECT_TRUE(contents.complete);
    ASSERT_EQ(contents.screens.size(), 1u);
    EXPECT_EQ(contents.screens[0], std::string("\x01\x40\x00\xc8", 4));  // 320 x 200
    EXPECT_GE(static_cast<std::int64_t>(contents.server.size()), ended.bytes_to_viewer());
    EXPECT_EQ(contents.server.substr(0, 12), "RFB 003.008\n");
    EXPECT_EQ(contents.client.find("hunter2"), std::string::npos);
    EXPECT_EQ(contents.client.find("clipboard-secret"), std::string::npos);
    EXPECT_EQ(bytes.find("clipboard-secret"), std::string::npos);
    // A key was pressed, and released: the fact stays, the key does not.
    EXPECT_NE(contents.client.find(std::string("\x04\x01\x00\x00\x00\x00\x00\x00", 8)), std::string::npos);
    EXPECT_NE(contents.client.find(std::string("\x04\x00\x00\x00\x00\x00\x00\x00", 8)), std::string::npos);

    // Replay fidelity: the recorded server stream through the same decoder ends on the live viewer's picture.
    auto played = viewer::play_recording(path, viewer::PlaybackOptions{});
    ASSERT_TRUE(played) << played.error().message;
    EXPECT_EQ(picture_difference(played->framebuffer, last), "");
    EXPECT_TRUE(played->complete);
    EXPECT_GE(played->updates, 4u);
}

INSTANTIATE_TEST_SUITE_P(Encodings, RecordingFidelityTest, exact_encodings(), encoding_case_name);

// Lossy tight (JPEG): the live picture is not the machine's, but playback decodes the same bytes the same way.
TEST_F(RecordingSessionTest, PlaybackOfLossyTightEqualsTheLiveViewersPicture) {
    RelayApi api = signed_in("tina");
    TestRfbServer server(busy_picture(kWidth, kHeight));
    const v1::Session session = consented(api, v1::VIEW);
    MachineSocket machine(relay_.port(), relay_.ca_file());
    ASSERT_EQ(machine.connect(session.id(), machine_.credential, server.take_client_fd()), "");
    RfbOptions options;
    options.encoding = Encoding::tight;
    options.quality = 5;
    options.view_only = true;
    auto viewer = ViewerSession::open(endpoint(), api.token(), session.id(), options);
    ASSERT_TRUE(viewer) << viewer.error().message;
    ASSERT_TRUE((*viewer)->rfb().wait_for_full_frame(10s));
    for (int i = 0; i < 3; ++i) {
        const std::uint64_t before = (*viewer)->rfb().updates();
        server.draw(10 + 70 * i, 20 + 30 * i, 60, 50, 0x00406080u + static_cast<std::uint32_t>(i) * 0x00203010u);
        EXPECT_TRUE((*viewer)->rfb().wait_for_updates(before + 1, 10s));
    }
    // Settled: no update for half a second.
    std::uint64_t seen = 0;
    EXPECT_TRUE(eventually([&] {
        const std::uint64_t now = (*viewer)->rfb().updates();
        if (now != seen) {
            seen = now;
            std::this_thread::sleep_for(500ms);
            return false;
        }
        return true;
    }));
    const Framebuffer last = (*viewer)->rfb().framebuffer();
    ASSERT_TRUE(api.end_session(session.id()));
    finished(api, session.id());
    auto played = viewer::play_recording(recording_path(session.id()), viewer::PlaybackOptions{});
    ASSERT_TRUE(played) << played.error().message;
    EXPECT_EQ(picture_difference(played->framebuffer, last), "");
    EXPECT_NE(picture_difference(last, busy_picture(kWidth, kHeight)), "")
        << "JPEG is lossy; the test would prove less";
}

TEST_F(RecordingSessionTest, KeysAreRecordedWhenThePolicySaysKeep) {
    restart_with_config("[recording]\nkeys = \"keep\"\n");
    RelayApi api = signed_in("tina");
    Live live = live_session(api, Encoding::raw);
    ASSERT_TRUE(live.viewer);
    type_a_secret(live);
    ASSERT_TRUE(api.end_session(live.session.id()));
    finished(api, live.session.id());
    const Contents contents = read_recording(recording_path(live.session.id()));
    EXPECT_NE(contents.client.find(std::string("\x04\x01\x00\x00\x00\x00\x00h", 8)), std::string::npos);
    EXPECT_NE(contents.client.find("clipboard-secret"), std::string::npos);
}

// ---- who may download it -----------------------------------------------------------------------------------

TEST_F(RecordingSessionTest, TheOwnerLeadsAndAdminsMayDownloadItOtherTechniciansMayNot) {
    RelayApi api = signed_in("tina");
    Live live = live_session(api, Encoding::zrle);
    ASSERT_TRUE(live.viewer);
    const std::string id = live.session.id();
    ASSERT_TRUE(api.end_session(id));
    const v1::Session ended = finished(api, id);
    const std::string bytes = read_file(recording_path(id));
    const std::string target = "/api/v1/sessions/" + id + "/recording";

    for (const char* user : {"tina", "lena"}) {
        ApiClient client(relay_.client());
        client.login(user, kPassword);
        const auto answer = client.call("GET", target);
        EXPECT_EQ(answer.status, 200u) << user << ": " << answer.body;
        EXPECT_EQ(answer.content_type, "application/octet-stream");
        EXPECT_EQ(answer.header("X-Checksum-SHA256"), ended.recording_sha256());
        EXPECT_NE(answer.header("Content-Disposition").find(id + ".llrec"), std::string::npos);
        EXPECT_TRUE(answer.body == bytes) << user << " got " << answer.body.size() << " bytes of " << bytes.size();
    }
    ApiClient admin(relay_.client());
    admin.login("admin", relay_.admin_password());
    EXPECT_EQ(admin.call("GET", target).status, 200u);
    ApiClient tom(relay_.client());
    tom.login("tom", kPassword);
    const auto refused = tom.call("GET", target);
    EXPECT_EQ(refused.status, 403u);
    EXPECT_EQ(error_code(refused), "permission_denied");
    ApiClient nobody(relay_.client());
    EXPECT_EQ(nobody.call("GET", target).status, 401u);
    EXPECT_EQ(tina_->call("GET", "/api/v1/sessions/s-0000000000/recording").status, 404u);

    // A session the user denied never streamed: nothing to download.
    auto requested = api.request_session(machine_.ticket, v1::VIEW);
    ASSERT_TRUE(requested) << requested.error().message;
    machine_.answer_next_request(false);
    auto denied = api.wait_for_answer(requested->id(), 10s);
    ASSERT_TRUE(denied);
    EXPECT_EQ(denied->state(), v1::Session::DENIED);
    const auto none = tina_->call("GET", "/api/v1/sessions/" + requested->id() + "/recording");
    EXPECT_EQ(none.status, 404u);
    EXPECT_EQ(error_code(none), "not_found");
}

// ---- a crash -----------------------------------------------------------------------------------------------

TEST_F(RecordingSessionTest, ARelayKilledMidSessionLeavesARecordingReadableUpToTheCrash) {
    RelayApi api = signed_in("tina");
    Live live = live_session(api, Encoding::zrle);
    ASSERT_TRUE(live.viewer);
    const Framebuffer last = live.viewer->rfb().framebuffer();
    const std::string id = live.session.id();
    relay_.kill();
    EXPECT_TRUE(live.viewer->wait_closed(10s));

    const std::string path = recording_path(id);
    const Contents contents = read_recording(path);
    EXPECT_EQ(contents.error, "");
    EXPECT_GT(contents.chunks, 0u);
    EXPECT_FALSE(contents.complete);
    EXPECT_TRUE(contents.truncated);
    auto played = viewer::play_recording(path, viewer::PlaybackOptions{});
    ASSERT_TRUE(played) << played.error().message;
    EXPECT_TRUE(played->truncated);
    EXPECT_EQ(picture_difference(played->framebuffer, last), "") << "the picture as of the crash";

    // The restarted relay fails the session and records the digest of what the crash left.
    live.viewer.reset();
    live.machine.reset();
    relay_.start({"--log-level", "info"});
    reconnect();
    RelayApi again = signed_in("tina");
    const v1::Session failed = finished(again, id);
    EXPECT_EQ(failed.state(), v1::Session::FAILED);
    const std::string bytes = read_file(path);
    EXPECT_EQ(failed.recording(), id + ".llrec");
    EXPECT_EQ(failed.recording_bytes(), static_cast<std::int64_t>(bytes.size()));
    EXPECT_EQ(failed.recording_sha256(), core::sha256_hex(bytes));
    const auto download = tina_->call("GET", "/api/v1/sessions/" + id + "/recording");
    EXPECT_EQ(download.status, 200u);
    EXPECT_TRUE(download.body == bytes);
}

// ---- a large download --------------------------------------------------------------------------------------

// The relay's peak resident memory (VmHWM), in KiB.
std::uint64_t peak_rss_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
    }
    return 0;
}

// The relay streams the file from disk and the viewer streams it to one, with progress, its digest checked, a size
// limit and cancelling; the relay's peak memory shows it never held the file. (24 MiB keeps this short under ASan;
// nothing in either path depends on the size.) The crash is how the file gets this big quickly: the restarted
// relay records the size and digest of whatever the file holds.
TEST_F(RecordingSessionTest, ADownloadStreamsFromTheRelaysDiskIntoAFile) {
    RelayApi api = signed_in("tina");
    Live live = live_session(api, Encoding::zrle);
    ASSERT_TRUE(live.viewer);
    const std::string id = live.session.id();
    relay_.kill();
    live.viewer.reset();
    live.machine.reset();
    const std::string path = recording_path(id);
    {
        // Padding after what the crash left: the download does not parse the file, and the restart only measures
        // and hashes it.
        std::ofstream out(path, std::ios::binary | std::ios::app);
        const std::string padding(1 << 20, 'p');
        for (int i = 0; i < 24; ++i)
            out << padding;
        ASSERT_TRUE(out.flush());
    }
    const auto size = static_cast<std::uint64_t>(fs::file_size(path));
    ASSERT_GT(size, std::uint64_t{24} << 20);
    relay_.start({"--log-level", "info"});
    reconnect();
    RelayApi lena = signed_in("lena");
    const v1::Session failed = finished(lena, id);
    ASSERT_EQ(failed.recording_bytes(), static_cast<std::int64_t>(size));

    const std::string target = (scratch_ / "download.llrec").string();
    const std::uint64_t peak_before = peak_rss_kib(relay_.pid());
    std::uint64_t calls = 0, last_received = 0, last_total = 0;
    auto downloaded = lena.download_recording(id, target, [&](std::uint64_t received, std::uint64_t total) {
        ++calls;
        EXPECT_GT(received, last_received);
        last_received = received;
        last_total = total;
        return true;
    });
    ASSERT_TRUE(downloaded) << downloaded.error().message;
    EXPECT_EQ(*downloaded, size);
    EXPECT_EQ(last_received, size);
    EXPECT_EQ(last_total, size);
    EXPECT_GT(calls, 20u) << "progress comes piece by piece";
    EXPECT_EQ(fs::file_size(target), size);
    EXPECT_EQ(file_mode(target), 0600u);
    EXPECT_EQ(core::sha256_hex(read_file(target)), failed.recording_sha256());
    // Had the relay read the file into memory, its peak would have grown by the file's size. (Streaming, it grows
    // by nothing in an optimised build and by a few MiB under ASan, whose quarantine keeps freed memory.)
    EXPECT_LT(peak_rss_kib(relay_.pid()), peak_before + size / 1024 / 2) << "the relay held the download in memory";

    // Past the limit: a clear error, no file left. Cancelled: the same, and the connection is usable again.
    const std::string small = (scratch_ / "small.llrec").string();
    auto too_big = lena.download_recording(id, small, {}, 1 << 20);
    ASSERT_FALSE(too_big);
    EXPECT_EQ(too_big.error().code, core::Errc::payload_too_large);
    EXPECT_NE(too_big.error().message.find("larger than the viewer downloads"), std::string::npos);
    EXPECT_FALSE(fs::exists(small));
    auto cancelled = lena.download_recording(id, small, [](std::uint64_t, std::uint64_t) { return false; });
    ASSERT_FALSE(cancelled);
    EXPECT_NE(cancelled.error().message.find("cancelled"), std::string::npos);
    EXPECT_FALSE(fs::exists(small));
    EXPECT_TRUE(lena.get_session(id));

    // A relay told to stop cuts a download off rather than wait for it, and the viewer keeps nothing of it.
    std::future<int> stopping;
    auto cut = lena.download_recording(id, small, [&](std::uint64_t, std::uint64_t) {
        if (!stopping.valid()) {
            stopping = std::async(std::launch::async, [&] { return relay_.stop(); });
            // Not reading meanwhile: the relay's writes wait on this client, as on a slow one.
            EXPECT_EQ(stopping.wait_for(std::chrono::seconds(20)), std::future_status::ready)
                << "the relay waited for the download";
        }
        return true;
    });
    ASSERT_FALSE(cut) << relay_.log();
    EXPECT_FALSE(fs::exists(small));
    ASSERT_TRUE(stopping.valid());
    EXPECT_EQ(stopping.get(), 0) << "a clean stop";
    relay_.start({"--log-level", "info"});
    reconnect();
    lena = signed_in("lena");

    // A file that no longer matches the digest the relay recorded is refused as damaged.
    fs::resize_file(path, 1 << 20);
    auto damaged = lena.download_recording(id, small);
    ASSERT_FALSE(damaged);
    EXPECT_NE(damaged.error().message.find("SHA-256"), std::string::npos) << damaged.error().message;
    EXPECT_FALSE(fs::exists(small));
    // And the relay's own errors come through: another technician's session.
    RelayApi tom = signed_in("tom");
    auto refused = tom.download_recording(id, small);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, core::Errc::permission_denied);
}

// ---- lifeline-viewer --headless --play ---------------------------------------------------------------------

CommandResult run_viewer(std::vector<std::string> args) {
    args.insert(args.begin(), LIFELINE_VIEWER_BIN);
    return run_program(std::move(args));
}

TEST_F(RecordingSessionTest, TheHeadlessViewerPlaysARecordingIntoAScreenshot) {
    RelayApi api = signed_in("tina");
    Live live = live_session(api, Encoding::raw);
    ASSERT_TRUE(live.viewer);
    const std::string id = live.session.id();
    ASSERT_TRUE(api.end_session(id));
    finished(api, id);
    const std::string path = recording_path(id);

    const std::string png = (scratch_ / "end.png").string();
    const CommandResult whole = run_viewer({"--headless", "--play", path, "--screenshot", png});
    ASSERT_EQ(whole.exit_code, 0) << whole.err << whole.out;
    const Framebuffer picture = read_png(png);
    EXPECT_EQ(picture_difference(picture, live.expected), "");
    const auto summary = boost::json::parse(whole.out.substr(whole.out.rfind('{'))).as_object();
    EXPECT_EQ(summary.at("session").as_string(), id);
    EXPECT_EQ(summary.at("width").as_int64(), kWidth);
    EXPECT_EQ(summary.at("height").as_int64(), kHeight);
    EXPECT_GT(summary.at("chunks").as_int64(), 0);
    EXPECT_TRUE(summary.at("complete").as_bool());

    // At the start, paced: the screen's size before its first picture.
    const std::string start_png = (scratch_ / "start.png").string();
    const CommandResult at_start =
        run_viewer({"--headless", "--play", path, "--at", "0s", "--speed", "1", "--screenshot", start_png});
    ASSERT_EQ(at_start.exit_code, 0) << at_start.err;
    EXPECT_EQ(read_png(start_png).width, kWidth);

    // Not a recording: a clear error, exit 1, no JSON.
    const std::string garbage = (scratch_ / "garbage.llrec").string();
    std::ofstream(garbage) << std::string(5000, 'g');
    const CommandResult bad = run_viewer({"--headless", "--play", garbage, "--screenshot", png});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("not a Lifeline session recording"), std::string::npos) << bad.err;
    EXPECT_EQ(bad.out, "");
    const CommandResult cut = run_viewer({"--headless", "--play", path, "--at", "soon"});
    EXPECT_EQ(cut.exit_code, 2);
    EXPECT_NE(cut.err.find("--at"), std::string::npos) << cut.err;
    EXPECT_EQ(run_viewer({"--headless", "--at", "5s"}).exit_code, 2);
}

// ---- configuration -----------------------------------------------------------------------------------------

TEST_F(RecordingSessionTest, AnExpiredRecordingLeavesItsDigestOnTheSession) {
    RelayApi api = signed_in("tina");
    Live live = live_session(api, Encoding::raw);
    ASSERT_TRUE(live.viewer);
    ASSERT_TRUE(api.end_session(live.session.id()));
    const v1::Session recorded = finished(api, live.session.id());
    ASSERT_FALSE(recorded.recording().empty());
    live.viewer.reset();

    relay_.stop();
    const std::string file = recording_path(live.session.id());
    const auto long_ago = std::chrono::system_clock::now() - std::chrono::hours(24 * 40);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(long_ago.time_since_epoch()).count();
    const timespec times[2] = {{seconds, 0}, {seconds, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, file.c_str(), times, 0), 0);
    std::ofstream(relay_.data_dir() + "/relay.toml") << "[recording]\nretention_days = 30\n";
    relay_.start({"--log-level", "info"});
    reconnect();
    EXPECT_TRUE(eventually([&] { return !fs::exists(file); })) << relay_.log();

    RelayApi lead = signed_in("lena");
    v1::Session after;
    EXPECT_TRUE(eventually([&] {
        auto now = lead.get_session(live.session.id());
        if (now) after = *now;
        return now && now->recording().empty();
    })) << after.DebugString();
    EXPECT_EQ(after.recording_sha256(), recorded.recording_sha256()) << "the digest stays as evidence";
    EXPECT_EQ(after.recording_bytes(), recorded.recording_bytes());
    EXPECT_EQ(tina_->call("GET", "/api/v1/sessions/" + live.session.id() + "/recording").status, 404u);
    auto timeline = tina_->call("GET", "/api/v1/tickets/" + machine_.ticket + "/timeline");
    ASSERT_EQ(timeline.status, 200u) << timeline.body;
    EXPECT_EQ(timeline.body.find(R"("recordingUrl":"/)"), std::string::npos)
        << "no link to a deleted file: " << timeline.body;
}

TEST_F(RecordingSessionTest, RecordingCanBeSwitchedOffAndOldRecordingsExpire) {
    relay_.stop();
    // An old recording, from an earlier session.
    fs::create_directories(recordings_dir());
    const std::string old = recording_path("s-0123456789");
    std::ofstream(old) << "old";
    const auto long_ago = std::chrono::system_clock::now() - std::chrono::hours(24 * 40);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(long_ago.time_since_epoch()).count();
    const timespec times[2] = {{seconds, 0}, {seconds, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, old.c_str(), times, 0), 0);
    std::ofstream(relay_.data_dir() + "/relay.toml") << "[recording]\nenabled = false\nretention_days = 30\n";
    relay_.start({"--log-level", "info"});
    reconnect();
    EXPECT_TRUE(eventually([&] { return !fs::exists(old); })) << relay_.log();
    EXPECT_NE(relay_.log().find("recordings: deleted s-0123456789.llrec (3 bytes): older than 30 days"),
              std::string::npos)
        << relay_.log();
    ApiClient lena(relay_.client());
    lena.login("lena", kPassword);
    net::HttpResponse deleted;
    EXPECT_TRUE(eventually([&] {
        deleted = lena.call("GET", "/api/v1/audit?action=recording.deleted&session=s-0123456789");
        return deleted.body.find(R"("file":"s-0123456789.llrec")") != std::string::npos;
    })) << deleted.body;
    EXPECT_NE(deleted.body.find(R"("actor":"system")"), std::string::npos) << deleted.body;

    RelayApi api = signed_in("tina");
    Live live = live_session(api, Encoding::raw);
    ASSERT_TRUE(live.viewer);
    ASSERT_TRUE(api.end_session(live.session.id()));
    EXPECT_TRUE(live.viewer->wait_closed(10s));
    v1::Session ended;
    EXPECT_TRUE(eventually([&] {
        auto now = api.get_session(live.session.id());
        if (now) ended = *now;
        return now && now->bytes_to_viewer() > 0;
    }));
    EXPECT_EQ(ended.recording(), "");
    EXPECT_FALSE(fs::exists(recording_path(live.session.id())));
    EXPECT_EQ(tina_->call("GET", "/api/v1/sessions/" + live.session.id() + "/recording").status, 404u);
}

}  // namespace
}  // namespace lifeline::testing
