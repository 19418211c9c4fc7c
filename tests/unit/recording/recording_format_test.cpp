// The .llrec container: what the writer writes the reader reads back; a file cut at any byte reads up to its last
// whole chunk; damaged files are clear errors; random damage never crashes the reader (a seeded fuzz loop).
#include "shared/core/ids.hpp"
#include "shared/recording/reader.hpp"
#include "shared/recording/writer.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace lifeline::recording {
namespace {

namespace fs = std::filesystem;

RecordingHeader sample_header() {
    RecordingHeader header;
    header.session_id = "s-0123456789abcdef";
    header.ticket = "LL-000042";
    header.device_id = "d-42";
    header.technician = "tina";
    header.started_unix_ms = 1'790'000'000'123;
    header.width = 0;
    header.height = 0;
    header.flags = 0;
    return header;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

struct Written {
    std::uint32_t offset;
    ChunkKind kind;
    std::string payload;
};

std::vector<Written> sample_chunks() {
    std::string screen;
    put_u16(screen, 1024);
    put_u16(screen, 768);
    std::string withheld;
    put_u32(withheld, 4321);
    return {
        {0, ChunkKind::server, "RFB 003.008\n"},
        {1, ChunkKind::client, "RFB 003.008\n"},
        {2, ChunkKind::screen, screen},
        {5, ChunkKind::server, std::string(3000, 'x')},
        {5, ChunkKind::client, std::string("\x04\x01\x00\x00\x00\x00\x00\x00", 8)},
        {70, ChunkKind::server, ""},
        {900, ChunkKind::client_withheld, withheld},
        {1200, ChunkKind::server, std::string(70000, '\x7f')},
    };
}

class RecordingFormatTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("lifeline-recording-test-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // A finished recording of sample_chunks(), its bytes.
    std::string sample_recording(WriterOptions options = {}) {
        const std::string path = (dir_ / "sample.llrec").string();
        fs::remove(path);
        auto writer = RecordingWriter::create(path, sample_header(), options);
        EXPECT_TRUE(writer) << writer.error().message;
        for (const auto& chunk : sample_chunks())
            EXPECT_TRUE((*writer)->append(chunk.offset, chunk.kind, chunk.payload));
        const RecordingSummary summary = (*writer)->finish(1500);
        EXPECT_TRUE(summary.complete) << summary.problem;
        return read_file(path);
    }

    fs::path dir_;
};

// Reads everything; answers the chunks, or the first error's message as the only element's payload.
std::vector<Chunk> read_all(RecordingReader& reader, std::string* error = nullptr) {
    std::vector<Chunk> chunks;
    for (;;) {
        auto next = reader.next();
        if (!next) {
            if (error) *error = next.error().message;
            return chunks;
        }
        if (!*next) return chunks;
        chunks.push_back(std::move(**next));
    }
}

TEST_F(RecordingFormatTest, WhatTheWriterWritesTheReaderReadsBack) {
    for (std::size_t buffer : {std::size_t{0}, std::size_t{100}, std::size_t{256 * 1024}}) {
        const std::string bytes = sample_recording(WriterOptions{buffer});
        auto reader = RecordingReader::from_bytes(bytes);
        ASSERT_TRUE(reader) << reader.error().message;
        const RecordingHeader& header = reader->header();
        EXPECT_EQ(header.session_id, "s-0123456789abcdef");
        EXPECT_EQ(header.ticket, "LL-000042");
        EXPECT_EQ(header.device_id, "d-42");
        EXPECT_EQ(header.technician, "tina");
        EXPECT_EQ(header.started_unix_ms, 1'790'000'000'123);
        std::string error;
        const auto chunks = read_all(*reader, &error);
        EXPECT_EQ(error, "");
        const auto want = sample_chunks();
        ASSERT_EQ(chunks.size(), want.size()) << "buffer " << buffer;
        for (std::size_t i = 0; i < want.size(); ++i) {
            EXPECT_EQ(chunks[i].offset_ms, want[i].offset);
            EXPECT_EQ(chunks[i].chunk_kind(), want[i].kind);
            EXPECT_EQ(chunks[i].payload, want[i].payload);
        }
        EXPECT_TRUE(reader->complete());
        EXPECT_FALSE(reader->truncated());
        EXPECT_EQ(reader->describe_end(), "complete, 8 chunks");
    }
}

TEST_F(RecordingFormatTest, TheFileIsPrivateNewAndItsDigestIsOfItsBytes) {
    const std::string path = (dir_ / "s-1.llrec").string();
    auto writer = RecordingWriter::create(path, sample_header());
    ASSERT_TRUE(writer);
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    ASSERT_TRUE((*writer)->append(3, ChunkKind::server, "hello"));
    const RecordingSummary summary = (*writer)->finish(10);
    const std::string bytes = read_file(path);
    EXPECT_TRUE(summary.complete);
    EXPECT_EQ(summary.problem, "");
    EXPECT_EQ(summary.bytes, bytes.size());
    EXPECT_EQ(summary.sha256, core::sha256_hex(bytes));
    auto again = summarize_file(path);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->sha256, summary.sha256);
    EXPECT_EQ(again->bytes, summary.bytes);

    auto second = RecordingWriter::create(path, sample_header());
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, core::Errc::already_exists);
    EXPECT_EQ(read_file(path), bytes) << "an existing recording is never overwritten";
}

