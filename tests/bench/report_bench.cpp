// lifeline-bench-reports: seeds a temporary SQLite file (the relay's schema, all migrations) with N
// tickets spread like a busy helpdesk's two years (statuses, priorities, categories, groups,
// technicians, machines, history events, escalations, reopens, remote sessions, ratings), then times
// every report over the last 30 and 365 days, unfiltered and filtered, against the store directly,
// and prints JSON. Bounded by --tickets and --max-seconds.
#include "relay/helpdesk/reports.hpp"
#include "relay/store/sqlite/migrations.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"
#include "shared/core/log.hpp"

#include <google/protobuf/util/time_util.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <random>
#include <sstream>

namespace fs = std::filesystem;
namespace store = lifeline::relay::store;
namespace sqlite = lifeline::relay::store::sqlite;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

struct Options {
    int tickets = 1'000'000;
    int history_days = 730;
    int runs = 5;
    double max_seconds = 1800;
    double budget_ms = 1000;  // exit 1 when a report's median run is slower
    std::string keep;         // keep the seeded file here (and reuse it when it exists)
};

struct Counts {
    std::int64_t tickets = 0, events = 0, sessions = 0, devices = 0;
};

const std::vector<std::string> kCategories = {"printing", "email", "network",  "hardware", "software", "access",
                                              "vpn",      "phone", "accounts", "storage",  "security", "other"};
const std::vector<double> kCategoryWeights = {18, 16, 14, 12, 10, 8, 6, 5, 4, 3, 2, 2};
const std::vector<std::string> kGroups = {"desk", "network", "apps", "hardware", "security", "field"};
// Category -> its usual group (tickets are routed by category, now and then elsewhere).
const std::vector<int> kCategoryGroup = {0, 2, 1, 3, 2, 0, 1, 0, 0, 3, 4, 0};
const std::vector<std::string> kRules = {"tier1-timeout", "unclaimed", "sla-at-risk", "sla-breach", "manual"};

class Seeder {
public:
    Seeder(sqlite::Connection& c, const Options& o, Clock::time_point deadline)
        : c_(c), o_(o), deadline_(deadline), rng_(20261201) {}

