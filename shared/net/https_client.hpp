// A small blocking HTTPS/1.1 client with one kept-alive connection, for tests, benchmarks and command-line tools.
#pragma once

#include "shared/net/tls.hpp"

#include <cstdint>
#include <functional>
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

// A streamed GET's outcome. The body of a 200 went to the sink; any other status's body (at most 64 KiB) is in
// response.body.
struct HttpDownload {
    HttpResponse response;     // status and headers
    std::uint64_t length = 0;  // Content-Length, 0 when the server did not say (chunked)
    std::uint64_t bytes = 0;   // body bytes of a 200 handed to the sink
    bool too_large = false;    // a 200 whose body is longer than max_bytes: stopped there (or before, by its length)
    bool stopped = false;      // the sink asked to stop
};
// Takes each piece of the body as it arrives, with the announced length (0 if unknown); false stops the download.
using DownloadSink = std::function<bool(std::string_view piece, std::uint64_t length)>;

// Not thread-safe (but for interrupt()): use one client per thread. Movable; a moved-from client may only be destroyed
// or assigned.
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

    // GET `target` with the body streamed to `sink` in pieces of at most 256 KiB, so a body of any size costs one
    // piece of memory: every read has the 30 s step timeout, the whole no limit. A 200 longer than `max_bytes` or
    // a sink that answers false ends the download early (the connection is dropped). Otherwise as request().
    HttpDownload download(std::string_view target, std::string_view bearer_token, std::uint64_t max_bytes,
                          const DownloadSink& sink);

    // The one call that may come from another thread: the request or download in progress (or else the next one)
    // fails at once with operation_aborted and its connection is dropped, instead of waiting out a silent
    // server's 30 s step timeout. For a window closing in the middle of a large download.
    void interrupt();

    // Ends the TLS session politely (waits up to 2 s for the server's close_notify). Never throws; the next
    // request reconnects.
    void close();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lifeline::net
