#include "viewer/models/ticket_text.hpp"

#include "viewer/models/workflow_text.hpp"

#include <google/protobuf/util/time_util.h>

#include <QCoreApplication>
#include <QDateTime>

#include <cstring>
#include <tuple>

namespace lifeline::viewer::models {

using google::protobuf::util::TimeUtil;

namespace {

QString tr(const char* text) { return QCoreApplication::translate("TicketText", text); }
QString q(const std::string& s) { return QString::fromStdString(s); }

QString local_time(const google::protobuf::Timestamp& t, const char* format = "yyyy-MM-dd HH:mm:ss") {
    return QDateTime::fromMSecsSinceEpoch(TimeUtil::TimestampToMilliseconds(t)).toLocalTime().toString(format);
}

QString mode_text(v1::SessionMode mode) { return mode == v1::CONTROL ? tr("control") : tr("view"); }

QString session_text(const v1::TimelineSession& s, bool end) {
    const auto& session = s.session();
    if (!end) {
        return tr("%1 asked to %2 the screen").arg(q(session.technician_name()), mode_text(session.mode()));
    }
    QString text = tr("Session ended after %1").arg(format_duration(s.duration_ms() / 1000));
    if (!session.ended_by().empty()) text += tr(" by %1").arg(ended_by_text(session.ended_by()));
    if (!session.end_reason().empty()) text += ": " + q(session.end_reason());
    if (!s.recording_url().empty()) text += tr(" (recorded)");
    return text;
}

}  // namespace

QString format_bytes(qint64 bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 4) {
        value /= 1024;
        ++unit;
    }
    return unit == 0 ? QString("%1 B").arg(bytes) : QString("%1 %2").arg(value, 0, 'f', 1).arg(units[unit]);
}

QString format_time(const google::protobuf::Timestamp& at) { return local_time(at); }

QString ended_by_text(const std::string& ended_by) {
    if (ended_by == "user") return tr("the user");
    if (ended_by == "agent") return tr("the machine");
    if (ended_by == "relay") return tr("the relay");
    for (auto [prefix, role] : {std::pair{"technician:", tr("technician")}, std::pair{"lead:", tr("lead")}}) {
        if (ended_by.starts_with(prefix)) return tr("%1 (%2)").arg(q(ended_by.substr(std::strlen(prefix))), role);
    }
    return q(ended_by);
}

QString format_duration(qint64 seconds) {
    if (seconds < 60) return tr("%1 s").arg(seconds);
    if (seconds < 3600) return tr("%1 min").arg(seconds / 60);
    if (seconds < 86400) return tr("%1 h %2 min").arg(seconds / 3600).arg(seconds % 3600 / 60);
    return tr("%1 d %2 h").arg(seconds / 86400).arg(seconds % 86400 / 3600);
}

std::vector<InfoSection> system_info_sections(const v1::SystemInfo& info) {
    std::vector<InfoSection> out;
    auto add = [&](InfoSection section) {
        if (!section.rows.empty()) out.push_back(std::move(section));
    };
    auto row = [](InfoSection& s, const QString& label, const QString& value) {
        if (!value.isEmpty()) s.rows.emplace_back(label, value);
    };

    InfoSection machine{tr("Machine"), {}};
    row(machine, tr("Hostname"), q(info.hostname()));
    row(machine, tr("User"), q(info.user()));
    row(machine, tr("Display"), q(info.display_server()));
    if (info.uptime_seconds() > 0) row(machine, tr("Up for"), format_duration(info.uptime_seconds()));
    if (info.has_collected_at()) row(machine, tr("Collected"), local_time(info.collected_at()));
    add(std::move(machine));

    InfoSection system{tr("System"), {}};
    row(system, tr("OS"), q(info.os_name()));
    row(system, tr("Kernel"), q(info.kernel()));
    row(system, tr("Architecture"), q(info.architecture()));
    add(std::move(system));

    InfoSection cpu{tr("Processor and memory"), {}};
    if (!info.cpu_model().empty() || info.cpu_cores() > 0) {
        row(cpu, tr("CPU"), tr("%1 (%2 cores)").arg(q(info.cpu_model())).arg(info.cpu_cores()));
        row(cpu, tr("Load"),
            QString("%1 / %2 / %3")
                .arg(info.load_1m(), 0, 'f', 2)
                .arg(info.load_5m(), 0, 'f', 2)
                .arg(info.load_15m(), 0, 'f', 2));
    }
    if (info.memory_total() > 0) {
        row(cpu, tr("Memory"),
            tr("%1 free of %2").arg(format_bytes(info.memory_available()), format_bytes(info.memory_total())));
    }
    if (info.swap_total() > 0) {
        row(cpu, tr("Swap"), tr("%1 free of %2").arg(format_bytes(info.swap_free()), format_bytes(info.swap_total())));
    }
    add(std::move(cpu));

    InfoSection disks{tr("Disks"), {}};
    for (const auto& d : info.disks()) {
        const int used = d.size() > 0 ? static_cast<int>(100 - 100 * d.free() / d.size()) : 0;
        row(disks, q(d.mount_point()),
            tr("%1 free of %2 (%3 % used, %4)")
                .arg(format_bytes(d.free()), format_bytes(d.size()))
                .arg(used)
                .arg(q(d.filesystem())));
    }
    add(std::move(disks));

    InfoSection network{tr("Network"), {}};
    for (const auto& i : info.interfaces()) {
        QStringList addresses;
        for (const auto& a : i.addresses())
            addresses << q(a);
        row(network, q(i.name()),
            (i.up() ? tr("up") : tr("down")) + (addresses.isEmpty() ? "" : ", " + addresses.join(", ")));
    }
    row(network, tr("Gateway"), q(info.default_gateway()));
    QStringList dns;
    for (const auto& d : info.dns_servers())
        dns << q(d);
    row(network, tr("DNS"), dns.join(", "));
    add(std::move(network));

    InfoSection screens{tr("Screens"), {}};
    for (int i = 0; i < info.screens_size(); ++i) {
        const auto& s = info.screens(i);
        row(screens, QString("%1: %2").arg(i).arg(q(s.name())),
            QString("%1 x %2 at %3,%4%5")
                .arg(s.width())
                .arg(s.height())
                .arg(s.x())
                .arg(s.y())
                .arg(s.primary() ? tr(", primary") : ""));
    }
    add(std::move(screens));

    InfoSection batteries{tr("Batteries"), {}};
    for (const auto& b : info.batteries())
        row(batteries, q(b.name()), QString("%1 %, %2").arg(b.percent()).arg(q(b.status())));
    add(std::move(batteries));

    InfoSection attention{tr("Worth a look"), {}};
    for (const auto& unit : info.failed_units())
        row(attention, tr("Failed service"), q(unit));
    for (const auto& p : info.top_cpu())
        row(attention, tr("Busy process"),
            tr("%1 (pid %2): %3 % CPU").arg(q(p.name())).arg(p.pid()).arg(p.cpu_percent(), 0, 'f', 0));
    for (const auto& p : info.top_memory())
        row(attention, tr("Large process"),
            tr("%1 (pid %2): %3").arg(q(p.name())).arg(p.pid()).arg(format_bytes(p.rss())));
    add(std::move(attention));
    return out;
}

