// Notification texts: files `<dir>/<language>/<kind>.txt` whose first line is "Subject: ..." and the
// rest the body, with {{placeholders}}; English and German defaults are compiled in and used where no
// file overrides them. Files are read at each rendering, so an admin's edit applies to the next mail.
#pragma once

#include "shared/core/error.hpp"

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace lifeline::relay::notify {

enum class MailKind { ticket_opened, public_reply, resolved, sla_at_risk, sla_breached };
inline constexpr std::array kMailKinds = {MailKind::ticket_opened, MailKind::public_reply, MailKind::resolved,
                                          MailKind::sla_at_risk, MailKind::sla_breached};
std::string_view kind_name(MailKind kind);  // "ticket_opened", also the file's name without ".txt"

// Languages with compiled-in templates; anything else falls back to English per template.
inline constexpr std::array<std::string_view, 2> kBuiltInLanguages = {"en", "de"};

// "en", "de", "pt-BR": 2-8 lower-case letters, optionally '-' and 1-8 letters or digits. Keeps a
// language from naming a path outside the templates directory.
bool is_language_code(std::string_view text);

// Placeholder name -> plain-text value. The fixed set the relay fills in (docs/admin-guide.md):
// ticket.number, ticket.subject, ticket.priority, ticket.category, ticket.group, ticket.assignee,
// requester.name, requester.contact, recipient.name, comment.author, comment.body, resolution,
// sla.target, sla.due, relay.url.
using TemplateValues = std::map<std::string, std::string, std::less<>>;

struct MailTemplate {
    std::string subject;  // with placeholders
    std::string body;
};

struct RenderedMail {
    std::string subject;  // one line: CR, LF and other control characters removed
    std::string body;
};

// "Subject: ...", an optional blank line, then the body. invalid_argument when the first line is not
// a Subject line or the text is not UTF-8.
core::Result<MailTemplate> parse_template(std::string_view text);

// Replaces each {{name}} (blanks inside the braces allowed) with its value; an unknown name stays as
// written, so a typo shows in the mail instead of vanishing.
std::string substitute(std::string_view text, const TemplateValues& values);

// Substitutes and makes the subject one line of at most kMaxSubjectBytes (cut between characters):
// a value with a line break cannot add a header (header injection).
inline constexpr std::size_t kMaxSubjectBytes = 200;
RenderedMail render(const MailTemplate& mail_template, const TemplateValues& values);

// The compiled-in text for `language` (en, de), or nullopt.
std::optional<std::string_view> embedded_template(std::string_view language, MailKind kind);

class MailTemplates {
public:
    explicit MailTemplates(std::string dir) : dir_(std::move(dir)) {}

    // The first usable of: the file for `language`, the embedded one for `language`, the file for
    // "en", the embedded English one. A file that cannot be read or parsed is skipped with a warning.
    // Any thread.
    RenderedMail render(MailKind kind, std::string_view language, const TemplateValues& values) const;

    const std::string& dir() const { return dir_; }

private:
    std::optional<MailTemplate> from_file(std::string_view language, MailKind kind) const;

    std::string dir_;
};

// Writes every embedded template to `<dir>/<language>/<kind>.txt`, creating directories; a file that
// already exists is left as it is. Throws std::runtime_error when a file cannot be written.
void write_default_templates(const std::string& dir);

}  // namespace lifeline::relay::notify
