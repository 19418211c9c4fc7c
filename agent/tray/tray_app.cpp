// The tray icon, its menu, and the windows that follow the daemon's status.
#include "agent/tray/tray_app.hpp"

#include "agent/tray/help_dialog.hpp"
#include "agent/tray/session_prompts.hpp"
#include "agent/tray/tickets_window.hpp"

#include <QAction>
#include <QApplication>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPainterPath>
#include <QScreen>
#include <QSystemTrayIcon>
#include <QTranslator>

namespace lifeline::agent::tray {

namespace {

// A lifebuoy: four segments around a hole, in the state's colours.
QPixmap lifebuoy(int size, QColor band, QColor light) {
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF outer(size * 0.06, size * 0.06, size * 0.88, size * 0.88);
    const QRectF inner(size * 0.30, size * 0.30, size * 0.40, size * 0.40);
    QPainterPath ring;
    ring.addEllipse(outer);
    ring.addEllipse(inner);
    p.fillPath(ring, light);
    for (int quarter = 0; quarter < 4; quarter += 2) {
        QPainterPath segment;
        segment.arcMoveTo(outer, 45 + quarter * 90);
        segment.arcTo(outer, 45 + quarter * 90, 90);
        segment.arcTo(inner, 135 + quarter * 90, -90);
        segment.closeSubpath();
        p.fillPath(segment, band);
    }
    p.setPen(QPen(band.darker(160), std::max(1.0, size / 24.0)));
    p.drawEllipse(outer);
    p.drawEllipse(inner);
    return pixmap;
}

// A screen with a red "live" dot: someone is looking.
QPixmap watched_screen(int size) {
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    const double s = size;
    p.setPen(QPen(QColor(0x30, 0x30, 0x30), std::max(1.0, s / 16.0)));
    p.setBrush(QColor(0xff, 0xb3, 0x00));
    p.drawRoundedRect(QRectF(s * 0.06, s * 0.12, s * 0.88, s * 0.62), s * 0.08, s * 0.08);
    p.setBrush(QColor(0x30, 0x30, 0x30));
    p.drawRect(QRectF(s * 0.40, s * 0.74, s * 0.20, s * 0.10));
    p.drawRect(QRectF(s * 0.26, s * 0.84, s * 0.48, s * 0.06));
    p.setPen(QPen(Qt::white, std::max(1.0, s / 20.0)));
    p.setBrush(QColor(0xd3, 0x2f, 0x2f));
    p.drawEllipse(QPointF(s * 0.5, s * 0.43), s * 0.17, s * 0.17);
    return pixmap;
}

}  // namespace

QIcon tray_icon(TrayState state) {
    QIcon icon;
    for (int size : {16, 22, 24, 32, 48, 64}) {
        switch (state) {
            case TrayState::connected:
                icon.addPixmap(lifebuoy(size, QColor(0xd8, 0x3b, 0x2e), QColor(0xfa, 0xfa, 0xfa)));
                break;
            case TrayState::offline:
            case TrayState::not_running:
                icon.addPixmap(lifebuoy(size, QColor(0x8a, 0x8a, 0x8a), QColor(0xe4, 0xe4, 0xe4)));
                break;
            case TrayState::sharing: icon.addPixmap(watched_screen(size)); break;
        }
    }
    return icon;
}

// Named here so that lupdate keeps it in every .ts: Qt reads this entry of an installed translation to lay a
// right-to-left language out right to left.
[[maybe_unused]] constexpr struct {
    const char* source;
    const char* comment;
} kLayoutDirectionEntry = QT_TRANSLATE_NOOP3("QGuiApplication", "QT_LAYOUT_DIRECTION",
                                             "Translate this string to the string 'LTR' in left-to-right languages or "
                                             "to 'RTL' in right-to-left languages (such as Hebrew and Arabic) to get "
                                             "proper widget layout.");

std::unique_ptr<QTranslator> install_translation(const QString& language) {
    auto translator = std::make_unique<QTranslator>();
    const QLocale locale = language.isEmpty() ? QLocale::system() : QLocale(language);
    if (!translator->load(locale, "tray", "_", ":/i18n")) return nullptr;
    QCoreApplication::installTranslator(translator.get());
    return translator;
}

TrayApp::TrayApp(QString socket_path, QObject* parent)
    : QObject(parent),
      daemon_(std::move(socket_path)),
      icon_(new QSystemTrayIcon(this)),
      menu_(new QMenu),
      prompt_(new ConsentPrompt),
      banner_(new SharingBanner) {
    menu_->addAction(tr("Get &help…"), this, [this] { open_help(); });
    menu_->addAction(tr("My &tickets"), this, [this] { open_tickets(); });
    // The banner takes no keyboard focus; this is the keyboard's way to stop.
    stop_sharing_ = menu_->addAction(tr("&Stop sharing my screen"), &daemon_, &DaemonClient::stop_sharing);
    stop_sharing_->setVisible(false);
    menu_->addSeparator();
    menu_->addAction(tr("&About Lifeline"), this, &TrayApp::show_about);
    quit_ = menu_->addAction(tr("&Quit"), qApp, &QCoreApplication::quit);
    icon_->setContextMenu(menu_);
    icon_->setIcon(tray_icon(TrayState::not_running));
    icon_->setToolTip(tray_tooltip(nullptr));
    connect(icon_, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
        if (reason == QSystemTrayIcon::Trigger) open_help();
    });
    connect(icon_, &QSystemTrayIcon::messageClicked, this, [this] {
        if (!last_chat_ticket_.isEmpty()) {
            open_chat(last_chat_ticket_, last_chat_subject_);
        } else if (!last_ticket_.isEmpty()) {
            open_tickets(last_ticket_);
        }
    });

