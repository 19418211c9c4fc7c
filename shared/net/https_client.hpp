// A small blocking HTTPS/1.1 client with one kept-alive connection, for tests, benchmarks and command-line tools.
#pragma once

#include "shared/net/tls.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lifeline::net {

struct HttpResponse {
    unsigned status = 0;
    std::string body;
    std::string content_type;
    std::vector<std::pair<std::string, std::string>> headers;  // as received, in order

    // The first header with this name (case-insensitive), or "" when there is none.
    std::string header(std::string_view name) const;
};

// Not thread-safe: use one client per thread. Movable; a moved-from client may only be destroyed or assigned.
class HttpsClient {
public:
    // `host` may be an IP literal ("127.0.0.1", "::1" or "[::1]") or a DNS name; the server certificate must
    // name it. Throws (see make_client_tls_context) if `tls` is unusable; does not connect yet.
    HttpsClient(std::string host, std::uint16_t port, TlsClientOptions tls);
    HttpsClient(HttpsClient&&) noexcept;
    HttpsClient& operator=(HttpsClient&&) noexcept;
    ~HttpsClient();

    // Sends one request and waits for the whole response (body up to 64 MiB, 30 s per network step).
    // Connects lazily and reuses the connection while the server keeps it alive. If the server has closed an
    // idle connection, reconnects once and retries, but only when nothing of the request had been sent, so a
    // non-idempotent request is never delivered twice. A non-empty `body` is sent as application/json;
    // `bearer_token` becomes `Authorization: Bearer ...`; `extra_headers` are set last and win over both.
    // Any HTTP status is a response, not an error. Throws boost::system::system_error on network or TLS
    // failure (the connection is dropped), std::invalid_argument for a header value with CR or LF.
    HttpResponse request(std::string_view method, std::string_view target, std::string_view body = {},
                         std::string_view bearer_token = {},
                         const std::vector<std::pair<std::string, std::string>>& extra_headers = {});

    // Ends the TLS session politely (waits up to 2 s for the server's close_notify). Never throws; the next
    // request reconnects.
    void close();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lifeline::net
