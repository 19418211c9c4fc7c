// The outbox's delivery loop.
#include "relay/notify/mail_sender.hpp"

#include "shared/core/log.hpp"

#include <algorithm>

namespace lifeline::relay::notify {

MailSender::MailSender(store::MailStore& outbox, const core::Clock& clock, MailSenderOptions options)
    : outbox_(outbox), clock_(clock), options_(std::move(options)), client_(options_.smtp) {}

MailSender::~MailSender() {
    stop();
    if (thread_.joinable()) thread_.join();
}

void MailSender::start() {
    thread_ = std::thread([this] { run(); });
}

void MailSender::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    wakeup_.notify_one();
}

void MailSender::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    wakeup_.notify_one();
    client_.cancel();
}

bool MailSender::deliver_due() {
    auto due = outbox_.due_mail(clock_.now(), options_.batch);
    for (std::size_t i = 0; i < due.size(); ++i) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) break;
        }
        const auto& row = due[i];
        MailMessage message{options_.from, options_.from_name, row.mail.recipient, row.mail.subject, row.mail.body, {},
                            clock_.now()};
        auto delivery = client_.send(message);
        if (delivery.status == DeliveryStatus::sent) {
            outbox_.mark_sent(row.id, clock_.now());
            spdlog::info("mail: sent {} #{} for {}", row.mail.kind, row.id, row.mail.ticket);
            continue;
        }
        // When the server cannot be reached (or refuses the session), every mail of the batch counts the
        // failed attempt: they all wait out the same backoff instead of each trying the dead server again.
        const std::size_t failed_end = delivery.session_failed ? due.size() : i + 1;
        for (std::size_t k = i; k < failed_end; ++k)
            record_failure(due[k], delivery);
        if (delivery.session_failed) break;
    }
    client_.quit();
    std::lock_guard lock(mutex_);
    return !stopping_;
}

void MailSender::record_failure(const store::OutboxMail& row, const Delivery& delivery) {
    const bool permanent = delivery.status == DeliveryStatus::rejected;
    auto next = outbox_.mark_failed(row.id, delivery.detail, permanent, options_.retry, clock_.now());
    if (next) {
        spdlog::warn("mail: {} #{} for {} not sent (attempt {}): {}; next try in {} s", row.mail.kind, row.id,
                     row.mail.ticket, row.attempts + 1, delivery.detail,
                     std::chrono::duration_cast<std::chrono::seconds>(*next - clock_.now()).count());
    } else {
        spdlog::error("mail: {} #{} for {} given up after {} attempt(s): {}", row.mail.kind, row.id, row.mail.ticket,
                      row.attempts + 1, delivery.detail);
    }
}

void MailSender::run() {
    spdlog::info("mail: delivering through {}:{}", options_.smtp.host, options_.smtp.port);
    for (;;) {
        try {
            if (!deliver_due()) return;
        } catch (const std::exception& e) {
            // The store failed (disk, database): the outbox is still there, so wait and try again.
            spdlog::error("mail: outbox: {}", e.what());
        }
        std::optional<core::SystemTime> next;
        try {
            next = outbox_.next_due();
        } catch (const std::exception& e) {
            spdlog::error("mail: outbox: {}", e.what());
        }
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(options_.idle_check);
        if (next) {
            auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*next - clock_.now());
            wait = std::clamp(until, std::chrono::milliseconds(0), wait);
        }
        std::unique_lock lock(mutex_);
        wakeup_.wait_for(lock, wait, [&] { return woken_ || stopping_; });
        if (stopping_) return;
        woken_ = false;
    }
}

}  // namespace lifeline::relay::notify
