#include "viewer/ui/tour.hpp"

#include "viewer/ui/lead_window.hpp"
#include "viewer/ui/main_window.hpp"
#include "viewer/ui/playback_window.hpp"
#include "viewer/ui/remote_view.hpp"
#include "viewer/ui/session_window.hpp"
#include "viewer/ui/sign_in_dialog.hpp"
#include "viewer/ui/ticket_panel.hpp"

#include <QApplication>
#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>

namespace lifeline::viewer::ui {

namespace {

using namespace std::chrono_literals;

constexpr auto kStepTimeout = 20s;
constexpr auto kPlaybackTimeout = 30s;

// A step that did not happen; caught once, in run_tour.
struct TourFailed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Tour {
    Q_DECLARE_TR_FUNCTIONS(Tour)

public:
    Tour(const TourOptions& options, const std::function<void(const QString&)>& progress)
        : options_(options), progress_(progress) {}

    TourResult run() {
        try {
            walk();
        } catch (const TourFailed& e) {
            result_.failure = QString::fromUtf8(e.what());
        }
        return result_;
    }

private:
    void walk() {
        if (!QDir().mkpath(options_.directory)) fail(tr("cannot make the directory %1").arg(options_.directory));
        QFile::remove(QDir(options_.directory).absoluteFilePath("failed.png"));  // from an earlier tour
        RelayClient client;
        SignInDialog dialog(client);
        step(tr("Signing in as %1 at %2").arg(options_.technician, options_.relay_url));
        sign_in(dialog, options_.technician, options_.technician_password, true);

        MainWindow window(client, dialog.signed_in());
        window.resize(1400, 860);
        window.show();
        on_ = &window;
        step(tr("Opening the queue"));
        if (auto* all = window.findChild<QToolButton*>("view-all")) all->click();  // the ticket, whatever its view
        wait_for([&] { return window.live() && window.queue_model()->row_of(options_.ticket) >= 0; }, kStepTimeout,
                 tr("the live queue with %1").arg(options_.ticket));
        shot(window, "03-queue");

        step(tr("Opening %1 and claiming it").arg(options_.ticket));
        auto* table = window.queue_view();
        const QModelIndex row = window.queue_filter()->mapFromSource(
            window.queue_model()->index(window.queue_model()->row_of(options_.ticket), 0));
        table->setCurrentIndex(row);
        table->scrollTo(row);
        auto* panel = window.ticket_panel();
        auto* control = required<QPushButton>(*panel, "control-screen");
        auto* info = required<QTreeWidget>(*panel, "system-info");
        wait_for([&] { return info->topLevelItemCount() > 0 && control->isEnabled(); }, kStepTimeout,
                 tr("%1 with its machine online").arg(options_.ticket));
        if (auto* claim = required<QPushButton>(*panel, "claim"); claim->isEnabled()) {
            claim->click();
            wait_for([&] { return !claim->isEnabled(); }, kStepTimeout, tr("the claim"));
        }
        shot(window, "04-ticket");

        step(tr("Asking to control the machine's screen"));
        control->click();
        if (window.session_windows().empty()) fail(tr("no session window opened"));
        QPointer<SessionWindow> session = window.session_windows().back();
        on_ = session.data();
        wait_for([&] { return !session->session_id().isEmpty() || session->over(); }, kStepTimeout,
                 tr("the relay's answer to the session request"));
        if (session->over()) fail(tr("the session was refused: %1").arg(session->state_label()->text()));
        result_.session_id = session->session_id();
        shot(*session, "05-waiting-for-consent");

        step(tr("Waiting for the user's consent (session %1)").arg(result_.session_id));
        // A whole update, not just the framebuffer's size: the view shows black from the size until then.
        wait_for([&] { return session->updates_received() > 0 || session->over(); }, options_.consent_timeout,
                 tr("the user's consent and the first picture"));
        if (session->over()) fail(tr("no remote screen: %1").arg(session->state_label()->text()));
        session->remote_view()->mark_dirty();  // the view copies the framebuffer once more, after that update
        linger(std::max<std::chrono::milliseconds>(options_.picture_settles, 100ms));

        step(tr("Chatting with the user"));
        auto* input = required<QLineEdit>(*session, "session-chat-input");
        auto* log = required<QPlainTextEdit>(*session, "session-chat-log");
        const QString line = options_.chat_line.isEmpty()
                                 ? tr("Hello, this is %1 from the helpdesk: I can see your screen now.")
                                       .arg(QString::fromStdString(dialog.signed_in().login.user().display_name()))
                                 : options_.chat_line;
        input->setText(line);
        QMetaObject::invokeMethod(input, "returnPressed");
        wait_for([&] { return log->toPlainText().contains(line); }, kStepTimeout,
                 tr("the chat line back from the relay"));
        shot(*session, "08-remote-screen");

        step(tr("Ending the session"));
        if (!session->close()) fail(tr("the session window did not close"));  // as End session does
        for (const auto deadline = std::chrono::steady_clock::now() + kStepTimeout;;) {
            const auto s = relay_session(client, window);
            if (s && s->state() == v1::Session::ENDED && !s->recording_sha256().empty()) break;
            if (std::chrono::steady_clock::now() > deadline)
                fail(tr("gave up waiting for the relay to end the session and keep its recording"));
            linger(250ms);
        }
        window.close();

        if (options_.lead.isEmpty()) {
            step(tr("Opening %1's own sessions").arg(options_.technician));
            review(*window.open_review(), false);
            return;
        }
        RelayClient lead_client;
        SignInDialog lead_dialog(lead_client);
        step(tr("Signing in as the lead, %1").arg(options_.lead));
        sign_in(lead_dialog, options_.lead, options_.lead_password, false);
        MainWindow lead_window(lead_client, lead_dialog.signed_in());  // its review window is the screen here
        auto* lead_review = lead_window.open_review();
        if (lead_review->audit_model() == nullptr) fail(tr("%1 is not a lead").arg(options_.lead));
        review(*lead_review, true);
    }

