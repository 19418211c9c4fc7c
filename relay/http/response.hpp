// Building the relay's HTTP answers: protobuf JSON bodies and the uniform {"error":{...}} body.
#pragma once

#include "shared/core/error.hpp"

#include <google/protobuf/message.h>
#include <boost/beast/http.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace lifeline::relay::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;

beast_http::status status_for(core::Errc code);

Response json_response(beast_http::status status, const google::protobuf::Message& message);
Response error_response(beast_http::status status, std::string_view code, std::string_view message);
Response error_response(const core::Error& error);
Response empty_response(beast_http::status status);

// An answer whose body is a file, which the server streams from disk (a piece at a time, each write with its own
// timeout) rather than a handler reading it into memory: set the headers on the response as usual. The path
// travels in an internal field the server removes before anything is sent; a file that cannot be opened then is
// answered 404.
inline constexpr std::string_view kFileBodyField = "X-Lifeline-File-Body";
Response file_response(std::string_view path, std::string_view content_type);

// Parses a JSON body into `out` with the protobuf JSON mapping. Unknown fields and wrong types are
// errors (Errc::invalid_argument) naming what was wrong. An empty body reads as {}.
core::Result<void> parse_json(std::string_view body, google::protobuf::Message& out);

std::string to_json(const google::protobuf::Message& message);

// Query parameters of the list routes. Errc::invalid_argument naming the parameter.
core::Result<std::int64_t> parse_query_number(std::string_view name, const std::string& value, std::int64_t max);
// An RFC 3339 time, in milliseconds since the epoch.
core::Result<std::int64_t> parse_query_time(std::string_view name, const std::string& value);

}  // namespace lifeline::relay::http
