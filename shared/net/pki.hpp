// The relay's private PKI: a CA, server certificates it signs, and the fingerprints clients pin.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lifeline::net {

struct PemPair {
    std::string certificate_pem;
    std::string private_key_pem;  // unencrypted PKCS#8: store it with owner-only permissions
};

// A self-signed ECDSA P-256 CA valid for 10 years that may sign end-entity certificates only (pathlen 0).
// Throws std::invalid_argument for an empty or overlong (> 64 bytes) name, std::runtime_error if OpenSSL fails.
PemPair create_ca(std::string_view common_name);

// An ECDSA P-256 TLS server certificate signed by `ca`, valid for 825 days. Each entry of `hostnames` becomes a
// subjectAltName: an IP entry if it is an IPv4/IPv6 literal, a DNS entry otherwise. Throws std::invalid_argument
// if `ca` is unusable (bad PEM, key not matching, not a CA) or `hostnames` is empty or holds an unusable name.
PemPair create_server_certificate(const PemPair& ca, std::string_view common_name,
                                  const std::vector<std::string>& hostnames);

// "sha256:" + lower-case hex of SHA-256 over the DER of the first certificate in `certificate_pem`; the form
// TlsClientOptions::pinned_ca_fingerprint accepts. Throws std::invalid_argument if there is no certificate.
std::string certificate_fingerprint(std::string_view certificate_pem);

}  // namespace lifeline::net
