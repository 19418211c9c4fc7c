// The tray's helpdesk parts without a display (offscreen, set up by tray_logic_test.cpp's environment in
// the same program): My tickets' conversation, reply and rating, the rating dialog, Get help's categories
// from the relay, suggestions asked once the typing pauses and "this solved it", and the notifications
// pushed ticket updates bring. The daemon's answers are its signals, emitted here as the real client
// would after a reply from the socket.
#include "agent/tray/daemon_client.hpp"
#include "agent/tray/help_dialog.hpp"
#include "agent/tray/rating_dialog.hpp"
#include "agent/tray/suggestions.hpp"
#include "agent/tray/tickets_window.hpp"
#include "agent/tray/tray_app.hpp"
#include "agent/tray/tray_text.hpp"
#include "tests/support/qt_wait.hpp"

#include <gtest/gtest.h>

#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QTest>
#include <QTextBlock>
#include <QTreeWidget>

namespace lifeline::agent::tray {
namespace {

using lifeline::testing::wait_until;

const char* const kNoDaemon = "/nonexistent/lifeline-tray-helpdesk-test.sock";

v1::TicketSummary summary(const std::string& number, const std::string& subject, v1::Ticket::Status status) {
    v1::TicketSummary t;
    t.set_number(number);
    t.set_subject(subject);
    t.set_status(status);
    t.mutable_created_at()->set_seconds(1764583200);  // 2025-12-01 10:00 UTC
    return t;
}

v1::AgentStatus connected_with(std::initializer_list<v1::TicketSummary> tickets) {
    v1::AgentStatus status;
    status.set_connected(true);
    for (const auto& t : tickets)
        *status.add_tickets() = t;
    return status;
}

TEST(TrayHelpdeskText, the_conversation_is_plain_text_in_order_and_markdown_reads_as_text) {
    v1::TicketDetail detail;
    *detail.mutable_ticket() = summary("LL-000012", "Printer <b>offline</b>", v1::Ticket::OPEN);
    detail.set_description("Since this morning.");
    auto unanswered = ticket_conversation(detail);
    ASSERT_EQ(unanswered.size(), 2u);
    EXPECT_TRUE(unanswered[1].heading.isEmpty());
    EXPECT_EQ(unanswered[1].text, "No answer yet. A technician will reply here.");
    auto* reply = detail.add_replies();
    reply->set_author("tina");
    reply->set_body("Please <i>restart</i> it.\n");
    reply->mutable_created_at()->set_seconds(1764583800);
    auto entries = ticket_conversation(detail);
    ASSERT_EQ(entries.size(), 2u) << "what the user wrote, then the reply";
    EXPECT_TRUE(entries[0].heading.startsWith("You asked for help (")) << entries[0].heading.toStdString();
    EXPECT_EQ(entries[0].text, "Printer <b>offline</b>\nSince this morning.");
    EXPECT_TRUE(entries[1].heading.startsWith("tina (")) << entries[1].heading.toStdString();
    EXPECT_EQ(entries[1].text, "Please <i>restart</i> it.");

    EXPECT_EQ(markdown_as_plain("## Try this\n- Switch it **off** and on.\n* Then `print` again.\n```\ncode\n```"),
              QString::fromUtf8("Try this\n• Switch it off and on.\n• Then print again.\ncode"));

    EXPECT_TRUE(can_rate(v1::Ticket::RESOLVED));
    EXPECT_TRUE(can_rate(v1::Ticket::CLOSED));
    EXPECT_FALSE(can_rate(v1::Ticket::PENDING));
    EXPECT_FALSE(can_reply(v1::Ticket::CLOSED));
    EXPECT_TRUE(can_reply(v1::Ticket::RESOLVED)) << "a solved ticket may still get one more word";
    EXPECT_FALSE(reply_problem("  \n ").isEmpty());
    EXPECT_TRUE(reply_problem(QString(kMaxReplyBytes, 'r')).isEmpty());
    EXPECT_FALSE(reply_problem(QString(kMaxReplyBytes + 1, 'r')).isEmpty());
    EXPECT_TRUE(rating_comment_problem("").isEmpty()) << "the comment is optional";
    EXPECT_FALSE(rating_comment_problem(QString(kMaxRatingCommentBytes + 1, 'c')).isEmpty());

    v1::Satisfaction rated;
    rated.set_rating(4);
    EXPECT_EQ(rating_summary(rated), "You rated the help: Happy (4 of 5). Thank you.");

    v1::HelpCatalog catalog;
    EXPECT_EQ(help_categories(catalog).size(), help_categories().size()) << "no list from the relay: the tray's own";
    catalog.add_categories("Printing");
    catalog.add_categories("Network");
    catalog.add_categories(std::string(kMaxCategoryBytes + 1, 'x'));
    auto offered = help_categories(catalog);
    ASSERT_EQ(offered.size(), 3u) << "'I am not sure' first; a name the relay could not take is left out";
    EXPECT_EQ(offered[0].label, "I am not sure");
    EXPECT_TRUE(offered[0].value.isEmpty());
    EXPECT_EQ(offered[1].value, "Printing");
    EXPECT_EQ(offered[2].label, "Network");
}

TEST(TrayTicketsWindow, shows_the_chosen_tickets_answers_offers_a_rating_once_solved_and_no_reply_when_closed) {
    DaemonClient daemon(kNoDaemon);
    QSignalSpy failed(&daemon, &DaemonClient::reply_failed);
    TicketsWindow window(daemon);
    window.show();
    auto status = connected_with({summary("LL-000003", "Mail <b>sync</b>", v1::Ticket::OPEN),
                                  summary("LL-000002", "Printer offline", v1::Ticket::RESOLVED),
                                  summary("LL-000001", "Old laptop", v1::Ticket::CLOSED)});
    window.set_status(&status);
    ASSERT_EQ(window.list()->topLevelItemCount(), 3);
    EXPECT_EQ(window.shown_number(), "LL-000003") << "the newest is shown first";
    EXPECT_EQ(window.heading_label()->text(), "LL-000003: Mail <b>sync</b> (Being worked on)");
    EXPECT_FALSE(window.rate_button()->isVisible()) << "not solved yet";
    EXPECT_TRUE(window.reply_field()->isVisible());

    // The daemon's answer fills the conversation; one for another ticket does not.
    v1::TicketDetail detail;
    *detail.mutable_ticket() = summary("LL-000003", "Mail <b>sync</b>", v1::Ticket::OPEN);
    detail.add_replies()->set_body("Which mail program?");
    detail.mutable_replies(0)->set_author("<b>tina</b>");
    detail.add_replies()->set_body(QString::fromUtf8("پرینتر را خاموش کنید").toStdString());
    emit daemon.ticket_loaded(detail);
    EXPECT_TRUE(window.conversation()->toPlainText().contains("<b>tina</b> (")) << "markup is text";
    EXPECT_TRUE(window.conversation()->toPlainText().contains("Which mail program?"));
    // Each line keeps the direction of what was written.
    for (QTextBlock b = window.conversation()->document()->begin(); b.isValid(); b = b.next()) {
        if (b.text() == "Which mail program?") {
            EXPECT_EQ(b.textDirection(), Qt::LeftToRight);
        } else if (b.text().startsWith(QString::fromUtf8("پرینتر"))) {
            EXPECT_EQ(b.textDirection(), Qt::RightToLeft);
        }
    }
    *detail.mutable_ticket() = summary("LL-000002", "Printer offline", v1::Ticket::RESOLVED);
    detail.mutable_replies(0)->set_body("elsewhere");
    emit daemon.ticket_loaded(detail);
    EXPECT_FALSE(window.conversation()->toPlainText().contains("elsewhere"));

    // An empty reply is refused here; a real one goes to the daemon (which is not running).
    window.send_reply();
    EXPECT_TRUE(window.reply_note()->isVisible());
    EXPECT_EQ(window.reply_note()->text(), "Write your reply first.");
    window.reply_field()->setPlainText("Thunderbird, since Monday.");
    window.reply_button()->click();
    EXPECT_FALSE(window.reply_button()->isEnabled()) << "one reply at a time";
    ASSERT_TRUE(wait_until([&] { return failed.count() == 1; }));
    EXPECT_TRUE(window.reply_button()->isEnabled());
    EXPECT_EQ(window.reply_field()->toPlainText(), "Thunderbird, since Monday.") << "the user's words stay";
    EXPECT_TRUE(window.reply_note()->text().contains("not sent"));

    // Keyboard: Alt+Y goes to the reply box; moving down the list shows the next ticket.
    window.activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(&window));
    window.list()->setFocus();
    QTest::keyClick(&window, Qt::Key_Y, Qt::AltModifier);
    EXPECT_TRUE(window.reply_field()->hasFocus());
    window.list()->setFocus();
    QTest::keyClick(window.list(), Qt::Key_Down);
    EXPECT_EQ(window.shown_number(), "LL-000002");
    EXPECT_TRUE(window.rate_button()->isVisible());
    EXPECT_EQ(window.rating_label()->text(), "Solved. Please tell us how we did.");
    EXPECT_TRUE(window.reply_field()->isVisible());
    window.show_ticket("LL-000001");
    EXPECT_TRUE(window.rate_button()->isVisible());
    EXPECT_FALSE(window.reply_field()->isVisible()) << "a closed ticket takes no more replies";
    EXPECT_TRUE(window.reply_note()->text().contains("closed"));

