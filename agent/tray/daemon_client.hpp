// The tray's only way to the agent daemon: its local socket (agent/local/local_client.hpp). Every
// call runs off the UI thread, on a small pool (one short-lived connection per request, as the CLI
// does) or, for the Watch stream, on a thread of its own; each result comes back as a signal emitted on
// the thread that owns the client (the UI thread), so receivers need no locking.
//
// Status is polled: StatusRequest once a second (see docs/architecture.md, "The tray").
#pragma once

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

    // Polls the status now and then once a second, and keeps a Watch connection (re)opened.
    void start();

    // `screenshot` (may be null) is encoded to PNG on the worker, scaled down if it would pass 8 MiB.
    void ask_help(const QString& subject, const QString& details, const QString& category, const QImage& screenshot);
    void answer_consent(const QString& session_id, bool allow);
    void stop_sharing();
    void load_chat(const QString& ticket);
    void send_chat(const QString& ticket, const QString& text);

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

private:
    struct Answer;  // a LocalResponse or why there is none
    // Runs one request on the pool; `done` runs on this object's thread.
    void call(v1::LocalRequest request, std::chrono::milliseconds timeout, std::function<void(const Answer&)> done);
    void poll();
    void watch_loop();

    QString socket_path_;
    QThreadPool* pool_;
    QTimer* poll_timer_;
    QThread* watcher_ = nullptr;
    std::atomic<bool> stopping_{false};
    bool polling_ = false;  // a StatusRequest is in flight
};

}  // namespace lifeline::agent::tray