    connect(&daemon_, &DaemonClient::status_changed, this, &TrayApp::on_status);
    connect(&daemon_, &DaemonClient::daemon_unreachable, this, &TrayApp::on_unreachable);
    connect(&daemon_, &DaemonClient::chat_received, this, &TrayApp::on_chat);
    connect(&daemon_, &DaemonClient::ticket_updated, this, &TrayApp::on_ticket_update);
    connect(prompt_, &ConsentPrompt::answered, &daemon_, &DaemonClient::answer_consent);
    connect(banner_, &SharingBanner::stop_requested, &daemon_, &DaemonClient::stop_sharing);
}

TrayApp::~TrayApp() {
    delete prompt_;
    delete banner_;
    delete menu_;
    for (auto& [number, chat] : chats_)
        delete chat.data();
    delete tickets_.data();
    delete help_.data();
}

void TrayApp::start() {
    icon_->show();
    daemon_.start();
}

template <class W>
void TrayApp::present(W* window) {
    window->show();
    window->raise();
    window->activateWindow();
}

HelpDialog* TrayApp::open_help() {
    if (help_ && help_->isVisible() && !help_->showing_result()) {
        present(help_.data());
        return help_;
    }
    delete help_.data();
    QImage screen;
    if (QScreen* primary = QGuiApplication::primaryScreen()) screen = primary->grabWindow(0).toImage();
    help_ = new HelpDialog(daemon_, screen);
    help_->setAttribute(Qt::WA_DeleteOnClose);
    present(help_.data());
    return help_;
}

TicketsWindow* TrayApp::open_tickets(const QString& number) {
    if (!tickets_) {
        tickets_ = new TicketsWindow(daemon_);
        connect(tickets_, &TicketsWindow::chat_requested, this,
                [this](const QString& ticket, const QString& subject) { open_chat(ticket, subject); });
        tickets_->set_status(status_ ? &*status_ : nullptr);
    }
    if (!number.isEmpty()) tickets_->show_ticket(number);
    present(tickets_.data());
    return tickets_;
}

