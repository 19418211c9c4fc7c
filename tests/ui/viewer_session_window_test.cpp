// The remote-session window under Xvfb with the real relay and the real agent on an X server of its own: a view
// session asks the user for control (a "no" keeps it view-only and says so; a "yes" lets clicks and keys reach
// the user's programs, and the live figures then show the input latency), and the clipboard crosses both ways in
// a control session. Screenshots: screenshots/viewer-session-*.png.
#include "tests/support/agent_process.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/qt_wait.hpp"
#include "tests/support/relay_process.hpp"
#include "tests/support/xvfb_process.hpp"
#include "tests/ui/user_apps.hpp"
#include "tests/ui/user_screen.hpp"
#include "tests/ui/viewer_test_support.hpp"
#include "viewer/ui/main_window.hpp"
#include "viewer/ui/remote_view.hpp"
#include "viewer/ui/session_window.hpp"
#include "viewer/ui/sign_in_dialog.hpp"
#include "viewer/ui/ticket_panel.hpp"

#include <gtest/gtest.h>

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPushButton>
#include <QTableView>

#include <optional>
#include <regex>

namespace lifeline::testing {
namespace {

// The relay, tina signed in at her desk, and the user's machine: the real agent on its own X server showing
// UserScreen's picture with UserApps' window on it, and a Get-help ticket that tina has claimed.
struct SessionDesk {
    SessionDesk() : x(1024, 768), screen(x.display()), apps(x.display()) {
        relay.start();
        ApiClient admin(relay.client());
        admin.login("admin", relay.admin_password());
        admin.create_user("tina", v1::TECHNICIAN, "tina-password-1", 1);
        ApiClient tina(relay.client());
        tina.login("tina", "tina-password-1");
        EXPECT_EQ(agent.enroll(relay, "desk-window").exit_code, 0);
        agent.start({"DISPLAY=" + x.display()});
        agent.wait_connected(true);
        auto help = agent.command({"help", "--subject", "The printer dialog hangs"});
        std::smatch found;
        EXPECT_TRUE(std::regex_search(help.out, found, std::regex("LL-\\d{6}"))) << help.out << help.err;
        EXPECT_EQ(tina.call("POST", "/api/v1/tickets/" + found.str() + "/claim").status, 200u);
        sign_in(dialog, relay, "tina", "tina-password-1", false);
        window.emplace(client, dialog.signed_in());
        window->resize(1400, 850);
        window->show();
    }

    // The user answers the request waiting at the machine, as `lifeline-agent consent allow|deny`.
    void user_answers(const std::string& answer) {
        EXPECT_TRUE(wait_until([&] { return agent.status_json().find("pendingRequest") != std::string::npos; }))
            << agent.status_json();
        EXPECT_EQ(agent.command({"consent", answer}).exit_code, 0);
    }

    // Asks from the ticket panel (`button`: "see-screen" or "control-screen"), has the user allow it, and
    // answers the window once it shows the user's picture (nullptr, with failures, if it never does).
    viewer::ui::SessionWindow* session(const char* button) {
        auto* table = window->queue_view();
        EXPECT_TRUE(wait_until([&] { return window->live() && table->model()->rowCount() == 1; }));
        table->setCurrentIndex(table->model()->index(0, 0));
        auto* ask = child<QPushButton>(*window->ticket_panel(), button);
        EXPECT_TRUE(wait_until([&] { return ask->isEnabled(); })) << "the machine is online";
        ask->click();
        if (window->session_windows().size() != 1u) {
            ADD_FAILURE() << window->session_windows().size() << " session windows";
            return nullptr;
        }
        auto* opened = window->session_windows().front();
        EXPECT_TRUE(wait_until([&] { return opened->state_label()->text().contains("consent"); }));
        user_answers("allow");
        const QImage& picture = opened->remote_view()->image();
        const bool shown = wait_until([&] {
            return picture.width() == 1024 && qGreen(picture.pixel(100, 600)) > 0x60 &&
                   qRed(picture.pixel(350, 250)) > 0xe0;
        });
        EXPECT_TRUE(shown) << opened->state_label()->text().toStdString() << agent.log();
        if (!shown) return nullptr;
        // 1:1, so a point on the view is the same point on the user's screen.
        child<QCheckBox>(*opened, "session-fit")->setChecked(false);
        EXPECT_TRUE(wait_until([&] { return opened->remote_view()->width() == 1024; }));
        return opened;
    }

