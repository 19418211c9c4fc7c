// Random identifiers and secrets, and the encodings and digests they travel in.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lifeline::core {

// Cryptographically secure random bytes (OpenSSL's DRBG). Throws if the generator fails.
std::vector<unsigned char> random_bytes(std::size_t count);

// A bearer secret: 256 random bits, base64url without padding (43 characters).
std::string random_token();

// `bytes` random bytes as lower-case hex: identifiers that are unguessable but not secret.
std::string random_hex(std::size_t bytes);

// A readable random password for first-run accounts: 20 characters from an unambiguous alphabet.
std::string random_password();

std::string to_hex(std::string_view bytes);
std::string base64url_encode(std::string_view bytes);

// SHA-256 of the input, lower-case hex. Used to store high-entropy secrets (tokens), never passwords.
std::string sha256_hex(std::string_view data);

// Constant-time comparison for secrets and digests.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace lifeline::core
