// /api/v1/reports: the leads' reports over a date range, filtered by group, technician and category,
// as JSON (shaped for charts) or as CSV (each report's table). Leads and admins only: the figures
// name technicians and quote users' comments.
#include "relay/helpdesk/reports.hpp"
#include "relay/http/api.hpp"
#include "relay/store/report_store.hpp"

#include <google/protobuf/util/time_util.h>

#include <charconv>

namespace lifeline::relay::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;

// Named rather than anonymous: lifeline_relay_http is a unity build, one namespace scope for all its files.
namespace report_routes {

constexpr std::size_t kMaxFilterText = 64;  // group and category names, usernames
constexpr int kMaxLimit = 100;

struct ReportRequest {
    store::ReportFilter filter;
    bool csv = false;
};

core::Result<ReportRequest> parse_request(const RequestContext& ctx, std::int64_t now_ms) {
    ReportRequest out;
    std::optional<std::string> from, to, tz;
    for (const auto& [key, value] : ctx.query_params) {
        if (key == "from") {
            from = value;
        } else if (key == "to") {
            to = value;
        } else if (key == "tz") {
            tz = value;
        } else if (key == "group" || key == "technician" || key == "category") {
            if (value.empty()) return invalid(key + " must not be empty (leave it out for all)");
            if (auto ok = check_text(key, value, kMaxFilterText, false); !ok) return ok.error();
            (key == "group"        ? out.filter.group
             : key == "technician" ? out.filter.technician
                                   : out.filter.category) = value;
        } else if (key == "limit") {
            auto limit = parse_query_number("limit", value, kMaxLimit);
            if (!limit) return limit.error();
            out.filter.limit = static_cast<int>(*limit);
        } else if (key == "format") {
            if (value != "json" && value != "csv") return invalid("format must be json or csv");
            out.csv = value == "csv";
        } else {
            return invalid("unknown query parameter '" + key + "'");
        }
    }
    if (!ctx.query_params.contains("format")) {
        out.csv = ctx.message[beast_http::field::accept].find("text/csv") != std::string_view::npos;
    }
    auto period = helpdesk::parse_report_period(from, to, tz, now_ms);
    if (!period) return period.error();
    out.filter.from_ms = period->from_ms;
    out.filter.to_ms = period->to_ms;
    out.filter.utc_offset_minutes = period->utc_offset_minutes;
    return out;
}

v1::ReportScope scope_of(const store::ReportFilter& f) {
    using google::protobuf::util::TimeUtil;
    v1::ReportScope scope;
    *scope.mutable_from() = TimeUtil::MillisecondsToTimestamp(f.from_ms);
    *scope.mutable_to() = TimeUtil::MillisecondsToTimestamp(f.to_ms);
    scope.set_utc_offset(helpdesk::format_utc_offset(f.utc_offset_minutes));
    scope.set_days(helpdesk::ReportPeriod{f.from_ms, f.to_ms, f.utc_offset_minutes}.day_count());
    scope.set_group(f.group.value_or(""));
    scope.set_technician(f.technician.value_or(""));
    scope.set_category(f.category.value_or(""));
    return scope;
}

// Blocking: runs on the pool.
v1::Report run_report(store::ReportStore& reports, const std::string& name, const store::ReportFilter& f) {
    v1::Report report;
    report.set_name(name);
    if (name == "summary")
        *report.mutable_summary() = reports.summary(f);
    else if (name == "tickets")
        *report.mutable_tickets() = reports.tickets(f);
    else if (name == "backlog")
        *report.mutable_backlog() = reports.backlog(f);
    else if (name == "response_time")
        *report.mutable_response_time() = reports.response_time(f);
    else if (name == "resolution_time")
        *report.mutable_resolution_time() = reports.resolution_time(f);
    else if (name == "sla")
        *report.mutable_sla() = reports.sla(f);
    else if (name == "escalations")
        *report.mutable_escalations() = reports.escalations(f);
    else if (name == "reopen_rate")
        *report.mutable_reopen_rate() = reports.reopen_rate(f);
    else if (name == "sessions")
        *report.mutable_sessions() = reports.sessions(f);
    else if (name == "satisfaction")
        *report.mutable_satisfaction() = reports.satisfaction(f);
    else if (name == "top_categories")
        *report.mutable_top_categories() = reports.top_categories(f);
    else if (name == "top_devices")
        *report.mutable_top_devices() = reports.top_devices(f);
    else
        throw std::logic_error("report " + name + " is in the catalogue but not run");
    return report;
}

Response csv_response(const v1::Report& report, const store::ReportFilter& f) {
    const helpdesk::ReportPeriod period{f.from_ms, f.to_ms, f.utc_offset_minutes};
    Response response(status::ok, 11);
    response.set(beast_http::field::content_type, "text/csv; charset=utf-8");
    // The name is ours (a catalogue name and dates), never the caller's text.
    response.set(beast_http::field::content_disposition, "attachment; filename=\"" + report.name() + "-" +
                                                             period.date(0) + "-" +
                                                             period.date(period.day_count() - 1) + ".csv\"");
    response.body() = helpdesk::report_csv(report);
    response.prepare_payload();
    return response;
}

}  // namespace report_routes

void register_report_routes(Router& router, ApiContext& api, store::ReportStore& reports) {
    const auto leads = Access::roles_of({v1::ADMIN, v1::LEAD});

    router.add(verb::get, "/api/v1/reports", leads, [](RequestContext& ctx) -> asio::awaitable<Response> {
        if (!ctx.query_params.empty()) {
            throw core::ErrorException(invalid("unknown query parameter '" + ctx.query_params.begin()->first + "'"));
        }
        co_return json_response(status::ok, helpdesk::report_catalog());
    });

    router.add(
        verb::get, "/api/v1/reports/{name}", leads, [&api, &reports](RequestContext& ctx) -> asio::awaitable<Response> {
            const v1::ReportInfo* info = helpdesk::find_report(ctx.param("name"));
            if (!info) {
                throw core::ErrorException(
                    core::make_error(core::Errc::not_found,
                                     "no report named '" + ctx.param("name") + "' (GET /api/v1/reports lists them)"));
            }
            const auto now = api.clock.now();
            auto request = unwrap(report_routes::parse_request(ctx, core::to_unix_ms(now)));
            const std::string name = info->name();
            auto report = co_await api.run([&] { return report_routes::run_report(reports, name, request.filter); });
            *report.mutable_scope() = report_routes::scope_of(request.filter);
            *report.mutable_generated_at() =
                google::protobuf::util::TimeUtil::MillisecondsToTimestamp(core::to_unix_ms(now));
            if (request.csv) co_return report_routes::csv_response(report, request.filter);
            co_return json_response(status::ok, report);
        });
}

}  // namespace lifeline::relay::http
