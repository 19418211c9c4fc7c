// Notification templates: placeholders, files over the built-in texts, the fallback to English, and
// values that try to add a header.
#include "relay/notify/mail_templates.hpp"
#include "relay/notify/mail_message.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace lifeline::relay::notify {
namespace {

namespace fs = std::filesystem;

class TemplateDir {
public:
    TemplateDir() {
        path_ = fs::temp_directory_path() /
                ("lifeline-templates-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~TemplateDir() { fs::remove_all(path_); }
    void write(const std::string& relative, const std::string& text) const {
        fs::create_directories((path_ / relative).parent_path());
        std::ofstream(path_ / relative, std::ios::binary) << text;
    }
    std::string path() const { return path_.string(); }

private:
    static inline int counter_ = 0;
    fs::path path_;
};

const TemplateValues kValues = {{"ticket.number", "LL-000042"},
                                {"ticket.subject", "Printer jams"},
                                {"requester.name", "Mia Example"},
                                {"comment.author", "Tina Tech"},
                                {"comment.body", "Please try again.\nIt works now?"},
                                {"resolution", "Replaced the toner."}};

TEST(MailTemplates, every_built_in_text_parses_and_names_the_ticket_in_its_subject) {
    for (auto language : kBuiltInLanguages) {
        for (auto kind : kMailKinds) {
            auto text = embedded_template(language, kind);
            ASSERT_TRUE(text) << language << "/" << kind_name(kind);
            auto parsed = parse_template(*text);
            ASSERT_TRUE(parsed) << language << "/" << kind_name(kind) << ": " << parsed.error().message;
            EXPECT_NE(parsed->subject.find("{{ticket.number}}"), std::string::npos) << kind_name(kind);
            EXPECT_FALSE(parsed->body.empty());
            EXPECT_NE(parsed->body.front(), '\n') << "the blank line after the subject is not part of the body";
        }
    }
}

TEST(MailTemplates, placeholders_are_replaced_and_unknown_ones_stay_visible) {
    MailTemplate t{"[{{ticket.number}}] {{ ticket.subject }}", "Hello {{requester.name}}, {{no.such}} {{"};
    auto mail = render(t, kValues);
    EXPECT_EQ(mail.subject, "[LL-000042] Printer jams");
    EXPECT_EQ(mail.body, "Hello Mia Example, {{no.such}} {{");
}

TEST(MailTemplates, values_are_plain_text_and_are_not_expanded_again) {
    MailTemplate t{"{{ticket.subject}}", "{{comment.body}}"};
    auto mail = render(t, {{"ticket.subject", "{{comment.body}}"}, {"comment.body", "{{ticket.subject}} <b>x</b>"}});
    EXPECT_EQ(mail.subject, "{{comment.body}}");
    EXPECT_EQ(mail.body, "{{ticket.subject}} <b>x</b>");
}

TEST(MailTemplates, a_value_with_line_breaks_cannot_add_a_header) {
    MailTemplate t{"[{{ticket.number}}] {{ticket.subject}}", "{{comment.body}}"};
    auto mail = render(t, {{"ticket.number", "LL-000001"},
                           {"ticket.subject", "Hi\r\nBcc: victim@example.org\nX-Evil: 1"},
                           {"comment.body", "line one\nline two"}});
    EXPECT_EQ(mail.subject, "[LL-000001] Hi Bcc: victim@example.org X-Evil: 1");
    EXPECT_EQ(mail.body, "line one\nline two");  // the body keeps its lines
    MailMessage message{"helpdesk@example.org", "", "user@example.org", mail.subject, mail.body, "<a@b.c>", {}};
    const std::string text = format_message(message, BodyEncoding::seven_bit);
    const std::string headers = text.substr(0, text.find("\r\n\r\n"));
    EXPECT_EQ(headers.find("\r\nBcc:"), std::string::npos);
    EXPECT_EQ(headers.find("\r\nX-Evil:"), std::string::npos);
}

TEST(MailTemplates, a_long_subject_is_cut_between_characters) {
    MailTemplate t{"{{ticket.subject}}", ""};
    std::string subject;
    for (int i = 0; i < 150; ++i)
        subject += "ä";  // 300 bytes
    auto mail = render(t, {{"ticket.subject", subject}});
    EXPECT_LE(mail.subject.size(), kMaxSubjectBytes);
    EXPECT_EQ(mail.subject.size() % 2, 0u) << "a character was cut in half";
}

TEST(MailTemplates, the_first_line_must_be_the_subject) {
    EXPECT_FALSE(parse_template("Hello\nSubject: x\n"));
    EXPECT_FALSE(parse_template("Subject: bad \xff byte\n\nbody"));
    auto crlf = parse_template("Subject: Hi {{ticket.number}}\r\n\r\nBody\r\n");
    ASSERT_TRUE(crlf);
    EXPECT_EQ(crlf->subject, "Hi {{ticket.number}}");
    EXPECT_EQ(crlf->body, "Body\r\n");
    auto no_blank = parse_template("Subject: Hi\nBody");
    ASSERT_TRUE(no_blank);
    EXPECT_EQ(no_blank->body, "Body");
}

TEST(MailTemplates, a_file_overrides_the_built_in_text_of_its_language) {
    TemplateDir dir;
    dir.write("de/resolved.txt", "Subject: Erledigt {{ticket.number}}\n\nLösung: {{resolution}}\n");
    MailTemplates templates(dir.path());
    auto mail = templates.render(MailKind::resolved, "de", kValues);
    EXPECT_EQ(mail.subject, "Erledigt LL-000042");
    EXPECT_EQ(mail.body, "Lösung: Replaced the toner.\n");
    // No file for this kind: the built-in German text.
    auto opened = templates.render(MailKind::ticket_opened, "de", kValues);
    EXPECT_EQ(opened.subject, "[LL-000042] Ihre Anfrage ist eingegangen: Printer jams");
}

TEST(MailTemplates, an_unknown_language_falls_back_to_english_files_then_built_in) {
    TemplateDir dir;
    dir.write("en/public_reply.txt", "Subject: Reply on {{ticket.number}}\n\n{{comment.body}}\n");
    MailTemplates templates(dir.path());
    EXPECT_EQ(templates.render(MailKind::public_reply, "fr", kValues).subject, "Reply on LL-000042");
    EXPECT_EQ(templates.render(MailKind::resolved, "fr", kValues).subject, "[LL-000042] Resolved: Printer jams");
    // A language that could name another directory is never used as a path.
    dir.write("x/resolved.txt", "Subject: escaped\n\n");
    EXPECT_EQ(templates.render(MailKind::resolved, "../x", kValues).subject, "[LL-000042] Resolved: Printer jams");
}

TEST(MailTemplates, a_broken_file_is_skipped_for_the_built_in_text) {
    TemplateDir dir;
    dir.write("en/ticket_opened.txt", "no subject line here\n");
    MailTemplates templates(dir.path());
    EXPECT_EQ(templates.render(MailKind::ticket_opened, "en", kValues).subject,
              "[LL-000042] We received your request: Printer jams");
}

TEST(MailTemplates, an_edited_file_applies_to_the_next_mail) {
    TemplateDir dir;
    MailTemplates templates(dir.path());
    EXPECT_EQ(templates.render(MailKind::resolved, "en", kValues).subject, "[LL-000042] Resolved: Printer jams");
    dir.write("en/resolved.txt", "Subject: Done: {{ticket.number}}\n\nbye\n");
    EXPECT_EQ(templates.render(MailKind::resolved, "en", kValues).subject, "Done: LL-000042");
}

TEST(MailTemplates, init_writes_every_built_in_text_and_keeps_edited_files) {
    TemplateDir dir;
    dir.write("en/resolved.txt", "Subject: mine\n\nmine\n");
    write_default_templates(dir.path());
    int files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir.path()))
        files += entry.is_regular_file() ? 1 : 0;
    EXPECT_EQ(files, 10);
    std::ifstream kept(dir.path() + "/en/resolved.txt");
    std::string first;
    std::getline(kept, first);
    EXPECT_EQ(first, "Subject: mine");
    std::ifstream de(dir.path() + "/de/sla_breached.txt");
    std::string text((std::istreambuf_iterator<char>(de)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, *embedded_template("de", MailKind::sla_breached));
}

TEST(MailTemplates, language_codes_are_checked) {
    for (auto good : {"en", "de", "pt-BR", "zh-Hant", "fil"})
        EXPECT_TRUE(is_language_code(good)) << good;
    for (auto bad : {"", "e", "EN", "../en", "en/", "en-", "en_US", "de-../x"})
        EXPECT_FALSE(is_language_code(bad)) << bad;
}

}  // namespace
}  // namespace lifeline::relay::notify
