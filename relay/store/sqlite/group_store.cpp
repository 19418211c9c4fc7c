// Groups, their members' tiers, and the workflow's reads in SQLite.
#include "relay/helpdesk/ticket_rules.hpp"
#include "relay/store/sqlite/audit_log.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <array>

namespace lifeline::relay::store::sqlite {

using core::Errc;
using core::make_error;
using google::protobuf::util::TimeUtil;

namespace {

std::string assignment_name(v1::Group::Assignment assignment) {
    switch (assignment) {
        case v1::Group::ROUND_ROBIN: return "round_robin";
        case v1::Group::LEAST_LOADED: return "least_loaded";
        default: return "manual";
    }
}

std::optional<v1::Group> select_group(Connection& c, const std::string& name) {
    auto& stmt = c.cached("SELECT name, display_name, lead, assignment, created_at FROM groups WHERE name = ?");
    stmt.bind(1, name);
    if (!stmt.step()) return std::nullopt;
    v1::Group group;
    group.set_name(stmt.column_text(0));
    group.set_display_name(stmt.column_text(1));
    group.set_lead(stmt.column_text(2));
    group.set_assignment(static_cast<v1::Group::Assignment>(stmt.column_int(3)));
    *group.mutable_created_at() = TimeUtil::MillisecondsToTimestamp(stmt.column_int(4));
    stmt.reset();
    auto& members = c.cached(
        "SELECT m.username, m.tier, coalesce(u.display_name, m.username) FROM group_members m "
        "LEFT JOIN users u ON u.username = m.username WHERE m.grp = ? ORDER BY m.tier, m.username");
    members.bind(1, name);
    while (members.step()) {
        auto* member = group.add_members();
        member->set_username(members.column_text(0));
        member->set_tier(static_cast<int>(members.column_int(1)));
        member->set_display_name(members.column_text(2));
    }
    return group;
}

// groups.last_assigned: the round-robin pointer of tiers 1, 2 and 3, one username per line.
std::array<std::string, 3> last_assigned_by_tier(std::string_view text) {
    std::array<std::string, 3> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i < 3 && start <= text.size(); ++i) {
        std::size_t end = std::min(text.find('\n', start), text.size());
        out[i] = std::string(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

std::string read_last_assigned(Connection& c, const std::string& group) {
    auto& stmt = c.cached("SELECT last_assigned FROM groups WHERE name = ?");
    stmt.bind(1, group);
    std::string last = stmt.step() ? stmt.column_text(0) : "";
    stmt.reset();
    return last;
}

// Leads are told about breaches, members take tickets: both must be enabled staff who work tickets.
core::Result<void> check_staff(Connection& c, const std::string& username, std::string_view what) {
    auto& stmt = c.cached("SELECT role, disabled FROM users WHERE username = ?");
    stmt.bind(1, username);
    bool ok =
        stmt.step() && stmt.column_int(1) == 0 &&
        (stmt.column_int(0) == v1::TECHNICIAN || stmt.column_int(0) == v1::LEAD || stmt.column_int(0) == v1::ADMIN);
    stmt.reset();
    if (!ok) return make_error(Errc::invalid_argument, std::string(what) + " '" + username + "' is no active staff");
    return {};
}

}  // namespace

core::Result<v1::Group> SqliteGroupStore::create_group(const v1::CreateGroupRequest& request, core::SystemTime now,
                                                       const Actor& actor) {
    return db_.write([&](Connection& c) -> core::Result<v1::Group> {
        if (select_group(c, request.name())) {
            return make_error(Errc::already_exists, "a group named '" + request.name() + "' already exists");
        }
        if (!request.lead().empty()) {
            if (auto ok = check_staff(c, request.lead(), "lead"); !ok) return ok.error();
        }
        auto assignment =
            request.assignment() == v1::Group::ASSIGNMENT_UNSPECIFIED ? v1::Group::MANUAL : request.assignment();
        std::int64_t at = core::to_unix_ms(now);
        c.cached("INSERT INTO groups (name, display_name, lead, assignment, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind(1, request.name())
            .bind(2, request.display_name().empty() ? request.name() : request.display_name())
            .bind(3, request.lead())
            .bind(4, static_cast<int>(assignment))
            .bind(5, at)
            .run();
        append_audit(
            c, actor,
            {"group.created",
             {},
             {},
             {},
             details_json(
                 {{"group", request.name()}, {"lead", request.lead()}, {"assignment", assignment_name(assignment)}})},
            at);
        return *select_group(c, request.name());
    });
}

std::vector<v1::Group> SqliteGroupStore::list_groups() {
    return db_.read([&](Connection& c) {
        std::vector<std::string> names;
        auto& stmt = c.cached("SELECT name FROM groups ORDER BY name");
        while (stmt.step())
            names.push_back(stmt.column_text(0));
        std::vector<v1::Group> groups;
        for (const auto& name : names)
            groups.push_back(*select_group(c, name));
        return groups;
    });
}

core::Result<v1::Group> SqliteGroupStore::get_group(const std::string& name) {
    return db_.read([&](Connection& c) -> core::Result<v1::Group> {
        auto group = select_group(c, name);
        if (!group) return make_error(Errc::not_found, "no group named '" + name + "'");
        return *group;
    });
}

core::Result<v1::Group> SqliteGroupStore::update_group(const std::string& name, const v1::UpdateGroupRequest& change,
                                                       const Actor& actor) {
    return db_.write([&](Connection& c) -> core::Result<v1::Group> {
        auto group = select_group(c, name);
        if (!group) return make_error(Errc::not_found, "no group named '" + name + "'");
        if (change.has_lead() && !change.lead().empty()) {
            if (auto ok = check_staff(c, change.lead(), "lead"); !ok) return ok.error();
        }
        if (change.has_display_name()) group->set_display_name(change.display_name());
        if (change.has_lead()) group->set_lead(change.lead());
        if (change.has_assignment() && change.assignment() != v1::Group::ASSIGNMENT_UNSPECIFIED) {
            group->set_assignment(change.assignment());
        }
        c.cached("UPDATE groups SET display_name = ?, lead = ?, assignment = ? WHERE name = ?")
            .bind(1, group->display_name())
            .bind(2, group->lead())
            .bind(3, static_cast<int>(group->assignment()))
            .bind(4, name)
            .run();
        append_audit(c, actor,
                     {"group.updated",
                      {},
                      {},
                      {},
                      details_json({{"group", name},
                                    {"displayName", group->display_name()},
                                    {"lead", group->lead()},
                                    {"assignment", assignment_name(group->assignment())}})},
                     core::to_unix_ms(std::chrono::system_clock::now()));
        return *group;
    });
}

core::Result<v1::Group> SqliteGroupStore::set_member(const std::string& group, const std::string& username, int tier,
                                                     const Actor& actor) {
    if (tier < 1 || tier > 3) return make_error(Errc::invalid_argument, "a member's tier is 1, 2 or 3");
    return db_.write([&](Connection& c) -> core::Result<v1::Group> {
        if (!select_group(c, group)) return make_error(Errc::not_found, "no group named '" + group + "'");
        if (auto ok = check_staff(c, username, "member"); !ok) return ok.error();
        c.cached(
             "INSERT INTO group_members (grp, username, tier) VALUES (?, ?, ?) "
             "ON CONFLICT (grp, username) DO UPDATE SET tier = excluded.tier")
            .bind(1, group)
            .bind(2, username)
            .bind(3, tier)
            .run();
        append_audit(c, actor,
                     {"group.member_set",
                      {},
                      {},
                      {},
                      details_json({{"group", group}, {"username", username}, {"tier", std::to_string(tier)}})},
                     core::to_unix_ms(std::chrono::system_clock::now()));
        return *select_group(c, group);
    });
}

core::Result<v1::Group> SqliteGroupStore::remove_member(const std::string& group, const std::string& username,
                                                        const Actor& actor) {
    return db_.write([&](Connection& c) -> core::Result<v1::Group> {
        if (!select_group(c, group)) return make_error(Errc::not_found, "no group named '" + group + "'");
        auto& remove = c.cached("DELETE FROM group_members WHERE grp = ? AND username = ?");
        remove.bind(1, group).bind(2, username).run();
        if (c.changes() == 0) return make_error(Errc::not_found, username + " is not a member of " + group);
        append_audit(c, actor,
                     {"group.member_removed", {}, {}, {}, details_json({{"group", group}, {"username", username}})},
                     core::to_unix_ms(std::chrono::system_clock::now()));
        return *select_group(c, group);
    });
}

std::vector<std::string> SqliteGroupStore::groups_of(const std::string& username) {
    return db_.read([&](Connection& c) {
        std::vector<std::string> groups;
        auto& stmt = c.cached("SELECT grp FROM group_members WHERE username = ? ORDER BY grp");
        stmt.bind(1, username);
        while (stmt.step())
            groups.push_back(stmt.column_text(0));
        return groups;
    });
}

std::map<std::string, int> SqliteGroupStore::open_ticket_counts(const std::vector<std::string>& usernames) {
    return db_.read([&](Connection& c) {
        std::map<std::string, int> counts;
        auto& stmt = c.cached("SELECT count(*) FROM tickets WHERE assignee = ? AND status IN (?, ?, ?)");
        for (const auto& username : usernames) {
            stmt.bind(1, username)
                .bind(2, static_cast<int>(v1::Ticket::NEW))
                .bind(3, static_cast<int>(v1::Ticket::OPEN))
                .bind(4, static_cast<int>(v1::Ticket::PENDING));
            stmt.step();
            counts[username] = static_cast<int>(stmt.column_int(0));
            stmt.reset();
        }
        return counts;
    });
}

void SqliteGroupStore::set_last_assigned(const std::string& group, int tier, const std::string& username) {
    db_.write([&](Connection& c) {
        auto pointers = last_assigned_by_tier(read_last_assigned(c, group));
        pointers[static_cast<std::size_t>(std::clamp(tier, 1, 3) - 1)] = username;
        c.cached("UPDATE groups SET last_assigned = ? WHERE name = ?")
            .bind(1, pointers[0] + "\n" + pointers[1] + "\n" + pointers[2])
            .bind(2, group)
            .run();
    });
}

std::string SqliteGroupStore::last_assigned(const std::string& group, int tier) {
    return db_.read([&](Connection& c) {
        auto pointers = last_assigned_by_tier(read_last_assigned(c, group));
        return pointers[static_cast<std::size_t>(std::clamp(tier, 1, 3) - 1)];
    });
}

std::vector<int> SqliteGroupStore::technician_tiers() {
    return db_.read([&](Connection& c) {
        std::vector<int> tiers;
        auto& stmt = c.cached("SELECT DISTINCT tier FROM users WHERE role = ? AND disabled = 0 AND tier > 0");
        stmt.bind(1, static_cast<int>(v1::TECHNICIAN));
        while (stmt.step())
            tiers.push_back(static_cast<int>(stmt.column_int(0)));
        return tiers;
    });
}

std::vector<std::string> SqliteGroupStore::due_tickets(core::SystemTime now, int limit) {
    return db_.read([&](Connection& c) {
        std::vector<std::string> numbers;
        auto& stmt = c.cached(
            "SELECT id FROM tickets WHERE attention_at IS NOT NULL AND attention_at <= ? ORDER BY attention_at LIMIT "
            "?");
        stmt.bind(1, core::to_unix_ms(now)).bind(2, limit);
        while (stmt.step())
            numbers.push_back(helpdesk::format_ticket_number(stmt.column_int(0)));
        return numbers;
    });
}

}  // namespace lifeline::relay::store::sqlite