TEST_F(RecordingFormatTest, PayloadsOverTheChunkLimitBecomeSeveralChunks) {
    const std::string path = (dir_ / "big.llrec").string();
    auto writer = RecordingWriter::create(path, sample_header());
    ASSERT_TRUE(writer);
    const std::string big(kMaxChunkBytes + 10, 'b');
    ASSERT_TRUE((*writer)->append(1, ChunkKind::server, big));
    (*writer)->finish(2);
    auto reader = RecordingReader::open(path);
    ASSERT_TRUE(reader);
    const auto chunks = read_all(*reader);
    ASSERT_EQ(chunks.size(), 2u);
    EXPECT_EQ(chunks[0].payload.size(), kMaxChunkBytes);
    EXPECT_EQ(chunks[1].payload.size(), 10u);
    EXPECT_TRUE(reader->complete());
}

TEST_F(RecordingFormatTest, AWriterDroppedWithoutFinishLeavesAReadableTruncatedFile) {
    const std::string path = (dir_ / "crash.llrec").string();
    {
        auto writer = RecordingWriter::create(path, sample_header(), WriterOptions{0});
        ASSERT_TRUE(writer);
        ASSERT_TRUE((*writer)->append(0, ChunkKind::server, "one"));
        ASSERT_TRUE((*writer)->append(4, ChunkKind::server, "two"));
    }
    auto reader = RecordingReader::open(path);
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_EQ(read_all(*reader).size(), 2u);
    EXPECT_TRUE(reader->truncated());
    EXPECT_EQ(reader->describe_end(), "truncated after 2 chunks (it ends without an end chunk)");
}

TEST_F(RecordingFormatTest, AFileCutAtAnyByteReadsUpToItsLastWholeChunk) {
    const std::string bytes = sample_recording();
    // Where each chunk ends: the header, then 9 bytes of chunk header plus the payload each.
    std::vector<std::size_t> ends;
    auto reader = RecordingReader::from_bytes(bytes);
    ASSERT_TRUE(reader);
    std::size_t at = kMagic.size() + 1 + 4;
    at += static_cast<std::uint8_t>(bytes[at - 1]) | static_cast<std::uint8_t>(bytes[at - 2]) << 8;
    const std::size_t header_end = at;
    for (const auto& chunk : sample_chunks()) {
        at += kChunkHeaderBytes + chunk.payload.size();
        ends.push_back(at);
    }
    // Every byte near a boundary (the header's end, each chunk's end); inside the long payloads every 509th byte is
    // enough, and keeps this from reading 70 KB seventy thousand times.
    auto near_a_boundary = [&](std::size_t cut) {
        if (cut <= header_end + 64) return true;
        return std::any_of(ends.begin(), ends.end(),
                           [cut](std::size_t end) { return cut + 64 >= end && cut <= end + 64; });
    };
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
        if (!near_a_boundary(cut) && cut % 509 != 0) continue;
        auto cut_reader = RecordingReader::from_bytes(bytes.substr(0, cut));
        if (cut < header_end) {
            ASSERT_FALSE(cut_reader) << cut;
            EXPECT_NE(cut_reader.error().message.find(cut == 0 ? "not a Lifeline" : "cut off"), std::string::npos)
                << cut << ": " << cut_reader.error().message;
            continue;
        }
        ASSERT_TRUE(cut_reader) << cut;
        std::string error;
        const auto chunks = read_all(*cut_reader, &error);
        EXPECT_EQ(error, "") << cut;
        const auto whole = static_cast<std::size_t>(std::upper_bound(ends.begin(), ends.end(), cut) - ends.begin());
        EXPECT_EQ(chunks.size(), whole) << cut;
        EXPECT_TRUE(cut_reader->truncated()) << cut;
        EXPECT_NE(cut_reader->describe_end().find("truncated after " + std::to_string(whole) + " chunks"),
                  std::string::npos)
            << cut_reader->describe_end();
    }
}