std::vector<TimelineRow> timeline_rows(const v1::Timeline& timeline) {
    std::vector<TimelineRow> rows;
    for (const auto& entry : timeline.entries()) {
        TimelineRow row{local_time(entry.at()), {}, {}};
        switch (entry.item_case()) {
            case v1::TimelineEntry::kEvent: {
                const auto& e = entry.event();
                // The comment itself is the timeline's row; its history entry would say it twice.
                if (e.action() == "public_reply" || e.action() == "internal_note") continue;
                if (auto workflow = workflow_event_text(e)) {
                    std::tie(row.kind, row.text) = std::move(*workflow);
                    break;
                }
                row.kind = q(e.action());
                if (!row.kind.isEmpty()) row.kind[0] = row.kind[0].toUpper();
                row.text = q(e.actor());
                if (!e.from().empty()) {
                    row.text += QString(": %1 → %2").arg(q(e.from()), q(e.to()));
                } else if (!e.to().empty()) {
                    row.text += ": " + q(e.to());
                }
                if (!e.note().empty()) row.text += " (" + q(e.note()) + ")";
                break;
            }
            case v1::TimelineEntry::kComment:
                row.kind = entry.comment().internal() ? tr("Internal note") : tr("Reply");
                row.text = q(entry.comment().author()) + ": " + q(entry.comment().body());
                break;
            case v1::TimelineEntry::kAttachment:
                row.kind = tr("Attachment");
                row.text = tr("%1 (%2)").arg(q(entry.attachment().name()), format_bytes(entry.attachment().size()));
                break;
            case v1::TimelineEntry::kSystemInfo:
                row.kind = tr("System info");
                row.text = tr("%1, %2").arg(q(entry.system_info().hostname()), q(entry.system_info().os_name()));
                break;
            case v1::TimelineEntry::kSession:
                row.kind = tr("Session");
                row.text = session_text(entry.session(), entry.kind() == "session_end");
                break;
            case v1::TimelineEntry::kConsent: {
                const auto& c = entry.consent();
                row.kind = tr("Consent");
                row.text = c.allowed()
                               ? (c.upgrade() ? tr("the user allowed control") : tr("the user allowed the session"))
                               : (c.upgrade() ? tr("the user refused control") : tr("the session was refused"));
                if (!c.reason().empty()) row.text += ": " + q(c.reason());
                break;
            }
            case v1::TimelineEntry::kChat:
                row.kind = tr("Chat");
                row.text = q(entry.chat().author()) + ": " + q(entry.chat().text());
                break;
            default: continue;
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

QString chat_line(const v1::ChatMessage& message) {
    return QString("[%1] %2: %3").arg(local_time(message.sent_at(), "HH:mm"), q(message.author()), q(message.text()));
}

}  // namespace lifeline::viewer::models
