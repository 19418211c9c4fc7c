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
constexpr std::chrono::seconds kNudgeInterval{60};  // a missed push heals within a minute
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
      nudge_timer_(new QTimer(this)) {
    pool_->setMaxThreadCount(3);
    nudge_timer_->setInterval(std::chrono::milliseconds(kNudgeInterval));
    connect(nudge_timer_, &QTimer::timeout, this, &DaemonClient::nudge);
}

DaemonClient::~DaemonClient() {
    stopping_ = true;
    nudge_timer_->stop();
    pool_->waitForDone();
    if (watcher_ != nullptr) {
        watcher_->wait();
        delete watcher_;
    }
}

void DaemonClient::start() {
    nudge_timer_->start();
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

void DaemonClient::nudge() {
    // The answer is not used: the daemon pushes the status, with any ticket that changed, on the Watch stream.
    if (nudging_) return;
    nudging_ = true;
    v1::LocalRequest request;
    request.mutable_status();
    call(request, kStatusTimeout, [this](const Answer&) { nudging_ = false; });
}

void DaemonClient::on_event(const v1::LocalEvent& event) {
    switch (event.body_case()) {
        case v1::LocalEvent::kStatus:
            reachable_ = true;
            told_unreachable_ = false;
            emit status_changed(event.status());
            break;
        case v1::LocalEvent::kTicketUpdate: emit ticket_updated(event.ticket_update()); break;
        case v1::LocalEvent::kChat: emit chat_received(event.chat()); break;
        default: break;
    }
}

void DaemonClient::on_watch_lost(const QString& why) {
    if (!reachable_ && told_unreachable_) return;
    reachable_ = false;
    told_unreachable_ = true;
    emit daemon_unreachable(why);
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
    });
}

void DaemonClient::stop_sharing() {
    v1::LocalRequest request;
    request.mutable_stop_sharing();
    call(request, kShortTimeout, [this](const Answer& answer) {
        emit sharing_stopped(answer.ok(),
                             answer.ok() ? QString::fromStdString(answer.response->done().message()) : answer.problem);
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

void DaemonClient::load_ticket(const QString& ticket) {
    v1::LocalRequest request;
    request.mutable_ticket_detail()->set_number(ticket.toStdString());
    call(request, kShortTimeout, [this, ticket](const Answer& answer) {
        if (answer.ok() && answer.response->has_ticket_detail()) {
            emit ticket_loaded(answer.response->ticket_detail());
        } else {
            emit ticket_failed(ticket, ClientText::tr("The details could not be loaded. You may be offline."));
        }
    });
}

void DaemonClient::send_reply(const QString& ticket, const QString& text) {
    v1::LocalRequest request;
    request.mutable_reply()->set_number(ticket.toStdString());
    request.mutable_reply()->set_body(text.toStdString());
    call(request, kShortTimeout, [this, ticket](const Answer& answer) {
        if (answer.ok()) {
            emit reply_sent(ticket);
        } else if (answer.response && answer.response->error().code() == "conflict") {
            emit reply_failed(ticket, ClientText::tr("This ticket is closed. If you need more help, please use "
                                                     "Get help again."));
        } else {
            emit reply_failed(ticket,
                              ClientText::tr("Your reply was not sent. You may be offline; please try again later."));
        }
    });
}

void DaemonClient::rate(const QString& ticket, int rating, const QString& comment) {
    v1::LocalRequest request;
    request.mutable_rate()->set_number(ticket.toStdString());
    request.mutable_rate()->set_rating(rating);
    request.mutable_rate()->set_comment(comment.toStdString());
    call(request, kShortTimeout, [this, ticket](const Answer& answer) {
        if (answer.ok()) {
            emit rated(ticket);
        } else {
            emit rating_failed(ticket, ClientText::tr("Your rating was not sent. You may be offline; please try "
                                                      "again later."));
        }
    });
}

void DaemonClient::load_catalog() {
    v1::LocalRequest request;
    request.mutable_catalog();
    call(request, kShortTimeout, [this](const Answer& answer) {
        // Without an answer Get help keeps its own list.
        if (answer.ok() && answer.response->has_catalog()) emit catalog_loaded(answer.response->catalog());
    });
}

void DaemonClient::suggest(int sequence, const QString& subject, const QString& details) {
    v1::LocalRequest request;
    request.mutable_kb_suggest()->set_subject(subject.toStdString());
    request.mutable_kb_suggest()->set_description(details.toStdString());
    call(request, kShortTimeout, [this, sequence](const Answer& answer) {
        // Suggestions are a help, not a step: without them the form works as before.
        if (answer.ok() && answer.response->has_kb_suggestions()) {
            emit suggestions_ready(sequence, answer.response->kb_suggestions());
        }
    });
}

void DaemonClient::mark_helped(std::int64_t article_id) {
    v1::LocalRequestExtra extra;
    extra.mutable_kb_helped()->set_article_id(article_id);
    call(as_local_request(extra), kShortTimeout, [](const Answer&) {});
}

void DaemonClient::watch_loop() {
    // (Re)connects while the client lives: the daemon may start after the tray, or restart.
    while (!stopping_) {
        auto client = LocalClient::connect(socket_path_.toStdString());
        v1::LocalRequest watch;
        watch.mutable_watch();
        QString why = client ? ClientText::tr("the daemon hung up") : QString::fromStdString(client.error().message);
        if (client && client->send(watch, std::chrono::seconds(2))) {
            while (!stopping_) {
                auto frame = client->receive(std::chrono::milliseconds(250));
                if (!frame) break;  // the daemon hung up
                if (!*frame || !(*frame)->has_event()) continue;
                QMetaObject::invokeMethod(
                    this, [this, event = (*frame)->event()] { on_event(event); }, Qt::QueuedConnection);
            }
        }
        if (stopping_) break;
        QMetaObject::invokeMethod(
            this, [this, why] { on_watch_lost(why); }, Qt::QueuedConnection);
        for (int i = 0; i < 8 && !stopping_; ++i)
            QThread::msleep(125);
    }
}

}  // namespace lifeline::agent::tray
