// The tray's only way to the agent daemon: its local socket (agent/local/local_client.hpp). Every
// call runs off the UI thread, on a small pool (one short-lived connection per request, as the CLI
// does) or, for the Watch stream, on a thread of its own; each result comes back as a signal emitted on
// the thread that owns the client (the UI thread), so receivers need no locking.
//
// Status is pushed: the Watch stream brings the daemon's status when it opens and on every change,
// and each ticket update; a StatusRequest once a minute only nudges the daemon to re-read the
// tickets (see docs/architecture.md, "The tray").
#pragma once

#include "agent_local.pb.h"
#include "lifeline.pb.h"

#include <QImage>
#include <QObject>
#include <QString>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

class QThread;
class QThreadPool;
class QTimer;

namespace lifeline::agent::tray {

class DaemonClient : public QObject {
    Q_OBJECT
public:
    explicit DaemonClient(QString socket_path, QObject* parent = nullptr);
    ~DaemonClient() override;  // waits for calls in flight; their results are dropped

    // Keeps a Watch connection (re)opened, and nudges the daemon once a minute.
    void start();

    // `screenshot` (may be null) is encoded to PNG on the worker, scaled down if it would pass 8 MiB.
    void ask_help(const QString& subject, const QString& details, const QString& category, const QImage& screenshot);
    void answer_consent(const QString& session_id, bool allow);
    void stop_sharing();
    void load_chat(const QString& ticket);
    void send_chat(const QString& ticket, const QString& text);
    void load_ticket(const QString& ticket);
    void send_reply(const QString& ticket, const QString& text);
    void rate(const QString& ticket, int rating, const QString& comment);
    // Get help: the relay's categories (the daemon keeps the last list for offline use), suggestions for
    // what the user typed (answered with the same `sequence`), and "this solved it".
    void load_catalog();
    void suggest(int sequence, const QString& subject, const QString& details);
    void mark_helped(std::int64_t article_id);

    const QString& socket_path() const { return socket_path_; }

signals:
    void status_changed(const lifeline::v1::AgentStatus& status);
    void daemon_unreachable(const QString& why);
    void help_answered(const lifeline::v1::HelpResult& result);
    void help_failed(const QString& why);
    void consent_answered(bool ok, const QString& message);
    void sharing_stopped(bool ok, const QString& message);
    void chat_loaded(const lifeline::v1::ChatHistory& history);
    void chat_sent(const lifeline::v1::ChatMessage& message);
    void chat_failed(const QString& ticket, const QString& why);
    // Staff wrote to this machine's user (from the Watch stream).
    void chat_received(const lifeline::v1::ChatMessage& message);
    // One of this machine's tickets changed status or got a public reply (from the Watch stream); the
    // status with the changed list follows.
    void ticket_updated(const lifeline::v1::TicketSummary& ticket);
    void ticket_loaded(const lifeline::v1::TicketDetail& detail);
    void ticket_failed(const QString& ticket, const QString& why);
    void reply_sent(const QString& ticket);
    void reply_failed(const QString& ticket, const QString& why);
    void rated(const QString& ticket);
    void rating_failed(const QString& ticket, const QString& why);
    void catalog_loaded(const lifeline::v1::HelpCatalog& catalog);
    void suggestions_ready(int sequence, const lifeline::v1::KbHints& hints);

private:
    struct Answer;  // a LocalResponse or why there is none
    // Runs one request on the pool; `done` runs on this object's thread.
    void call(v1::LocalRequest request, std::chrono::milliseconds timeout, std::function<void(const Answer&)> done);
    void nudge();
    void watch_loop();
    // On the UI thread, from the watcher.
    void on_event(const v1::LocalEvent& event);
    void on_watch_lost(const QString& why);

    QString socket_path_;
    QThreadPool* pool_;
    QTimer* nudge_timer_;
    QThread* watcher_ = nullptr;
    std::atomic<bool> stopping_{false};
    bool nudging_ = false;  // a StatusRequest is in flight
    bool reachable_ = false;
    bool told_unreachable_ = false;
};

}  // namespace lifeline::agent::tray
