// The route table: method + path pattern -> handler, with the roles allowed. Deny by default: a
// route without roles must be declared public explicitly.
#pragma once

#include "relay/http/response.hpp"
#include "relay/store/store.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lifeline::relay::http {

// Everything a handler may look at for one request.
struct RequestContext {
    const Request& message;
    std::string remote_address;
    std::map<std::string, std::string, std::less<>> path_params;   // {number} -> "LL-000001"
    std::map<std::string, std::string, std::less<>> query_params;  // decoded; a repeated key keeps the last
    std::optional<store::Principal> principal;                     // set on every non-public route
    std::string token_hash;                                        // the caller's bearer token, hashed

    const std::string& param(std::string_view name) const;
};

using Handler = std::function<boost::asio::awaitable<Response>(RequestContext&)>;

// Resolves a bearer credential (a user's token, or a device's "<id>.<secret>") to a principal, or nullopt.
using Authenticator = std::function<boost::asio::awaitable<std::optional<store::Principal>>(const std::string&)>;

struct Access {
    bool is_public = false;
    std::vector<v1::Role> roles;
    static Access anyone() { return {true, {}}; }
    static Access roles_of(std::initializer_list<v1::Role> roles) { return {false, roles}; }
};

class Router {
public:
    explicit Router(Authenticator authenticate) : authenticate_(std::move(authenticate)) {}

    // pattern: "/api/v1/tickets/{number}/claim"; a {name} segment matches one non-empty segment.
    // max_body: this route's request body limit in bytes (0: the server's default).
    void add(beast_http::verb method, std::string pattern, Access access, Handler handler, std::size_t max_body = 0);

    // The body limit of the route a request goes to, or 0 for the server's default. Called after
    // the headers are read, before the body is.
    std::size_t body_limit(beast_http::verb method, std::string_view target) const;

    // Routes one request. Never throws: handler exceptions become a 500 without details.
    boost::asio::awaitable<Response> dispatch(const Request& request, const std::string& remote_address);

private:
    struct Route {
        beast_http::verb method;
        std::vector<std::string> segments;
        Access access;
        Handler handler;
        std::size_t max_body = 0;
    };
    boost::asio::awaitable<Response> run(const Route& route, RequestContext& context);

    Authenticator authenticate_;
    std::vector<Route> routes_;
};

}  // namespace lifeline::relay::http