    void review(LeadWindow& window, bool lead) {
        window.resize(1400, 820);
        on_ = &window;
        if (lead) {
            step(tr("Reading the audit log and verifying its chain"));
            bool checked = false;
            QObject::connect(&window, &LeadWindow::chain_checked, [&checked] { checked = true; });
            wait_for([&] { return window.audit_model()->rowCount() > 0; }, kStepTimeout, tr("the audit log"));
            window.verify_audit();
            wait_for([&] { return checked; }, kStepTimeout, tr("the chain's verification"));
            shot(window, "09-review-audit");
        }

        step(tr("Finding the session in the sessions list"));
        auto* sessions = window.session_model();
        const auto row_of_session = [&] {
            for (int r = 0; r < sessions->rowCount(); ++r) {
                if (QString::fromStdString(sessions->session(r)->id()) == result_.session_id) return r;
            }
            return -1;
        };
        wait_for([&] { return row_of_session() >= 0; }, kStepTimeout,
                 tr("session %1 in the list").arg(result_.session_id));
        for (int tab = 0; tab < window.tabs()->count(); ++tab) {
            if (window.tabs()->widget(tab)->isAncestorOf(window.sessions_view())) window.tabs()->setCurrentIndex(tab);
        }
        window.sessions_view()->setCurrentIndex(sessions->index(row_of_session(), 0));
        shot(window, "10-review-sessions");
        if (!lead || !options_.playback) return;

        step(tr("Playing the session's recording back"));
        window.play_selected();
        if (window.playback_windows().empty()) fail(tr("no playback window opened"));
        auto* playback = window.playback_windows().back();
        playback->resize(1280, 820);
        on_ = playback;
        wait_for([&] { return playback->ready(); }, kPlaybackTimeout, tr("the recording"));
        bool settled = false;
        QObject::connect(playback, &PlaybackWindow::settled, [&settled] { settled = true; });
        playback->seek(playback->duration_ms());
        wait_for([&] { return settled; }, kPlaybackTimeout, tr("the recording's last picture"));
        shot(*playback, "11-playback");
    }

