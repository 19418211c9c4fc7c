// TLS contexts for the relay (server side) and its clients, with CA-file, inline-CA and pinned-CA trust.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace lifeline::net {

// TLS 1.2 minimum (1.3 negotiated whenever the peer offers it); for 1.2 only ECDHE with AES-GCM or
// CHACHA20-POLY1305; no compression, no renegotiation, the server's cipher order wins.
// `certificate_chain_file` is PEM, leaf first; append the CA so pinning clients can find it in the handshake.
// Throws std::runtime_error naming the file that could not be used.
boost::asio::ssl::context make_server_tls_context(const std::string& certificate_chain_file,
                                                  const std::string& private_key_file);

// How a client decides to trust the server. The peer is always verified; what differs is the anchor:
// - `ca_file` and/or `ca_pem` (PEM, may hold several certificates): ordinary chain verification against
//   exactly these CAs; the system trust store is not consulted.
// - `pinned_ca_fingerprint` alone ("sha256:" + hex of the SHA-256 over a CA certificate's DER, as printed by
//   `lifeline-relay init`; case and ':' separators are ignored): the server must present a certificate with
//   that fingerprint in its chain, and the leaf must verify against that certificate as the only trust anchor.
//   Nothing else in the presented chain is trusted.
// - a CA and a pin together: both must hold (the verified chain must contain the pinned certificate).
// - nothing at all: the system's default trust store, for relays with a publicly trusted certificate.
// Host name or IP checks are per connection: call set_verify_host() before the handshake.
struct TlsClientOptions {
    std::string ca_file;
    std::string ca_pem;
    std::string pinned_ca_fingerprint;
};

// Throws std::invalid_argument for a malformed fingerprint, std::runtime_error for an unusable CA.
// The returned context may be moved; the pin travels with the underlying SSL_CTX.
boost::asio::ssl::context make_client_tls_context(const TlsClientOptions& options);

// Before the client handshake: requires the server certificate to name `host` (a DNS name, or an IPv4/IPv6
// literal, brackets allowed, matched against IP SANs) and sends SNI for DNS names only (RFC 6066 forbids IP
// literals there). Throws boost::system::system_error if OpenSSL refuses the name.
void set_verify_host(boost::asio::ssl::stream<boost::beast::tcp_stream>& stream, const std::string& host);
// The same for any OpenSSL connection, e.g. a WebSocket stream over beast::ssl_stream.
void set_verify_host(SSL* ssl, const std::string& host);

// Trust on first use, the one unverified connection: a TLS handshake with `host:port` that trusts nothing and
// answers the fingerprint (pinned_ca_fingerprint form) of the last certificate of the chain the server presents,
// i.e. its CA when the server sends its chain, as the relay does. Only for showing to a person who then decides;
// nothing is sent over that connection. Throws boost::system::system_error when the server cannot be reached or
// sends no certificate.
std::string probe_ca_fingerprint(const std::string& host, std::uint16_t port, std::chrono::seconds timeout);

// True when a client handshake failed because the server's certificate was not trusted: a wrong pin,
// a wrong CA, or a certificate that does not name the host.
bool is_certificate_rejection(const boost::system::error_code& error);

}  // namespace lifeline::net
