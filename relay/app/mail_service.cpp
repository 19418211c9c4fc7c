// Builds the mail notification parts from the configuration.
#include "relay/app/mail_service.hpp"

#include "relay/notify/mail_sender.hpp"
#include "relay/notify/mail_templates.hpp"
#include "relay/notify/notifier.hpp"
#include "relay/notify/notifying_ticket_store.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"
#include "shared/core/log.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace lifeline::relay::app {

namespace fs = std::filesystem;

namespace {

std::string in_data(const std::string& data_dir, const std::string& path) {
    if (path.empty()) return path;
    fs::path p(path);
    return p.is_absolute() ? p.string() : (fs::path(data_dir) / p).string();
}

// The password alone in a file, so it is in neither the config file nor the process list. One trailing
// line end (what editors add) is not part of it.
std::string read_password(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("mail.password_file: cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    std::string password = text.str();
    if (!password.empty() && password.back() == '\n') password.pop_back();
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (password.empty()) throw std::runtime_error("mail.password_file: " + path + " is empty");
    return password;
}

notify::SmtpSettings smtp_settings(const RelayConfig& config, const std::string& data_dir) {
    notify::SmtpSettings smtp;
    smtp.host = config.mail_smtp_host;
    smtp.security = config.mail_security == "none"  ? notify::SmtpSecurity::none
                    : config.mail_security == "tls" ? notify::SmtpSecurity::tls
                                                    : notify::SmtpSecurity::starttls;
    const int default_port = smtp.security == notify::SmtpSecurity::none  ? 25
                             : smtp.security == notify::SmtpSecurity::tls ? 465
                                                                          : 587;
    smtp.port = static_cast<std::uint16_t>(config.mail_smtp_port != 0 ? config.mail_smtp_port : default_port);
    smtp.ca_file = in_data(data_dir, config.mail_ca_file);
    smtp.username = config.mail_username;
    if (!config.mail_username.empty()) smtp.password = read_password(in_data(data_dir, config.mail_password_file));
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') smtp.helo_name = host;
    smtp.timeout = std::chrono::seconds(config.mail_timeout_seconds);
    return smtp;
}

}  // namespace

std::string relay_url(const RelayConfig& config) {
    if (!config.public_url.empty()) return config.public_url;
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "localhost");
    auto listen = parse_listen(config.listen);
    return "https://" + std::string(host) + ":" + std::to_string(listen ? listen->port : 8443);
}

struct MailService::Parts {
    Parts(const RelayConfig& config, const std::string& data_dir, store::sqlite::Database& db, store::UserStore& users,
          store::TicketStore& tickets)
        : outbox(db),
          templates(in_data(data_dir, config.mail_templates_dir)),
          notifier(outbox, users, templates, clock, {config.mail_language, relay_url(config)}),
          notifying(tickets, notifier),
          sender(outbox, clock,
                 {smtp_settings(config, data_dir),
                  config.mail_from,
                  config.mail_from_name,
                  {std::chrono::seconds(config.mail_retry_after_seconds), 8}}) {
        notifier.set_on_enqueued([this] { sender.wake(); });
    }

    core::SystemClock clock;
    store::sqlite::SqliteMailStore outbox;
    notify::MailTemplates templates;
    notify::Notifier notifier;
    notify::NotifyingTicketStore notifying;
    notify::MailSender sender;
};

MailService::MailService(const RelayConfig& config, const std::string& data_dir, store::sqlite::Database& db,
                         store::UserStore& users, store::TicketStore& tickets)
    : inner_(tickets) {
    if (config.mail_enabled) parts_ = std::make_unique<Parts>(config, data_dir, db, users, tickets);
}

MailService::~MailService() = default;

store::TicketStore& MailService::tickets() {
    return parts_ ? static_cast<store::TicketStore&>(parts_->notifying) : inner_;
}

notify::Notifier* MailService::notifier() { return parts_ ? &parts_->notifier : nullptr; }

void MailService::start() {
    if (parts_) parts_->sender.start();
}

void MailService::stop() {
    if (parts_) parts_->sender.stop();
}

}  // namespace lifeline::relay::app
