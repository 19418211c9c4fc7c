// The desktop viewer end to end under Xvfb: the real relay, a machine (a bare control channel, or the
// real agent on an X server of its own), the real widgets. Signs in (confirming the relay's CA on
// first use), reads the live queue, opens the machine's ticket, chats with the user, watches a new
// ticket arrive without a reload, and runs a remote session from consent to its end. Saves a
// screenshot of each main screen into the build directory (screenshots/viewer-*.png).
#include "shared/net/pki.hpp"
#include "tests/support/agent_channel_client.hpp"
#include "tests/support/agent_process.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/qt_wait.hpp"
#include "tests/support/relay_process.hpp"
#include "tests/support/xvfb_process.hpp"
#include "tests/ui/user_screen.hpp"
#include "tests/ui/viewer_test_support.hpp"
#include "viewer/ui/attachments_view.hpp"
#include "viewer/ui/lead_window.hpp"
#include "viewer/ui/main_window.hpp"
#include "viewer/ui/playback_window.hpp"
#include "viewer/ui/remote_view.hpp"
#include "viewer/ui/session_window.hpp"
#include "viewer/ui/sign_in_dialog.hpp"
#include "viewer/ui/ticket_panel.hpp"

#include <gtest/gtest.h>

#include <QApplication>
#include <QBuffer>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QMouseEvent>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QTabWidget>
#include <QTableView>
#include <QThread>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>

#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <thread>