    // A rating already given shows, and the button offers to change it.
    status.mutable_tickets(2)->mutable_satisfaction()->set_rating(2);
    window.set_status(&status);
    EXPECT_EQ(window.rating_label()->text(), "You rated the help: Unhappy (2 of 5). Thank you.");
    EXPECT_EQ(window.rate_button()->text(), "Change r&ating…");
    for (QLabel* label : window.findChildren<QLabel*>())
        EXPECT_EQ(label->textFormat(), Qt::PlainText);
}

TEST(TrayRatingDialog, needs_a_choice_keeps_a_given_rating_and_reports_a_failure_calmly) {
    DaemonClient daemon(kNoDaemon);
    QSignalSpy failed(&daemon, &DaemonClient::rating_failed);
    auto ticket = summary("LL-000002", "Printer offline", v1::Ticket::RESOLVED);
    RatingDialog dialog(daemon, ticket);
    dialog.show();
    dialog.activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(&dialog));
    EXPECT_EQ(dialog.rating(), 0);
    EXPECT_FALSE(dialog.send_button()->isEnabled()) << "nothing chosen yet";
    EXPECT_TRUE(dialog.choice(5)->hasFocus()) << "the keyboard starts at the top of the scale";
    QTest::keyClick(dialog.choice(5), Qt::Key_Space);
    EXPECT_EQ(dialog.rating(), 5);
    QTest::keyClick(dialog.choice(5), Qt::Key_Down);  // arrows move along the scale
    EXPECT_EQ(dialog.rating(), 4);
    EXPECT_TRUE(dialog.send_button()->isEnabled());
    EXPECT_TRUE(dialog.choice(1)->text().endsWith("Very unhappy"));

