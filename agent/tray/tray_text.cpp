// The tray's words and checks; translated in the "TrayText" context.
#include "agent/tray/tray_text.hpp"

#include "shared/core/text.hpp"

#include <QCoreApplication>
#include <QDateTime>

#include <map>

namespace lifeline::agent::tray {

namespace {

struct TrayText {
    Q_DECLARE_TR_FUNCTIONS(TrayText)
};

QString q(const std::string& text) { return QString::fromStdString(text); }

QString technician_of(const v1::SessionRequest& request) {
    return request.technician_name().empty() ? TrayText::tr("A technician") : q(request.technician_name());
}

}  // namespace

TrayState tray_state(const v1::AgentStatus* status) {
    if (status == nullptr) return TrayState::not_running;
    if (status->has_session()) return TrayState::sharing;
    return status->connected() ? TrayState::connected : TrayState::offline;
}

QString tray_tooltip(const v1::AgentStatus* status) {
    switch (tray_state(status)) {
        case TrayState::not_running:
            return TrayText::tr("Lifeline is not running on this computer. Please call your helpdesk.");
        case TrayState::offline:
            return TrayText::tr("Lifeline: offline. Requests for help are kept and sent when the connection is back.");
        case TrayState::connected: return TrayText::tr("Lifeline: connected to your helpdesk");
        case TrayState::sharing:
            return TrayText::tr("Lifeline: %1")
                .arg(banner_text(q(status->session().technician_name()), status->session().mode()));
    }
    return {};
}

QString ticket_status_text(v1::Ticket::Status status) {
    switch (status) {
        case v1::Ticket::NEW: return TrayText::tr("Received");
        case v1::Ticket::OPEN: return TrayText::tr("Being worked on");
        case v1::Ticket::PENDING: return TrayText::tr("Waiting for you");
        case v1::Ticket::RESOLVED: return TrayText::tr("Solved");
        case v1::Ticket::CLOSED: return TrayText::tr("Closed");
        default: return TrayText::tr("Unknown");
    }
}

std::vector<Notification> notifications_between(const v1::AgentStatus* before, const v1::AgentStatus& after) {
    std::vector<Notification> out;
    if (before == nullptr) return out;
    if (after.has_pending_request() && (!before->has_pending_request() || before->pending_request().session_id() !=
                                                                              after.pending_request().session_id())) {
        out.push_back(
            {TrayText::tr("Screen sharing request"), notification_safe(consent_question(after.pending_request()))});
    }
    // The ticket list is empty while the relay is unreachable: that is no change of status.
    if (before->tickets_size() == 0 || after.tickets_size() == 0) return out;
    std::map<std::string, v1::Ticket::Status> was;
    for (const auto& ticket : before->tickets())
        was[ticket.number()] = ticket.status();
    for (const auto& ticket : after.tickets()) {
        auto it = was.find(ticket.number());
        if (it == was.end() || it->second == ticket.status()) continue;
        out.push_back(
            {TrayText::tr("Ticket %1").arg(q(ticket.number())),
             notification_safe(
                 TrayText::tr("“%1” is now: %2").arg(q(ticket.subject()), ticket_status_text(ticket.status())))});
    }
    return out;
}

Notification chat_notification(const v1::ChatMessage& message) {
    QString text = q(message.text()).simplified();
    if (text.size() > 160) text = text.left(159) + QChar(0x2026);
    return {TrayText::tr("Message from %1").arg(notification_safe(q(message.author()))), notification_safe(text)};
}

QString notification_safe(QString text) {
    // Look-alikes rather than entities: a server without markup would show "&lt;" literally.
    text.replace('&', QChar(0xFF06));
    text.replace('<', QChar(0x2039));
    text.replace('>', QChar(0x203A));
    return text;
}

QString consent_question(const v1::SessionRequest& request) {
    const QString who = technician_of(request);
    if (request.upgrade()) {
        return TrayText::tr("%1 from the helpdesk would like to control your screen. They can already see it.")
            .arg(who);
    }
    if (request.mode() == v1::CONTROL) {
        return TrayText::tr("%1 from the helpdesk would like to see and control your screen.").arg(who);
    }
    return TrayText::tr("%1 from the helpdesk would like to see your screen.").arg(who);
}

QString consent_ticket(const v1::SessionRequest& request) {
    if (request.ticket_subject().empty()) return TrayText::tr("About your ticket %1").arg(q(request.ticket_number()));
    return TrayText::tr("About your ticket %1: %2").arg(q(request.ticket_number()), q(request.ticket_subject()));
}

QString countdown_text(int seconds) {
    // A clock rather than "N seconds": no plural forms to get wrong in any language.
    const int left = std::max(seconds, 0);
    const QString clock = QString("%1:%2").arg(left / 60).arg(left % 60, 2, 10, QChar('0'));
    return TrayText::tr("Time left to answer: %1. If you do not answer, the answer is no.").arg(clock);
}

QString banner_text(const QString& technician_name, v1::SessionMode mode) {
    const QString who = technician_name.isEmpty() ? TrayText::tr("A technician") : technician_name;
    return mode == v1::CONTROL ? TrayText::tr("%1 can see and control your screen").arg(who)
                               : TrayText::tr("%1 can see your screen").arg(who);
}

QString chat_line(const v1::ChatMessage& message) {
    const QString when = QDateTime::fromMSecsSinceEpoch(message.sent_at().seconds() * 1000).toString("HH:mm");
    const QString who = message.from_user() ? TrayText::tr("You") : q(message.author());
    return TrayText::tr("%1  %2: %3").arg(when, who, q(message.text()));
}

QString clean_text(const QString& text, bool multiline) {
    QString out;
    out.reserve(text.size());
    for (QChar c : text) {
        if (c == '\r') continue;
        const bool control = c.unicode() < 0x20 || c.unicode() == 0x7F;
        out += control && !(multiline && (c == '\n' || c == '\t')) ? QChar(' ') : c;
    }
    return out;
}

QString fit_utf8(const QString& text, int max_bytes) {
    if (text.toUtf8().size() <= max_bytes) return text;
    QString out;
    int bytes = 0;
    for (int i = 0; i < text.size(); ++i) {
        const int width = text.at(i).isHighSurrogate() && i + 1 < text.size() ? 2 : 1;
        const int size = text.mid(i, width).toUtf8().size();
        if (bytes + size > max_bytes) break;
        out += text.mid(i, width);
        bytes += size;
        i += width - 1;
    }
    return out;
}

QString help_problem(const QString& subject, const QString& details) {
    if (subject.trimmed().isEmpty()) return TrayText::tr("Please say in a few words what is wrong.");
    const QByteArray subject_bytes = subject.toUtf8();
    if (subject_bytes.size() > kMaxSubjectBytes ||
        !core::check_text("subject", subject_bytes.toStdString(), kMaxSubjectBytes, false)) {
        return TrayText::tr("Please make the first line shorter. Put the rest under Details.");
    }
    const QByteArray details_bytes = details.toUtf8();
    if (details_bytes.size() > kMaxDetailsBytes ||
        !core::check_text("description", details_bytes.toStdString(), kMaxDetailsBytes, true)) {
        return TrayText::tr("The details are too long. Please shorten them a little.");
    }
    return {};
}

QString chat_problem(const QString& text) {
    if (text.trimmed().isEmpty()) return TrayText::tr("Write a message first.");
    if (!core::check_chat_text(text.toUtf8().toStdString())) {
        return TrayText::tr("This message is too long. Please send it in parts.");
    }
    return {};
}

std::vector<Category> help_categories() {
    return {
        {"Hardware", TrayText::tr("Hardware (computer, screen, keyboard)")},
        {"Software", TrayText::tr("Software (a program)")},
        {"Network", TrayText::tr("Network or internet")},
        {"Printer", TrayText::tr("Printer")},
        {"Email", TrayText::tr("Email")},
        {"Account/password", TrayText::tr("Account or password")},
        {"Other", TrayText::tr("Something else")},
    };
}

}  // namespace lifeline::agent::tray
