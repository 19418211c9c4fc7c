// The tray without a display (offscreen): what a status change announces, the countdown and banner
// words, the Get help checks with the relay's limits, the consent prompt's guard against a click that
// comes too soon, that names and subjects from the relay are never read as rich text, and that the
// Persian translation loads and turns the layout right-to-left. Sets QT_QPA_PLATFORM=offscreen itself.
#include "agent/tray/daemon_client.hpp"
#include "agent/tray/help_dialog.hpp"
#include "agent/tray/session_prompts.hpp"
#include "agent/tray/tickets_window.hpp"
#include "agent/tray/tray_app.hpp"
#include "agent/tray/tray_text.hpp"
#include "tests/support/qt_wait.hpp"

#include <gtest/gtest.h>

#include <QApplication>
#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSystemTrayIcon>
#include <QTest>
#include <QThread>
#include <QTranslator>
#include <QTreeWidget>

#include <chrono>
#include <functional>

namespace lifeline::agent::tray {
namespace {

using lifeline::testing::wait_until;

class OffscreenApp : public ::testing::Environment {
public:
    void SetUp() override {
        ::setenv("QT_QPA_PLATFORM", "offscreen", 1);
        app_ = std::make_unique<QApplication>(argc_, argv_);
    }
    void TearDown() override { app_.reset(); }

private:
    int argc_ = 1;
    char name_[16] = "tray_unit_test";
    char* argv_[2] = {name_, nullptr};
    std::unique_ptr<QApplication> app_;
};
const auto* const kApp = ::testing::AddGlobalTestEnvironment(new OffscreenApp);

v1::TicketSummary ticket(const std::string& number, const std::string& subject, v1::Ticket::Status status) {
    v1::TicketSummary t;
    t.set_number(number);
    t.set_subject(subject);
    t.set_status(status);
    return t;
}

v1::SessionRequest request(const std::string& id, const std::string& name, v1::SessionMode mode) {
    v1::SessionRequest r;
    r.set_session_id(id);
    r.set_ticket_number("LL-000042");
    r.set_ticket_subject("Printer jams");
    r.set_technician_name(name);
    r.set_mode(mode);
    return r;
}

const char* const kNowhere = "/nonexistent/lifeline-tray-test.sock";

TEST(TrayText, a_new_session_request_is_announced_once_and_ticket_updates_say_what_changed) {
    v1::AgentStatus before;
    before.set_connected(true);
    *before.add_tickets() = ticket("LL-000001", "Printer jams", v1::Ticket::OPEN);
    EXPECT_TRUE(notifications_between(nullptr, before).empty()) << "the first status is the baseline";
    v1::AgentStatus after = before;
    after.mutable_tickets(0)->set_status(v1::Ticket::RESOLVED);
    EXPECT_TRUE(notifications_between(&before, after).empty()) << "ticket changes come as their own events";

    v1::AgentStatus asking = after;
    *asking.mutable_pending_request() = request("s-1", "Tina Example", v1::CONTROL);
    auto asked = notifications_between(&after, asking);
    ASSERT_EQ(asked.size(), 1u);
    EXPECT_EQ(asked[0].title, "Screen sharing request");
    EXPECT_EQ(asked[0].text, "Tina Example from the helpdesk would like to see and control your screen.");
    EXPECT_TRUE(notifications_between(&asking, asking).empty()) << "the same request is announced once";

    // A pushed update: a new status says so; the same status means the helpdesk answered.
    const auto known = ticket("LL-000001", "Printer <jams>", v1::Ticket::OPEN);
    auto solved = ticket_update_notification(&known, ticket("LL-000001", "Printer <jams>", v1::Ticket::RESOLVED));
    EXPECT_EQ(solved.title, "Ticket LL-000001");
    EXPECT_EQ(solved.text, QString::fromUtf8("“Printer ‹jams›” is now: Solved"));
    auto answered = ticket_update_notification(&known, known);
    EXPECT_EQ(answered.text, QString::fromUtf8("The helpdesk answered about “Printer ‹jams›”."));
    auto unknown = ticket_update_notification(nullptr, ticket("LL-000009", "New one", v1::Ticket::PENDING));
    EXPECT_EQ(unknown.text, QString::fromUtf8("“New one” is now: Waiting for you"));
}

TEST(TrayText, countdown_banner_and_state_words) {
    EXPECT_EQ(countdown_text(27), "Time left to answer: 0:27. If you do not answer, the answer is no.");
    EXPECT_EQ(countdown_text(90), "Time left to answer: 1:30. If you do not answer, the answer is no.");
    EXPECT_EQ(countdown_text(-3), "Time left to answer: 0:00. If you do not answer, the answer is no.");
    EXPECT_EQ(banner_text("Tina Example", v1::VIEW), "Tina Example can see your screen");
    EXPECT_EQ(banner_text("Tina Example", v1::CONTROL), "Tina Example can see and control your screen");
    EXPECT_EQ(banner_text("", v1::VIEW), "A technician can see your screen");

    auto upgrade = request("s-2", "Tina Example", v1::CONTROL);
    upgrade.set_upgrade(true);
    EXPECT_EQ(consent_question(upgrade),
              "Tina Example from the helpdesk would like to control your screen. They can already see it.");
    EXPECT_EQ(consent_question(request("s-3", "Tina Example", v1::VIEW)),
              "Tina Example from the helpdesk would like to see your screen.");
    EXPECT_EQ(consent_ticket(upgrade), "About your ticket LL-000042: Printer jams");

    EXPECT_EQ(tray_state(nullptr), TrayState::not_running);
    v1::AgentStatus status;
    EXPECT_EQ(tray_state(&status), TrayState::offline);
    status.set_connected(true);
    EXPECT_EQ(tray_state(&status), TrayState::connected);
    status.mutable_session()->set_technician_name("Tina Example");
    status.mutable_session()->set_mode(v1::CONTROL);
    EXPECT_EQ(tray_state(&status), TrayState::sharing);
    EXPECT_EQ(tray_tooltip(&status), "Lifeline: Tina Example can see and control your screen");
}

TEST(TrayText, get_help_input_is_checked_against_the_relays_limits) {
    EXPECT_FALSE(help_problem("", "").isEmpty());
    EXPECT_FALSE(help_problem("   ", "details").isEmpty());
    EXPECT_TRUE(help_problem("Printer jams", "").isEmpty());
    EXPECT_TRUE(help_problem(QString(200, 'a'), "").isEmpty());
    EXPECT_FALSE(help_problem(QString(201, 'a'), "").isEmpty());
    // Bytes of UTF-8, as the relay counts: 100 Persian letters are 200 bytes.
    EXPECT_TRUE(help_problem(QString(100, QChar(0x0628)), "").isEmpty());
    EXPECT_FALSE(help_problem(QString(101, QChar(0x0628)), "").isEmpty());
    EXPECT_TRUE(help_problem("x", QString(kMaxDetailsBytes, 'd')).isEmpty());
    EXPECT_FALSE(help_problem("x", QString(kMaxDetailsBytes + 1, 'd')).isEmpty());
    EXPECT_FALSE(help_problem("tab\there", "").isEmpty()) << "a control character in the subject";

    EXPECT_EQ(clean_text("one\ttwo\nthree\r", false), "one two three");
    EXPECT_EQ(clean_text("one\ttwo\r\nthree", true), "one\ttwo\nthree");
    const QString emoji = QString::fromUtf8("ab\xF0\x9F\x98\x80");  // 2 + 4 bytes
    EXPECT_EQ(fit_utf8(emoji, 5), "ab") << "never half a character";
    EXPECT_EQ(fit_utf8(emoji, 6), emoji);

    EXPECT_FALSE(chat_problem(" \n ").isEmpty());
    EXPECT_TRUE(chat_problem(QString(kMaxChatBytes, 'c')).isEmpty());
    EXPECT_FALSE(chat_problem(QString(kMaxChatBytes + 1, 'c')).isEmpty());
    EXPECT_EQ(help_categories().size(), 7u);
    for (const auto& category : help_categories())
        EXPECT_LE(category.value.toUtf8().size(), kMaxCategoryBytes);
}

TEST(TrayHelpDialog, refuses_an_empty_subject_without_asking_the_daemon) {
    DaemonClient daemon(kNowhere);
    QSignalSpy failed(&daemon, &DaemonClient::help_failed);
    QImage screen(320, 200, QImage::Format_RGB32);
    screen.fill(Qt::darkCyan);
    HelpDialog dialog(daemon, screen);
    dialog.show();
    dialog.details_field()->setPlainText("It worked yesterday.");
    dialog.send_button()->click();
    EXPECT_TRUE(dialog.problem_label()->isVisible());
    EXPECT_EQ(dialog.problem_label()->text(), "Please say in a few words what is wrong.");
    EXPECT_TRUE(dialog.send_button()->isEnabled()) << "nothing was sent";
    EXPECT_TRUE(dialog.send_button()->isDefault()) << "Enter sends";
    QCoreApplication::processEvents();
    EXPECT_EQ(failed.count(), 0);

    // A pasted paragraph is cut to what the relay takes, at a character boundary.
    dialog.subject_field()->setFocus();
    dialog.subject_field()->insert(QString(150, QChar(0x0628)));
    EXPECT_EQ(dialog.subject_field()->text().toUtf8().size(), kMaxSubjectBytes);
    EXPECT_FALSE(dialog.preview()->isVisible());
    dialog.screenshot_box()->setChecked(true);
    EXPECT_TRUE(dialog.preview()->isVisible());
    EXPECT_FALSE(dialog.preview()->pixmap().isNull());

    // With the daemon not running, the user hears so calmly and keeps what they typed.
    dialog.send_button()->click();
    ASSERT_TRUE(wait_until([&] { return failed.count() == 1; }));
    EXPECT_TRUE(dialog.problem_label()->text().contains("did not answer"))
        << dialog.problem_label()->text().toStdString();
    EXPECT_FALSE(dialog.subject_field()->text().isEmpty());
    EXPECT_TRUE(dialog.send_button()->isEnabled());
}

TEST(TrayWidgets, text_from_the_relay_is_never_rich_text) {
    const std::string markup = "<b>Eve</b><img src=x>";
    ConsentPrompt prompt;
    prompt.show_request(request("s-1", markup, v1::CONTROL), 30);
    for (QLabel* label : prompt.findChildren<QLabel*>())
        EXPECT_EQ(label->textFormat(), Qt::PlainText);
    EXPECT_TRUE(prompt.question_label()->text().startsWith(QString::fromStdString(markup)));

    SharingBanner banner;
    v1::ActiveSession session;
    session.set_technician_name(markup);
    session.set_mode(v1::VIEW);
    banner.show_session(session);
    for (QLabel* label : banner.findChildren<QLabel*>())
        EXPECT_EQ(label->textFormat(), Qt::PlainText);
    EXPECT_EQ(banner.text_label()->text(), QString::fromStdString(markup) + " can see your screen");

    DaemonClient nowhere(kNowhere);
    TicketsWindow tickets(nowhere);
    v1::AgentStatus status;
    status.set_connected(true);
    *status.add_tickets() = ticket("LL-000007", markup, v1::Ticket::OPEN);
    tickets.set_status(&status);
    ASSERT_EQ(tickets.list()->topLevelItemCount(), 1);
    EXPECT_EQ(tickets.list()->topLevelItem(0)->text(1), QString::fromStdString(markup));
    EXPECT_EQ(tickets.list()->topLevelItem(0)->text(2), "Being worked on");

    DaemonClient daemon(kNowhere);
    ChatWindow chat(daemon, "LL-000007", QString::fromStdString(markup));
    v1::ChatMessage line;
    line.set_id(5);
    line.set_author(markup);
    line.set_text("<a href='http://evil'>click</a>");
    chat.add(line);
    chat.add(line);
    EXPECT_EQ(chat.transcript()->document()->blockCount(), 1) << "a line shows once";
    EXPECT_TRUE(chat.transcript()->toPlainText().contains("<b>Eve</b><img src=x>: <a href='http://evil'>click</a>"));
    for (QLabel* label : chat.findChildren<QLabel*>())
        EXPECT_EQ(label->textFormat(), Qt::PlainText);

    EXPECT_EQ(notification_safe("<b>&</b>"), QString::fromUtf8("‹b›＆‹/b›"));
}

TEST(TrayConsentPrompt, allow_needs_a_second_and_no_remote_control_and_everything_else_denies) {
    ConsentPrompt prompt;
    QSignalSpy answered(&prompt, &ConsentPrompt::answered);
    prompt.show_request(request("s-9", "Tina Example", v1::CONTROL), 30);
    EXPECT_TRUE(prompt.isVisible());
    EXPECT_TRUE(prompt.deny_button()->isDefault());
    EXPECT_FALSE(prompt.allow_button()->isEnabled()) << "a click already under way must not land on Allow";
    prompt.allow_button()->click();
    EXPECT_EQ(answered.count(), 0);
    EXPECT_TRUE(prompt.countdown_label()->text().startsWith("Time left to answer: 0:30."))
        << prompt.countdown_label()->text().toStdString();
    ASSERT_TRUE(wait_until([&] { return prompt.allow_button()->isEnabled(); }, std::chrono::seconds(3)));

    prompt.set_remote_input_active(true);
    EXPECT_FALSE(prompt.allow_button()->isEnabled()) << "remote input could be clicking";
    prompt.set_remote_input_active(false);
    EXPECT_TRUE(prompt.allow_button()->isEnabled());

    // Escape (and the window's close button) is no.
    prompt.reject();
    ASSERT_EQ(answered.count(), 1);
    EXPECT_EQ(answered[0][0].toString(), "s-9");
    EXPECT_FALSE(answered[0][1].toBool());
    EXPECT_FALSE(prompt.isVisible());

    prompt.show_request(request("s-10", "Tina Example", v1::VIEW), 12);
    ASSERT_TRUE(wait_until([&] { return prompt.allow_button()->isEnabled(); }, std::chrono::seconds(3)));
    prompt.allow_button()->click();
    ASSERT_EQ(answered.count(), 2);
    EXPECT_EQ(answered[1][0].toString(), "s-10");
    EXPECT_TRUE(answered[1][1].toBool());

    // Enter presses the default button, Deny, even once Allow is armed.
    prompt.show_request(request("s-11", "Tina Example", v1::VIEW), 12);
    ASSERT_TRUE(wait_until([&] { return prompt.allow_button()->isEnabled(); }, std::chrono::seconds(3)));
    QTest::keyClick(&prompt, Qt::Key_Return);
    ASSERT_EQ(answered.count(), 3);
    EXPECT_EQ(answered[2][0].toString(), "s-11");
    EXPECT_FALSE(answered[2][1].toBool());
    // A poll that still lists an answered request does not bring the prompt back.
    prompt.show_request(request("s-11", "Tina Example", v1::VIEW), 11);
    EXPECT_FALSE(prompt.isVisible());
}

TEST(TrayApp, without_a_daemon_it_says_so_and_shows_no_prompt) {
    TrayApp app(kNowhere);
    app.start();
    ASSERT_TRUE(wait_until([&] { return !app.icon()->toolTip().isEmpty() && app.state() == TrayState::not_running; }));
    EXPECT_EQ(app.icon()->toolTip(), "Lifeline is not running on this computer. Please call your helpdesk.");
    EXPECT_FALSE(app.consent_prompt()->isVisible());
    EXPECT_FALSE(app.banner()->isVisible());
    for (TrayState state : {TrayState::connected, TrayState::offline, TrayState::sharing})
        EXPECT_FALSE(tray_icon(state).pixmap(22, 22).isNull());
    EXPECT_NE(tray_icon(TrayState::connected).pixmap(22, 22).toImage(),
              tray_icon(TrayState::sharing).pixmap(22, 22).toImage());
}

TEST(TrayTranslations, persian_loads_and_turns_the_layout_right_to_left_german_keeps_it) {
    ASSERT_EQ(QApplication::layoutDirection(), Qt::LeftToRight);
    {
        auto persian = install_translation("fa");
        ASSERT_NE(persian, nullptr) << "tray_fa.qm is embedded under :/i18n";
        ASSERT_TRUE(wait_until([] { return QApplication::layoutDirection() == Qt::RightToLeft; }));
        ConsentPrompt prompt;
        EXPECT_EQ(prompt.allow_button()->text(), QString::fromUtf8("&اجازه می‌دهم"));
        EXPECT_EQ(prompt.layoutDirection(), Qt::RightToLeft);
        EXPECT_EQ(countdown_text(5),
                  QString::fromUtf8(
                      "زمان باقی‌مانده برای پاسخ: 0:05. اگر پاسخ ندهید، پاسخ "
                      "«نه» "
                      "است."));
    }
    ASSERT_TRUE(wait_until([] { return QApplication::layoutDirection() == Qt::LeftToRight; }))
        << "removing the translation restores the direction";
    auto german = install_translation("de");
    ASSERT_NE(german, nullptr);
    QCoreApplication::processEvents();
    EXPECT_EQ(QApplication::layoutDirection(), Qt::LeftToRight);
    EXPECT_EQ(banner_text("Tina Example", v1::CONTROL), "Tina Example kann Ihren Bildschirm sehen und steuern");
    EXPECT_EQ(countdown_text(1), "Zeit zum Antworten: 0:01. Ohne Antwort gilt: Nein.");
    german.reset();
    EXPECT_EQ(install_translation("xx"), nullptr) << "no translation: English stays";
}

}  // namespace
}  // namespace lifeline::agent::tray
