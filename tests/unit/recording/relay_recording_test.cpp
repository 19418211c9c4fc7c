// The relay's side of recordings: the viewer's stream redacted however it is split into frames, the screen size
// from ServerInit, the recorder's files and their modes, downloads, and the retention sweep.
#include "relay/recording/recorder.hpp"
#include "relay/recording/retention.hpp"
#include "relay/recording/rfb_filter.hpp"
#include "shared/core/ids.hpp"
#include "shared/recording/reader.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>

namespace lifeline::relay::recording {
namespace {

namespace fs = std::filesystem;
using lifeline::recording::ChunkKind;
using lifeline::recording::RecordingReader;

std::string u8(int v) { return {static_cast<char>(v & 0xFF)}; }
std::string u16(int v) { return {static_cast<char>((v >> 8) & 0xFF), static_cast<char>(v & 0xFF)}; }
std::string u32(std::uint32_t v) { return u16(static_cast<int>(v >> 16)) + u16(static_cast<int>(v & 0xFFFF)); }

// What libvncclient sends in a session, with a key, a click and a clipboard in it.
struct ClientStream {
    std::string bytes;
    std::string redacted;  // the same with the keysyms and the clipboard text zeroed
};

ClientStream client_stream() {
    const std::string handshake = "RFB 003.008\n" + u8(1) + u8(1);
    const std::string pixel_format = u8(0) + std::string(3, '\0') + std::string("\x20\x18\x00\x01", 4) + u16(255) +
                                     u16(255) + u16(255) + std::string("\x10\x08\x00", 3) + std::string(3, '\0');
    const std::string encodings = u8(2) + u8(0) + u16(3) + u32(7) + u32(16) + u32(0);
    const std::string request = u8(3) + u8(0) + u16(0) + u16(0) + u16(640) + u16(480);
    const std::string key_down = u8(4) + u8(1) + u16(0), key_up = u8(4) + u8(0) + u16(0);
    const std::string pointer = u8(5) + u8(1) + u16(12) + u16(34);
    const std::string cut = u8(6) + std::string(3, '\0') + u32(7);
    const std::string qemu_key = u8(255) + u8(0) + u16(1);
    const std::string fence = u8(248) + std::string(3, '\0') + u32(0x80000000u) + u8(3) + "abc";
    const std::string xvp = u8(250) + u8(0) + u8(1) + u8(2);
    const std::string continuous = u8(150) + u8(1) + u16(0) + u16(0) + u16(10) + u16(10);
    const std::string desktop_size = u8(251) + u8(0) + u16(800) + u16(600) + u8(1) + u8(0) + std::string(16, '\x01');
    ClientStream s;
    const std::string common = handshake + pixel_format + encodings + request;
    s.bytes = common + key_down + u32(0x61) + key_up + u32(0x61) + pointer + cut + "hunter2" + qemu_key + u32(0x62) +
              u32(30) + fence + xvp + continuous + desktop_size + request;
    s.redacted = common + key_down + u32(0) + key_up + u32(0) + pointer + cut + std::string(7, '\0') + qemu_key +
                 u32(0) + u32(0) + fence + xvp + continuous + desktop_size + request;
    return s;
}

TEST(RecordingRedactorTest, ZeroesKeysymsAndClipboardTextAndKeepsEverythingElse) {
    const ClientStream stream = client_stream();
    ClientStreamRedactor redactor(RedactionPolicy{});
    const Redacted out = redactor.feed(stream.bytes);
    EXPECT_EQ(out.withheld, 0u) << redactor.why_withheld();
    EXPECT_EQ(out.recorded, stream.redacted);
    EXPECT_EQ(redactor.keys_redacted(), 3u);
    EXPECT_FALSE(redactor.withholding());
    EXPECT_EQ(redactor.version_minor(), 8);
    EXPECT_EQ(redactor.security_type(), 1);
}

TEST(RecordingRedactorTest, TheResultDoesNotDependOnHowTheStreamIsSplit) {
    const ClientStream stream = client_stream();
    for (std::size_t step : {1u, 2u, 3u, 5u, 7u, 13u, 64u}) {
        ClientStreamRedactor redactor(RedactionPolicy{});
        std::string recorded;
        for (std::size_t at = 0; at < stream.bytes.size(); at += step) {
            const Redacted out = redactor.feed(std::string_view(stream.bytes).substr(at, step));
            EXPECT_EQ(out.withheld, 0u);
            recorded += out.recorded;
        }
        EXPECT_EQ(recorded, stream.redacted) << "in pieces of " << step;
    }
}

TEST(RecordingRedactorTest, KeepsInputWhenThePolicySaysKeep) {
    const ClientStream stream = client_stream();
    ClientStreamRedactor redactor(RedactionPolicy{true});
    const Redacted out = redactor.feed(stream.bytes);
    EXPECT_EQ(out.recorded, stream.bytes);
    EXPECT_EQ(out.withheld, 0u);
}

TEST(RecordingRedactorTest, WithholdsEverythingAfterWhatItCannotFollow) {
    const std::string start = "RFB 003.008\n" + u8(1) + u8(1);
    {
        // An unknown message type: recorded up to it, only lengths from there, for every later frame too.
        ClientStreamRedactor redactor(RedactionPolicy{});
        const std::string known = start + u8(5) + u8(0) + u16(1) + u16(1);
        const Redacted out = redactor.feed(known + u8(99) + "secret");
        EXPECT_EQ(out.recorded, known);
        EXPECT_EQ(out.withheld, 7u);
        EXPECT_TRUE(redactor.withholding());
        EXPECT_NE(redactor.why_withheld().find("message type 99"), std::string::npos);
        const Redacted later = redactor.feed(u8(4) + u8(1) + u16(0) + u32(0x61));
        EXPECT_EQ(later.recorded, "");
        EXPECT_EQ(later.withheld, 8u);
    }
    {
        // VNC authentication: its response follows the choice.
        ClientStreamRedactor redactor(RedactionPolicy{});
        const Redacted out = redactor.feed("RFB 003.008\n" + u8(2) + std::string(16, 'r'));
        EXPECT_EQ(out.recorded, "RFB 003.008\n" + u8(2));
        EXPECT_EQ(out.withheld, 16u);
    }
    {
        // RFB 3.3: the server picked the security type; the client's next bytes depend on it.
        ClientStreamRedactor redactor(RedactionPolicy{});
        const Redacted out = redactor.feed("RFB 003.003\n" + u8(1) + u8(4) + u8(0) + u16(0) + u32(0x61));
        EXPECT_EQ(out.recorded, "RFB 003.003\n");
        EXPECT_EQ(out.withheld, 9u);
    }
    {
        // Not RFB at all.
        ClientStreamRedactor redactor(RedactionPolicy{});
        const Redacted out = redactor.feed("GET / HTTP/1.1\r\nHost: x\r\n");
        EXPECT_EQ(out.recorded.size(), 12u);
        EXPECT_TRUE(redactor.withholding());
    }
    {
        // A clipboard over the limit, and an unknown QEMU subtype.
        ClientStreamRedactor huge(RedactionPolicy{});
        const Redacted out = huge.feed(start + u8(6) + std::string(3, '\0') + u32(100u << 20) + "text");
        EXPECT_EQ(out.withheld, 4u);
        EXPECT_TRUE(huge.withholding());
        ClientStreamRedactor qemu(RedactionPolicy{});
        EXPECT_EQ(qemu.feed(start + u8(255) + u8(1) + u16(0)).withheld, 2u);
    }
}

TEST(RecordingRedactorTest, RedactsTheExtendedClipboardByItsLength) {
    ClientStreamRedactor redactor(RedactionPolicy{});
    const std::string start = "RFB 003.008\n" + u8(1) + u8(1);
    const std::string cut = u8(6) + std::string(3, '\0') + u32(static_cast<std::uint32_t>(-5));
    const Redacted out = redactor.feed(start + cut + "12345" + u8(5) + u8(0) + u16(1) + u16(2));
    EXPECT_EQ(out.recorded, start + cut + std::string(5, '\0') + u8(5) + u8(0) + u16(1) + u16(2));
    EXPECT_EQ(out.withheld, 0u);
}

// Whatever a hostile viewer or machine sends, every byte is accounted for (recorded or counted) and the filters
// never read out of bounds (run under ASan/UBSan in CI). Seeded.
TEST(RecordingRedactorTest, RandomStreamsAreAlwaysAccountedFor) {
    const ClientStream valid = client_stream();
    std::mt19937 random(6143);
    const auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random); };
    for (int i = 0; i < 5000; ++i) {
        std::string bytes = valid.bytes;
        for (int m = 0; m < 3; ++m)
            bytes[14 + pick(bytes.size() - 14)] = static_cast<char>(pick(256));
        ClientStreamRedactor redactor(RedactionPolicy{});
        ServerInitWatcher watcher;
        std::uint64_t accounted = 0;
        for (std::size_t at = 0; at < bytes.size();) {
            const std::size_t step = 1 + pick(40);
            const std::string_view piece = std::string_view(bytes).substr(at, step);
            const Redacted out = redactor.feed(piece);
            accounted += out.recorded.size() + out.withheld;
            (void)watcher.feed(piece, redactor);
            at += piece.size();
        }
        ASSERT_EQ(accounted, bytes.size()) << "iteration " << i;
    }
}

