// RecordingWriter: the container's encoder over a file descriptor, hashing what reaches the disk as it goes.
#include "shared/recording/writer.hpp"

#include "shared/core/ids.hpp"

#include <openssl/evp.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

namespace lifeline::recording {

namespace {

struct DigestDeleter {
    void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
using DigestPtr = std::unique_ptr<EVP_MD_CTX, DigestDeleter>;

DigestPtr new_sha256() {
    DigestPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) throw std::runtime_error("SHA-256 failed");
    return ctx;
}

std::string final_hex(EVP_MD_CTX* ctx) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx, digest.data(), &length) != 1) throw std::runtime_error("SHA-256 failed");
    return core::to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

std::string errno_text(const std::string& what) { return what + ": " + std::system_category().message(errno); }

core::Error unavailable(std::string message) { return core::make_error(core::Errc::unavailable, std::move(message)); }

void put_text(std::string& out, const std::string& text) {
    put_u16(out, static_cast<std::uint16_t>(text.size()));
    out += text;
}

std::string encode_header(const RecordingHeader& header) {
    std::string body;
    put_text(body, header.session_id);
    put_text(body, header.ticket);
    put_text(body, header.device_id);
    put_text(body, header.technician);
    put_u64(body, static_cast<std::uint64_t>(header.started_unix_ms));
    put_u16(body, header.width);
    put_u16(body, header.height);
    body.push_back(static_cast<char>(header.flags));
    std::string out(kMagic);
    out.push_back(static_cast<char>(kVersion));
    put_u32(out, static_cast<std::uint32_t>(body.size()));
    return out + body;
}