    dialog.comment_field()->setPlainText(QString(kMaxRatingCommentBytes + 1, 'c'));
    dialog.send();
    EXPECT_TRUE(dialog.problem_label()->isVisible());
    EXPECT_EQ(failed.count(), 0) << "refused before asking the daemon";
    dialog.comment_field()->setPlainText("Quick and kind.");
    dialog.send_button()->click();
    ASSERT_TRUE(wait_until([&] { return failed.count() == 1; }));
    EXPECT_TRUE(dialog.isVisible());
    EXPECT_TRUE(dialog.problem_label()->text().contains("not sent"));

    // The daemon says it is stored: the dialog closes.
    dialog.send_button()->click();
    emit daemon.rated("LL-000002");
    EXPECT_EQ(dialog.result(), QDialog::Accepted);

    ticket.mutable_satisfaction()->set_rating(3);
    ticket.mutable_satisfaction()->set_comment("Took a while.");
    RatingDialog again(daemon, ticket);
    EXPECT_EQ(again.rating(), 3);
    EXPECT_EQ(again.comment_field()->toPlainText(), "Took a while.");
}

TEST(TrayGetHelp, uses_the_relays_categories_and_suggests_answers_once_the_typing_pauses) {
    DaemonClient daemon(kNoDaemon);
    QSignalSpy helped(&daemon, &DaemonClient::suggestions_ready);
    HelpDialog dialog(daemon, QImage());
    dialog.show();
    v1::HelpCatalog catalog;
    catalog.add_categories("Printing");
    catalog.add_categories("Email");
    emit daemon.catalog_loaded(catalog);
    ASSERT_EQ(dialog.category_box()->count(), 3);
    EXPECT_EQ(dialog.category_box()->currentText(), "I am not sure");
    EXPECT_EQ(dialog.category_box()->itemData(1).toString(), "Printing");

    SuggestionsPanel* panel = dialog.suggestions();
    EXPECT_FALSE(panel->isVisible());
    // Typing letter by letter asks once, after the pause; three letters ask nothing.
    for (const char* typed : {"pri", "print", "printe", "printer offline"})
        dialog.subject_field()->setText(typed);
    EXPECT_EQ(panel->asked(), 0) << "not while typing";
    ASSERT_TRUE(wait_until([&] { return panel->asked() == 1; }, std::chrono::seconds(3)));
    QTest::qWait(static_cast<int>(SuggestionsPanel::kPause.count()) * 2);
    EXPECT_EQ(panel->asked(), 1) << "one question per pause";

    // The daemon's answer (not running here, so emitted as it would be): a list of titles as plain text.
    v1::KbHints hints;
    auto* article = hints.add_articles();
    article->set_id(17);
    article->set_title("Printer shows <b>offline</b>");
    article->set_body_markdown("## Try this\n- Switch it **off** and on.\n<img src=x>");
    emit daemon.suggestions_ready(1, hints);
    ASSERT_TRUE(panel->isVisible());
    ASSERT_EQ(panel->list()->count(), 1);
    EXPECT_EQ(panel->list()->item(0)->text(), "Printer shows <b>offline</b>");
    emit daemon.suggestions_ready(0, {});  // an answer to an older question
    EXPECT_EQ(panel->list()->count(), 1);

    // Enter on the list opens the article; "Yes, this solved it" ends Get help without a ticket.
    QSignalSpy sent(&daemon, &DaemonClient::help_failed);
    panel->list()->setFocus();
    QTest::keyClick(panel->list(), Qt::Key_Return);
    ArticleDialog* shown = nullptr;
    ASSERT_TRUE(wait_until([&] {
        shown = dialog.findChild<ArticleDialog*>();
        return shown != nullptr && shown->isVisible();
    }));
    EXPECT_EQ(shown->title_label()->textFormat(), Qt::PlainText);
    EXPECT_EQ(shown->body()->toPlainText(), QString::fromUtf8("Try this\n• Switch it off and on.\n<img src=x>"));
    EXPECT_TRUE(shown->back_button()->isDefault()) << "Enter goes back to the request";
    QSignalSpy solved(panel, &SuggestionsPanel::solved);
    shown->solved_button()->click();
    ASSERT_EQ(solved.count(), 1);
    EXPECT_EQ(solved[0][0].toLongLong(), 17);
    EXPECT_TRUE(dialog.showing_result());
    EXPECT_EQ(dialog.headline_label()->text(), "Good to hear it is solved");
    EXPECT_FALSE(dialog.number_label()->isVisible()) << "no ticket was made";
    QCoreApplication::processEvents();
    EXPECT_EQ(sent.count(), 0) << "Enter on a suggestion opens it and does not send the request";
}

TEST(TrayApp, a_pushed_ticket_update_is_announced_with_what_changed) {
    TrayApp app(kNoDaemon);
    std::vector<std::pair<QString, QString>> shown;
    QObject::connect(&app, &TrayApp::notified,
                     [&](const QString& title, const QString& text) { shown.emplace_back(title, text); });
    auto status = connected_with({summary("LL-000005", "VPN drops", v1::Ticket::OPEN)});
    emit app.daemon().status_changed(status);
    emit app.daemon().ticket_updated(summary("LL-000005", "VPN drops", v1::Ticket::OPEN));
    emit app.daemon().ticket_updated(summary("LL-000005", "VPN drops", v1::Ticket::PENDING));
    ASSERT_EQ(shown.size(), 2u);
    EXPECT_EQ(shown[0].first, "Ticket LL-000005");
    EXPECT_EQ(shown[0].second, QString::fromUtf8("The helpdesk answered about “VPN drops”."));
    EXPECT_EQ(shown[1].second, QString::fromUtf8("“VPN drops” is now: Waiting for you"));
    EXPECT_EQ(app.state(), TrayState::connected);
}

}  // namespace
}  // namespace lifeline::agent::tray
