// JSON helpers for talking to the relay in tests.
#include "tests/support/api_client.hpp"

#include <google/protobuf/util/json_util.h>

#include <stdexcept>

namespace lifeline::testing {

std::string to_json(const google::protobuf::Message& message) {
    std::string out;
    if (!google::protobuf::util::MessageToJsonString(message, &out).ok()) throw std::runtime_error("to_json failed");
    return out;
}

void from_json(const std::string& json, google::protobuf::Message& out) {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    if (!google::protobuf::util::JsonStringToMessage(json, &out, options).ok()) {
        throw std::runtime_error("not a " + out.GetTypeName() + ": " + json);
    }
}

v1::LoginResponse ApiClient::login(const std::string& username, const std::string& password) {
    v1::LoginRequest request;
    request.set_username(username);
    request.set_password(password);
    auto response = client_.request("POST", "/api/v1/auth/login", to_json(request));
    if (response.status != 200) {
        throw std::runtime_error("login as " + username + " failed: " + std::to_string(response.status) + " " +
                                 response.body);
    }
    v1::LoginResponse answer;
    from_json(response.body, answer);
    token_ = answer.token();
    return answer;
}

v1::Ticket ApiClient::create_ticket(const std::string& subject, v1::Priority priority) {
    v1::CreateTicketRequest request;
    request.set_subject(subject);
    request.set_description("Description of " + subject);
    request.set_priority(priority);
    auto response = call("POST", "/api/v1/tickets", request);
    if (response.status != 201) {
        throw std::runtime_error("create ticket failed: " + std::to_string(response.status) + " " + response.body);
    }
    v1::Ticket ticket;
    from_json(response.body, ticket);
    return ticket;
}

void ApiClient::create_user(const std::string& username, v1::Role role, const std::string& password, int tier) {
    v1::CreateUserRequest request;
    request.set_username(username);
    request.set_display_name(username + " Example");
    request.set_role(role);
    request.set_tier(tier);
    request.set_password(password);
    auto response = call("POST", "/api/v1/users", request);
    if (response.status != 201) {
        throw std::runtime_error("create user failed: " + std::to_string(response.status) + " " + response.body);
    }
}

std::string error_code(const net::HttpResponse& response) {
    v1::ErrorResponse error;
    google::protobuf::util::JsonParseOptions options;
    if (!google::protobuf::util::JsonStringToMessage(response.body, &error, options).ok()) return "";
    return error.error().code();
}

}  // namespace lifeline::testing