// fsync of the directory holding `path`, so the file's name is as durable as its contents.
bool sync_directory(const std::string& path) {
    std::string dir = std::filesystem::path(path).parent_path().string();
    if (dir.empty()) dir = ".";
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

void put_u16(std::string& out, std::uint16_t value) {
    out.push_back(static_cast<char>(value >> 8));
    out.push_back(static_cast<char>(value & 0xFF));
}

void put_u32(std::string& out, std::uint32_t value) {
    put_u16(out, static_cast<std::uint16_t>(value >> 16));
    put_u16(out, static_cast<std::uint16_t>(value & 0xFFFF));
}

void put_u64(std::string& out, std::uint64_t value) {
    put_u32(out, static_cast<std::uint32_t>(value >> 32));
    put_u32(out, static_cast<std::uint32_t>(value & 0xFFFFFFFFu));
}

struct RecordingWriter::Impl {
    std::string path;
    WriterOptions options;
    int fd = -1;
    DigestPtr digest = new_sha256();
    std::string buffer;
    std::uint64_t written = 0;
    std::uint32_t last_offset = 0;
    std::string failure;  // the first write error; nothing is written after it
    bool finished = false;

    ~Impl() {
        if (fd < 0) return;
        (void)write_buffer();
        ::close(fd);
    }

    // Writes `a` then `b` completely, hashing exactly what reached the file.
    bool write_all(std::string_view a, std::string_view b) {
        if (!failure.empty()) return false;
        while (!a.empty() || !b.empty()) {
            iovec parts[2] = {{const_cast<char*>(a.data()), a.size()}, {const_cast<char*>(b.data()), b.size()}};
            const int count = a.empty() ? 1 : 2;
            iovec* first = a.empty() ? &parts[1] : &parts[0];
            const ssize_t n = ::writev(fd, first, count);
            if (n < 0) {
                if (errno == EINTR) continue;
                failure = errno_text("writing " + path);
                return false;
            }
            auto done = static_cast<std::size_t>(n);
            const std::size_t from_a = std::min(done, a.size());
            EVP_DigestUpdate(digest.get(), a.data(), from_a);
            a.remove_prefix(from_a);
            done -= from_a;
            EVP_DigestUpdate(digest.get(), b.data(), done);
            b.remove_prefix(done);
            written += static_cast<std::uint64_t>(n);
        }
        return true;
    }

    bool write_buffer() {
        if (buffer.empty()) return failure.empty();
        const bool ok = write_all(buffer, {});
        buffer.clear();
        return ok;
    }

    core::Result<void> error() const { return unavailable(failure); }

    core::Result<void> append_one(std::uint32_t offset_ms, ChunkKind kind, std::string_view payload) {
        std::string head;
        head.reserve(kChunkHeaderBytes);
        put_u32(head, offset_ms);
        head.push_back(static_cast<char>(kind));
        put_u32(head, static_cast<std::uint32_t>(payload.size()));
        const std::size_t size = head.size() + payload.size();
        if (buffer.size() + size > options.buffer_bytes && !write_buffer()) return error();
        if (size > options.buffer_bytes) {
            if (!write_all(head, payload)) return error();
            return {};
        }
        buffer += head;
        buffer.append(payload.data(), payload.size());
        return {};
    }
};

RecordingWriter::RecordingWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RecordingWriter::~RecordingWriter() = default;

core::Result<std::unique_ptr<RecordingWriter>> RecordingWriter::create(const std::string& path,
                                                                       const RecordingHeader& header,
                                                                       WriterOptions options) {
    for (const std::string* text : {&header.session_id, &header.ticket, &header.device_id, &header.technician}) {
        if (text->size() > kMaxHeaderText) {
            return core::make_error(core::Errc::invalid_argument,
                                    "recording header text over " + std::to_string(kMaxHeaderText) + " bytes");
        }
    }
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->options = options;
    impl->buffer.reserve(options.buffer_bytes);
    impl->fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (impl->fd < 0) {
        if (errno == EEXIST) return core::make_error(core::Errc::already_exists, path + " already exists");
        return unavailable(errno_text("creating " + path));
    }
    ::fchmod(impl->fd, 0600);  // whatever the umask allowed, never more
    // The header goes out at once: without it the file cannot be read at all.
    if (!impl->write_all(encode_header(header), {})) return unavailable(impl->failure);
    return std::unique_ptr<RecordingWriter>(new RecordingWriter(std::move(impl)));
}

core::Result<void> RecordingWriter::append(std::uint32_t offset_ms, ChunkKind kind, std::string_view payload) {
    Impl& self = *impl_;
    if (self.finished) return unavailable("the recording is finished");
    if (!self.failure.empty()) return self.error();
    offset_ms = std::max(offset_ms, self.last_offset);
    self.last_offset = offset_ms;
    do {
        const std::string_view part = payload.substr(0, kMaxChunkBytes);
        payload.remove_prefix(part.size());
        if (auto ok = self.append_one(offset_ms, kind, part); !ok) return ok;
    } while (!payload.empty());
    if (self.options.buffer_bytes == 0 && !self.write_buffer()) return self.error();
    return {};
}

core::Result<void> RecordingWriter::flush() {
    if (!impl_->write_buffer()) return impl_->error();
    return {};
}

RecordingSummary RecordingWriter::finish(std::uint32_t offset_ms) {
    Impl& self = *impl_;
    RecordingSummary summary;
    summary.path = self.path;
    if (self.finished || self.fd < 0) {
        summary.problem = "finished twice";
        return summary;
    }
    self.finished = true;
    if (self.failure.empty()) {
        (void)self.append_one(std::max(offset_ms, self.last_offset), ChunkKind::end, {});
        (void)self.write_buffer();
    }
    const bool complete = self.failure.empty();
    if (::fsync(self.fd) != 0 && self.failure.empty()) self.failure = errno_text("fsync of " + self.path);
    ::close(self.fd);
    self.fd = -1;
    if (!sync_directory(self.path) && self.failure.empty()) self.failure = errno_text("fsync of its directory");
    summary.bytes = self.written;
    summary.sha256 = final_hex(self.digest.get());
    summary.complete = complete;
    summary.problem = self.failure;
    return summary;
}

const std::string& RecordingWriter::path() const { return impl_->path; }
std::uint64_t RecordingWriter::bytes_written() const { return impl_->written; }
bool RecordingWriter::failed() const { return !impl_->failure.empty(); }

core::Result<RecordingSummary> summarize_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return core::make_error(core::Errc::not_found, "no recording " + path);
        return unavailable(errno_text("opening " + path));
    }
    RecordingSummary summary;
    summary.path = path;
    DigestPtr digest = new_sha256();
    std::string block(64 * 1024, '\0');
    for (;;) {
        const ssize_t n = ::read(fd, block.data(), block.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            auto error = unavailable(errno_text("reading " + path));
            ::close(fd);
            return error;
        }
        if (n == 0) break;
        EVP_DigestUpdate(digest.get(), block.data(), static_cast<std::size_t>(n));
        summary.bytes += static_cast<std::uint64_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
    sync_directory(path);
    summary.sha256 = final_hex(digest.get());
    return summary;
}

}  // namespace lifeline::recording
