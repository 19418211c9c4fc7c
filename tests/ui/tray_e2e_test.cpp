// The end user's tray end to end under Xvfb: the real relay, the real agent daemon on the same X display,
// the tray's own widgets in this process. Get help from the dialog makes a ticket with the machine's
// system info and screenshot; My tickets and chat follow the technician; a control session asks through
// the consent prompt, Allow starts it, the banner shows, Stop sharing ends it as the user; Deny refuses the
// next one; offline, Get help is queued. The helpdesk side: Get help suggests a published article while the
// user types and "this solved it" counts on the relay without a ticket; a technician's reply is announced
// and shows in My tickets, the user's reply reaches the relay as a public comment, and a solved ticket is
// rated there. Screenshots of every window (also in Persian, right to left, and German) go to
// tests/screenshots/tray-*.png in the build directory.
#include "agent/tray/help_dialog.hpp"
#include "agent/tray/rating_dialog.hpp"
#include "agent/tray/session_prompts.hpp"
#include "agent/tray/suggestions.hpp"
#include "agent/tray/tickets_window.hpp"
#include "agent/tray/tray_app.hpp"
#include "tests/support/agent_process.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/qt_wait.hpp"
#include "tests/support/relay_process.hpp"
#include "tests/support/xvfb_process.hpp"
#include "tests/ui/user_screen.hpp"

#include "knowledge.pb.h"

#include <gtest/gtest.h>

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPainter>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QScreen>
#include <QSystemTrayIcon>
#include <QThread>
#include <QTranslator>
#include <QTreeWidget>

#include <filesystem>
#include <functional>
#include <regex>

