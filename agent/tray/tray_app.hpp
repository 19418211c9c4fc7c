// lifeline-tray's core: the tray icon and its menu, and what follows from each status and ticket update the
// daemon pushes — the consent prompt, the sharing banner, notifications, My tickets and the chat windows.
//
// Threads: the UI thread only; the DaemonClient does the socket work elsewhere.
#pragma once

#include "agent/tray/daemon_client.hpp"
#include "agent/tray/tray_text.hpp"

#include <QIcon>
#include <QObject>
#include <QPointer>

#include <map>
#include <memory>
#include <optional>

class QAction;
class QMenu;
class QSystemTrayIcon;
class QTranslator;

namespace lifeline::agent::tray {

class ChatWindow;
class ConsentPrompt;
class HelpDialog;
class SharingBanner;
class TicketsWindow;

// The three icons (offline and not running share one), drawn, so no image files ship.
QIcon tray_icon(TrayState state);

// Installs the tray's translation for `language` ("fa", "de", ...; empty: the system's locale) and returns
// it, or null when there is none (English stays). Right-to-left translations turn the layout around.
std::unique_ptr<QTranslator> install_translation(const QString& language);

class TrayApp : public QObject {
    Q_OBJECT
public:
    explicit TrayApp(QString socket_path, QObject* parent = nullptr);
    ~TrayApp() override;

    // Shows the icon and starts following the daemon.
    void start();

    // The menu's actions (public for tests). open_help grabs the screen first, so the dialog is not in it.
    HelpDialog* open_help();
    // With `number`, that ticket's conversation is shown.
    TicketsWindow* open_tickets(const QString& number = {});
    ChatWindow* open_chat(const QString& number, const QString& subject);
    void show_about();

    DaemonClient& daemon() { return daemon_; }
    ConsentPrompt* consent_prompt() const { return prompt_; }
    SharingBanner* banner() const { return banner_; }
    QSystemTrayIcon* icon() const { return icon_; }
    QMenu* menu() const { return menu_; }
    TrayState state() const { return tray_state(status_ ? &*status_ : nullptr); }
    const std::optional<v1::AgentStatus>& status() const { return status_; }

signals:
    // Every desktop notification, as shown (for tests and the log).
    void notified(const QString& title, const QString& text);

private:
    void on_status(const v1::AgentStatus& status);
    void on_unreachable(const QString& why);
    void on_chat(const v1::ChatMessage& message);
    void on_ticket_update(const v1::TicketSummary& ticket);
    void notify(const Notification& notification);
    void update_icon();
    template <class W>
    static void present(W* window);

    DaemonClient daemon_;
    QSystemTrayIcon* icon_;
    QMenu* menu_;
    QAction* stop_sharing_;
    QAction* quit_;
    ConsentPrompt* prompt_;
    SharingBanner* banner_;
    QPointer<HelpDialog> help_;
    QPointer<TicketsWindow> tickets_;
    std::map<QString, QPointer<ChatWindow>> chats_;
    std::optional<v1::AgentStatus> status_;
    bool reachable_known_ = false;  // the first answer (or failure) has come in
    // What a click on the last notification opens: a chat, or the ticket in My tickets.
    QString last_chat_ticket_;
    QString last_chat_subject_;
    QString last_ticket_;
};

}  // namespace lifeline::agent::tray