std::string server_handshake(const std::string& version, int width, int height) {
    std::string init = u16(width) + u16(height) + std::string(16, '\x01') + u32(4) + "name";
    if (version == "RFB 003.003\n") return version + u32(1) + init;
    return version + u8(1) + u8(1) + (version == "RFB 003.008\n" ? u32(0) : "") + init;
}

TEST(RecordingServerInitTest, ReadsTheScreenSizeFromServerInit) {
    for (const std::string version : {"RFB 003.008\n", "RFB 003.007\n"}) {
        ClientStreamRedactor client(RedactionPolicy{});
        ServerInitWatcher watcher;
        const std::string server = server_handshake(version, 1920, 1080);
        // In the order a session runs: the server's version and types, the client's answers, the rest.
        EXPECT_FALSE(watcher.feed(server.substr(0, 14), client));
        client.feed(version + u8(1) + u8(1));
        auto size = watcher.feed(server.substr(14), client);
        ASSERT_TRUE(size) << version;
        EXPECT_EQ(size->width, 1920);
        EXPECT_EQ(size->height, 1080);
        EXPECT_TRUE(watcher.done());
        EXPECT_FALSE(watcher.feed(u8(0) + u8(0) + u16(0), client)) << "only once";
    }
    {
        ClientStreamRedactor client(RedactionPolicy{});
        ServerInitWatcher watcher;
        client.feed("RFB 003.003\n");
        auto size = watcher.feed(server_handshake("RFB 003.003\n", 800, 600), client);
        ASSERT_TRUE(size);
        EXPECT_EQ(size->width, 800);
    }
    {
        // A refused connection has no ServerInit; the watcher gives up quietly.
        ClientStreamRedactor client(RedactionPolicy{});
        ServerInitWatcher watcher;
        EXPECT_FALSE(watcher.feed("RFB 003.008\n" + u8(0) + u32(3) + "no!", client));
        EXPECT_TRUE(watcher.done());
    }
}

