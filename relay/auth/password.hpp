// Password storage: scrypt hashes in a self-describing string, and the policy a new password must meet.
#pragma once

#include <string>
#include <string_view>

namespace lifeline::relay::auth {

// scrypt (N=2^15, r=8, p=1, 16-byte random salt, 32-byte key), encoded as
// `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` with base64url without padding. Takes tens of milliseconds and
// 32 MiB on purpose: call it off the I/O threads. Throws std::runtime_error if OpenSSL fails.
std::string hash_password(std::string_view password);

// True only if `encoded` is a well-formed hash of `password`. Reads the cost from `encoded`, so hashes made
// with older parameters keep working after the default is raised; parameters beyond what this server would
// ever choose (ln > 20, more than 1 GiB, r*p > 64) are refused rather than computed. Never throws for bad input.
bool verify_password(std::string_view password, std::string_view encoded);

// Policy for a password a person chooses: 10 to 1024 bytes. On refusal, `why` gets a sentence for the user.
bool password_acceptable(std::string_view password, std::string& why);

}  // namespace lifeline::relay::auth
