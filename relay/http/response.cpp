// JSON answers and the error body shared by every route.
#include "relay/http/response.hpp"

#include "lifeline.pb.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <charconv>

namespace lifeline::relay::http {

using core::Errc;

beast_http::status status_for(Errc code) {
    switch (code) {
        case Errc::invalid_argument: return beast_http::status::bad_request;
        case Errc::unauthenticated: return beast_http::status::unauthorized;
        case Errc::permission_denied: return beast_http::status::forbidden;
        case Errc::not_found: return beast_http::status::not_found;
        case Errc::conflict: return beast_http::status::conflict;
        case Errc::already_exists: return beast_http::status::conflict;
        case Errc::too_many_requests: return beast_http::status::too_many_requests;
        case Errc::payload_too_large: return beast_http::status::payload_too_large;
        case Errc::unavailable: return beast_http::status::service_unavailable;
    }
    return beast_http::status::internal_server_error;
}

std::string to_json(const google::protobuf::Message& message) {
    google::protobuf::util::JsonPrintOptions options;
    // Clients see every field, zero values included: no guessing whether "tier" was left out or is 0.
    options.always_print_primitive_fields = true;
    std::string out;
    auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
    if (!status.ok()) throw std::runtime_error("JSON serialization failed: " + status.ToString());
    return out;
}

Response file_response(std::string_view path, std::string_view content_type) {
    Response response{beast_http::status::ok, 11};
    response.set(beast_http::field::content_type, content_type);
    response.set(kFileBodyField, path);
    return response;
}

Response json_response(beast_http::status status, const google::protobuf::Message& message) {
    Response response{status, 11};
    response.set(beast_http::field::content_type, "application/json");
    response.body() = to_json(message);
    response.prepare_payload();
    return response;
}

Response error_response(beast_http::status status, std::string_view code, std::string_view message) {
    v1::ErrorResponse body;
    body.mutable_error()->set_code(std::string(code));
    body.mutable_error()->set_message(std::string(message));
    return json_response(status, body);
}

Response error_response(const core::Error& error) {
    return error_response(status_for(error.code), core::errc_name(error.code), error.message);
}

Response empty_response(beast_http::status status) {
    Response response{status, 11};
    response.prepare_payload();
    return response;
}

core::Result<void> parse_json(std::string_view body, google::protobuf::Message& out) {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return {};
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    auto status = google::protobuf::util::JsonStringToMessage(std::string(body), &out, options);
    if (!status.ok()) {
        return core::make_error(Errc::invalid_argument, "malformed JSON body: " + status.ToString());
    }
    return {};
}

core::Result<std::int64_t> parse_query_number(std::string_view name, const std::string& value, std::int64_t max) {
    std::int64_t number = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (ec != std::errc() || end != value.data() + value.size() || number < 1 || number > max) {
        return core::make_error(Errc::invalid_argument,
                                std::string(name) + " must be a number from 1 to " + std::to_string(max));
    }
    return number;
}

core::Result<std::int64_t> parse_query_time(std::string_view name, const std::string& value) {
    google::protobuf::Timestamp at;
    if (!google::protobuf::util::TimeUtil::FromString(value, &at)) {
        return core::make_error(Errc::invalid_argument,
                                std::string(name) + " must be an RFC 3339 time, e.g. 2026-11-23T09:00:00Z");
    }
    return google::protobuf::util::TimeUtil::TimestampToMilliseconds(at);
}

}  // namespace lifeline::relay::http
