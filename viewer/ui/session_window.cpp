#include "viewer/ui/session_window.hpp"

#include "viewer/core/keysyms.hpp"
#include "viewer/models/ticket_text.hpp"
#include "viewer/ui/remote_view.hpp"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

#include <cmath>

namespace lifeline::viewer::ui {

namespace {

constexpr auto kPairingWait = std::chrono::seconds(35);

struct Quality {
    const char* label;
    Encoding encoding;
    int quality;
};
const Quality kQualities[] = {
    {QT_TRANSLATE_NOOP("SessionWindow", "Balanced"), Encoding::tight, 6},
    {QT_TRANSLATE_NOOP("SessionWindow", "Best picture"), Encoding::tight, 9},
    {QT_TRANSLATE_NOOP("SessionWindow", "Fastest"), Encoding::tight, 2},
    {QT_TRANSLATE_NOOP("SessionWindow", "Exact (lossless)"), Encoding::zrle, -1},
};

// The state line's look while the window waits for the user, and after the user said no.
constexpr const char* kWaitingStyle = "QLabel { background: #fff3cd; color: #5c4400; padding: 2px 6px; }";
constexpr const char* kRefusedStyle = "QLabel { background: #f8d7da; color: #6a1a21; padding: 2px 6px; }";

QString q(const std::string& s) { return QString::fromStdString(s); }

QString latency_text(std::optional<std::chrono::microseconds> latency) {
    if (!latency) return QStringLiteral("—");
    if (*latency < std::chrono::milliseconds(1)) return SessionWindow::tr("< 1 ms");
    return SessionWindow::tr("%1 ms").arg(std::llround(static_cast<double>(latency->count()) / 1000.0));
}

}  // namespace

SessionWindow::SessionWindow(SignedIn signed_in, QString ticket, v1::SessionMode mode, std::optional<int> monitor,
                             QWidget* parent)
    : QMainWindow(parent),
      signed_in_(std::move(signed_in)),
      ticket_(std::move(ticket)),
      mode_(mode),
      monitor_(monitor) {
    setAttribute(Qt::WA_DeleteOnClose);
    setWindowTitle(tr("%1 — remote session").arg(ticket_));

    auto* bar = addToolBar(tr("Session"));
    bar->setMovable(false);
    state_ = new QLabel;
    state_->setTextFormat(Qt::PlainText);
    fit_ = new QCheckBox(tr("&Fit to window"));
    fit_->setObjectName("session-fit");
    fit_->setChecked(true);
    view_only_ = new QCheckBox(tr("&View only"));
    view_only_->setObjectName("session-view-only");
    view_only_->setToolTip(tr("In a view session, unticking this asks the user for control of their screen"));
    view_only_->setChecked(mode_ != v1::CONTROL);
    quality_ = new QComboBox;
    for (const auto& choice : kQualities)
        quality_->addItem(tr(choice.label));
    end_ = new QPushButton(tr("&End session"));
    end_->setStyleSheet("QPushButton { color: #b00020; font-weight: bold; }");
    bar->addWidget(state_);
    bar->addSeparator();
    bar->addWidget(fit_);
    bar->addWidget(view_only_);
    bar->addWidget(new QLabel(tr(" Quality: ")));
    bar->addWidget(quality_);
    auto* spacer = new QWidget;
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    bar->addWidget(spacer);
    bar->addWidget(end_);

    view_ = new RemoteView;
    scroll_ = new QScrollArea;
    scroll_->setWidget(view_);
    scroll_->setWidgetResizable(true);
    scroll_->setAlignment(Qt::AlignCenter);

    chat_log_ = new QPlainTextEdit;
    chat_log_->setObjectName("session-chat-log");
    chat_log_->setReadOnly(true);
    chat_input_ = new QLineEdit;
    chat_input_->setObjectName("session-chat-input");
    chat_input_->setPlaceholderText(tr("Write to the user…"));
    chat_input_->setMaxLength(4000);
    auto* chat = new QWidget;
    auto* chat_layout = new QVBoxLayout(chat);
    chat_layout->addWidget(new QLabel(tr("Chat with the user")));
    chat_layout->addWidget(chat_log_, 1);
    chat_layout->addWidget(chat_input_);

    auto* splitter = new QSplitter;
    splitter->addWidget(scroll_);
    splitter->addWidget(chat);
    splitter->setStretchFactor(0, 4);
    splitter->setStretchFactor(1, 1);
    setCentralWidget(splitter);
    figures_ = new QLabel;
    figures_->setObjectName("session-figures");
    figures_->setToolTip(
        tr("Latency: from your pointer or key input to the next screen update from the machine, "
           "the median of the last few seconds; — while you send no input"));
    statusBar()->addPermanentWidget(figures_);

    connect(fit_, &QCheckBox::toggled, this, [this](bool fit) {
        scroll_->setWidgetResizable(fit);
        view_->set_fit(fit);
    });
    connect(quality_, &QComboBox::currentIndexChanged, this, &SessionWindow::apply_quality);
    connect(end_, &QPushButton::clicked, this, &QWidget::close);
    connect(chat_input_, &QLineEdit::returnPressed, this, &SessionWindow::send_chat);
    connect(view_only_, &QCheckBox::clicked, this, &SessionWindow::view_only_clicked);
    connect(QApplication::clipboard(), &QClipboard::dataChanged, this, &SessionWindow::offer_clipboard);
    // While the user decides, a slow check covers an event stream that is reconnecting just then.
    upgrade_check_ = new QTimer(this);
    connect(upgrade_check_, &QTimer::timeout, this, [this] {
        if (upgrade_ != Upgrade::pending) return upgrade_check_->stop();
        const std::string id = session_id_.toStdString();
        client_.call<v1::Session>(
            this, [id](RelayApi& api) { return api.get_session(id); },
            [this](core::Result<v1::Session> s) {
                if (s) on_session(*s);
            });
    });
    auto* ticker = new QTimer(this);
    connect(ticker, &QTimer::timeout, this, &SessionWindow::update_figures);
    ticker->start(1000);
    resize(1280, 860);
    start();
}

SessionWindow::~SessionWindow() {
    view_->attach(nullptr);
    if (session_) session_->close();
}

bool SessionWindow::connected() const { return session_ && !session_->closed(); }

std::uint64_t SessionWindow::updates_received() const { return session_ ? session_->rfb().updates() : 0; }

void SessionWindow::start() {
    view_only_->setEnabled(false);
    quality_->setEnabled(false);
    state_->setText(tr("Asking the user…"));
    const std::string ticket = ticket_.toStdString();
    const auto mode = mode_;
    const auto monitor = monitor_;
    const SignedIn who = signed_in_;
    client_.run<core::Result<v1::Session>>(
        this,
        [this, who, ticket, mode, monitor]() -> core::Result<v1::Session> {
            auto api = RelayApi::create(who.relay);
            if (!api) return api.error();
            api->use_token(who.login.token());
            auto asked = api->request_session(ticket, mode, monitor);
            client_.adopt(std::move(*api));
            return asked;
        },
        [this](core::Result<v1::Session> asked) {
            if (!asked) return ended(q(asked.error().message));
            session_id_ = q(asked->id());
            state_->setText(tr("Waiting for the user's consent…"));
            view_->set_placeholder(
                tr("Waiting for the user to allow the session…\n\nThey see your name and "
                   "what you asked for, and can say no."));
            // The answer comes on the relay's event stream (session_changed); this slow check covers a stream
            // that is reconnecting just then.
            auto* check = new QTimer(this);
            connect(check, &QTimer::timeout, this, [this, check] {
                if (over_ || session_ || opening_) return check->deleteLater();
                const std::string id = session_id_.toStdString();
                client_.call<v1::Session>(
                    this, [id](RelayApi& api) { return api.get_session(id); },
                    [this](core::Result<v1::Session> s) {
                        if (s) on_session(*s);
                    });
            });
            check->start(3000);
        });
}

void SessionWindow::on_session(const v1::Session& session) {
    if (over_) return;
    switch (session.state()) {
        case v1::Session::REQUESTED: return;
        case v1::Session::DENIED:
            return ended(session.end_reason().empty() ? tr("the user declined") : q(session.end_reason()));
        case v1::Session::ENDED:
        case v1::Session::FAILED: {
            const QString who =
                session.ended_by().empty() ? QString() : tr(" by %1").arg(models::ended_by_text(session.ended_by()));
            return ended(tr("ended%1: %2").arg(who, q(session.end_reason())));
        }
        case v1::Session::ACTIVE: break;
        default: return;
    }
    if (!session_ && !opening_) return open_screen(session.mode());
    if (!connected()) return;
    if (session.mode() == v1::CONTROL) {
        if (control_) return;
        const bool asked = upgrade_ != Upgrade::none;
        upgrade_ = Upgrade::none;
        set_control(true);
        if (asked) statusBar()->showMessage(tr("The user allowed control."), 10'000);
        return;
    }
    if (session.upgrade_pending()) {
        if (upgrade_ == Upgrade::asking) upgrade_ = Upgrade::pending;
        return;
    }
    // Without the mark, after it was seen: answered, and the mode says no. Earlier events without it are old news.
    if (upgrade_ == Upgrade::pending) upgrade_denied();
}

void SessionWindow::open_screen(v1::SessionMode mode) {
    opening_ = true;
    state_->setText(tr("The user agreed; connecting…"));
    const SignedIn who = signed_in_;
    const std::string id = session_id_.toStdString();
    const auto& choice = kQualities[quality_->currentIndex()];
    RfbOptions options;
    options.encoding = choice.encoding;
    options.quality = choice.quality;
    options.handshake_timeout = kPairingWait;
    client_.run<core::Result<std::shared_ptr<ViewerSession>>>(
        this,
        [who, id, options]() -> core::Result<std::shared_ptr<ViewerSession>> {
            auto opened = ViewerSession::open(who.relay, who.login.token(), id, options);
            if (!opened) return opened.error();
            return std::shared_ptr<ViewerSession>(std::move(*opened));
        },
        [this, mode](core::Result<std::shared_ptr<ViewerSession>> opened) {
            opening_ = false;
            if (!opened) return ended(q(opened.error().message));
            attach(std::move(*opened));
            set_control(mode == v1::CONTROL);
        });
}

void SessionWindow::attach(std::shared_ptr<ViewerSession> session) {
    session_ = std::move(session);
    auto& rfb = session_->rfb();
    QPointer<RemoteView> view = view_;
    rfb.set_on_update([view](int, int, int, int) {
        if (view) view->mark_dirty();
    });
    rfb.set_on_resize([view](int, int) {
        if (view) view->mark_dirty();
    });
    QPointer<SessionWindow> self = this;
    rfb.set_on_clipboard([self](std::string latin1) {
        QMetaObject::invokeMethod(
            qApp,
            [self, text = QString::fromLatin1(latin1.data(), static_cast<qsizetype>(latin1.size()))] {
                if (!self || !self->control_) return;
                self->clipboard_seen_ = text;
                QApplication::clipboard()->setText(text);
            },
            Qt::QueuedConnection);
    });
    session_->set_on_closed([self](std::string reason) {
        QMetaObject::invokeMethod(
            qApp,
            [self, why = q(reason)] {
                if (self) self->ended(why);
            },
            Qt::QueuedConnection);
    });
    view_->attach(&rfb);
    view_->setFocus();
    quality_->setEnabled(true);
}

void SessionWindow::set_control(bool control) {
    control_ = control;
    view_only_->setChecked(!control);
    show_state();
    // What the technician copied before control was granted is what they mean to paste first.
    if (control) offer_clipboard();
}

bool SessionWindow::input_allowed() const { return control_ && !over_ && connected() && !view_only_->isChecked(); }

void SessionWindow::view_only_clicked(bool view_only) {
    if (over_ || !connected()) return;
    // With control granted the toggle only pauses the technician's own input: no need to ask the user again.
    if (!control_ && !view_only) return ask_for_control();
    show_state();
    if (!view_only) offer_clipboard();
}

void SessionWindow::ask_for_control() {
    upgrade_ = Upgrade::asking;
    control_denied_ = false;
    show_state();
    const std::string id = session_id_.toStdString();
    client_.call<v1::Session>(
        this, [id](RelayApi& api) { return api.request_upgrade(id); },
        [this](core::Result<v1::Session> asked) {
            if (over_ || upgrade_ == Upgrade::none) return;  // answered (or ended) before this reply came back
            if (!asked) {
                upgrade_ = Upgrade::none;
                show_state();
                statusBar()->showMessage(tr("Could not ask for control: %1").arg(q(asked.error().message)));
                return;
            }
            upgrade_ = Upgrade::pending;  // the relay has marked the request: from now on, no mark is an answer
            upgrade_check_->start(3000);
        });
}

void SessionWindow::upgrade_denied() {
    upgrade_ = Upgrade::none;
    upgrade_check_->stop();
    control_denied_ = true;
    show_state();
    statusBar()->showMessage(tr("The user did not allow control. The session stays view-only."), 15'000);
}

void SessionWindow::show_state() {
    if (over_) return;
    const bool asking = upgrade_ != Upgrade::none;
    view_only_->setEnabled(connected() && !asking);
    if (!control_) view_only_->setChecked(!asking);
    view_->set_input_enabled(input_allowed());
    QString text;
    const char* style = "";
    if (asking) {
        text = tr("Waiting for the user to allow control…");
        style = kWaitingStyle;
    } else if (control_) {
        text = view_only_->isChecked() ? tr("View only: you have control, untick “View only” to use it")
                                       : tr("You see and control the screen");
    } else if (control_denied_) {
        text = tr("The user did not allow control: you see the screen (view only)");
        style = kRefusedStyle;
    } else {
        text = tr("You see the screen (view only)");
    }
    state_->setText(text);
    state_->setStyleSheet(style);
}

void SessionWindow::offer_clipboard() {
    // Only while the technician's input reaches the machine and this window is in front: text copied for
    // another program while working there is not handed over until the technician comes back here.
    if (!session_ || !input_allowed() || !isActiveWindow()) return;
    const QString text = QApplication::clipboard()->text();
    if (text.isEmpty() || text == clipboard_seen_) return;  // nothing, or what the machine itself just gave us
    auto latin1 = utf8_to_latin1(text.toStdString());
    if (!latin1) return;
    clipboard_seen_ = text;
    if (auto sent = session_->rfb().send_clipboard(*latin1); !sent) {
        statusBar()->showMessage(tr("The clipboard was not sent: %1").arg(q(sent.error().message)), 10'000);
    }
}

void SessionWindow::changeEvent(QEvent* event) {
    // Coming back to the window is when text copied elsewhere meanwhile goes to the machine.
    if (event->type() == QEvent::ActivationChange && isActiveWindow()) offer_clipboard();
    QMainWindow::changeEvent(event);
}

void SessionWindow::apply_quality(int index) {
    if (!session_ || index < 0) return;
    session_->rfb().set_encoding(kQualities[index].encoding, kQualities[index].quality);
}

void SessionWindow::update_figures() {
    if (!session_) return;
    const auto updates = session_->rfb().updates();
    const auto bytes = session_->rfb().bytes_received();
    figures_->setText(tr("%1 updates/s   %2/s   latency %3   %4 × %5")
                          .arg(updates - last_updates_)
                          .arg(models::format_bytes(static_cast<qint64>(bytes - last_bytes_)))
                          .arg(latency_text(session_->rfb().input_latency()))
                          .arg(view_->image().width())
                          .arg(view_->image().height()));
    last_updates_ = updates;
    last_bytes_ = bytes;
}

void SessionWindow::session_changed(const v1::Session& session) {
    if (q(session.id()) == session_id_) on_session(session);
}

void SessionWindow::ended(const QString& why) {
    if (over_) return;
    over_ = true;
    upgrade_check_->stop();
    view_->set_input_enabled(false);
    view_only_->setEnabled(false);
    quality_->setEnabled(false);
    end_->setText(tr("Close"));
    state_->setText(tr("Session over: %1").arg(why));
    view_->set_placeholder(tr("Session over: %1").arg(why));
    state_->setStyleSheet("color: #b00020; font-weight: bold");
}

void SessionWindow::chat_received(const v1::ChatMessage& message) {
    if (q(message.ticket_number()) == ticket_) chat_log_->appendPlainText(models::chat_line(message));
}

void SessionWindow::send_chat() {
    const QString text = chat_input_->text().trimmed();
    if (text.isEmpty()) return;
    const std::string number = ticket_.toStdString();
    chat_input_->setEnabled(false);
    client_.call<v1::ChatMessage>(
        this, [number, text = text.toStdString()](RelayApi& api) { return api.send_chat(number, text); },
        [this](core::Result<v1::ChatMessage> sent) {
            chat_input_->setEnabled(true);
            if (!sent) return statusBar()->showMessage(q(sent.error().message));
            chat_input_->clear();
        });
}

void SessionWindow::closeEvent(QCloseEvent* event) {
    // Ending goes through the relay's API (by the main window, which outlives this one), so the record
    // says the technician ended it, and a request still waiting for the user is withdrawn.
    if (!over_ && !session_id_.isEmpty()) emit end_requested(session_id_);
    view_->attach(nullptr);
    if (session_) session_->close();
    QMainWindow::closeEvent(event);
}

}  // namespace lifeline::viewer::ui
