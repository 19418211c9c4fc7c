// Loading, parsing and rendering the notification templates.
#include "relay/notify/mail_templates.hpp"

#include "relay/notify/mail_message.hpp"
#include "shared/core/log.hpp"
#include "shared/core/text.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace lifeline::relay::notify {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxTemplateBytes = 64 << 10;

bool is_lower(char ch) { return ch >= 'a' && ch <= 'z'; }
bool is_alnum(char ch) { return is_lower(ch) || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'); }

// At most `max` bytes of `text`, cut before a UTF-8 sequence rather than inside it.
std::string cut_utf8(std::string text, std::size_t max) {
    if (text.size() <= max) return text;
    std::size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
        --end;
    text.resize(end);
    return text;
}

}  // namespace

std::string_view kind_name(MailKind kind) {
    switch (kind) {
        case MailKind::ticket_opened: return "ticket_opened";
        case MailKind::public_reply: return "public_reply";
        case MailKind::resolved: return "resolved";
        case MailKind::sla_at_risk: return "sla_at_risk";
        case MailKind::sla_breached: return "sla_breached";
    }
    return "unknown";
}

bool is_language_code(std::string_view text) {
    const auto dash = text.find('-');
    const auto primary = text.substr(0, dash);
    if (primary.size() < 2 || primary.size() > 8) return false;
    for (char ch : primary)
        if (!is_lower(ch)) return false;
    if (dash == std::string_view::npos) return true;
    const auto region = text.substr(dash + 1);
    if (region.empty() || region.size() > 8) return false;
    for (char ch : region)
        if (!is_alnum(ch)) return false;
    return true;
}

core::Result<MailTemplate> parse_template(std::string_view text) {
    if (text.size() > kMaxTemplateBytes) {
        return core::make_error(core::Errc::invalid_argument,
                                "longer than " + std::to_string(kMaxTemplateBytes) + " bytes");
    }
    if (auto ok = core::check_text("template", text, kMaxTemplateBytes, true); !ok) return ok.error();
    constexpr std::string_view kSubject = "Subject:";
    if (text.substr(0, kSubject.size()) != kSubject) {
        return core::make_error(core::Errc::invalid_argument, "the first line must be \"Subject: ...\"");
    }
    auto line_end = text.find('\n');
    std::string_view subject =
        text.substr(kSubject.size(), line_end == std::string_view::npos ? text.npos : line_end - kSubject.size());
    std::string_view rest = line_end == std::string_view::npos ? std::string_view{} : text.substr(line_end + 1);
    // The blank line that separates a mail's headers from its body is optional here.
    if (rest.substr(0, 2) == "\r\n")
        rest.remove_prefix(2);
    else if (rest.substr(0, 1) == "\n")
        rest.remove_prefix(1);
    return MailTemplate{single_line(subject), std::string(rest)};
}

std::string substitute(std::string_view text, const TemplateValues& values) {
    std::string out;
    out.reserve(text.size() + 256);
    std::size_t at = 0;
    while (at < text.size()) {
        const auto open = text.find("{{", at);
        if (open == std::string_view::npos) break;
        const auto close = text.find("}}", open + 2);
        if (close == std::string_view::npos) break;
        out.append(text.substr(at, open - at));
        std::string_view name = text.substr(open + 2, close - open - 2);
        while (!name.empty() && name.front() == ' ')
            name.remove_prefix(1);
        while (!name.empty() && name.back() == ' ')
            name.remove_suffix(1);
        if (auto value = values.find(name); value != values.end()) {
            out += value->second;
        } else {
            out.append(text.substr(open, close + 2 - open));
        }
        at = close + 2;
    }
    out.append(text.substr(at));
    return out;
}

RenderedMail render(const MailTemplate& mail_template, const TemplateValues& values) {
    return {cut_utf8(single_line(substitute(mail_template.subject, values)), kMaxSubjectBytes),
            substitute(mail_template.body, values)};
}

std::optional<MailTemplate> MailTemplates::from_file(std::string_view language, MailKind kind) const {
    if (dir_.empty()) return std::nullopt;
    const fs::path path = fs::path(dir_) / std::string(language) / (std::string(kind_name(kind)) + ".txt");
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    std::string text(kMaxTemplateBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) {
        spdlog::warn("mail: cannot read template {}; using the built-in one", path.string());
        return std::nullopt;
    }
    text.resize(static_cast<std::size_t>(in.gcount()));
    auto parsed = parse_template(text);
    if (!parsed) {
        spdlog::warn("mail: template {} is not usable ({}); using the built-in one", path.string(),
                     parsed.error().message);
        return std::nullopt;
    }
    return std::move(*parsed);
}

RenderedMail MailTemplates::render(MailKind kind, std::string_view language, const TemplateValues& values) const {
    const std::string_view languages[] = {language, "en"};
    for (auto lang : languages) {
        if (!is_language_code(lang)) continue;
        if (auto file = from_file(lang, kind)) return notify::render(*file, values);
        if (auto text = embedded_template(lang, kind)) return notify::render(parse_template(*text).value(), values);
    }
    // Unreachable: the English texts are compiled in (and tested to parse).
    return {std::string(kind_name(kind)), {}};
}

void write_default_templates(const std::string& dir) {
    for (auto language : kBuiltInLanguages) {
        const fs::path folder = fs::path(dir) / std::string(language);
        fs::create_directories(folder);
        for (auto kind : kMailKinds) {
            const fs::path path = folder / (std::string(kind_name(kind)) + ".txt");
            if (fs::exists(path)) continue;
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out << *embedded_template(language, kind);
            out.close();
            if (!out) throw std::runtime_error("cannot write " + path.string());
        }
    }
}

}  // namespace lifeline::relay::notify
