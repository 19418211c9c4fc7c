// The serve command's mail notifications, wired from the [mail] settings: the outbox, the templates,
// the Notifier, the ticket store decorator that calls it, and the sender thread. With mail off, only
// the pass-through: tickets() is the store it was given and notifier() is null.
#pragma once

#include "relay/app/config.hpp"
#include "relay/store/store.hpp"

#include <memory>
#include <string>

namespace lifeline::relay::store::sqlite {
class Database;
}
namespace lifeline::relay::notify {
class Notifier;
}

namespace lifeline::relay::app {

class MailService {
public:
    // Reads the password file and checks the CA file; throws std::runtime_error naming what is unusable.
    MailService(const RelayConfig& config, const std::string& data_dir, store::sqlite::Database& db,
                store::UserStore& users, store::TicketStore& tickets);
    ~MailService();  // stops and joins the sender
    MailService(const MailService&) = delete;
    MailService& operator=(const MailService&) = delete;

    // The ticket store to build on: it mails requesters after committed changes when mail is on.
    store::TicketStore& tickets();
    notify::Notifier* notifier();
    void start();  // the sender thread, when mail is on
    void stop();   // any thread, returns at once

private:
    struct Parts;
    store::TicketStore& inner_;
    std::unique_ptr<Parts> parts_;  // null when mail is off
};

// `public_url`, or https://HOSTNAME:PORT of the listen address when it is empty.
std::string relay_url(const RelayConfig& config);

}  // namespace lifeline::relay::app
