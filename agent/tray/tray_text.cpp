// The tray's words and checks; translated in the "TrayText" context.
#include "agent/tray/tray_text.hpp"

#include "shared/core/text.hpp"

#include <QCoreApplication>
#include <QDateTime>
#include <QLocale>
#include <QStringList>

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
    return out;
}

Notification ticket_update_notification(const v1::TicketSummary* before, const v1::TicketSummary& after) {
    const QString title = TrayText::tr("Ticket %1").arg(q(after.number()));
    if (before != nullptr && before->status() == after.status()) {
        return {title, notification_safe(TrayText::tr("The helpdesk answered about “%1”.").arg(q(after.subject())))};
    }
    return {title, notification_safe(
                       TrayText::tr("“%1” is now: %2").arg(q(after.subject()), ticket_status_text(after.status())))};
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

QString reply_problem(const QString& text) {
    if (text.trimmed().isEmpty()) return TrayText::tr("Write your reply first.");
    const QByteArray bytes = text.toUtf8();
    if (bytes.size() > kMaxReplyBytes || !core::check_text("body", bytes.toStdString(), kMaxReplyBytes, true)) {
        return TrayText::tr("This reply is too long. Please shorten it a little.");
    }
    return {};
}

QString rating_comment_problem(const QString& comment) {
    const QByteArray bytes = comment.toUtf8();
    if (bytes.size() > kMaxRatingCommentBytes ||
        !core::check_text("comment", bytes.toStdString(), kMaxRatingCommentBytes, true)) {
        return TrayText::tr("The comment is too long. Please shorten it a little.");
    }
    return {};
}

std::vector<ConversationEntry> ticket_conversation(const v1::TicketDetail& detail) {
    const QLocale locale;
    // Marked left to right, so its digits stay with it in a right-to-left heading.
    const auto when = [&](const google::protobuf::Timestamp& at) {
        return QChar(0x200E) +
               locale.toString(QDateTime::fromMSecsSinceEpoch(at.seconds() * 1000),
                               locale.dateFormat(QLocale::ShortFormat) + " HH:mm") +
               QChar(0x200E);
    };
    std::vector<ConversationEntry> out;
    const QString asked = q(detail.description()).trimmed();
    out.push_back({TrayText::tr("You asked for help (%1):").arg(when(detail.ticket().created_at())),
                   asked.isEmpty() ? q(detail.ticket().subject()) : q(detail.ticket().subject()) + "\n" + asked});
    for (const auto& reply : detail.replies())
        out.push_back(
            {TrayText::tr("%1 (%2):").arg(q(reply.author()), when(reply.created_at())), q(reply.body()).trimmed()});
    if (detail.replies_size() == 0) out.push_back({{}, TrayText::tr("No answer yet. A technician will reply here.")});
    return out;
}

QString rating_words(int rating) {
    switch (rating) {
        case 1: return TrayText::tr("Very unhappy");
        case 2: return TrayText::tr("Unhappy");
        case 3: return TrayText::tr("Okay");
        case 4: return TrayText::tr("Happy");
        case 5: return TrayText::tr("Very happy");
        default: return {};
    }
}

QString rating_summary(const v1::Satisfaction& satisfaction) {
    return TrayText::tr("You rated the help: %1 (%2 of 5). Thank you.")
        .arg(rating_words(satisfaction.rating()))
        .arg(satisfaction.rating());
}

bool can_rate(v1::Ticket::Status status) { return status == v1::Ticket::RESOLVED || status == v1::Ticket::CLOSED; }

bool can_reply(v1::Ticket::Status status) { return status != v1::Ticket::CLOSED; }

QString markdown_as_plain(const QString& markdown) {
    QStringList lines;
    for (QString line : markdown.split('\n')) {
        QString trimmed = line.trimmed();
        if (trimmed.startsWith("```")) continue;
        if (trimmed.startsWith('#')) {
            while (trimmed.startsWith('#'))
                trimmed.remove(0, 1);
            line = trimmed.trimmed();
        } else if (trimmed.startsWith("- ") || trimmed.startsWith("* ") || trimmed.startsWith("+ ")) {
            line = QString(QChar(0x2022)) + " " + trimmed.mid(2);
        }
        for (const char* mark : {"**", "__", "`"})
            line.remove(QString::fromLatin1(mark));
        lines << line;
    }
    return lines.join('\n').trimmed();
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

std::vector<Category> help_categories(const v1::HelpCatalog& catalog) {
    std::vector<Category> out;
    for (const auto& name : catalog.categories()) {
        if (name.empty() || name.size() > static_cast<std::size_t>(kMaxCategoryBytes)) continue;
        out.push_back({q(name), q(name)});
    }
    if (out.empty()) return help_categories();
    out.insert(out.begin(), Category{QString(), TrayText::tr("I am not sure")});
    return out;
}

}  // namespace lifeline::agent::tray