// ---- damaged files -----------------------------------------------------------------------------------------

std::string expect_error(std::string bytes) {
    auto reader = RecordingReader::from_bytes(std::move(bytes));
    if (!reader) return reader.error().message;
    std::string error;
    read_all(*reader, &error);
    // After an error, every call answers it again.
    if (!error.empty()) {
        auto again = reader->next();
        EXPECT_FALSE(again);
        if (!again) {
            EXPECT_EQ(again.error().message, error);
        }
    }
    return error;
}

std::string header_bytes(const RecordingHeader& header = sample_header()) {
    const fs::path path = fs::temp_directory_path() / ("lifeline-header-" + std::to_string(::getpid()));
    fs::remove(path);
    auto writer = RecordingWriter::create(path.string(), header);
    EXPECT_TRUE(writer);
    writer->reset();
    const std::string bytes = read_file(path.string());
    fs::remove(path);
    return bytes;
}

std::string chunk(std::uint32_t offset, std::uint8_t kind, const std::string& payload,
                  std::uint32_t length = UINT32_MAX) {
    std::string out;
    put_u32(out, offset);
    out.push_back(static_cast<char>(kind));
    put_u32(out, length == UINT32_MAX ? static_cast<std::uint32_t>(payload.size()) : length);
    return out + payload;
}

TEST(RecordingReaderTest, NamesWhatIsWrongWithADamagedFile) {
    const std::string head = header_bytes();
    const auto has = [](const std::string& message, const std::string& part) {
        return message.find(part) != std::string::npos;
    };
    EXPECT_PRED2(has, expect_error("PNG\x89 not a recording at all"), "not a Lifeline session recording");
    EXPECT_PRED2(has, expect_error(""), "not a Lifeline session recording");
    std::string other_version = head;
    other_version[kMagic.size()] = 2;
    EXPECT_PRED2(has, expect_error(other_version), "format version 2; this build reads version 1");
    std::string huge_header = head;
    huge_header[kMagic.size() + 1] = 0x7f;
    EXPECT_PRED2(has, expect_error(huge_header), "header claims");
    RecordingHeader control = sample_header();
    control.technician = "ti\x01na";
    EXPECT_PRED2(has, expect_error(header_bytes(control)), "header is damaged");
    RecordingHeader not_utf8 = sample_header();
    not_utf8.ticket = "LL-\xff";
    EXPECT_PRED2(has, expect_error(header_bytes(not_utf8)), "header is damaged");
    std::string short_fields = head;
    short_fields[kMagic.size() + 4] = 3;  // the header claims 3 bytes: the first text field cannot fit
    EXPECT_PRED2(has, expect_error(short_fields.substr(0, kMagic.size() + 5 + 3)), "ends inside its field");

    EXPECT_PRED2(has, expect_error(head + chunk(0, 0, "", kMaxChunkBytes + 1)), "claims 16777217 bytes");
    EXPECT_PRED2(has, expect_error(head + chunk(10, 0, "a") + chunk(9, 0, "b")), "goes back in time");
    EXPECT_PRED2(has, expect_error(head + chunk(10, 0, "a") + chunk(11, 255, "") + "x"), "bytes follow the end");
    EXPECT_PRED2(has, expect_error(head + chunk(0, 255, "x")), "end chunk of 1 bytes");
    EXPECT_PRED2(has, expect_error(head + chunk(0, 3, "abc")), "screen chunk of 3 bytes");
    EXPECT_PRED2(has, expect_error(head + chunk(0, 3, std::string(4, '\0'))), "screen size of zero");
    EXPECT_PRED2(has, expect_error(head + chunk(0, 2, "12345")), "client-withheld chunk of 5 bytes");
    // The error says which chunk.
    EXPECT_PRED2(has, expect_error(head + chunk(0, 0, "a") + chunk(0, 0, "", kMaxChunkBytes + 1)), "chunk 2 (at byte");
}