    XvfbProcess x;
    UserScreen screen;
    UserApps apps;
    RelayProcess relay;
    AgentProcess agent;
    viewer::ui::RelayClient client;
    viewer::ui::SignInDialog dialog{client};
    std::optional<viewer::ui::MainWindow> window;
};

void click(QWidget& view, QPoint at) {
    for (auto type : {QEvent::MouseButtonPress, QEvent::MouseButtonRelease}) {
        QMouseEvent event(type, at, view.mapToGlobal(QPointF(at)), Qt::LeftButton,
                          type == QEvent::MouseButtonPress ? Qt::LeftButton : Qt::NoButton, Qt::NoModifier);
        QApplication::sendEvent(&view, &event);
    }
}

void type(QWidget& view, const QString& text) {
    for (const QChar ch : text) {
        const int key = Qt::Key_A + (ch.toLower().unicode() - 'a');
        for (auto kind : {QEvent::KeyPress, QEvent::KeyRelease}) {
            QKeyEvent event(kind, key, Qt::NoModifier, QString(ch));
            QApplication::sendEvent(&view, &event);
        }
    }
}

std::string text_of(const QLabel* label) { return label->text().toStdString(); }

// The toolbar lays a changed state line out on its next pass: a screenshot waits for the whole line.
void screenshot_when_laid_out(QWidget& window, QLabel* state, const std::string& name) {
    EXPECT_TRUE(wait_until([&] { return state->width() >= state->sizeHint().width(); })) << text_of(state);
    screenshot(window, name);
}

TEST(ViewerDesktop, a_view_session_gets_control_only_when_the_user_allows_it) {
    SessionDesk desk;
    auto* session = desk.session("see-screen");
    ASSERT_NE(session, nullptr);
    auto* view = session->remote_view();
    auto* view_only = session->view_only_toggle();
    auto* state = session->state_label();
    auto* figures = session->figures_label();
    EXPECT_TRUE(view_only->isChecked() && view_only->isEnabled());
    EXPECT_EQ(state->text(), "You see the screen (view only)");
    EXPECT_TRUE(wait_until([&] { return figures->text().contains("latency —"); })) << text_of(figures);

    // Unticking "View only" asks the user; the window says it waits for them.
    view_only->click();
    EXPECT_TRUE(wait_until([&] { return state->text().contains("Waiting for the user to allow control"); }))
        << text_of(state);
    EXPECT_FALSE(view_only->isEnabled());
    screenshot_when_laid_out(*session, state, "session-upgrade-waiting");

    // "No": still view only, and the window says so; a click now never reaches the machine.
    desk.user_answers("deny");
    EXPECT_TRUE(wait_until([&] { return state->text().contains("did not allow control"); })) << text_of(state);
    EXPECT_TRUE(view_only->isChecked() && view_only->isEnabled());
    screenshot_when_laid_out(*session, state, "session-upgrade-denied");
    click(*view, QPoint(250, 200));

    // Text tina copied while she could only watch stays with her...
    session->activateWindow();
    ASSERT_TRUE(wait_until([&] { return session->isActiveWindow(); }));
    QApplication::clipboard()->setText("copied while watching");
    EXPECT_NE(desk.apps.clipboard_text(std::chrono::milliseconds(300)), "copied while watching");

    // Asked again, "yes": clicks and keys reach the user's window, in order and nothing before them.
    view_only->click();
    EXPECT_TRUE(wait_until([&] { return state->text().contains("Waiting for the user"); })) << text_of(state);
    desk.user_answers("allow");
    ASSERT_TRUE(wait_until([&] { return state->text() == "You see and control the screen"; })) << text_of(state);
    EXPECT_FALSE(view_only->isChecked());
    // ...until control is granted: then it is what she means to paste first.
    std::string pasted;
    EXPECT_TRUE(wait_until([&] {
        pasted = desk.apps.clipboard_text(std::chrono::milliseconds(200));
        return pasted == "copied while watching";
    })) << pasted;
    click(*view, QPoint(300, 250));
    type(*view, "hi");
    std::string seen;
    EXPECT_TRUE(wait_until([&] {
        seen += desk.apps.take_input();
        return seen.size() >= std::string("click@100,100 hi").size();
    })) << seen;
    EXPECT_EQ(seen, "click@100,100 hi");

    // The pointer the machine draws answered that input: the figures show how long it took.
    const std::regex measured("latency (\\d+|< 1) ms");
    EXPECT_TRUE(wait_until([&] { return std::regex_search(text_of(figures), measured); })) << text_of(figures);
    ::testing::Test::RecordProperty("figures", text_of(figures));
    screenshot(*session, "session-figures");

    // Ticking "View only" again pauses tina's input without asking anyone.
    view_only->click();
    EXPECT_TRUE(state->text().startsWith("View only")) << text_of(state);
    click(*view, QPoint(310, 260));
    view_only->click();
    click(*view, QPoint(320, 270));
    seen.clear();
    EXPECT_TRUE(wait_until([&] {
        seen += desk.apps.take_input();
        return !seen.empty();
    }));
    EXPECT_EQ(seen, "click@120,120 ");
    session->close();
}

TEST(ViewerDesktop, the_clipboard_crosses_both_ways_in_a_control_session) {
    SessionDesk desk;
    auto* session = desk.session("control-screen");
    ASSERT_NE(session, nullptr);
    ASSERT_TRUE(wait_until([&] { return session->state_label()->text() == "You see and control the screen"; }));
    session->activateWindow();
    ASSERT_TRUE(wait_until([&] { return session->isActiveWindow(); }));

    // Copied on the user's machine (UTF-8 there, Latin-1 on the wire): it is in the technician's clipboard.
    desk.apps.own_clipboard("na\xc3\xafve copy from the user");
    EXPECT_TRUE(wait_until([&] {
        desk.apps.pump();
        return QApplication::clipboard()->text() == QString::fromUtf8("naïve copy from the user");
    })) << QApplication::clipboard()->text().toStdString();

    // Copied in the viewer: the user's programs can paste it.
    QApplication::clipboard()->setText(QString::fromUtf8("café from tina"));
    std::string pasted;
    EXPECT_TRUE(wait_until([&] {
        pasted = desk.apps.clipboard_text(std::chrono::milliseconds(200));
        return pasted == "caf\xc3\xa9 from tina";
    })) << pasted;
    session->close();
}

}  // namespace
}  // namespace lifeline::testing
