// The desktop viewer end to end under Xvfb: the real relay, a machine on its control channel, the
// real widgets. Signs in (confirming the relay's CA on first use), reads the live queue, opens the
// machine's ticket, chats with the user, and watches a new ticket arrive without a reload. Saves a
// screenshot of each main screen into the build directory (screenshots/viewer-*.png).
#include "shared/net/pki.hpp"
#include "tests/support/agent_channel_client.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"
#include "tests/support/xvfb_process.hpp"
#include "viewer/ui/main_window.hpp"
#include "viewer/ui/sign_in_dialog.hpp"
#include "viewer/ui/ticket_panel.hpp"

#include <gtest/gtest.h>

#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
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

namespace lifeline::testing {
namespace {

namespace fs = std::filesystem;

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        QThread::msleep(10);
    }
    return true;
}

fs::path screenshot(QWidget& widget, const std::string& name) {
    fs::create_directories("screenshots");
    const fs::path path = fs::absolute(fs::path("screenshots") / ("viewer-" + name + ".png"));
    EXPECT_TRUE(widget.grab().save(QString::fromStdString(path.string()))) << path;
    return path;
}

template <class T>
T* child(QWidget& parent, const char* name = nullptr) {
    auto* found = name ? parent.findChild<T*>(name) : parent.findChild<T*>();
    EXPECT_NE(found, nullptr) << (name ? name : "child");
    return found;
}

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

TEST(ViewerDesktop, signs_in_reads_the_live_queue_opens_a_ticket_and_chats) {
    XvfbProcess x(1440, 900);
    const fs::path config = fs::temp_directory_path() / ("lifeline-viewer-ui-" + std::to_string(::getpid()));
    fs::remove_all(config);
    ::setenv("DISPLAY", x.display().c_str(), 1);
    ::setenv("QT_QPA_PLATFORM", "xcb", 1);
    ::setenv("XDG_CONFIG_HOME", config.c_str(), 1);

    RelayProcess relay;
    relay.start();
    ApiClient admin(relay.client());
    admin.login("admin", relay.admin_password());
    admin.create_user("tina", v1::TECHNICIAN, "tina-password-1", 1);
    ApiClient tina(relay.client());
    tina.login("tina", "tina-password-1");
    auto machine = machine_with_ticket(relay, "desk-1", machine_info(), "Outlook <b>keeps</b> asking for my password");
    ASSERT_EQ(tina.call("POST", "/api/v1/tickets/" + machine.ticket + "/claim").status, 200u);
    tina.create_ticket("Projector in room 2 flickers", v1::P2);
    admin.create_ticket("Payroll server unreachable", v1::P1);
    admin.create_ticket("New starter needs a laptop", v1::P4);

    int argc = 1;
    char name[] = "viewer_desktop_test";
    char* argv[] = {name, nullptr};
    QApplication app(argc, argv);
    QApplication::setOrganizationName("Lifeline");
    QApplication::setApplicationName("lifeline-viewer");
    QApplication::setStyle("Fusion");

    viewer::ui::RelayClient client;
    viewer::ui::SignInDialog sign_in(client);
    sign_in.url_field()->setText(QString("https://127.0.0.1:%1").arg(relay.port()));
    sign_in.user_field()->setText("tina");
    sign_in.password_field()->setText("tina-password-1");
    sign_in.show();
    ASSERT_TRUE(wait_until([&] { return sign_in.isVisible(); }));
    screenshot(sign_in, "1-sign-in");

    // First use of this relay: the CA's fingerprint is shown and must be confirmed.
    std::string shown_prompt;
    QTimer confirm;
    QObject::connect(&confirm, &QTimer::timeout, [&] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (box == nullptr || box->objectName() != "trust-prompt") return;
        shown_prompt = box->text().toStdString();
        screenshot(*box, "2-trust-relay");
        box->button(QMessageBox::Yes)->click();
    });
    confirm.start(50);
    sign_in.sign_in_button()->click();
    ASSERT_TRUE(wait_until([&] { return sign_in.result() == QDialog::Accepted; })) << shown_prompt;
    confirm.stop();
    std::ifstream ca_file(relay.ca_file());
    const std::string ca_pem((std::istreambuf_iterator<char>(ca_file)), std::istreambuf_iterator<char>());
    EXPECT_NE(shown_prompt.find(net::certificate_fingerprint(ca_pem)), std::string::npos) << shown_prompt;
    EXPECT_FALSE(QSettings().value("server/url").toString().isEmpty());
    for (const auto& key : QSettings().allKeys())
        EXPECT_NE(QSettings().value(key).toString(), "tina-password-1") << "the password is never stored";

    viewer::ui::MainWindow window(client, sign_in.signed_in());
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

    // A new ticket reaches the open queue through the event stream, no reload.
    admin.create_ticket("Printer on floor 3 jams", v1::P3);
    EXPECT_TRUE(wait_until([&] { return table->model()->rowCount() == 5; }));
    EXPECT_EQ(child<QToolButton>(window, "view-all")->text(), "All (5)");
    window.close();
    fs::remove_all(config);
}

}  // namespace
}  // namespace lifeline::testing
