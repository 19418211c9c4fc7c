// /api/v1/audit: the audit log for leads and admins, filtered and paged, as JSON, JSON Lines or CSV;
// and the chain's verification.
#include "relay/http/api.hpp"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>

namespace lifeline::relay::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;
using google::protobuf::util::TimeUtil;

namespace {

constexpr int kMaxPage = 1000;
constexpr int kMaxExport = 10000;  // rows per export request; next_cursor continues

enum class Format { json, jsonl, csv };

struct AuditRequest {
    store::AuditQuery query;
    Format format = Format::json;
};

core::Result<AuditRequest> request_from(const RequestContext& ctx) {
    AuditRequest out;
    bool limit_given = false;
    for (const auto& [key, value] : ctx.query_params) {
        if (key == "actor" || key == "action" || key == "ticket" || key == "session" || key == "device") {
            if (auto ok = check_text(key, value, 200, false); !ok) return ok.error();
            auto& field = key == "actor"     ? out.query.actor
                          : key == "action"  ? out.query.action
                          : key == "ticket"  ? out.query.ticket
                          : key == "session" ? out.query.session
                                             : out.query.device;
            field = value;
        } else if (key == "from" || key == "to") {
            auto at = parse_query_time(key, value);
            if (!at) return at.error();
            (key == "from" ? out.query.from_ms : out.query.to_ms) = *at;
        } else if (key == "limit") {
            auto limit = parse_query_number("limit", value, kMaxExport);
            if (!limit) return limit.error();
            out.query.limit = static_cast<int>(*limit);
            limit_given = true;
        } else if (key == "cursor") {
            auto seq = parse_query_number("cursor", value, INT64_MAX);
            if (!seq) return invalid("cursor is not one this API gave out");
            out.query.before_seq = *seq;
        } else if (key == "format") {
            if (value == "json") {
                out.format = Format::json;
            } else if (value == "jsonl") {
                out.format = Format::jsonl;
            } else if (value == "csv") {
                out.format = Format::csv;
            } else {
                return invalid("format must be json, jsonl or csv");
            }
        } else {
            return invalid("unknown query parameter '" + key + "'");
        }
    }
    if (!ctx.query_params.contains("format")) {
        const auto accept = ctx.message[beast_http::field::accept];
        if (accept.find("text/csv") != std::string_view::npos) out.format = Format::csv;
        if (accept.find("application/x-ndjson") != std::string_view::npos ||
            accept.find("application/jsonl") != std::string_view::npos) {
            out.format = Format::jsonl;
        }
    }
    if (out.format == Format::json && out.query.limit > kMaxPage) {
        return invalid("limit must be a number from 1 to " + std::to_string(kMaxPage) + " (exports allow " +
                       std::to_string(kMaxExport) + ")");
    }
    if (out.format != Format::json && !limit_given) out.query.limit = kMaxExport;
    return out;
}

// RFC 4180: quoted when needed, quotes doubled. A leading =, +, - or @ is prefixed with ' so a
// spreadsheet does not run an actor's or hostname's text as a formula.
std::string csv_field(std::string_view text) {
    std::string value(text);
    if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@')) {
        value.insert(value.begin(), '\'');
    }
    if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
    std::string quoted = "\"";
    for (char ch : value) {
        if (ch == '"') quoted += '"';
        quoted += ch;
    }
    return quoted + "\"";
}

std::string entry_json(const v1::AuditEntry& entry) {
    std::string line;
    (void)google::protobuf::util::MessageToJsonString(entry, &line);
    return line;
}

Response export_response(const v1::AuditPage& page, Format format) {
    std::string body;
    if (format == Format::csv) {
        body = "seq,at,actor,action,ticket,session,device,details,prev_hash,hash\r\n";
        for (const auto& e : page.entries()) {
            std::string details;
            (void)google::protobuf::util::MessageToJsonString(e.details(), &details);
            body += std::to_string(e.seq()) + "," + TimeUtil::ToString(e.at()) + "," + csv_field(e.actor()) + "," +
                    csv_field(e.action()) + "," + csv_field(e.ticket_number()) + "," + csv_field(e.session_id()) + "," +
                    csv_field(e.device_id()) + "," + csv_field(details) + "," + e.prev_hash() + "," + e.hash() + "\r\n";
        }
    } else {
        for (const auto& e : page.entries())
            body += entry_json(e) + "\n";
    }
    Response response(status::ok, 11);
    response.set(beast_http::field::content_type,
                 format == Format::csv ? "text/csv; charset=utf-8" : "application/x-ndjson");
    response.set(beast_http::field::content_disposition,
                 format == Format::csv ? "attachment; filename=\"audit.csv\"" : "attachment; filename=\"audit.jsonl\"");
    // The next page of an export: the same request with cursor=<this>.
    if (!page.next_cursor().empty()) response.set("X-Next-Cursor", page.next_cursor());
    response.body() = std::move(body);
    response.prepare_payload();
    return response;
}

}  // namespace

void register_audit_routes(Router& router, ApiContext& api) {
    const auto leads = Access::roles_of({v1::ADMIN, v1::LEAD});

    router.add(verb::get, "/api/v1/audit", leads, [&api](RequestContext& ctx) -> asio::awaitable<Response> {
        auto request = unwrap(request_from(ctx));
        auto page = co_await api.run([&] { return api.audit.list(request.query); });
        if (request.format == Format::json) co_return json_response(status::ok, page);
        co_return export_response(page, request.format);
    });

    router.add(verb::get, "/api/v1/audit/verify", leads, [&api](RequestContext& ctx) -> asio::awaitable<Response> {
        auto verdict = co_await api.run([&] { return api.audit.verify(); });
        if (!verdict.intact()) {
            spdlog::error("audit: the chain is broken at row {}: {} (checked by {})", verdict.broken_at(),
                          verdict.problem(), ctx.principal->username);
        }
        co_return json_response(status::ok, verdict);
    });
}

}  // namespace lifeline::relay::http