// ---- the recorder ------------------------------------------------------------------------------------------

class RecordingRecorderTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("lifeline-recorder-test-" + std::to_string(::getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(root_);
        fs::create_directories(root_);
    }
    void TearDown() override { fs::remove_all(root_); }

    static RecordingHeader header(const std::string& id) {
        RecordingHeader h;
        h.session_id = id;
        h.ticket = "LL-000007";
        h.device_id = "d-1";
        h.technician = "tina";
        h.started_unix_ms = 1'700'000'000'000;
        return h;
    }

    std::string dir() const { return (root_ / "recordings").string(); }

    fs::path root_;
};

TEST_F(RecordingRecorderTest, RecordsBothDirectionsRedactedIntoAPrivateFile) {
    auto recorder = SessionRecorder::start(dir(), header("s-00aa"), RedactionPolicy{});
    ASSERT_TRUE(recorder) << recorder.error().message;
    EXPECT_EQ((*recorder)->file_name(), "s-00aa.llrec");
    const ClientStream stream = client_stream();
    const std::string server = server_handshake("RFB 003.008\n", 640, 480);
    (*recorder)->server_bytes(server.substr(0, 14));
    (*recorder)->client_bytes(std::string_view(stream.bytes).substr(0, 13));
    (*recorder)->server_bytes(server.substr(14));
    (*recorder)->client_bytes(std::string_view(stream.bytes).substr(13));
    const RecordingSummary summary = (*recorder)->finish();
    EXPECT_TRUE(summary.complete) << summary.problem;

    struct stat info {};
    ASSERT_EQ(::stat(dir().c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
    const std::string path = dir() + "/s-00aa.llrec";
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    EXPECT_EQ(summary.sha256, core::sha256_hex(bytes.str()));
    EXPECT_EQ(summary.bytes, bytes.str().size());

    auto reader = RecordingReader::open(path);
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_EQ(reader->header().session_id, "s-00aa");
    EXPECT_EQ(reader->header().ticket, "LL-000007");
    EXPECT_EQ(reader->header().flags, 0);
    std::string from_server, from_client;
    int screens = 0;
    for (;;) {
        auto next = reader->next();
        ASSERT_TRUE(next) << next.error().message;
        if (!*next) break;
        const auto& chunk = **next;
        if (chunk.chunk_kind() == ChunkKind::server) from_server += chunk.payload;
        if (chunk.chunk_kind() == ChunkKind::client) from_client += chunk.payload;
        if (chunk.chunk_kind() == ChunkKind::screen) {
            ++screens;
            EXPECT_EQ(chunk.payload, u16(640) + u16(480));
        }
    }
    EXPECT_TRUE(reader->complete());
    EXPECT_EQ(from_server, server);
    EXPECT_EQ(from_client, stream.redacted);
    EXPECT_EQ(from_client.find("hunter2"), std::string::npos);
    EXPECT_EQ(screens, 1);
}

TEST_F(RecordingRecorderTest, WithheldBytesAreRecordedAsTheirCount) {
    auto recorder = SessionRecorder::start(dir(), header("s-00bb"), RedactionPolicy{});
    ASSERT_TRUE(recorder);
    (*recorder)->client_bytes("RFB 003.008\n" + u8(1) + u8(1) + u8(77) + "password");
    (*recorder)->finish();
    auto reader = RecordingReader::open(dir() + "/s-00bb.llrec");
    ASSERT_TRUE(reader);
    auto first = reader->next();
    ASSERT_TRUE(first && *first);
    EXPECT_EQ((*first)->chunk_kind(), ChunkKind::client);
    auto second = reader->next();
    ASSERT_TRUE(second && *second);
    EXPECT_EQ((*second)->chunk_kind(), ChunkKind::client_withheld);
    EXPECT_EQ((*second)->payload, u32(9));
}

TEST_F(RecordingRecorderTest, NeverOverwritesARecording) {
    auto first = SessionRecorder::start(dir(), header("s-00cc"), RedactionPolicy{});
    ASSERT_TRUE(first);
    auto second = SessionRecorder::start(dir(), header("s-00cc"), RedactionPolicy{});
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, core::Errc::already_exists);
}

TEST_F(RecordingRecorderTest, DownloadsFindOnlyRecordings) {
    auto recorder = SessionRecorder::start(dir(), header("s-00dd"), RedactionPolicy{});
    ASSERT_TRUE(recorder);
    (*recorder)->server_bytes(std::string(1000, 'x'));
    const RecordingSummary summary = (*recorder)->finish();
    auto found = find_recording(dir(), "s-00dd.llrec");
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_EQ(*found, summary.path);
    for (const char* name : {"../recordings/s-00dd.llrec", "s-00dd", ".llrec", "S-00DD.llrec", "s-nope.llrec"}) {
        auto refused = find_recording(dir(), name);
        ASSERT_FALSE(refused) << name;
        EXPECT_EQ(refused.error().code, core::Errc::not_found) << name;
    }
}

// ---- retention ---------------------------------------------------------------------------------------------

class RecordingRetentionTest : public RecordingRecorderTest {
protected:
    // A recording file of `bytes` last written `age` ago.
    void file(const std::string& name, std::size_t bytes, std::chrono::hours age) {
        fs::create_directories(dir());
        const std::string path = dir() + "/" + name;
        std::ofstream(path) << std::string(bytes, 'r');
        const auto when = std::chrono::system_clock::now() - age;
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch()).count();
        timespec times[2] = {{seconds, 0}, {seconds, 0}};
        ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
    }
    bool exists(const std::string& name) const { return fs::exists(dir() + "/" + name); }
};

