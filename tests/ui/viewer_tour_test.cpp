// The viewer's guided tour (lifeline-viewer --tour, run here in-process) against the real relay and the real
// agent on an X server of its own: it goes from sign-in to the lead's playback, every screenshot is written,
// the remote screen in its shot is the user's picture, and the relay has the claim, the chat and the end. A
// relay whose CA is not the expected one is refused before any password goes out.
#include "shared/net/pki.hpp"
#include "tests/support/agent_process.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"
#include "tests/support/xvfb_process.hpp"
#include "tests/ui/user_screen.hpp"
#include "tests/ui/viewer_test_support.hpp"
#include "viewer/ui/tour.hpp"

#include <gtest/gtest.h>

#include <QDir>
#include <QFileInfo>
#include <QImage>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

namespace lifeline::testing {
namespace {

namespace fs = std::filesystem;

std::string ca_fingerprint_of(const RelayProcess& relay) {
    std::ifstream in(relay.ca_file());
    return net::certificate_fingerprint(std::string(std::istreambuf_iterator<char>(in), {}));
}

viewer::ui::TourOptions tour_options(const RelayProcess& relay, const std::string& directory) {
    viewer::ui::TourOptions options;
    options.relay_url = QString("https://127.0.0.1:%1").arg(relay.port());
    options.technician = "tina";
    options.technician_password = "tina-password-1";
    options.ca_fingerprint = QString::fromStdString(ca_fingerprint_of(relay));
    options.directory = QString::fromStdString((fs::absolute("screenshots") / directory).string());
    QDir(options.directory).removeRecursively();
    options.consent_timeout = std::chrono::seconds(30);
    options.picture_settles = std::chrono::milliseconds(0);  // no banner on this user's screen to wait for
    return options;
}

// The share of the picture's pixels near `want`.
double share_of(const QImage& image, QRgb want) {
    qint64 near = 0;
    for (int y = 0; y < image.height(); y += 2) {
        for (int x = 0; x < image.width(); x += 2) {
            const QRgb p = image.pixel(x, y);
            near += std::abs(qRed(p) - qRed(want)) < 24 && std::abs(qGreen(p) - qGreen(want)) < 24 &&
                    std::abs(qBlue(p) - qBlue(want)) < 24;
        }
    }
    return static_cast<double>(near) / (static_cast<double>(image.width() / 2) * (image.height() / 2));
}

TEST(ViewerTour, walks_from_sign_in_to_the_leads_playback_and_saves_each_screen) {
    RelayProcess relay;
    relay.start();
    ApiClient admin(relay.client());
    admin.login("admin", relay.admin_password());
    admin.create_user("tina", v1::TECHNICIAN, "tina-password-1", 1);
    admin.create_user("lena", v1::LEAD, "lena-password-1", 0);
    XvfbProcess x(1024, 768);
    UserScreen screen(x.display());
    AgentProcess agent;
    ASSERT_EQ(agent.enroll(relay, "tour-machine").exit_code, 0);
    agent.start({"DISPLAY=" + x.display()});
    agent.wait_connected(true);
    auto help = agent.command({"help", "--subject", "The spreadsheet shows wrong totals"});
    std::smatch found;
    ASSERT_TRUE(std::regex_search(help.out, found, std::regex("LL-\\d{6}"))) << help.out << help.err;
    const std::string number = found.str();

    // The user, at the machine, says yes once the technician asks.
    std::atomic<bool> over = false;
    std::thread user([&] {
        while (!over && agent.status_json().find("pendingRequest") == std::string::npos)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (!over) agent.command({"consent", "allow"});
    });
    auto options = tour_options(relay, "tour");
    options.lead = "lena";
    options.lead_password = "lena-password-1";
    options.ticket = QString::fromStdString(number);
    options.chat_line = "Hello Mia, I can see your screen now.";
    QStringList steps;
    const auto result = viewer::ui::run_tour(options, [&](const QString& step) { steps << step; });
    over = true;
    user.join();
    ASSERT_TRUE(result.failure.isEmpty())
        << result.failure.toStdString() << "\nafter " << steps.size()
        << " steps, the last: " << steps.value(steps.size() - 1).toStdString() << "\nagent:\n"
        << agent.log() << "\nrelay:\n"
        << relay.log();

    QStringList names;
    for (const auto& path : result.screenshots)
        names << QFileInfo(path).completeBaseName();
    EXPECT_EQ(names.join(" ").toStdString(),
              "01-sign-in 02-trust-relay 03-queue 04-ticket 05-waiting-for-consent 08-remote-screen "
              "09-review-audit 10-review-sessions 11-playback");
    for (const auto& path : result.screenshots) {
        const QImage picture(path);
        EXPECT_GT(picture.width(), 300) << path.toStdString();
        EXPECT_GT(picture.height(), 100) << path.toStdString();
    }
    // The user's teal desktop fills much of the remote screen's shot, and of the playback's.
    const QImage remote(options.directory + "/08-remote-screen.png");
    EXPECT_GT(share_of(remote, qRgb(0, 0x80, 0x80)), 0.2);
    EXPECT_GT(share_of(QImage(options.directory + "/11-playback.png"), qRgb(0, 0x80, 0x80)), 0.2);

    ApiClient tina(relay.client());
    tina.login("tina", "tina-password-1");
    v1::Ticket ticket;
    from_json(tina.call("GET", "/api/v1/tickets/" + number).body, ticket);
    EXPECT_EQ(ticket.assignee(), "tina");
    v1::Session session;
    from_json(tina.call("GET", "/api/v1/sessions/" + result.session_id.toStdString()).body, session);
    EXPECT_EQ(session.state(), v1::Session::ENDED) << session.DebugString();
    EXPECT_EQ(session.mode(), v1::CONTROL);
    EXPECT_NE(session.ended_by().find("tina"), std::string::npos) << session.DebugString();
    v1::ChatList chat;
    from_json(tina.call("GET", "/api/v1/tickets/" + number + "/chat").body, chat);
    ASSERT_EQ(chat.messages_size(), 1) << chat.DebugString();
    EXPECT_EQ(chat.messages(0).text(), "Hello Mia, I can see your screen now.");
}

TEST(ViewerTour, refuses_a_relay_whose_ca_is_not_the_expected_one) {
    RelayProcess relay;
    relay.start();
    auto options = tour_options(relay, "tour-refused");
    options.ticket = "LL-000001";
    options.ca_fingerprint = "sha256:" + QString(64, '0');
    const auto result = viewer::ui::run_tour(options);
    EXPECT_TRUE(result.failure.contains("not the expected")) << result.failure.toStdString();
    EXPECT_TRUE(result.failure.contains(QString::fromStdString(ca_fingerprint_of(relay))))
        << "the fingerprint shown is in the failure";
    QStringList names;
    for (const auto& path : result.screenshots)
        names << QFileInfo(path).completeBaseName();
    EXPECT_EQ(names.join(" ").toStdString(), "01-sign-in failed");
}

}  // namespace
}  // namespace lifeline::testing
