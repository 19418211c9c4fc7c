// Path matching, authentication and role checks in front of every handler.
#include "relay/http/router.hpp"

#include "shared/core/ids.hpp"

#include <spdlog/spdlog.h>
#include <boost/url/parse.hpp>

#include <algorithm>

namespace lifeline::relay::http {

namespace {

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> segments;
    std::size_t start = 1;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        segments.emplace_back(path.substr(start, end - start));
        start = end + 1;
    }
    return segments;
}

bool matches(const std::vector<std::string>& pattern, const std::vector<std::string>& segments,
             std::map<std::string, std::string, std::less<>>* params) {
    if (pattern.size() != segments.size()) return false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const auto& p = pattern[i];
        if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
            if (segments[i].empty()) return false;
            if (params) (*params)[p.substr(1, p.size() - 2)] = segments[i];
        } else if (p != segments[i]) {
            return false;
        }
    }
    return true;
}

std::optional<std::string> bearer_token(const Request& request) {
    auto it = request.find(beast_http::field::authorization);
    if (it == request.end()) return std::nullopt;
    std::string_view value = it->value();
    constexpr std::string_view kScheme = "Bearer ";
    if (value.size() <= kScheme.size() ||
        !std::equal(kScheme.begin(), kScheme.end(), value.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
        return std::nullopt;
    }
    return std::string(value.substr(kScheme.size()));
}

}  // namespace

const std::string& RequestContext::param(std::string_view name) const {
    auto it = path_params.find(name);
    if (it == path_params.end()) throw std::logic_error("route has no parameter " + std::string(name));
    return it->second;
}

void Router::add(beast_http::verb method, std::string pattern, Access access, Handler handler, std::size_t max_body) {
    if (!access.is_public && access.roles.empty()) throw std::logic_error("route " + pattern + " allows nobody");
    routes_.push_back(Route{method, split_path(pattern), std::move(access), std::move(handler), max_body});
}

std::size_t Router::body_limit(beast_http::verb method, std::string_view target) const {
    auto segments = split_path(target.substr(0, target.find('?')));
    for (const auto& route : routes_) {
        if (route.method == method && matches(route.segments, segments, nullptr)) return route.max_body;
    }
    return 0;
}

boost::asio::awaitable<Response> Router::dispatch(const Request& request, const std::string& remote_address) {
    auto url = boost::urls::parse_origin_form(request.target());
    if (!url) co_return error_response(beast_http::status::bad_request, "invalid_argument", "malformed request target");

    RequestContext context{request, remote_address, {}, {}, std::nullopt, {}};
    for (auto param : url->params()) {
        if (param.key.empty()) continue;
        context.query_params[std::string(param.key)] = std::string(param.value);
    }

    auto segments = split_path(url->path());
    const Route* found = nullptr;
    std::string allowed;
    for (const auto& route : routes_) {
        if (!matches(route.segments, segments, nullptr)) continue;
        if (route.method == request.method()) {
            found = &route;
            break;
        }
        if (!allowed.empty()) allowed += ", ";
        allowed += std::string(beast_http::to_string(route.method));
    }
    if (!found) {
        if (allowed.empty()) {
            co_return error_response(beast_http::status::not_found, "not_found", "no such endpoint");
        }
        auto response = error_response(beast_http::status::method_not_allowed, "method_not_allowed",
                                       "this endpoint accepts " + allowed);
        response.set(beast_http::field::allow, allowed);
        co_return response;
    }
    matches(found->segments, segments, &context.path_params);
    co_return co_await run(*found, context);
}

boost::asio::awaitable<Response> Router::run(const Route& route, RequestContext& context) {
    try {
        if (!route.access.is_public) {
            auto token = bearer_token(context.message);
            if (!token) {
                co_return error_response(beast_http::status::unauthorized, "unauthenticated",
                                         "this endpoint needs an 'Authorization: Bearer <token>' header");
            }
            context.token_hash = core::sha256_hex(*token);
            context.principal = co_await authenticate_(*token);
            if (!context.principal) {
                co_return error_response(beast_http::status::unauthorized, "unauthenticated",
                                         "the token is unknown, expired or revoked; sign in again");
            }
            const auto& roles = route.access.roles;
            if (std::find(roles.begin(), roles.end(), context.principal->role) == roles.end()) {
                co_return error_response(beast_http::status::forbidden, "permission_denied",
                                         "your role does not allow this");
            }
        }
        co_return co_await route.handler(context);
    } catch (const core::ErrorException& e) {
        co_return error_response(e.error());
    } catch (const std::exception& e) {
        spdlog::error("http: {} {} failed: {}", std::string(context.message.method_string()),
                      std::string(context.message.target()), e.what());
        co_return error_response(beast_http::status::internal_server_error, "internal",
                                 "the server failed to handle this request");
    }
}

}  // namespace lifeline::relay::http