namespace lifeline::testing {
namespace {

namespace fs = std::filesystem;

v1::SystemInfo machine_info() {
    v1::SystemInfo info;
    info.set_hostname("pc-accounting-07");
    info.set_user("mia");
    info.set_os_name("Debian GNU/Linux 12 (bookworm)");
    info.set_kernel("6.1.0-18-amd64");
    info.set_architecture("x86_64");
    info.set_cpu_model("Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz");
    info.set_cpu_cores(8);
    info.set_memory_total(16LL << 30);
    info.set_memory_available(3LL << 30);
    info.set_uptime_seconds(3 * 86400 + 5 * 3600);
    info.set_display_server("x11");
    auto* disk = info.add_disks();
    disk->set_mount_point("/");
    disk->set_filesystem("ext4");
    disk->set_size(250LL << 30);
    disk->set_free(12LL << 30);
    auto* nic = info.add_interfaces();
    nic->set_name("enp0s31f6");
    nic->set_up(true);
    nic->add_addresses("192.0.2.17/24");
    info.set_default_gateway("192.0.2.1");
    auto* screen = info.add_screens();
    screen->set_name("eDP-1");
    screen->set_width(1920);
    screen->set_height(1080);
    screen->set_primary(true);
    info.add_failed_units("cups.service");
    return info;
}

const auto* const kScreen = ::testing::AddGlobalTestEnvironment(new ViewerScreen(1440, 900, "viewer_desktop_test"));

// A running relay with its admin and a technician, tina, both signed in over the API.
struct Helpdesk {
    Helpdesk() : admin(started(relay).client()), tina(relay.client()) {
        admin.login("admin", relay.admin_password());
        admin.create_user("tina", v1::TECHNICIAN, "tina-password-1", 1);
        tina.login("tina", "tina-password-1");
    }
    static RelayProcess& started(RelayProcess& relay) {
        relay.start();
        return relay;
    }
    RelayProcess relay;
    ApiClient admin;
    ApiClient tina;
};

TEST(ViewerDesktop, signs_in_reads_the_live_queue_opens_a_ticket_and_chats) {
    Helpdesk desk;
    auto& [relay, admin, tina] = desk;
    auto machine = machine_with_ticket(relay, "desk-1", machine_info(), "Outlook <b>keeps</b> asking for my password");
    ASSERT_EQ(tina.call("POST", "/api/v1/tickets/" + machine.ticket + "/claim").status, 200u);
    {
        // The Get-help screenshot, as the machine would attach it.
        QImage picture(64, 48, QImage::Format_RGB32);
        picture.fill(qRgb(0xc0, 0x20, 0x20));
        QByteArray png;
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        ASSERT_TRUE(picture.save(&buffer, "PNG"));
        auto upload =
            relay.client().request("POST", "/api/v1/tickets/" + machine.ticket + "/attachments?name=screen.png",
                                   png.toStdString(), tina.token(), {{"Content-Type", "image/png"}});
        ASSERT_EQ(upload.status, 201u) << upload.body;
    }
    tina.create_ticket("Projector in room 2 flickers", v1::P2);
    admin.create_ticket("Payroll server unreachable", v1::P1);
    admin.create_ticket("New starter needs a laptop", v1::P4);

    viewer::ui::RelayClient client;
    viewer::ui::SignInDialog sign_in_dialog(client);
    const std::string shown_prompt = sign_in(sign_in_dialog, relay, "tina", "tina-password-1", true);
    std::ifstream ca_file(relay.ca_file());
    const std::string ca_pem((std::istreambuf_iterator<char>(ca_file)), std::istreambuf_iterator<char>());
    EXPECT_NE(shown_prompt.find(net::certificate_fingerprint(ca_pem)), std::string::npos) << shown_prompt;
    EXPECT_FALSE(QSettings().value("server/url").toString().isEmpty());
    for (const auto& key : QSettings().allKeys())
        EXPECT_NE(QSettings().value(key).toString(), "tina-password-1") << "the password is never stored";

    viewer::ui::MainWindow window(client, sign_in_dialog.signed_in());
    window.resize(1400, 850);
    window.show();
    auto* table = window.queue_view();
    ASSERT_TRUE(wait_until([&] { return window.live() && table->model()->rowCount() == 4; }));
    // Priority first: P1, P2, then the machine's P3, then P4.
    EXPECT_EQ(table->model()->index(0, 2).data().toString(), "Payroll server unreachable");
    EXPECT_EQ(table->model()->index(3, 2).data().toString(), "New starter needs a laptop");
    EXPECT_EQ(child<QToolButton>(window, "view-mine")->text(), "Mine (1)");
    EXPECT_EQ(child<QToolButton>(window, "view-unassigned")->text(), "Unassigned (3)");
    screenshot(window, "3-queue");

    // The machine's ticket: its subject shown as the text it is, the machine laid out in sections.
    int row = 0;
    while (row < 4 && table->model()->index(row, 0).data().toString().toStdString() != machine.ticket)
        ++row;
    table->setCurrentIndex(table->model()->index(row, 0));
    auto* panel = window.ticket_panel();
    auto* info = child<QTreeWidget>(*panel, "system-info");
    ASSERT_TRUE(wait_until([&] { return info->topLevelItemCount() >= 5; }));
    const QString title = child<QLabel>(*panel, "ticket-title")->text();
    EXPECT_TRUE(title.contains("Outlook <b>keeps</b> asking")) << title.toStdString();
    EXPECT_EQ(info->topLevelItem(0)->text(0), "Machine");
    EXPECT_EQ(info->topLevelItem(0)->child(0)->text(1), "pc-accounting-07");
    auto* facts = child<QLabel>(*panel, "ticket-facts");
    EXPECT_TRUE(wait_until([&] { return facts->text().contains("Machine: pc-accounting-07 (online)"); }))
        << facts->text().toStdString();
    screenshot(window, "4-ticket");

    panel->tabs()->setCurrentIndex(1);
    auto* timeline = child<QTreeWidget>(*panel, "timeline");
    ASSERT_TRUE(wait_until([&] { return timeline->topLevelItemCount() >= 2; }));
    screenshot(window, "5-timeline");

    // Chat: tina writes, the machine gets it; the user answers and it shows up live.
    panel->tabs()->setCurrentIndex(2);
    auto* input = child<QLineEdit>(*panel, "chat-input");
    input->setText("Hello Mia, I am looking at it now.");
    QMetaObject::invokeMethod(input, "returnPressed");
    auto pushed = machine.channel->receive();
    ASSERT_TRUE(pushed.has_chat()) << pushed.DebugString();
    EXPECT_EQ(pushed.chat().text(), "Hello Mia, I am looking at it now.");
    v1::AgentToRelay answer;
    answer.mutable_chat_send()->set_request_id(1);
    answer.mutable_chat_send()->set_ticket_number(machine.ticket);
    answer.mutable_chat_send()->set_text("Thanks! It started after the update.");
    machine.channel->send(answer);
    auto* log = child<QPlainTextEdit>(*panel, "chat-log");
    ASSERT_TRUE(wait_until([&] { return log->toPlainText().contains("It started after the update"); }))
        << log->toPlainText().toStdString();
    EXPECT_TRUE(log->toPlainText().contains("tina Example: Hello Mia"));
    screenshot(window, "6-chat");

    // The machine's screenshot, previewed from the ticket's files.
    const int files = panel->tabs()->indexOf(panel->attachments());
    EXPECT_TRUE(wait_until([&] { return panel->tabs()->tabText(files) == "&Files (1)"; }))
        << panel->tabs()->tabText(files).toStdString();
    panel->tabs()->setCurrentIndex(files);
    ASSERT_TRUE(wait_until([&] { return !panel->attachments()->preview().isNull(); }));
    EXPECT_EQ(panel->attachments()->preview().size(), QSize(64, 48));
    EXPECT_EQ(panel->attachments()->preview().pixel(10, 10), qRgb(0xc0, 0x20, 0x20));
    screenshot(window, "13-files");

    // A public reply and an internal note, each kept as what it is; and the priority raised.
    panel->tabs()->setCurrentIndex(3);
    auto* reply = child<QPlainTextEdit>(*panel, "reply-text");
    auto* internal = child<QCheckBox>(*panel, "reply-internal");
    auto* send = child<QPushButton>(*panel, "reply-send");
    reply->setPlainText("Please restart Outlook once; I have reset your mailbox session.");
    send->click();
    ASSERT_TRUE(wait_until([&] { return reply->toPlainText().isEmpty(); }));
    internal->setChecked(true);
    reply->setPlainText("Second time this month: check the mailbox quota.");
    screenshot(window, "12-reply");
    send->click();
    ASSERT_TRUE(wait_until([&] { return reply->toPlainText().isEmpty(); }));
    v1::CommentList comments;
    from_json(tina.call("GET", "/api/v1/tickets/" + machine.ticket + "/comments").body, comments);
    ASSERT_EQ(comments.comments_size(), 2) << comments.DebugString();
    EXPECT_FALSE(comments.comments(0).internal());
    EXPECT_TRUE(comments.comments(1).internal());
    auto* priority = child<QComboBox>(*panel, "priority");
    const int p2 = priority->findData(static_cast<int>(v1::P2));
    priority->setCurrentIndex(p2);
    QMetaObject::invokeMethod(priority, "activated", Q_ARG(int, p2));
    v1::Ticket changed;
    EXPECT_TRUE(wait_until([&] {
        from_json(tina.call("GET", "/api/v1/tickets/" + machine.ticket).body, changed);
        return changed.priority() == v1::P2;
    })) << changed.priority();

    // A new ticket reaches the open queue through the event stream, no reload.
    admin.create_ticket("Printer on floor 3 jams", v1::P3);
    EXPECT_TRUE(wait_until([&] { return table->model()->rowCount() == 5; }));
    EXPECT_EQ(child<QToolButton>(window, "view-all")->text(), "All (5)");
    window.close();
}

bool near(QRgb pixel, QRgb want) {
    return std::abs(qRed(pixel) - qRed(want)) < 24 && std::abs(qGreen(pixel) - qGreen(want)) < 24 &&
           std::abs(qBlue(pixel) - qBlue(want)) < 24;
}

// The user's machine: the real agent on an X server of its own showing UserScreen's picture, enrolled on the
// desk's relay, with a Get-help ticket that tina has claimed.
struct UsersMachine {
    explicit UsersMachine(Helpdesk& desk) : x(1024, 768), screen(x.display()) {
        EXPECT_EQ(agent.enroll(desk.relay, "desk-session").exit_code, 0);
        agent.start({"DISPLAY=" + x.display()});
        agent.wait_connected(true);
        auto help = agent.command({"help", "--subject", "The spreadsheet shows wrong totals"});
        std::smatch found;
        EXPECT_TRUE(std::regex_search(help.out, found, std::regex("LL-\\d{6}"))) << help.out << help.err;
        number = found.str();
        EXPECT_EQ(desk.tina.call("POST", "/api/v1/tickets/" + number + "/claim").status, 200u);
    }
    XvfbProcess x;
    UserScreen screen;
    AgentProcess agent;
    std::string number;
};

// Asks for control of the machine's screen from tina's open queue, has the user allow it at the machine, and
// answers the session window once it shows the user's picture (nullptr, with test failures, if it never does).
viewer::ui::SessionWindow* consented_session(viewer::ui::MainWindow& window, UsersMachine& machine, bool screenshots) {
    auto* table = window.queue_view();
    EXPECT_TRUE(wait_until([&] { return window.live() && table->model()->rowCount() == 1; }));
    table->setCurrentIndex(table->model()->index(0, 0));
    auto* control = child<QPushButton>(*window.ticket_panel(), "control-screen");
    EXPECT_TRUE(wait_until([&] { return control->isEnabled(); })) << "the machine is online";
    control->click();
    EXPECT_EQ(window.session_windows().size(), 1u);
    if (window.session_windows().empty()) return nullptr;
    auto* session = window.session_windows().front();
    EXPECT_TRUE(wait_until([&] { return session->state_label()->text().contains("consent"); }))
        << session->state_label()->text().toStdString();
    if (screenshots) screenshot(*session, "7-session-waiting");

    // The user says yes at the machine.
    std::thread user([&] {
        for (int i = 0; i < 200 && machine.agent.status_json().find("pendingRequest") == std::string::npos; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        machine.agent.command({"consent", "allow"});
    });
    auto* view = session->remote_view();
    const bool shown = wait_until(
        [&] {
            const QImage& image = view->image();
            return image.width() == 1024 && near(image.pixel(300, 200), qRgb(255, 255, 255)) &&
                   near(image.pixel(100, 600), qRgb(0, 0x80, 0x80));
        },
        std::chrono::seconds(40));
    user.join();
    if (!shown) screenshot(*session, "8-session-failed");
    EXPECT_TRUE(shown) << session->state_label()->text().toStdString() << " image " << view->image().width() << "x"
                       << view->image().height() << machine.agent.log();
    return shown ? session : nullptr;
}

TEST(ViewerDesktop, a_control_session_waits_for_consent_shows_the_screen_takes_input_and_ends) {
    Helpdesk desk;
    UsersMachine machine(desk);
    auto& screen = machine.screen;
    auto& tina = desk.tina;

    viewer::ui::RelayClient client;
    viewer::ui::SignInDialog dialog(client);
    sign_in(dialog, desk.relay, "tina", "tina-password-1", false);
    viewer::ui::MainWindow window(client, dialog.signed_in());
    window.resize(1400, 850);
    window.show();
    auto* session = consented_session(window, machine, true);
    ASSERT_NE(session, nullptr);
    auto* view = session->remote_view();
    EXPECT_TRUE(session->state_label()->text().contains("control")) << session->state_label()->text().toStdString();
    screenshot(*session, "8-session-control");

    // 1:1, so a point on the view is the same point on the user's screen; the pointer goes there.
    child<QCheckBox>(*session)->setChecked(false);
    ASSERT_TRUE(wait_until([&] { return view->width() == 1024; }));
    QMouseEvent move(QEvent::MouseMove, QPointF(321, 234), view->mapToGlobal(QPointF(321, 234)), Qt::NoButton,
                     Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(view, &move);
    EXPECT_TRUE(wait_until([&] {
        return screen.pointer() == std::pair{321, 234};
    })) << screen.pointer().first
        << "," << screen.pointer().second;

    // Ending from the window: the relay records who ended it.
    const std::string id = session->session_id().toStdString();
    session->close();
    v1::Session ended;
    EXPECT_TRUE(wait_until([&] {
        from_json(tina.call("GET", "/api/v1/sessions/" + id).body, ended);
        return ended.state() == v1::Session::ENDED;
    })) << ended.DebugString();
    EXPECT_NE(ended.ended_by().find("tina"), std::string::npos) << ended.DebugString();
    window.close();
}

TEST(ViewerDesktop, a_lead_reviews_the_audit_log_and_plays_back_the_sessions_recording) {
    Helpdesk desk;
    desk.admin.create_user("lena", v1::LEAD, "lena-password-1", 0);
    UsersMachine machine(desk);

    // tina's session: consented, the screen seen for a moment, ended from her window.
    std::string id;
    {
        viewer::ui::RelayClient client;
        viewer::ui::SignInDialog dialog(client);
        sign_in(dialog, desk.relay, "tina", "tina-password-1", false);
        viewer::ui::MainWindow window(client, dialog.signed_in());
        window.show();
        auto* session = consented_session(window, machine, false);
        ASSERT_NE(session, nullptr);
        id = session->session_id().toStdString();
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a recording with some length to it
        session->close();
        v1::Session ended;
        ASSERT_TRUE(wait_until([&] {
            from_json(desk.tina.call("GET", "/api/v1/sessions/" + id).body, ended);
            return ended.state() == v1::Session::ENDED && !ended.recording_sha256().empty();
        })) << ended.DebugString();
        window.close();
    }

    // A technician's review window has only their own sessions; no audit log.
    viewer::ui::RelayClient tinas_client;
    {
        viewer::ui::SignInDialog dialog(tinas_client);
        sign_in(dialog, desk.relay, "tina", "tina-password-1", false);
        viewer::ui::MainWindow window(tinas_client, dialog.signed_in());
        auto* review = window.open_review();
        EXPECT_EQ(review->tabs()->count(), 1);
        EXPECT_EQ(review->audit_model(), nullptr);
        EXPECT_TRUE(wait_until([&] { return review->session_model()->rowCount() == 1; }));
    }

    viewer::ui::RelayClient client;
    viewer::ui::SignInDialog dialog(client);
    sign_in(dialog, desk.relay, "lena", "lena-password-1", false);
    viewer::ui::MainWindow window(client, dialog.signed_in());
    auto* review = window.open_review();
    review->resize(1400, 800);
    ASSERT_EQ(review->tabs()->count(), 3);  // audit log, sessions, the reports' dashboard

    // The audit log: every row, the chain intact, a filter, and an export that matches it.
    auto* audit = review->audit_model();
    ASSERT_TRUE(wait_until([&] { return audit->rowCount() > 5; }));
    review->verify_audit();
    ASSERT_TRUE(wait_until([&] { return review->chain_label()->text().contains("intact"); }))
        << review->chain_label()->text().toStdString();
    screenshot(*review, "9-audit");
    review->audit_action_filter()->setText("session.");
    bool loaded = false;
    QObject::connect(review, &viewer::ui::LeadWindow::audit_loaded, [&] { loaded = true; });
    review->search_audit();
    ASSERT_TRUE(wait_until([&] { return loaded; }));
    std::set<std::string> actions;
    for (int r = 0; r < audit->rowCount(); ++r)
        actions.insert(audit->entry(r)->action());
    EXPECT_TRUE(actions.contains("session.requested") && actions.contains("session.consented") &&
                actions.contains("session.ended"))
        << audit->rowCount();
    for (const auto& action : actions)
        EXPECT_EQ(action.rfind("session.", 0), 0u) << action;
    const fs::path csv = fs::absolute("screenshots/lead-audit.csv");
    fs::remove(csv);
    std::optional<bool> exported;
    QObject::connect(review, &viewer::ui::LeadWindow::exported, [&](bool ok) { exported = ok; });
    review->export_audit(QString::fromStdString(csv.string()));
    ASSERT_TRUE(wait_until([&] { return exported.has_value(); }));
    EXPECT_TRUE(*exported) << review->status_label()->text().toStdString();
    std::ifstream csv_file(csv);
    std::string header;
    std::getline(csv_file, header);
    EXPECT_EQ(header, "seq,at,actor,action,ticket,session,device,details,prev_hash,hash\r");
    int csv_rows = 0;
    for (std::string line; std::getline(csv_file, line);)
        ++csv_rows;
    EXPECT_EQ(csv_rows, audit->rowCount()) << "the export has the rows the filter shows";

    // The sessions: tina's, with its recording, played back from the list.
    review->tabs()->setCurrentIndex(1);
    auto* sessions = review->session_model();
    ASSERT_TRUE(wait_until([&] { return sessions->rowCount() == 1; }));
    EXPECT_EQ(sessions->session(0)->id(), id);
    EXPECT_EQ(sessions->index(0, viewer::models::SessionListModel::State).data().toString(), "Ended");
    review->sessions_view()->setCurrentIndex(sessions->index(0, 0));
    screenshot(*review, "10-sessions");
    review->play_selected();
    ASSERT_EQ(review->playback_windows().size(), 1u);
    auto* playback = review->playback_windows().front();
    // The download streams on a thread of its own, its progress under the picture until the recording is there.
    EXPECT_FALSE(playback->download_bar()->isHidden());
    screenshot(*playback, "11a-playback-downloading");
    ASSERT_TRUE(wait_until([&] { return playback->ready(); }, std::chrono::seconds(30)))
        << playback->status_label()->text().toStdString();
    EXPECT_TRUE(playback->download_bar()->isHidden());
    ASSERT_NE(playback->keyframes(), nullptr);
    EXPECT_GT(playback->duration_ms(), 1000u);
    std::vector<std::string> labels;
    for (const auto& mark : playback->marks())
        labels.push_back(mark.label.toStdString());
    EXPECT_NE(std::find(labels.begin(), labels.end(), "The user allowed it"), labels.end());
    EXPECT_NE(std::find(labels.begin(), labels.end(), "Screen sharing started"), labels.end());
    EXPECT_EQ(playback->events()->count(), static_cast<int>(labels.size()));

    // Seeking to the end shows the user's screen as the technician saw it.
    bool settled = false;
    QObject::connect(playback, &viewer::ui::PlaybackWindow::settled, [&] { settled = true; });
    playback->seek(playback->duration_ms());
    ASSERT_TRUE(wait_until([&] { return settled; }, std::chrono::seconds(30)));
    const QImage& picture = playback->remote_view()->image();
    ASSERT_EQ(picture.width(), 1024) << playback->status_label()->text().toStdString();
    EXPECT_TRUE(near(picture.pixel(300, 200), qRgb(255, 255, 255)));
    EXPECT_TRUE(near(picture.pixel(100, 600), qRgb(0, 0x80, 0x80)));
    EXPECT_EQ(playback->position_ms(), playback->duration_ms());

    // Playing from the start runs to the end by itself.
    settled = false;
    playback->seek(0);
    ASSERT_TRUE(wait_until([&] { return settled; }, std::chrono::seconds(30)));
    playback->play();
    EXPECT_TRUE(playback->playing());
    settled = false;
    ASSERT_TRUE(wait_until([&] { return settled && !playback->playing(); }, std::chrono::seconds(30)));
    EXPECT_EQ(playback->position_ms(), playback->duration_ms());
    EXPECT_TRUE(near(playback->remote_view()->image().pixel(300, 200), qRgb(255, 255, 255)));
    screenshot(*playback, "11-playback");
    window.close();
}

}  // namespace
}  // namespace lifeline::testing