ChatWindow* TrayApp::open_chat(const QString& number, const QString& subject) {
    auto& chat = chats_[number];
    if (!chat) {
        chat = new ChatWindow(daemon_, number, subject);
        chat->setAttribute(Qt::WA_DeleteOnClose);
    }
    present(chat.data());
    return chat;
}

void TrayApp::show_about() {
    QMessageBox box(QMessageBox::Information, tr("About Lifeline"),
                    tr("Lifeline %1\n\nHelp from your helpdesk, on this computer. Nobody can see your screen unless "
                       "you allow it, and you can stop it at any time.")
                        .arg(LIFELINE_VERSION));
    box.setTextFormat(Qt::PlainText);
    box.exec();
}

void TrayApp::notify(const Notification& notification) {
    emit notified(notification.title, notification.text);
    if (QSystemTrayIcon::supportsMessages() && icon_->isVisible()) {
        icon_->showMessage(notification.title, notification.text, QSystemTrayIcon::Information, 10000);
    }
}

void TrayApp::on_status(const v1::AgentStatus& status) {
    for (const auto& notification : notifications_between(status_ ? &*status_ : nullptr, status))
        notify(notification);
    // The first answer sets what later ones are compared with; a request already waiting still prompts.
    if (!status_ && !reachable_known_ && status.has_pending_request()) {
        notify({tr("Screen sharing request"), notification_safe(consent_question(status.pending_request()))});
    }
    reachable_known_ = true;
    status_ = status;

    const bool remote_control = status.has_session() && status.session().mode() == v1::CONTROL;
    if (status.has_pending_request()) {
        prompt_->set_remote_input_active(remote_control);
        prompt_->show_request(status.pending_request(), status.pending_seconds_left());
    } else if (prompt_->isVisible()) {
        prompt_->hide();  // answered, withdrawn or timed out at the daemon
    }
    if (status.has_session()) {
        banner_->show_session(status.session());
    } else if (banner_->isVisible()) {
        banner_->hide();
    }
    if (tickets_) tickets_->set_status(&status);
    update_icon();
}

void TrayApp::on_unreachable(const QString&) {
    reachable_known_ = true;
    status_.reset();
    // Without the daemon there is no session and nothing to answer.
    if (prompt_->isVisible()) prompt_->hide();
    if (banner_->isVisible()) banner_->hide();
    if (tickets_) tickets_->set_status(nullptr);
    update_icon();
}

void TrayApp::on_chat(const v1::ChatMessage& message) {
    const QString number = QString::fromStdString(message.ticket_number());
    auto it = chats_.find(number);
    if (it != chats_.end() && it->second && it->second->isVisible()) {
        it->second->add(message);
        return;
    }
    last_chat_ticket_ = number;
    last_ticket_.clear();
    last_chat_subject_.clear();
    if (status_) {
        for (const auto& ticket : status_->tickets())
            if (ticket.number() == message.ticket_number())
                last_chat_subject_ = QString::fromStdString(ticket.subject());
    }
    notify(chat_notification(message));
}

void TrayApp::on_ticket_update(const v1::TicketSummary& ticket) {
    const v1::TicketSummary* before = nullptr;
    if (status_) {
        for (const auto& known : status_->tickets())
            if (known.number() == ticket.number()) before = &known;
    }
    last_ticket_ = QString::fromStdString(ticket.number());
    last_chat_ticket_.clear();
    notify(ticket_update_notification(before, ticket));
}

void TrayApp::update_icon() {
    const TrayState current = state();
    icon_->setIcon(tray_icon(current));
    icon_->setToolTip(tray_tooltip(status_ ? &*status_ : nullptr));
    // Quitting must not hide a live session's banner, nor leave a question unanswerable.
    stop_sharing_->setVisible(current == TrayState::sharing);
    quit_->setEnabled(current != TrayState::sharing && !(status_ && status_->has_pending_request()));
}

}  // namespace lifeline::agent::tray
