// write-temp, fsync, rename, fsync-dir: the classic recipe for crash-safe replacement.
#include "agent/core/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace lifeline::agent {

namespace fs = std::filesystem;

namespace {

core::Error io_error(const std::string& what, const std::string& path) {
    return core::make_error(core::Errc::unavailable, what + " " + path + ": " + std::strerror(errno));
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

core::Result<void> make_private_directories(const std::string& path) {
    if (path.empty()) return {};
    fs::path dir(path);
    std::error_code ec;
    if (fs::is_directory(dir, ec)) return {};
    if (dir.has_parent_path() && dir.parent_path() != dir) {
        if (auto ok = make_private_directories(dir.parent_path().string()); !ok) return ok;
    }
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return io_error("cannot create directory", path);
    return {};
}

core::Result<void> write_file_atomically(const std::string& path, const std::string& data, mode_t mode) {
    fs::path target(path);
    std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
    if (auto ok = make_private_directories(dir); !ok) return ok;
    std::string temp = path + ".tmp-XXXXXX";
    // mkstemp creates the file 0600, so a secret is never readable by others, not even for a moment.
    FileDescriptor fd(::mkstemp(temp.data()));
    if (fd.get() < 0) return io_error("cannot create", temp);
    bool ok = ::fchmod(fd.get(), mode) == 0 && write_all(fd.get(), data.data(), data.size()) && ::fsync(fd.get()) == 0;
    if (!ok || ::close(fd.release()) != 0) {
        auto error = io_error("cannot write", temp);
        ::unlink(temp.c_str());
        return error;
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        auto error = io_error("cannot replace", path);
        ::unlink(temp.c_str());
        return error;
    }
    FileDescriptor dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir_fd.get() < 0 || ::fsync(dir_fd.get()) != 0) return io_error("cannot sync directory", dir);
    return {};
}

core::Result<std::string> read_small_file(const std::string& path, std::size_t max_bytes) {
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return core::make_error(core::Errc::not_found, path + " does not exist");
        return io_error("cannot open", path);
    }
    std::string data;
    char buffer[16384];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return io_error("cannot read", path);
        if (n == 0) break;
        data.append(buffer, static_cast<std::size_t>(n));
        if (data.size() > max_bytes) {
            return core::make_error(core::Errc::payload_too_large,
                                    path + " is larger than " + std::to_string(max_bytes) + " bytes");
        }
    }
    return data;
}

}  // namespace lifeline::agent
