// A JSON client for the relay's REST API, for tests and benchmarks: protobuf messages in and out.
#pragma once

#include "lifeline.pb.h"
#include "shared/net/https_client.hpp"

#include <google/protobuf/message.h>

#include <string>

namespace lifeline::testing {

std::string to_json(const google::protobuf::Message& message);
// Parses a JSON answer into `out`; throws with the body on failure.
void from_json(const std::string& json, google::protobuf::Message& out);

class ApiClient {
public:
    explicit ApiClient(net::HttpsClient client) : client_(std::move(client)) {}

    net::HttpResponse call(std::string_view method, std::string_view target, std::string_view body = {}) {
        return client_.request(method, target, body, token_);
    }
    net::HttpResponse call(std::string_view method, std::string_view target, const google::protobuf::Message& body) {
        return call(method, target, to_json(body));
    }

    // Signs in; throws unless the relay answers 200.
    v1::LoginResponse login(const std::string& username, const std::string& password);
    void set_token(std::string token) { token_ = std::move(token); }
    const std::string& token() const { return token_; }

    // Opens a ticket; throws unless 201.
    v1::Ticket create_ticket(const std::string& subject, v1::Priority priority = v1::PRIORITY_UNSPECIFIED);
    // Adds a user (display name "NAME Example"); throws unless 201. Needs an admin's token.
    void create_user(const std::string& username, v1::Role role, const std::string& password, int tier);

private:
    net::HttpsClient client_;
    std::string token_;
};

// The "code" of an error body, or "" when the body is not one.
std::string error_code(const net::HttpResponse& response);

}  // namespace lifeline::testing