    Counts run(std::int64_t now_ms) {
        c_.exec("BEGIN");
        seed_devices();
        const std::int64_t start = now_ms - std::int64_t{o_.history_days} * kDay;
        const double step = static_cast<double>(now_ms - start) / o_.tickets;
        for (int i = 1; i <= o_.tickets; ++i) {
            // Evenly through the history with jitter, fewer at night and at weekends.
            std::int64_t created = start + static_cast<std::int64_t>(step * i);
            created = std::min(now_ms - kMinute, created + uniform(0, static_cast<std::int64_t>(step)));
            seed_ticket(i, created, now_ms);
            if (i % 20'000 == 0 && Clock::now() > deadline_) throw std::runtime_error("seeding ran over --max-seconds");
        }
        c_.exec("COMMIT");
        return counts_;
    }

private:
    std::int64_t uniform(std::int64_t lo, std::int64_t hi) {
        return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
    }
    bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
    // Durations with a long tail: log-normal around `median_ms`.
    std::int64_t lognormal(double median_ms, double sigma) {
        return static_cast<std::int64_t>(std::lognormal_distribution<double>(std::log(median_ms), sigma)(rng_));
    }

    void seed_devices() {
        const int devices = std::max(10, o_.tickets / 50);
        auto stmt = c_.prepare(
            "INSERT INTO devices (id, machine_id, hostname, grp, secret_hash, enrolled_at, system_info) VALUES (?, ?, "
            "?, "
            "?, '', ?, ?)");
        for (int d = 0; d < devices; ++d) {
            char id[32];
            std::snprintf(id, sizeof id, "d-%08x", static_cast<unsigned>(d * 2654435761u));
            device_ids_.emplace_back(id);
            system_infos_.push_back(system_info(d));
            stmt.bind(1, std::string(id)).bind(2, "machine-" + std::string(id)).bind(3, "pc-" + std::to_string(d));
            stmt.bind(4, kGroups[static_cast<std::size_t>(d) % 3])
                .bind(5, std::int64_t{0})
                .bind_blob(6, system_infos_.back());
            stmt.run();
        }
        counts_.devices = devices;
        // A few machines are trouble: Zipf-like, a fifth of the machines open most tickets.
        device_pick_ = std::discrete_distribution<int>(static_cast<std::size_t>(devices), 0, devices,
                                                       [](double x) { return 1.0 / (1.0 + x / 40.0); });
    }

    static std::string system_info(int d) {
        lifeline::v1::SystemInfo info;
        info.set_hostname("pc-" + std::to_string(d));
        info.set_os_name("Debian GNU/Linux 12 (bookworm)");
        info.set_os_version("12");
        info.set_kernel("6.1.0-18-amd64");
        info.set_machine_id("0123456789abcdef0123456789ab" + std::to_string(1000 + d % 9000));
        info.set_cpu_model("Intel(R) Core(TM) i5-8365U CPU @ 1.60GHz");
        info.set_cpu_cores(8);
        info.set_memory_total(16LL << 30);
        info.set_memory_available(6LL << 30);
        for (const char* mount : {"/", "/home", "/boot/efi"}) {
            auto* disk = info.add_disks();
            disk->set_mount_point(mount);
            disk->set_filesystem("ext4");
            disk->set_device("/dev/nvme0n1p2");
            disk->set_size(512LL << 30);
            disk->set_free(100LL << 30);
        }
        auto* eth = info.add_interfaces();
        eth->set_name("enp0s31f6");
        eth->set_mac("8c:16:45:12:34:56");
        eth->add_addresses("192.0.2." + std::to_string(d % 250) + "/24");
        eth->add_addresses("2001:db8::" + std::to_string(d % 9999) + "/64");
        eth->set_up(true);
        info.add_dns_servers("192.0.2.1");
        info.set_user("user" + std::to_string(d));
        info.set_display_server("x11");
        for (int p = 0; p < 10; ++p) {
            for (auto* list : {info.add_top_cpu(), info.add_top_memory()}) {
                list->set_pid(1000 + p * 37);
                list->set_name(p % 2 ? "firefox-esr" : "Isolated Web Content");
                list->set_user("user" + std::to_string(d));
                list->set_cpu_percent(3.5 * p);
                list->set_rss((200LL + p * 30) << 20);
            }
        }
        return info.SerializeAsString();
    }

    std::string description() {
        static const char* words[] = {"printer", "paper", "jam",     "error", "again",  "since",  "update",
                                      "cannot",  "login", "network", "slow",  "please", "urgent", "screen"};
        std::string text;
        const auto n = uniform(15, 120);
        for (std::int64_t w = 0; w < n; ++w) {
            if (!text.empty()) text += ' ';
            text += words[uniform(0, 13)];
        }
        return text;
    }

    void event(std::int64_t ticket, std::int64_t at, const char* action, const std::string& from, const std::string& to,
               const std::string& note) {
        auto& stmt = c_.cached(
            "INSERT INTO ticket_events (ticket_id, at, actor, action, from_value, to_value, note) VALUES (?, ?, ?, ?, "
            "?, "
            "?, ?)");
        stmt.bind(1, ticket).bind(2, at).bind(3, "user:t" + std::to_string(ticket % 60)).bind(4, action);
        stmt.bind(5, from).bind(6, to).bind(7, note);
        stmt.run();
        ++counts_.events;
    }

    void seed_ticket(std::int64_t id, std::int64_t created, std::int64_t now_ms) {
        const std::int64_t age = now_ms - created;
        const int priority = priority_pick_(rng_) + 1;
        const auto category = static_cast<std::size_t>(category_pick_(rng_));
        std::size_t group = static_cast<std::size_t>(kCategoryGroup[category]);
        if (chance(0.1)) group = static_cast<std::size_t>(uniform(0, 5));
        const bool from_device = chance(0.65);
        const int device = from_device ? device_pick_(rng_) : -1;

        // First response: most within the hour, a tail of days; tickets too young may have none yet.
        std::optional<std::int64_t> first_response;
        const auto response_ms = lognormal(priority == 1 ? 8 * kMinute : 25 * kMinute, 1.2);
        if (response_ms < age && chance(0.98)) first_response = created + response_ms;
        // Resolution: hours to days; older tickets are almost all done.
        std::optional<std::int64_t> resolved;
        const auto resolution_ms = lognormal(priority == 1 ? 3 * kHour : 10 * kHour, 1.4) + response_ms;
        if (first_response && resolution_ms < age && chance(0.985)) resolved = created + resolution_ms;
        const int reopens = resolved && chance(0.04) ? 1 + static_cast<int>(chance(0.15)) : 0;
        const bool reopened_now = reopens > 0 && chance(0.1);
        if (reopened_now) resolved.reset();
        int status;
        if (resolved) {
            status = age > 7 * kDay || chance(0.5) ? 5 : 4;  // closed a week after resolution
        } else if (first_response) {
            status = chance(0.3) ? 3 : 2;
        } else {
            status = 1;
        }
        const bool assigned = first_response.has_value() || chance(0.2);
        const std::string assignee = "t" + std::to_string(group * 10 + static_cast<std::size_t>(uniform(0, 9)));

        // SLA: most tickets under a policy; breaches follow long durations.
        const bool policy = chance(0.9);
        const bool response_breached = policy && first_response && response_ms > (priority == 1 ? 15 : 60) * kMinute;
        const bool resolution_breached = policy && resolved && resolution_ms > (priority == 1 ? 4 : 24) * kHour;
        int sla_state = 0;
        if (policy) sla_state = (response_breached || resolution_breached) ? 3 : resolved ? 5 : status == 3 ? 4 : 1;
        const int escalations = chance(0.12) ? 1 + static_cast<int>(chance(0.25)) : 0;

        int rating = 0;
        std::string comment;
        std::int64_t rated_at = 0;
        if (resolved && chance(0.3)) {
            rating = rating_pick_(rng_) + 1;
            if (chance(0.4)) comment = rating >= 4 ? "Thanks, quick and friendly help." : "Took far too long to fix.";
            rated_at = *resolved + lognormal(2 * kHour, 1.0);
            if (rated_at >= now_ms) rating = 0;
        }

        lifeline::v1::TicketSla sla;
        if (policy) {
            sla.set_policy("P" + std::to_string(priority));
            sla.set_calendar(priority == 1 ? "always" : "business");
            sla.mutable_response()->set_target_seconds(priority == 1 ? 900 : 3600);
            sla.mutable_resolution()->set_target_seconds(priority == 1 ? 4 * 3600 : 24 * 3600);
        }

        auto& stmt = c_.cached(
            "INSERT INTO tickets (id, subject, description, status, priority, urgency, impact, category, grp, tier, "
            "assignee, channel, created_by, created_at, updated_at, resolved_at, device_id, system_info, sla, "
            "sla_state, response_due, resolution_due, response_breached, resolution_breached, first_response_at, "
            "routed_at, escalations, reopens, satisfaction_rating, satisfaction_comment, satisfaction_at) "
            "VALUES (?, ?, ?, ?, ?, 2, 2, ?, ?, ?, ?, ?, 'bench', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?)");
        int i = 1;
        stmt.bind(i++, id);
        stmt.bind(i++, "Problem with " + kCategories[category] + " #" + std::to_string(id));
        stmt.bind(i++, description());
        stmt.bind(i++, status);
        stmt.bind(i++, priority);
        stmt.bind(i++, kCategories[category]);
        stmt.bind(i++, kGroups[group]);
        stmt.bind(i++, 1 + std::min(escalations, 2));
        stmt.bind(i++, assigned ? std::optional<std::string>(assignee) : std::nullopt);
        stmt.bind(i++, from_device ? "agent" : "phone");
        stmt.bind(i++, created);
        stmt.bind(i++, resolved.value_or(first_response.value_or(created)));
        stmt.bind(i++, resolved);
        stmt.bind(i++, from_device ? std::optional<std::string>(device_ids_[static_cast<std::size_t>(device)])
                                   : std::nullopt);
        if (from_device) {
            stmt.bind_blob(i++, system_infos_[static_cast<std::size_t>(device)]);
        } else {
            stmt.bind_null(i++);
        }
        if (policy) {
            stmt.bind_blob(i++, sla.SerializeAsString());
        } else {
            stmt.bind_null(i++);
        }
        stmt.bind(i++, sla_state);
        stmt.bind(
            i++, policy ? std::optional<std::int64_t>(created + sla.response().target_seconds() * 1000) : std::nullopt);
        stmt.bind(i++, policy ? std::optional<std::int64_t>(created + sla.resolution().target_seconds() * 1000)
                              : std::nullopt);
        stmt.bind(i++, static_cast<int>(response_breached));
        stmt.bind(i++, static_cast<int>(resolution_breached));
        stmt.bind(i++, first_response);
        stmt.bind(i++, created);
        stmt.bind(i++, escalations);
        stmt.bind(i++, reopens);
        stmt.bind(i++, rating ? std::optional<std::int64_t>(rating) : std::nullopt);
        stmt.bind(i++, comment);
        stmt.bind(i++, rating ? std::optional<std::int64_t>(rated_at) : std::nullopt);
        stmt.run();
        ++counts_.tickets;

        // The history as the relay writes it: created, claimed, status changes, escalations.
        event(id, created, "created", "", "new", "");
        if (first_response) {
            if (assigned) event(id, *first_response, "assignee", "", assignee, "");
            event(id, *first_response, "status", "new", "open", "");
        }
        for (int e = 0; e < escalations; ++e) {
            const auto at = created + (e + 1) * 15 * kMinute;
            event(id, at, "escalated", kGroups[group] + "/" + std::to_string(1 + e),
                  kGroups[group] + "/" + std::to_string(2 + e), kRules[static_cast<std::size_t>(uniform(0, 4))]);
        }
        if (resolved) event(id, *resolved, "status", "open", "resolved", "");
        if (status == 5) event(id, *resolved + 7 * kDay, "status", "resolved", "closed", "");

        // A remote session on a quarter of the machines' tickets, a second one now and then.
        if (from_device && first_response && chance(0.25)) {
            for (int s = 0, n = chance(0.2) ? 2 : 1; s < n; ++s)
                seed_session(id, device, *first_response + s * kHour, assignee, now_ms);
        }
    }

    void seed_session(std::int64_t ticket, int device, std::int64_t requested, const std::string& technician,
                      std::int64_t now_ms) {
        if (requested >= now_ms) return;
        const bool started = chance(0.85);
        std::optional<std::int64_t> start, end;
        if (started) {
            start = requested + uniform(5'000, 60'000);
            end = *start + lognormal(12 * kMinute, 0.8);
            if (*end >= now_ms) end.reset();
        }
        lifeline::v1::Session record;
        const std::string id = "s-" + std::to_string(ticket) + "-" + std::to_string(requested);
        record.set_id(id);
        record.set_technician(technician);
        record.set_technician_name("Technician " + technician);
        record.set_device_id(device_ids_[static_cast<std::size_t>(device)]);
        record.set_state(started ? (end ? lifeline::v1::Session::ENDED : lifeline::v1::Session::ACTIVE)
                                 : lifeline::v1::Session::DENIED);
        *record.mutable_requested_at() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(requested);
        auto& stmt = c_.cached(
            "INSERT INTO sessions (id, ticket_id, device_id, technician, state, requested_at, record, started_at, "
            "ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        stmt.bind(1, id).bind(2, ticket).bind(3, device_ids_[static_cast<std::size_t>(device)]).bind(4, technician);
        stmt.bind(5, static_cast<int>(record.state())).bind(6, requested).bind_blob(7, record.SerializeAsString());
        stmt.bind(8, start).bind(9, end);
        stmt.run();
        ++counts_.sessions;
    }

    sqlite::Connection& c_;
    const Options& o_;
    Clock::time_point deadline_;
    std::mt19937_64 rng_;
    std::vector<std::string> device_ids_;
    std::vector<std::string> system_infos_;
    std::discrete_distribution<int> device_pick_;
    std::discrete_distribution<int> priority_pick_{5, 20, 50, 25};
    std::discrete_distribution<int> category_pick_{kCategoryWeights.begin(), kCategoryWeights.end()};
    std::discrete_distribution<int> rating_pick_{5, 7, 13, 35, 40};
    Counts counts_;
};

Counts seed(const std::string& path, const Options& o, std::int64_t now_ms, Clock::time_point deadline) {
    sqlite::Connection c(path, sqlite::Connection::Mode::read_write_create);
    // One transaction without a WAL copy of every page or an fsync; the relay's own settings apply once
    // the Database opens the file.
    c.exec("PRAGMA journal_mode=MEMORY");
    c.exec("PRAGMA synchronous=OFF");
    c.exec("PRAGMA cache_size=-524288");
    sqlite::apply_migrations(c);
    return Seeder(c, o, deadline).run(now_ms);
}

Counts count_rows(sqlite::Database& db) {
    return db.read([](sqlite::Connection& c) {
        Counts n;
        auto one = [&](const char* sql) {
            auto stmt = c.prepare(sql);
            stmt.step();
            return stmt.column_int(0);
        };
        n.tickets = one("SELECT count(*) FROM tickets");
        n.events = one("SELECT count(*) FROM ticket_events");
        n.sessions = one("SELECT count(*) FROM sessions");
        n.devices = one("SELECT count(*) FROM devices");
        return n;
    });
}

struct Timing {
    double first_ms = 0, median_ms = 0, max_ms = 0;
};

Timing time_runs(int runs, const std::function<void()>& work) {
    std::vector<double> ms;
    for (int r = 0; r < runs; ++r) {
        const auto start = Clock::now();
        work();
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    Timing t;
    t.first_ms = ms.front();
    std::sort(ms.begin(), ms.end());
    t.median_ms = ms[ms.size() / 2];
    t.max_ms = ms.back();
    return t;
}

std::string fixed(double value) {
    std::ostringstream out;
    out.setf(std::ios::fixed);
    out.precision(1);
    out << value;
    return out.str();
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app{"lifeline-bench-reports: every leads' report over a seeded SQLite file, timed against the store"};
    app.add_option("--tickets", o.tickets, "tickets to seed")->check(CLI::Range(100, 5'000'000));
    app.add_option("--history-days", o.history_days, "days the tickets are spread over")->check(CLI::Range(30, 3650));
    app.add_option("--runs", o.runs, "runs per report and range (median reported)")->check(CLI::Range(1, 50));
    app.add_option("--max-seconds", o.max_seconds, "stop seeding after this long")->check(CLI::Range(1.0, 7200.0));
    app.add_option("--budget-ms", o.budget_ms, "exit 1 if a report's median is slower")->check(CLI::Range(1.0, 1e6));
    app.add_option("--keep", o.keep, "seed into this file and keep it (an existing one is reused as it is)");
    CLI11_PARSE(app, argc, argv);
    // stdout carries the JSON alone.
    lifeline::core::init_logging("warn", false);

    const auto deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.max_seconds));
    const std::int64_t now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    fs::path dir;
    std::string path = o.keep;
    if (path.empty()) {
        char tmpl[] = "/tmp/lifeline-bench-reports-XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        dir = tmpl;
        path = (dir / "lifeline.db").string();
    }
    struct Cleanup {
        fs::path dir;
        ~Cleanup() {
            std::error_code ec;
            if (!dir.empty()) fs::remove_all(dir, ec);
        }
    } cleanup{dir};

    double seed_seconds = 0;
    if (!fs::exists(path)) {
        const auto start = Clock::now();
        seed(path, o, now_ms, deadline);
        seed_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    }
    sqlite::Database db(path, false);
    const Counts counts = count_rows(db);
    sqlite::SqliteReportStore reports(db);

    using Run = std::function<void(const store::ReportFilter&)>;
    const std::vector<std::pair<std::string, Run>> all = {
        {"summary", [&](const store::ReportFilter& f) { reports.summary(f); }},
        {"tickets", [&](const store::ReportFilter& f) { reports.tickets(f); }},
        {"backlog", [&](const store::ReportFilter& f) { reports.backlog(f); }},
        {"response_time", [&](const store::ReportFilter& f) { reports.response_time(f); }},
        {"resolution_time", [&](const store::ReportFilter& f) { reports.resolution_time(f); }},
        {"sla", [&](const store::ReportFilter& f) { reports.sla(f); }},
        {"escalations", [&](const store::ReportFilter& f) { reports.escalations(f); }},
        {"reopen_rate", [&](const store::ReportFilter& f) { reports.reopen_rate(f); }},
        {"sessions", [&](const store::ReportFilter& f) { reports.sessions(f); }},
        {"satisfaction", [&](const store::ReportFilter& f) { reports.satisfaction(f); }},
        {"top_categories", [&](const store::ReportFilter& f) { reports.top_categories(f); }},
        {"top_devices", [&](const store::ReportFilter& f) { reports.top_devices(f); }},
    };
    struct Variant {
        const char* name;
        int days;
        std::optional<std::string> group, technician;
    };
    const std::vector<Variant> variants = {{"30d", 30, {}, {}},
                                           {"365d", 365, {}, {}},
                                           {"365d group=desk", 365, "desk", {}},
                                           {"365d technician=t3", 365, {}, "t3"}};

    // A day's end in UTC, as the API's default range.
    const std::int64_t to_ms = (now_ms / kDay + 1) * kDay;
    std::ostringstream out;
    out << "{\"tickets\":" << counts.tickets << ",\"events\":" << counts.events << ",\"sessions\":" << counts.sessions
        << ",\"devices\":" << counts.devices << ",\"seed_seconds\":" << fixed(seed_seconds)
        << ",\"db_mib\":" << fixed(static_cast<double>(fs::file_size(path)) / (1 << 20)) << ",\"runs\":" << o.runs
        << ",\"reports\":[";
    double slowest = 0;
    std::string slowest_name;
    bool first = true;
    for (const auto& variant : variants) {
        store::ReportFilter filter;
        filter.from_ms = to_ms - std::int64_t{variant.days} * kDay;
        filter.to_ms = to_ms;
        filter.group = variant.group;
        filter.technician = variant.technician;
        for (const auto& [name, run] : all) {
            const auto t = time_runs(o.runs, [&] { run(filter); });
            if (t.median_ms > slowest) {
                slowest = t.median_ms;
                slowest_name = name + " " + variant.name;
            }
            out << (first ? "" : ",") << "\n {\"report\":\"" << name << "\",\"range\":\"" << variant.name
                << "\",\"first_ms\":" << fixed(t.first_ms) << ",\"median_ms\":" << fixed(t.median_ms)
                << ",\"max_ms\":" << fixed(t.max_ms) << "}";
            first = false;
        }
    }
    out << "\n],\"slowest\":{\"report\":\"" << slowest_name << "\",\"median_ms\":" << fixed(slowest)
        << "},\"budget_ms\":" << fixed(o.budget_ms) << "}\n";
    std::cout << out.str();
    return slowest <= o.budget_ms ? 0 : 1;
}
