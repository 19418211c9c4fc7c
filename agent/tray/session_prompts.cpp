// The consent prompt and the sharing banner.
#include "agent/tray/session_prompts.hpp"

#include "agent/tray/tray_text.hpp"
#include "agent/tray/widgets.hpp"

#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QScreen>
#include <QTimer>
#include <QVBoxLayout>

#include <cmath>

namespace lifeline::agent::tray {

ConsentPrompt::ConsentPrompt(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Someone asks to see your screen"));
    setWindowFlag(Qt::WindowStaysOnTopHint);
    setWindowFlag(Qt::WindowContextHelpButtonHint, false);

    auto* title = new QLabel(tr("A request to see your screen"));
    title->setTextFormat(Qt::PlainText);
    QFont big = title->font();
    big.setPointSizeF(big.pointSizeF() * 1.3);
    big.setBold(true);
    title->setFont(big);
    // Everything below can carry names and subjects from the relay: plain text only.
    question_ = new QLabel;
    ticket_ = new QLabel;
    countdown_ = new QLabel;
    for (QLabel* label : {question_, ticket_, countdown_}) {
        label->setTextFormat(Qt::PlainText);
        label->setWordWrap(true);
    }
    QFont strong = question_->font();
    strong.setBold(true);
    question_->setFont(strong);
    auto* reassurance = new QLabel(tr("Only allow this if you asked for help. You can stop it at any time."));
    reassurance->setTextFormat(Qt::PlainText);
    reassurance->setWordWrap(true);

    allow_ = new QPushButton(tr("&Allow"));
    deny_ = new QPushButton(tr("&Deny"));
    allow_->setAutoDefault(false);
    allow_->setEnabled(false);
    connect(allow_, &QPushButton::clicked, this, [this] { answer(true); });
    connect(deny_, &QPushButton::clicked, this, [this] { answer(false); });
    give_room(allow_);
    give_room(deny_);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(deny_);
    buttons->addWidget(allow_);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(title);
    layout->addSpacing(4);
    layout->addWidget(question_);
    layout->addWidget(ticket_);
    layout->addWidget(reassurance);
    layout->addSpacing(4);
    layout->addWidget(countdown_);
    layout->addSpacing(8);
    layout->addLayout(buttons);
    setMinimumWidth(460);
    setTabOrder(deny_, allow_);
    deny_->setDefault(true);

    ticker_ = new QTimer(this);
    ticker_->setInterval(200);
    connect(ticker_, &QTimer::timeout, this, &ConsentPrompt::tick);
}

void ConsentPrompt::show_request(const v1::SessionRequest& request, int seconds_left) {
    const QString id = QString::fromStdString(request.session_id());
    // A status pushed before the answer reached the daemon still lists the request: it is answered.
    if (answered_.contains(id)) return;
    deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(seconds_left);
    if (id != session_id_ || !isVisible()) {
        session_id_ = id;
        question_->setText(consent_question(request));
        ticket_->setText(consent_ticket(request));
        shown_.start();
        allow_->setEnabled(false);
        show();
        activateWindow();
        deny_->setFocus();
    }
    raise();  // every refresh: nothing may cover it, but the focus is taken only once
    ticker_->start();
    tick();
}

void ConsentPrompt::set_remote_input_active(bool active) {
    remote_input_ = active;
    tick();
}

void ConsentPrompt::tick() {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
    countdown_->setText(countdown_text(static_cast<int>(std::ceil(std::max<double>(0, left.count()) / 1000.0))));
    const bool armed = shown_.isValid() && shown_.elapsed() >= kArmDelay.count();
    allow_->setEnabled(armed && !remote_input_);
    // Nothing may cover the question while it waits (the daemon no longer says so every second).
    if (isVisible() && ++ticks_ % 5 == 0) raise();
}

void ConsentPrompt::answer(bool allow) {
    if (session_id_.isEmpty()) return;
    // A click that slipped through while Allow was greyed out (or a scripted one) does not count.
    if (allow && !allow_->isEnabled()) return;
    const QString id = session_id_;
    answered_.insert(id);
    session_id_.clear();
    ticker_->stop();
    hide();
    emit answered(id, allow);
}

void ConsentPrompt::hideEvent(QHideEvent* event) {
    ticker_->stop();
    QDialog::hideEvent(event);
}

void ConsentPrompt::reject() {
    if (!session_id_.isEmpty()) {
        answer(false);
    } else {
        QDialog::reject();
    }
}

SharingBanner::SharingBanner(QWidget* parent)
    : QWidget(parent, Qt::Window | Qt::FramelessWindowHint | Qt::WindowStaysOnTopHint | Qt::WindowDoesNotAcceptFocus) {
    setObjectName("sharing-banner");
    setWindowTitle(tr("Lifeline: screen sharing"));  // what task lists and screen readers name it
    setAttribute(Qt::WA_ShowWithoutActivating);
    setAutoFillBackground(true);
    QPalette colours = palette();
    colours.setColor(QPalette::Window, QColor(0xb3, 0x26, 0x1e));
    colours.setColor(QPalette::WindowText, Qt::white);
    setPalette(colours);

    auto* dot = new QLabel(QString(QChar(0x25CF)));  // a "live" dot
    dot->setTextFormat(Qt::PlainText);
    text_ = new QLabel;
    text_->setTextFormat(Qt::PlainText);
    QFont strong = text_->font();
    strong.setBold(true);
    strong.setPointSizeF(strong.pointSizeF() * 1.1);
    text_->setFont(strong);
    stop_ = new QPushButton(tr("&Stop sharing"));
    stop_->setCursor(Qt::PointingHandCursor);
    connect(stop_, &QPushButton::clicked, this, &SharingBanner::stop_requested);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(14, 6, 8, 6);
    layout->setSpacing(10);
    layout->addWidget(dot);
    layout->addWidget(text_);
    layout->addSpacing(12);
    layout->addWidget(stop_);
}

void SharingBanner::show_session(const v1::ActiveSession& session) {
    const QString text = banner_text(QString::fromStdString(session.technician_name()), session.mode());
    if (text_->text() != text || !isVisible()) {
        text_->setText(text);
        adjustSize();
        place();
    }
    session_id_ = QString::fromStdString(session.session_id());
    if (!isVisible()) show();
    raise();
}

void SharingBanner::place() {
    QScreen* screen = QGuiApplication::primaryScreen();
    if (screen == nullptr) return;
    const QRect area = screen->availableGeometry();
    move(area.center().x() - width() / 2, area.top());
}

}  // namespace lifeline::agent::tray