TEST(RecordingReaderTest, SkipsChunkKindsFromALaterBuild) {
    auto reader = RecordingReader::from_bytes(header_bytes() + chunk(0, 0, "a") + chunk(1, 77, "future") +
                                              chunk(2, 1, "b") + chunk(3, 255, ""));
    ASSERT_TRUE(reader);
    const auto chunks = read_all(*reader);
    ASSERT_EQ(chunks.size(), 2u);
    EXPECT_EQ(chunks[0].payload, "a");
    EXPECT_EQ(chunks[1].payload, "b");
    EXPECT_TRUE(reader->complete());
}

TEST(RecordingReaderTest, OpeningAMissingFileIsNotFound) {
    auto reader = RecordingReader::open("/nonexistent/lifeline/none.llrec");
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code, core::Errc::not_found);
}

// Random damage to a valid recording: the reader answers chunks, an end, or an error, and never crashes, hangs or
// allocates beyond the file. Run under ASan/UBSan in CI. Seeded, so a failure is reproducible.
TEST(RecordingReaderFuzzTest, RandomDamageNeverCrashesTheReader) {
    std::string valid = header_bytes();
    for (const auto& c : sample_chunks()) {
        valid += chunk(c.offset, static_cast<std::uint8_t>(c.kind), c.payload.substr(0, 300));
    }
    valid += chunk(2000, 255, "");
    std::mt19937 random(20261123);
    const auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random); };
    int errors = 0, ends = 0, header_errors = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string bytes = valid;
        const int mutations = 1 + static_cast<int>(pick(4));
        for (int m = 0; m < mutations && !bytes.empty(); ++m) {
            switch (pick(6)) {
                case 0: bytes[pick(bytes.size())] = static_cast<char>(pick(256)); break;
                case 1: bytes[pick(bytes.size())] ^= static_cast<char>(1 << pick(8)); break;
                case 2: bytes.resize(pick(bytes.size() + 1)); break;
                case 3:
                    bytes.insert(pick(bytes.size() + 1), std::string(1 + pick(16), static_cast<char>(pick(256))));
                    break;
                case 4: bytes.erase(pick(bytes.size()), 1 + pick(16)); break;
                case 5: {  // a length-like field set to something large
                    const std::size_t at = pick(bytes.size());
                    std::string big;
                    put_u32(big, static_cast<std::uint32_t>(random()));
                    bytes.replace(at, std::min<std::size_t>(4, bytes.size() - at), big);
                    break;
                }
            }
        }
        auto reader = RecordingReader::from_bytes(bytes);
        if (!reader) {
            ++header_errors;
            EXPECT_FALSE(reader.error().message.empty());
            continue;
        }
        std::uint64_t payload = 0, count = 0;
        for (;;) {
            auto next = reader->next();
            if (!next) {
                ++errors;
                EXPECT_NE(next.error().message.find("damaged"), std::string::npos) << next.error().message;
                break;
            }
            if (!*next) {
                ++ends;
                break;
            }
            payload += (*next)->payload.size();
            ASSERT_LE(++count, bytes.size()) << "more chunks than bytes: iteration " << i;
        }
        ASSERT_LE(payload, bytes.size()) << "iteration " << i;
    }
    // The loop exercised every outcome.
    EXPECT_GT(errors, 100);
    EXPECT_GT(ends, 100);
    EXPECT_GT(header_errors, 100);
}

TEST(RecordingOffsetTest, ParsesTimesIntoTheRecording) {
    EXPECT_EQ(parse_offset("12.5s"), 12500u);
    EXPECT_EQ(parse_offset("12.5"), 12500u);
    EXPECT_EQ(parse_offset("0"), 0u);
    EXPECT_EQ(parse_offset("1m30s"), 90000u);
    EXPECT_EQ(parse_offset("2m"), 120000u);
    EXPECT_EQ(parse_offset("1h2m3.5s"), 3723500u);
    EXPECT_EQ(parse_offset("250ms"), 250u);
    EXPECT_EQ(parse_offset("1s250ms"), 1250u);
    for (const char* bad : {"", "-1", "-1s", "12x", "s", "1s1m", "1m1m", "nan", "inf", "1m30", "99999999h"}) {
        EXPECT_FALSE(parse_offset(bad)) << bad;
    }
}

}  // namespace
}  // namespace lifeline::recording