    // Signs in through the dialog; the relay's CA is trusted only when the prompt shows the expected fingerprint.
    void sign_in(SignInDialog& dialog, const QString& user, const QString& password, bool screenshots) {
        dialog.url_field()->setText(options_.relay_url);
        dialog.user_field()->setText(user);
        dialog.password_field()->setText(password);
        dialog.password_field()->setFocus();  // as when the command line fills in the rest
        dialog.show();
        on_ = &dialog;
        wait_for([&] { return dialog.isVisible(); }, kStepTimeout, tr("the sign-in dialog"));
        dialog.password_field()->deselect();  // focus selected it all, which the screenshot need not show
        if (screenshots) shot(dialog, "01-sign-in");
        QString refused;  // the fingerprint shown, when it was not the expected one
        QTimer answer;
        QObject::connect(&answer, &QTimer::timeout, [&] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            if (box == nullptr || box->objectName() != "trust-prompt") return;
            answer.stop();
            const bool expected = !options_.ca_fingerprint.isEmpty() &&
                                  box->text().contains(options_.ca_fingerprint, Qt::CaseInsensitive);
            if (expected) {
                if (screenshots) save(*box, "02-trust-relay");  // no throwing out of Qt's event handling
                box->button(QMessageBox::Yes)->click();
            } else {
                refused = box->text();
                box->button(QMessageBox::No)->click();
            }
        });
        answer.start(50);
        dialog.sign_in_button()->click();
        // The button is off while signing in, on again after a failure.
        wait_for([&] { return dialog.result() == QDialog::Accepted || dialog.sign_in_button()->isEnabled(); },
                 kStepTimeout, tr("the sign-in"));
        if (!refused.isEmpty())
            fail(tr("the relay's CA is not the expected %1:\n%2").arg(options_.ca_fingerprint, refused));
        if (dialog.result() != QDialog::Accepted)
            fail(tr("could not sign in as %1: %2").arg(user, dialog.status_label()->text()));
    }

    // The session as the relay has it now, read on the window's RelayClient; nothing if the call failed.
    std::optional<v1::Session> relay_session(RelayClient& client, QObject& receiver) {
        std::optional<core::Result<v1::Session>> answer;
        client.call<v1::Session>(
            &receiver, [id = result_.session_id.toStdString()](RelayApi& api) { return api.get_session(id); },
            [&answer](core::Result<v1::Session> s) { answer = std::move(s); });
        wait_for([&] { return answer.has_value(); }, kStepTimeout, tr("the relay"));
        if (!*answer) return std::nullopt;
        return std::move(**answer);
    }

    template <class T>
    T* required(QWidget& parent, const char* name) {
        auto* found = parent.findChild<T*>(name);
        if (found == nullptr) fail(tr("the window has no %1").arg(QString::fromLatin1(name)));
        return found;
    }

    // Runs the event loop until `done` holds; a failure of the tour when `timeout` passes first.
    void wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout, const QString& what) {
        if (!settle(done, timeout)) fail(tr("gave up waiting for %1").arg(what));
    }

    static bool settle(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
        if (done && done()) return true;
        QEventLoop loop;
        QTimer poll;
        QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
            if (done && done()) loop.quit();
        });
        QTimer::singleShot(timeout, &loop, &QEventLoop::quit);
        poll.start(25);
        loop.exec();
        return done && done();
    }

    static void linger(std::chrono::milliseconds time) { settle({}, time); }

    void shot(QWidget& widget, const QString& name) {
        if (!save(widget, name)) fail(tr("cannot save %1").arg(QDir(options_.directory).absoluteFilePath(name)));
    }

    bool save(QWidget& widget, const QString& name) {
        const QString path = QDir(options_.directory).absoluteFilePath(name + ".png");
        if (!widget.grab().save(path)) return false;
        result_.screenshots << path;
        return true;
    }

    void step(const QString& what) {
        if (progress_) progress_(what);
    }

    // Saves the window the tour is on while it is still there, then leaves the tour.
    [[noreturn]] void fail(const QString& why) {
        save_failure();
        throw TourFailed(why.toStdString());
    }

    void save_failure() {
        QWidget* widget = QApplication::activeModalWidget();
        if (widget == nullptr) widget = on_.data();
        const auto windows = QApplication::topLevelWidgets();
        for (auto it = windows.rbegin(); widget == nullptr && it != windows.rend(); ++it) {
            if ((*it)->isVisible()) widget = *it;
        }
        if (widget != nullptr) save(*widget, "failed");
    }

    const TourOptions& options_;
    const std::function<void(const QString&)>& progress_;
    TourResult result_;
    QPointer<QWidget> on_;  // the window the tour works in now
};

}  // namespace

TourResult run_tour(const TourOptions& options, const std::function<void(const QString&)>& progress) {
    return Tour(options, progress).run();
}

}  // namespace lifeline::viewer::ui