namespace lifeline::testing {
namespace {

namespace fs = std::filesystem;
namespace tray = agent::tray;

// Lets pending layout and paint events run, so a grab shows the window as the user would see it.
void settle() {
    for (int i = 0; i < 5; ++i) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(10);
    }
}

void screenshot(QWidget& widget, const std::string& name) {
    settle();
    fs::create_directories("screenshots");
    const fs::path path = fs::absolute(fs::path("screenshots") / ("tray-" + name + ".png"));
    EXPECT_TRUE(widget.grab().save(QString::fromStdString(path.string()))) << path;
}

// One X server and one QApplication for the program: the user's desktop, which the agent shares too.
class UserDesktop : public ::testing::Environment {
public:
    void SetUp() override {
        x_.emplace(1280, 800);
        home_ = fs::temp_directory_path() / ("lifeline-tray-e2e-" + std::to_string(::getpid()));
        fs::remove_all(home_);
        ::setenv("DISPLAY", x_->display().c_str(), 1);
        ::setenv("QT_QPA_PLATFORM", "xcb", 1);
        ::setenv("XDG_CONFIG_HOME", home_.c_str(), 1);
        desktop_.emplace(x_->display());  // a teal desktop with a white window, for the screenshot preview
        app_ = std::make_unique<QApplication>(argc_, argv_);
        QApplication::setStyle("Fusion");
        QApplication::setQuitOnLastWindowClosed(false);
    }
    void TearDown() override {
        app_.reset();
        desktop_.reset();
        x_.reset();
        fs::remove_all(home_);
    }
    const std::string& display() const { return x_->display(); }

private:
    int argc_ = 1;
    char name_[16] = "tray_e2e_test";
    char* argv_[2] = {name_, nullptr};
    std::optional<XvfbProcess> x_;
    std::optional<UserScreen> desktop_;
    fs::path home_;
    std::unique_ptr<QApplication> app_;
};
auto* const kDesktop = static_cast<UserDesktop*>(::testing::AddGlobalTestEnvironment(new UserDesktop));

v1::Session session_of(ApiClient& api, const std::string& id) {
    v1::Session s;
    from_json(api.call("GET", "/api/v1/sessions/" + id).body, s);
    return s;
}

bool session_reaches(ApiClient& api, const std::string& id, v1::Session::State want, v1::Session* out) {
    return wait_until([&] {
        *out = session_of(api, id);
        return out->state() == want;
    });
}

std::string ask_session(ApiClient& api, const std::string& ticket, const std::string& mode) {
    auto response = api.call("POST", "/api/v1/tickets/" + ticket + "/sessions", R"({"mode":")" + mode + R"("})");
    EXPECT_EQ(response.status, 201u) << response.body;
    v1::Session s;
    from_json(response.body, s);
    return s.id();
}

// The Get help dialog and the consent prompt in a translation, for the screenshots and the layout.
void screenshots_in(tray::TrayApp& app, const QString& language, const QString& subject) {
    auto translation = tray::install_translation(language);
    ASSERT_NE(translation, nullptr) << language.toStdString();
    const Qt::LayoutDirection want = language == "fa" ? Qt::RightToLeft : Qt::LeftToRight;
    ASSERT_TRUE(wait_until([&] { return QApplication::layoutDirection() == want; }));
    QImage screen = QGuiApplication::primaryScreen()->grabWindow(0).toImage();
    tray::HelpDialog help(app.daemon(), screen);
    help.subject_field()->setText(subject);
    help.screenshot_box()->setChecked(true);
    help.show();
    ASSERT_TRUE(wait_until([&] { return help.isVisible(); }));
    EXPECT_EQ(help.layoutDirection(), want);
    screenshot(help, "get-help-" + language.toStdString());
    tray::ConsentPrompt prompt;
    v1::SessionRequest request;
    request.set_session_id("s-example");
    request.set_ticket_number("LL-000001");
    request.set_ticket_subject(subject.toStdString());
    request.set_technician_name("tina Example");
    request.set_mode(v1::CONTROL);
    prompt.show_request(request, 27);
    ASSERT_TRUE(wait_until([&] { return prompt.isVisible(); }));
    EXPECT_EQ(prompt.layoutDirection(), want);
    if (want == Qt::RightToLeft) {
        // Right to left: the buttons sit at the left edge, Deny (first in reading order) to the right of Allow.
        EXPECT_GT(prompt.deny_button()->x(), prompt.allow_button()->x());
        EXPECT_LT(prompt.allow_button()->x(), prompt.width() / 2);
    }
    screenshot(prompt, "consent-" + language.toStdString());
    prompt.hide();
    help.close();
}

TEST(TrayEndToEnd, get_help_my_tickets_chat_consent_banner_stop_deny_and_offline) {
    RelayProcess relay;
    relay.start();
    ApiClient admin(relay.client());
    admin.login("admin", relay.admin_password());
    admin.create_user("tina", v1::TECHNICIAN, "tina-password-1", 1);
    ApiClient tina(relay.client());
    tina.login("tina", "tina-password-1");
    AgentProcess agent;
    ASSERT_EQ(agent.enroll(relay, "tray-e2e").exit_code, 0);
    agent.start({"DISPLAY=" + kDesktop->display()});
    agent.wait_connected(true);

    // The tray's three icons, small and large, for a look (Xvfb has no tray to show them in).
    QImage icons(3 * 96, 96, QImage::Format_ARGB32);
    icons.fill(QColor(0xe8, 0xe8, 0xe8));
    QPainter painter(&icons);
    int column = 0;
    for (auto state : {tray::TrayState::connected, tray::TrayState::offline, tray::TrayState::sharing}) {
        painter.drawPixmap(column * 96 + 16, 8, tray::tray_icon(state).pixmap(64, 64));
        painter.drawPixmap(column * 96 + 37, 74, tray::tray_icon(state).pixmap(22, 22));
        ++column;
    }
    painter.end();
    fs::create_directories("screenshots");
    EXPECT_TRUE(icons.save("screenshots/tray-0-icons.png"));

    tray::TrayApp app(QString::fromStdString(agent.socket_path()));
    std::vector<std::pair<QString, QString>> notifications;
    QObject::connect(&app, &tray::TrayApp::notified,
                     [&](const QString& title, const QString& text) { notifications.emplace_back(title, text); });
    app.start();
    ASSERT_TRUE(wait_until([&] { return app.state() == tray::TrayState::connected; })) << agent.log();
    EXPECT_EQ(app.icon()->toolTip(), "Lifeline: connected to your helpdesk");

    // Get help, from the dialog: the ticket comes back with its number.
    tray::HelpDialog* help = app.open_help();
    ASSERT_TRUE(wait_until([&] { return help->isVisible(); }));
    screenshot(*help, "1-get-help-empty");
    help->send_button()->click();
    EXPECT_TRUE(help->problem_label()->isVisible()) << "the subject is required";
    help->subject_field()->setText("The printer says it is offline");
    help->details_field()->setPlainText("Since this morning. The light on the printer is green.");
    help->category_box()->setCurrentIndex(help->category_box()->findData("Printer"));
    help->screenshot_box()->setChecked(true);
    screenshot(*help, "2-get-help-filled");
    help->send_button()->click();
    ASSERT_TRUE(wait_until([&] { return help->showing_result(); }, std::chrono::seconds(30))) << agent.log();
    const std::string number = help->number_label()->text().toStdString();
    ASSERT_TRUE(std::regex_match(number, std::regex("LL-\\d{6}"))) << number;
    screenshot(*help, "3-ticket-number");
    help->copy_button()->click();
    EXPECT_EQ(QGuiApplication::clipboard()->text().toStdString(), number);
    help->close();

    v1::Ticket ticket;
    from_json(tina.call("GET", "/api/v1/tickets/" + number).body, ticket);
    EXPECT_EQ(ticket.subject(), "The printer says it is offline");
    EXPECT_EQ(ticket.description(), "Since this morning. The light on the printer is green.");
    EXPECT_EQ(ticket.category(), "Printer");
    EXPECT_EQ(ticket.channel(), "agent");
    EXPECT_FALSE(ticket.system_info().hostname().empty()) << "the machine's system info came with it";
    EXPECT_EQ(ticket.system_info().display_server(), "x11");
    v1::AttachmentList attachments;
    EXPECT_TRUE(wait_until([&] {
        from_json(tina.call("GET", "/api/v1/tickets/" + number + "/attachments").body, attachments);
        return attachments.attachments_size() == 1;
    })) << "the screenshot follows the ticket";

    // The technician takes it; My tickets follows, and a status change is announced.
    ASSERT_EQ(tina.call("POST", "/api/v1/tickets/" + number + "/claim").status, 200u);
    tray::TicketsWindow* tickets = app.open_tickets();
    ASSERT_TRUE(wait_until([&] {
        return tickets->list()->topLevelItemCount() == 1 &&
               tickets->list()->topLevelItem(0)->text(0).toStdString() == number &&
               tickets->list()->topLevelItem(0)->text(2) == "Being worked on";
    })) << tickets->note_label()->text().toStdString();
    screenshot(*tickets, "4-my-tickets");
    ASSERT_EQ(tina.call("POST", "/api/v1/tickets/" + number + "/status", R"({"status":"PENDING"})").status, 200u);
    EXPECT_TRUE(wait_until([&] {
        for (const auto& [title, text] : notifications)
            if (title.toStdString() == "Ticket " + number && text.contains("Waiting for you")) return true;
        return false;
    }));

    // Chat: a line while the window is closed is a notification; the window shows the history and live lines.
    ASSERT_EQ(
        tina.call("POST", "/api/v1/tickets/" + number + "/chat", R"({"text":"Hello, I am looking at it now."})").status,
        201u);
    EXPECT_TRUE(wait_until([&] {
        for (const auto& [title, text] : notifications)
            if (title == "Message from tina Example" && text == "Hello, I am looking at it now.") return true;
        return false;
    }));
    auto* chat_button = qobject_cast<QPushButton*>(tickets->list()->itemWidget(tickets->list()->topLevelItem(0), 3));
    ASSERT_NE(chat_button, nullptr);
    chat_button->click();
    tray::ChatWindow* chat = app.open_chat(QString::fromStdString(number), {});
    ASSERT_TRUE(wait_until([&] { return chat->transcript()->toPlainText().contains("Hello, I am looking"); }));
    chat->input()->setText("Thank you. It shows a red light now.");
    chat->send_button()->click();
    ASSERT_TRUE(wait_until([&] { return chat->transcript()->toPlainText().contains("You: Thank you."); }))
        << chat->note_label()->text().toStdString();
    v1::ChatList stored;
    from_json(tina.call("GET", "/api/v1/tickets/" + number + "/chat").body, stored);
    ASSERT_EQ(stored.messages_size(), 2);
    EXPECT_TRUE(stored.messages(1).from_user());
    ASSERT_EQ(
        tina.call("POST", "/api/v1/tickets/" + number + "/chat", R"({"text":"Can I look at your screen?"})").status,
        201u);
    ASSERT_TRUE(wait_until([&] { return chat->transcript()->toPlainText().contains("Can I look"); }));
    screenshot(*chat, "5-chat");
    chat->close();
    tickets->close();

    // A control session: the prompt names the technician; Allow starts it, the banner shows it.
    const std::string first = ask_session(tina, number, "CONTROL");
    tray::ConsentPrompt* prompt = app.consent_prompt();
    ASSERT_TRUE(wait_until([&] { return prompt->isVisible(); })) << agent.log();
    EXPECT_EQ(prompt->session_id().toStdString(), first);
    EXPECT_EQ(prompt->question_label()->text(),
              "tina Example from the helpdesk would like to see and control your screen.");
    EXPECT_EQ(prompt->ticket_label()->text().toStdString(),
              "About your ticket " + number + ": The printer says it is offline");
    EXPECT_FALSE(prompt->allow_button()->isEnabled()) << "not in the first second";
    EXPECT_TRUE(prompt->deny_button()->isDefault());
    screenshot(*prompt, "6-consent");
    EXPECT_EQ(session_of(tina, first).state(), v1::Session::REQUESTED);
    ASSERT_TRUE(wait_until([&] { return prompt->allow_button()->isEnabled(); }));
    prompt->allow_button()->click();
    v1::Session s;
    ASSERT_TRUE(session_reaches(tina, first, v1::Session::ACTIVE, &s)) << s.DebugString() << agent.log();
    tray::SharingBanner* banner = app.banner();
    ASSERT_TRUE(wait_until([&] { return banner->isVisible(); }));
    EXPECT_EQ(banner->text_label()->text(), "tina Example can see and control your screen");
    EXPECT_EQ(app.state(), tray::TrayState::sharing);
    const QRect area = QGuiApplication::primaryScreen()->availableGeometry();
    EXPECT_TRUE(wait_until([&] { return banner->frameGeometry().top() == area.top(); }));
    EXPECT_LE(std::abs(banner->frameGeometry().center().x() - area.center().x()), 2) << "top centre";
    EXPECT_TRUE(banner->windowFlags().testFlag(Qt::WindowStaysOnTopHint));
    screenshot(*banner, "7-banner");

    // Stop sharing ends it at once, recorded as the user's doing.
    banner->stop_button()->click();
    ASSERT_TRUE(session_reaches(tina, first, v1::Session::ENDED, &s)) << s.DebugString();
    EXPECT_EQ(s.ended_by(), "user");
    ASSERT_TRUE(wait_until([&] { return !banner->isVisible(); }));

    // The next request: Deny.
    const std::string second = ask_session(tina, number, "VIEW");
    ASSERT_TRUE(wait_until([&] { return prompt->isVisible() && prompt->session_id().toStdString() == second; }));
    EXPECT_EQ(prompt->question_label()->text(), "tina Example from the helpdesk would like to see your screen.");
    prompt->deny_button()->click();
    ASSERT_TRUE(session_reaches(tina, second, v1::Session::DENIED, &s)) << s.DebugString();
    EXPECT_EQ(s.end_reason(), "the user denied the request");
    EXPECT_FALSE(prompt->isVisible());

    // The same windows in Persian (right to left) and German.
    screenshots_in(app, "fa", QString::fromUtf8("چاپگر کار نمی‌کند"));
    screenshots_in(app, "de", QString::fromUtf8("Der Drucker druckt nicht"));
    ASSERT_TRUE(wait_until([] { return QApplication::layoutDirection() == Qt::LeftToRight; }));

    // Offline: the request is kept and the dialog says so calmly.
    relay.stop();
    ASSERT_TRUE(wait_until([&] { return app.state() == tray::TrayState::offline; }));
    help = app.open_help();
    help->subject_field()->setText("The internet is gone");
    help->send_button()->click();
    ASSERT_TRUE(wait_until([&] { return help->showing_result(); }, std::chrono::seconds(30)));
    EXPECT_FALSE(help->number_label()->isVisible());
    EXPECT_TRUE(help->result_label()->text().contains("sent by itself")) << help->result_label()->text().toStdString();
    screenshot(*help, "8-queued-offline");
    help->close();
    EXPECT_NE(agent.status_json().find("\"queuedRequests\": 1"), std::string::npos) << agent.status_json();
}

bool notified(const std::vector<std::pair<QString, QString>>& shown, const std::string& title, const QString& part) {
    for (const auto& [t, text] : shown)
        if (t.toStdString() == title && text.contains(part)) return true;
    return false;
}

// The helpdesk's new windows in a translation, for the screenshots and the layout.
void helpdesk_screenshots_in(tray::TrayApp& app, const QString& language, const v1::AgentStatus& status,
                             const std::string& number) {
    auto translation = tray::install_translation(language);
    ASSERT_NE(translation, nullptr) << language.toStdString();
    const Qt::LayoutDirection want = language == "fa" ? Qt::RightToLeft : Qt::LeftToRight;
    ASSERT_TRUE(wait_until([&] { return QApplication::layoutDirection() == want; }));
    const std::string suffix = "-" + language.toStdString();

    tray::HelpDialog help(app.daemon(), QImage());
    help.show();
    help.subject_field()->setText("The printer is offline");
    ASSERT_TRUE(wait_until([&] { return help.suggestions()->list()->count() > 0; })) << "suggestions in " << suffix;
    EXPECT_EQ(help.layoutDirection(), want);
    screenshot(help, "9-get-help-suggestions" + suffix);
    help.suggestions()->open(0);
    tray::ArticleDialog* article = nullptr;
    ASSERT_TRUE(wait_until([&] { return (article = help.findChild<tray::ArticleDialog*>()) && article->isVisible(); }));
    if (want == Qt::RightToLeft) {
        EXPECT_LT(article->solved_button()->x(), article->back_button()->x()) << "reading order runs leftwards";
    }
    screenshot(*article, "10-article" + suffix);
    article->back_button()->click();
    help.close();

    tray::TicketsWindow tickets(app.daemon());
    tickets.set_status(&status);
    tickets.show();
    tickets.show_ticket(QString::fromStdString(number));
    ASSERT_TRUE(wait_until([&] { return tickets.conversation()->toPlainText().contains("plugged in"); }));
    EXPECT_EQ(tickets.layoutDirection(), want);
    if (want == Qt::RightToLeft) {
        EXPECT_LT(tickets.rate_button()->x(), tickets.rating_label()->x()) << "the button sits at the left end";
    }
    screenshot(tickets, "12-my-tickets" + suffix);
    v1::TicketSummary solved;
    for (const auto& t : status.tickets())
        if (t.number() == number) solved = t;
    tray::RatingDialog rating(app.daemon(), solved);
    rating.show();
    rating.choice(4)->setChecked(true);
    screenshot(rating, "13-rating" + suffix);
}

TEST(TrayEndToEnd, suggestions_replies_and_rating_reach_the_relay) {
    RelayProcess relay;
    relay.start();
    ApiClient admin(relay.client());
    admin.login("admin", relay.admin_password());
    admin.create_user("tina", v1::TECHNICIAN, "tina-password-1", 1);
    admin.create_user("lena", v1::LEAD, "lena-password-1", 0);
    ApiClient tina(relay.client());
    tina.login("tina", "tina-password-1");
    ApiClient lena(relay.client());
    lena.login("lena", "lena-password-1");
    v1::CreateKbArticleRequest write;
    write.set_title("The printer shows “offline”");
    write.set_body_markdown(
        "## Try this first\n- Check that the printer is **switched on**.\n- Check that its cable is plugged in.\n"
        "- Switch it off, wait ten seconds, and switch it on again.");
    v1::KbArticle article;
    from_json(tina.call("POST", "/api/v1/kb/articles", write).body, article);
    ASSERT_EQ(lena.call("POST", "/api/v1/kb/articles/" + std::to_string(article.id()) + "/publish").status, 200u);

    AgentProcess agent;
    ASSERT_EQ(agent.enroll(relay, "tray-helpdesk").exit_code, 0);
    agent.start({"DISPLAY=" + kDesktop->display()});
    agent.wait_connected(true);
    tray::TrayApp app(QString::fromStdString(agent.socket_path()));
    std::vector<std::pair<QString, QString>> shown;
    QObject::connect(&app, &tray::TrayApp::notified,
                     [&](const QString& title, const QString& text) { shown.emplace_back(title, text); });
    app.start();
    ASSERT_TRUE(wait_until([&] { return app.state() == tray::TrayState::connected; })) << agent.log();

    // Typing brings the published answer; it solved the problem: counted on the relay, and no ticket.
    tray::HelpDialog* help = app.open_help();
    help->subject_field()->setText("My printer is offline");
    ASSERT_TRUE(wait_until([&] { return help->suggestions()->list()->count() == 1; })) << agent.log();
    EXPECT_EQ(help->suggestions()->list()->item(0)->text().toStdString(), "The printer shows “offline”");
    screenshot(*help, "9-get-help-suggestions");
    help->suggestions()->open(0);
    tray::ArticleDialog* reading = nullptr;
    ASSERT_TRUE(
        wait_until([&] { return (reading = help->findChild<tray::ArticleDialog*>()) && reading->isVisible(); }));
    EXPECT_TRUE(reading->body()->toPlainText().startsWith("Try this first\n"));
    screenshot(*reading, "10-article");
    reading->solved_button()->click();
    ASSERT_TRUE(help->showing_result());
    screenshot(*help, "11-solved-without-a-ticket");
    EXPECT_TRUE(wait_until([&] {
        from_json(tina.call("GET", "/api/v1/kb/articles/" + std::to_string(article.id())).body, article);
        return article.helped() == 1;
    }));
    v1::TicketPage page;
    from_json(tina.call("GET", "/api/v1/tickets").body, page);
    EXPECT_EQ(page.tickets_size(), 0) << "this solved it: no ticket";
    help->close();

    // The problem comes back: a ticket this time.
    help = app.open_help();
    help->subject_field()->setText("The printer is offline again");
    help->send_button()->click();
    ASSERT_TRUE(wait_until([&] { return help->showing_result(); }, std::chrono::seconds(30))) << agent.log();
    const std::string number = help->number_label()->text().toStdString();
    help->close();

    // The technician takes it and answers: both are announced, and My tickets shows the public reply only.
    ASSERT_EQ(tina.call("POST", "/api/v1/tickets/" + number + "/claim").status, 200u);
    EXPECT_TRUE(wait_until([&] { return notified(shown, "Ticket " + number, "Being worked on"); }));
    ASSERT_EQ(
        tina.call("POST", "/api/v1/tickets/" + number + "/comments", R"({"body":"Is its cable plugged in?"})").status,
        201u);
    ASSERT_EQ(tina.call("POST", "/api/v1/tickets/" + number + "/comments",
                        R"({"body":"User sounds stressed.","internal":true})")
                  .status,
              201u);
    EXPECT_TRUE(wait_until([&] { return notified(shown, "Ticket " + number, "The helpdesk answered"); }));
    tray::TicketsWindow* tickets = app.open_tickets(QString::fromStdString(number));
    ASSERT_TRUE(wait_until([&] { return tickets->conversation()->toPlainText().contains("Is its cable plugged in?"); }))
        << tickets->conversation()->placeholderText().toStdString();
    EXPECT_FALSE(tickets->conversation()->toPlainText().contains("stressed")) << "internal notes stay with staff";
    EXPECT_FALSE(tickets->rate_button()->isVisible()) << "not solved yet";

    // The user's reply is a public comment on the relay.
    tickets->reply_field()->setPlainText("Yes, it is plugged in. The light is orange.");
    tickets->reply_button()->click();
    ASSERT_TRUE(wait_until([&] { return tickets->conversation()->toPlainText().contains("The light is orange."); }))
        << tickets->reply_note()->text().toStdString();
    v1::CommentList comments;
    from_json(tina.call("GET", "/api/v1/tickets/" + number + "/comments").body, comments);
    ASSERT_EQ(comments.comments_size(), 3);
    EXPECT_EQ(comments.comments(2).body(), "Yes, it is plugged in. The light is orange.");
    EXPECT_FALSE(comments.comments(2).internal());
    EXPECT_NE(comments.comments(2).author().find(" (from "), std::string::npos) << comments.comments(2).author();
    ASSERT_EQ(tina.call("POST", "/api/v1/tickets/" + number + "/comments",
                        R"({"body":"Thanks. Please try printing now, I restarted the queue."})")
                  .status,
              201u);
    ASSERT_TRUE(wait_until([&] { return tickets->conversation()->toPlainText().contains("restarted the queue"); }));

    // Solved: announced, and the rating is offered, sent and stored on the ticket.
    ASSERT_EQ(tina.call("POST", "/api/v1/tickets/" + number + "/status", R"({"status":"RESOLVED"})").status, 200u);
    EXPECT_TRUE(wait_until([&] { return notified(shown, "Ticket " + number, "Solved"); }));
    ASSERT_TRUE(wait_until([&] { return tickets->rate_button()->isVisible(); }));
    screenshot(*tickets, "12-my-tickets");
    tickets->rate_button()->click();
    tray::RatingDialog* rating = nullptr;
    ASSERT_TRUE(
        wait_until([&] { return (rating = tickets->findChild<tray::RatingDialog*>()) && rating->isVisible(); }));
    rating->choice(4)->click();
    rating->comment_field()->setPlainText("Friendly and quick.");
    screenshot(*rating, "13-rating");
    rating->send_button()->click();
    v1::Ticket ticket;
    ASSERT_TRUE(wait_until([&] {
        from_json(tina.call("GET", "/api/v1/tickets/" + number).body, ticket);
        return ticket.has_satisfaction();
    }));
    EXPECT_EQ(ticket.satisfaction().rating(), 4);
    EXPECT_EQ(ticket.satisfaction().comment(), "Friendly and quick.");
    ASSERT_TRUE(wait_until([&] { return tickets->rating_label()->text().contains("4 of 5"); }))
        << tickets->rating_label()->text().toStdString();
    screenshot(*tickets, "14-my-tickets-rated");

    // The same windows in Persian (right to left) and German.
    ASSERT_TRUE(app.status());
    const v1::AgentStatus status = *app.status();
    helpdesk_screenshots_in(app, "fa", status, number);
    helpdesk_screenshots_in(app, "de", status, number);
    ASSERT_TRUE(wait_until([] { return QApplication::layoutDirection() == Qt::LeftToRight; }));
    tickets->close();
}

}  // namespace
}  // namespace lifeline::testing