TEST_F(RecordingRetentionTest, DeletesRecordingsOlderThanTheLimitButNotOnesInUse) {
    file("s-01.llrec", 10, std::chrono::hours(24 * 40));
    file("s-02.llrec", 10, std::chrono::hours(24 * 20));
    file("s-03.llrec", 10, std::chrono::hours(24 * 50));  // old, but its session is still running
    file("notes.txt", 10, std::chrono::hours(24 * 400));
    const auto deleted = sweep_recordings(dir(), RetentionPolicy{30, 0}, std::chrono::system_clock::now(),
                                          [](const std::string& id) { return id == "s-03"; });
    ASSERT_EQ(deleted.size(), 1u);
    EXPECT_EQ(deleted[0].session_id, "s-01");
    EXPECT_EQ(deleted[0].file, "s-01.llrec");
    EXPECT_EQ(deleted[0].bytes, 10u);
    EXPECT_EQ(deleted[0].why, "older than 30 days");
    EXPECT_FALSE(exists("s-01.llrec"));
    EXPECT_TRUE(exists("s-02.llrec"));
    EXPECT_TRUE(exists("s-03.llrec"));
    EXPECT_TRUE(exists("notes.txt"));
}

TEST_F(RecordingRetentionTest, DeletesTheOldestBeyondTheSizeCap) {
    const std::uint64_t mb = 1 << 20;
    file("s-0a.llrec", mb, std::chrono::hours(5));
    file("s-0b.llrec", mb, std::chrono::hours(4));
    file("s-0c.llrec", mb, std::chrono::hours(3));
    file("s-0d.llrec", mb, std::chrono::hours(2));
    const auto deleted = sweep_recordings(dir(), RetentionPolicy{0, 2 * mb + 10}, std::chrono::system_clock::now(),
                                          [](const std::string& id) { return id == "s-0a"; });
    ASSERT_EQ(deleted.size(), 2u);
    EXPECT_EQ(deleted[0].file, "s-0b.llrec");
    EXPECT_EQ(deleted[1].file, "s-0c.llrec");
    EXPECT_EQ(deleted[0].why, "over the 2 MB cap");
    EXPECT_TRUE(exists("s-0a.llrec"));
    EXPECT_TRUE(exists("s-0d.llrec"));
    // Nothing to do: nothing changes.
    EXPECT_TRUE(sweep_recordings(dir(), RetentionPolicy{0, 0}, std::chrono::system_clock::now(), {}).empty());
    EXPECT_TRUE(sweep_recordings((root_ / "none").string(), RetentionPolicy{1, 1}, std::chrono::system_clock::now(), {})
                    .empty());
}

