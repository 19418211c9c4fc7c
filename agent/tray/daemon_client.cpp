// Requests to the daemon on a thread pool, the Watch stream on its own thread, results posted back.
#include "agent/tray/daemon_client.hpp"

#include "agent/local/local_client.hpp"
#include "agent/tray/tray_text.hpp"

#include <QBuffer>
#include <QCoreApplication>
#include <QPointer>
#include <QThread>
#include <QThreadPool>
#include <QTimer>

#include <optional>

namespace lifeline::agent::tray {

namespace {

constexpr std::chrono::seconds kStatusTimeout{10};  // the daemon asks the relay for the tickets (up to 5 s)
constexpr std::chrono::seconds kHelpTimeout{60};    // it waits up to 15 s for the number, more for system info
constexpr std::chrono::seconds kShortTimeout{20};   // chat goes to the relay and back (up to 15 s)

struct ClientText {
    Q_DECLARE_TR_FUNCTIONS(ClientText)
};

// PNG of at most 8 MiB: a busy 4K screen can pass that, so it is scaled down until it fits.
QByteArray encode_png(QImage image) {
    for (int attempt = 0; attempt < 4 && !image.isNull(); ++attempt) {
        QByteArray png;
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        image.save(&buffer, "PNG");
        if (png.size() <= kMaxScreenshotBytes) return png;
        image = image.scaled(image.size() * 0.7, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    }
    return {};
}

}  // namespace

struct DaemonClient::Answer {
    std::optional<v1::LocalResponse> response;  // absent: the daemon could not be reached or did not answer
    QString problem;                            // why not, or the daemon's refusal
    bool ok() const { return response && !response->has_error(); }
};

DaemonClient::DaemonClient(QString socket_path, QObject* parent)
    : QObject(parent),
      socket_path_(std::move(socket_path)),
      pool_(new QThreadPool(this)),
      poll_timer_(new QTimer(this)) {
    pool_->setMaxThreadCount(3);
    poll_timer_->setInterval(1000);
    connect(poll_timer_, &QTimer::timeout, this, &DaemonClient::poll);
}

DaemonClient::~DaemonClient() {
    stopping_ = true;
    poll_timer_->stop();
    pool_->waitForDone();
    if (watcher_ != nullptr) {
        watcher_->wait();
        delete watcher_;
    }
}

void DaemonClient::start() {
    poll();
    poll_timer_->start();
    if (watcher_ == nullptr) {
        watcher_ = QThread::create([this] { watch_loop(); });
        watcher_->setObjectName("tray-watch");
        watcher_->start();
    }
}

void DaemonClient::call(v1::LocalRequest request, std::chrono::milliseconds timeout,
                        std::function<void(const Answer&)> done) {
    pool_->start([this, request = std::move(request), timeout, done = std::move(done)] {
        auto answer = std::make_shared<Answer>();
        auto client = LocalClient::connect(socket_path_.toStdString());
        if (!client) {
            answer->problem = QString::fromStdString(client.error().message);
        } else if (auto response = client->call(request, timeout); !response) {
            answer->problem = QString::fromStdString(response.error().message);
        } else {
            if (response->has_error()) answer->problem = QString::fromStdString(response->error().message());
            answer->response = std::move(*response);
        }
        if (stopping_) return;
        // Queued to this object: dropped if it is destroyed first (the destructor waits for the pool anyway).
        QMetaObject::invokeMethod(
            this, [answer, done] { done(*answer); }, Qt::QueuedConnection);
    });
}

void DaemonClient::poll() {
    if (polling_) return;
    polling_ = true;
    v1::LocalRequest request;
    request.mutable_status();
    call(request, kStatusTimeout, [this](const Answer& answer) {
        polling_ = false;
        if (answer.ok() && answer.response->has_status()) {
            emit status_changed(answer.response->status());
        } else {
            emit daemon_unreachable(answer.problem);
        }
    });
}

void DaemonClient::ask_help(const QString& subject, const QString& details, const QString& category,
                            const QImage& screenshot) {
    // The PNG is made on the pool too: encoding a full screen takes a moment.
    pool_->start([this, subject, details, category, screenshot] {
        v1::LocalRequest request;
        auto* help = request.mutable_help();
        help->set_subject(subject.toStdString());
        help->set_description(details.toStdString());
        help->set_category(category.toStdString());
        if (!screenshot.isNull()) help->set_screenshot_png(encode_png(screenshot).toStdString());
        if (stopping_) return;
        QMetaObject::invokeMethod(
            this,
            [this, request] {
                call(request, kHelpTimeout, [this](const Answer& answer) {
                    if (answer.ok() && answer.response->has_help()) {
                        emit help_answered(answer.response->help());
                    } else if (!answer.response) {
                        emit help_failed(
                            ClientText::tr("Lifeline's background service did not answer. Please try "
                                           "again in a moment, or call your helpdesk."));
                    } else {
                        emit help_failed(ClientText::tr("Your request could not be sent: %1").arg(answer.problem));
                    }
                });
            },
            Qt::QueuedConnection);
    });
}

void DaemonClient::answer_consent(const QString& session_id, bool allow) {
    v1::LocalRequest request;
    request.mutable_consent()->set_allow(allow);
    request.mutable_consent()->set_session_id(session_id.toStdString());
    call(request, kShortTimeout, [this](const Answer& answer) {
        emit consent_answered(answer.ok(),
                              answer.ok() ? QString::fromStdString(answer.response->done().message()) : answer.problem);
        poll();
    });
}

void DaemonClient::stop_sharing() {
    v1::LocalRequest request;
    request.mutable_stop_sharing();
    call(request, kShortTimeout, [this](const Answer& answer) {
        emit sharing_stopped(answer.ok(),
                             answer.ok() ? QString::fromStdString(answer.response->done().message()) : answer.problem);
        poll();
    });
}

void DaemonClient::load_chat(const QString& ticket) {
    v1::LocalRequest request;
    request.mutable_chat_history()->set_ticket_number(ticket.toStdString());
    call(request, kShortTimeout, [this, ticket](const Answer& answer) {
        if (answer.ok() && answer.response->has_chat()) {
            emit chat_loaded(answer.response->chat());
        } else {
            emit chat_failed(ticket, ClientText::tr("The conversation could not be loaded. Are you offline?"));
        }
    });
}

void DaemonClient::send_chat(const QString& ticket, const QString& text) {
    v1::LocalRequest request;
    request.mutable_chat_send()->set_ticket_number(ticket.toStdString());
    request.mutable_chat_send()->set_text(text.toStdString());
    call(request, kShortTimeout, [this, ticket](const Answer& answer) {
        if (answer.ok() && answer.response->has_chat() && answer.response->chat().messages_size() > 0) {
            emit chat_sent(answer.response->chat().messages(0));
        } else {
            emit chat_failed(ticket,
                             ClientText::tr("Your message was not sent. You may be offline; please try again later."));
        }
    });
}

void DaemonClient::watch_loop() {
    // (Re)connects while the client lives: the daemon may start after the tray, or restart.
    while (!stopping_) {
        auto client = LocalClient::connect(socket_path_.toStdString());
        v1::LocalRequest watch;
        watch.mutable_watch();
        if (client && client->send(watch, std::chrono::seconds(2))) {
            while (!stopping_) {
                auto frame = client->receive(std::chrono::milliseconds(250));
                if (!frame) break;  // the daemon hung up
                if (!*frame || !(*frame)->has_event() || !(*frame)->event().has_chat()) continue;
                QMetaObject::invokeMethod(
                    this, [this, message = (*frame)->event().chat()] { emit chat_received(message); },
                    Qt::QueuedConnection);
            }
        }
        for (int i = 0; i < 8 && !stopping_; ++i)
            QThread::msleep(125);
    }
}

}  // namespace lifeline::agent::tray
