// The report store's shared query helpers: the filters every report takes, and binding them.
#include "relay/store/sqlite/report_queries.hpp"

namespace lifeline::relay::store::sqlite::report_sql {

std::string ticket_filters(const ReportFilter& f, bool with_technician) {
    std::string sql;
    if (f.group) sql += " AND t.grp = ?";
    if (with_technician && f.technician) sql += " AND t.assignee = ?";
    if (f.category) sql += " AND t.category = ?";
    return sql;
}

bool has_ticket_filters(const ReportFilter& f, bool with_technician) {
    return f.group || f.category || (with_technician && f.technician);
}

Statement query(Connection& c, const std::string& sql, std::initializer_list<std::int64_t> values,
                const ReportFilter& f, bool with_technician) {
    Statement stmt = c.prepare(sql);
    int index = 1;
    for (auto value : values)
        stmt.bind(index++, value);
    if (f.group) stmt.bind(index++, *f.group);
    if (with_technician && f.technician) stmt.bind(index++, *f.technician);
    if (f.category) stmt.bind(index++, *f.category);
    return stmt;
}

std::int64_t count(Connection& c, const std::string& sql, std::initializer_list<std::int64_t> values,
                   const ReportFilter& f) {
    auto stmt = query(c, sql, values, f);
    return stmt.step() ? stmt.column_int(0) : 0;
}

std::optional<double> average(std::int64_t total, std::int64_t n) {
    if (n == 0) return std::nullopt;
    return helpdesk::round_to(static_cast<double>(total) / static_cast<double>(n), 2);
}

}  // namespace lifeline::relay::store::sqlite::report_sql