TEST_F(RecordingRetentionTest, TheSweeperSweepsAtStartAndReportsEachDeletion) {
    file("s-11.llrec", 33, std::chrono::hours(24 * 100));
    file("s-12.llrec", 10, std::chrono::hours(1));
    boost::asio::io_context io;
    boost::asio::thread_pool pool(1);
    RetentionSweeper sweeper(io.get_executor(), pool, dir(), RetentionPolicy{90, 0}, std::chrono::seconds(3600));
    std::mutex mutex;  // on_deleted runs on the pool
    std::vector<std::string> reported;
    sweeper.on_deleted = [&](const std::string& session_id, const std::string& name, std::uint64_t bytes) {
        std::lock_guard lock(mutex);
        reported.push_back(session_id + " " + name + " " + std::to_string(bytes));
    };
    const auto count = [&] {
        std::lock_guard lock(mutex);
        return reported.size();
    };
    sweeper.start();
    // One sweep, then the hourly wait, which stop() ends so the io_context runs dry.
    for (int i = 0; i < 500 && count() == 0; ++i)
        io.run_for(std::chrono::milliseconds(10));
    sweeper.stop();
    io.run_for(std::chrono::seconds(5));
    EXPECT_TRUE(io.stopped()) << "the sweeper's timer kept the io_context busy";
    pool.join();
    ASSERT_EQ(reported.size(), 1u);
    EXPECT_EQ(reported[0], "s-11 s-11.llrec 33");
    EXPECT_FALSE(exists("s-11.llrec"));
    EXPECT_TRUE(exists("s-12.llrec"));
}

}  // namespace
}  // namespace lifeline::relay::recording
