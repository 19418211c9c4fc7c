// The two windows a remote session brings: the consent prompt (who asks, for which ticket, what they want,
// Allow / Deny with a countdown; no answer is no) and the banner that stays on top while the session runs.
//
// Synthetic input: during a control session the technician's pointer and keys arrive as real X events, so
// Allow stays disabled while one is active and for the first second after the prompt appears; Deny is the
// default button, and Enter, Escape and closing the window all deny.
#pragma once

#include "lifeline.pb.h"

#include <QDialog>
#include <QElapsedTimer>
#include <QSet>
#include <QWidget>

#include <chrono>

class QLabel;
class QPushButton;
class QTimer;

namespace lifeline::agent::tray {

class ConsentPrompt : public QDialog {
    Q_OBJECT
public:
    static constexpr std::chrono::milliseconds kArmDelay{1000};

    explicit ConsentPrompt(QWidget* parent = nullptr);

    // Shows (or refreshes) the prompt for the daemon's pending request; the countdown restarts from
    // `seconds_left` on every refresh.
    void show_request(const v1::SessionRequest& request, int seconds_left);
    // True while a control session delivers remote input: Allow cannot be pressed then.
    void set_remote_input_active(bool active);
    const QString& session_id() const { return session_id_; }

    QLabel* question_label() const { return question_; }
    QLabel* ticket_label() const { return ticket_; }
    QLabel* countdown_label() const { return countdown_; }
    QPushButton* allow_button() const { return allow_; }
    QPushButton* deny_button() const { return deny_; }

signals:
    void answered(const QString& session_id, bool allow);

public slots:
    void reject() override;  // Escape and the window's close button: deny

protected:
    void hideEvent(QHideEvent* event) override;  // answered or withdrawn: the countdown stops

private:
    void tick();
    void answer(bool allow);

    QLabel* question_;
    QLabel* ticket_;
    QLabel* countdown_;
    QPushButton* allow_;
    QPushButton* deny_;
    QTimer* ticker_;
    QElapsedTimer shown_;
    std::chrono::steady_clock::time_point deadline_;
    QString session_id_;
    QSet<QString> answered_;  // session ids already answered here
    bool remote_input_ = false;
    int ticks_ = 0;
};

// Frameless, on top of everything, at the top centre of the screen.
class SharingBanner : public QWidget {
    Q_OBJECT
public:
    explicit SharingBanner(QWidget* parent = nullptr);

    void show_session(const v1::ActiveSession& session);

    QLabel* text_label() const { return text_; }
    QPushButton* stop_button() const { return stop_; }

signals:
    void stop_requested();

private:
    void place();

    QLabel* text_;
    QPushButton* stop_;
    QString session_id_;
};

}  // namespace lifeline::agent::tray
