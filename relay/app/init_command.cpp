// `lifeline-relay init`: a new data dir with a private CA, a server certificate, the database and
// the first admin. Built in a temporary sibling and renamed into place, so a failure leaves nothing.
#include "relay/app/commands.hpp"
#include "relay/app/config.hpp"
#include "relay/app/helpdesk_config.hpp"
#include "relay/auth/password.hpp"
#include "relay/notify/mail_templates.hpp"
#include "relay/store/sqlite/database.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"
#include "shared/core/ids.hpp"
#include "shared/net/pki.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

namespace lifeline::relay::app {

namespace fs = std::filesystem;

std::string database_path(const std::string& data_dir) { return (fs::path(data_dir) / "lifeline.db").string(); }

namespace {

// Writes and fsyncs a file created with `mode`, so keys are never readable by others, not even briefly.
void write_file(const fs::path& path, const std::string& content, mode_t mode) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) throw std::runtime_error("cannot create " + path.string() + ": " + std::strerror(errno));
    std::size_t done = 0;
    while (done < content.size()) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            ::close(fd);
            throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) throw std::runtime_error("cannot sync " + path.string());
}

void fsync_dir(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

}  // namespace

int run_init(const InitOptions& options) {
    fs::path dir = fs::absolute(options.data_dir).lexically_normal();
    std::error_code ec;
    if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec))) {
        std::cerr << "lifeline-relay init: " << dir.string()
                  << " already exists and is not empty; nothing was changed.\n"
                     "To start over, move it away first. To serve it: lifeline-relay serve --data "
                  << dir.string() << "\n";
        return 1;
    }
    fs::path staging = dir.parent_path() / ("." + dir.filename().string() + ".init-" + std::to_string(::getpid()));
    try {
        fs::create_directories(dir.parent_path());
        fs::create_directory(staging);
        fs::permissions(staging, fs::perms::owner_all, fs::perm_options::replace);

        std::vector<std::string> names = {"localhost", "127.0.0.1", "::1"};
        for (const auto& h : options.hostnames) {
            if (std::find(names.begin(), names.end(), h) == names.end()) names.push_back(h);
        }
        auto ca = net::create_ca("Lifeline relay CA");
        auto server = net::create_server_certificate(ca, names.size() > 3 ? names[3] : "localhost", names);
        write_file(staging / "ca.pem", ca.certificate_pem, 0644);
        write_file(staging / "ca.key", ca.private_key_pem, 0600);
        // The chain lets a client that pins the CA's fingerprint find the CA in the handshake.
        write_file(staging / "server.pem", server.certificate_pem + ca.certificate_pem, 0644);
        write_file(staging / "server.key", server.private_key_pem, 0600);
        write_file(staging / "relay.toml", default_config_text(), 0644);
        write_file(staging / "helpdesk.toml", default_helpdesk_text(), 0644);
        // The built-in mail texts, for admins to edit (relay.toml's [mail] templates_dir).
        notify::write_default_templates((staging / "templates" / "mail").string());

        std::string password = core::random_password();
        {
            store::sqlite::Database db(database_path(staging.string()), true);
            store::sqlite::SqliteUserStore users(db);
            store::NewUser admin{"admin", "Administrator", v1::ADMIN, 0, auth::hash_password(password)};
            users.create_user(admin, std::chrono::system_clock::now(), store::Actor::system()).value();
        }
        fsync_dir(staging);
        // rename(2) replaces an empty directory atomically.
        fs::rename(staging, dir);
        fsync_dir(dir.parent_path());

        std::cout << "Initialised relay data dir " << dir.string() << "\n"
                  << "  CA certificate:  " << (dir / "ca.pem").string() << "\n"
                  << "  CA fingerprint:  " << net::certificate_fingerprint(ca.certificate_pem) << "\n"
                  << "  server names:    ";
        for (std::size_t i = 0; i < names.size(); ++i)
            std::cout << (i ? ", " : "") << names[i];
        std::cout << "\n  admin user:      admin\n"
                  << "  admin password:  " << password << "\n"
                  << "The password is shown only this once. Start the relay with:\n"
                  << "  lifeline-relay serve --data " << dir.string() << "\n";
        return 0;
    } catch (const std::exception& e) {
        fs::remove_all(staging, ec);
        std::cerr << "lifeline-relay init: " << e.what() << "; nothing was created.\n";
        return 1;
    }
}

}  // namespace lifeline::relay::app
