// One remote session, from the ask to the end: waits for the user's consent, then shows the screen
// (fitted or 1:1), has a view-only toggle (unticking it in a view session asks the user for control),
// picks quality, syncs the clipboard while the technician controls, chats, shows live figures (updates/s,
// bandwidth, input latency), and says who ended the session and why. Closing the window ends the session.
#pragma once

#include "viewer/ui/relay_client.hpp"
#include "viewer/ui/sign_in_dialog.hpp"

#include <QMainWindow>

#include <cstdint>
#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QScrollArea;
class QTimer;

namespace lifeline::viewer {
class ViewerSession;
}

namespace lifeline::viewer::ui {

class RemoteView;

class SessionWindow : public QMainWindow {
    Q_OBJECT
public:
    SessionWindow(SignedIn signed_in, QString ticket, v1::SessionMode mode, std::optional<int> monitor,
                  QWidget* parent = nullptr);
    ~SessionWindow() override;

    // The relay's event stream: this session changed (answered, upgraded, ended), or a chat line arrived.
    void session_changed(const v1::Session& session);
    void chat_received(const v1::ChatMessage& message);

    const QString& ticket() const { return ticket_; }
    const QString& session_id() const { return session_id_; }
    bool connected() const;
    bool over() const { return over_; }      // ended, denied or failed: nothing more will happen here
    std::uint64_t updates_received() const;  // complete framebuffer updates of this session
    RemoteView* remote_view() const { return view_; }
    QLabel* state_label() const { return state_; }
    QLabel* figures_label() const { return figures_; }
    QCheckBox* view_only_toggle() const { return view_only_; }

signals:
    // The window closed before the session ended: end it through the relay's API.
    void end_requested(const QString& session_id);

protected:
    void closeEvent(QCloseEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    // Asking for control in a view session: `asking` until the relay has marked the request, then `pending`
    // until the user's answer. Only a session seen without the mark after that is a "no".
    enum class Upgrade { none, asking, pending };

    void start();
    void on_session(const v1::Session& session);
    void open_screen(v1::SessionMode mode);
    void attach(std::shared_ptr<ViewerSession> session);
    void ended(const QString& why);
    void set_control(bool control);
    void view_only_clicked(bool view_only);
    void ask_for_control();
    void upgrade_denied();
    void show_state();
    bool input_allowed() const;
    void offer_clipboard();
    void apply_quality(int index);
    void update_figures();
    void send_chat();

    SignedIn signed_in_;
    QString ticket_;
    v1::SessionMode mode_;
    std::optional<int> monitor_;
    QString session_id_;
    RelayClient client_;  // its own worker: waiting for consent must not hold up the main window's calls
    std::shared_ptr<ViewerSession> session_;
    bool control_ = false;
    bool over_ = false;
    bool opening_ = false;
    Upgrade upgrade_ = Upgrade::none;
    bool control_denied_ = false;
    QString clipboard_seen_;  // the text last exchanged with the machine, either way: never echoed back
    std::uint64_t last_updates_ = 0;
    std::uint64_t last_bytes_ = 0;
    QLabel* state_;
    QCheckBox* fit_;
    QCheckBox* view_only_;
    QComboBox* quality_;
    QPushButton* end_;
    QScrollArea* scroll_;
    RemoteView* view_;
    QPlainTextEdit* chat_log_;
    QLineEdit* chat_input_;
    QLabel* figures_;
    QTimer* upgrade_check_;
};

}  // namespace lifeline::viewer::ui
