// scrypt password hashing on OpenSSL 3, with a strict parser for the stored form.
#include "relay/auth/password.hpp"

#include "shared/core/ids.hpp"

#include <openssl/evp.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

namespace lifeline::relay::auth {

namespace {

constexpr std::string_view kPrefix = "$scrypt$";
constexpr std::uint64_t kLogN = 15;
constexpr std::uint64_t kBlockSize = 8;    // r
constexpr std::uint64_t kParallelism = 1;  // p
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kKeyBytes = 32;

// Limits for what a stored hash may ask of us: generous enough for any future default, small enough that a
// corrupted or hostile row cannot make one login take minutes or gigabytes.
constexpr std::uint64_t kMaxLogN = 20;
constexpr std::uint64_t kMaxBlockSize = 32;
constexpr std::uint64_t kMaxParallelism = 16;
constexpr std::uint64_t kMaxBlockTimesParallelism = 64;
constexpr std::uint64_t kMaxMemoryBytes = std::uint64_t{1} << 30;
constexpr std::size_t kMinSaltBytes = 8;
constexpr std::size_t kMaxSaltBytes = 64;
constexpr std::size_t kMinKeyBytes = 16;
constexpr std::size_t kMaxKeyBytes = 64;

constexpr std::size_t kMinPasswordBytes = 10;
constexpr std::size_t kMaxPasswordBytes = 1024;

struct ScryptParameters {
    std::uint64_t log_n = 0;
    std::uint64_t r = 0;
    std::uint64_t p = 0;
};

int base64url_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

// Strict inverse of core::base64url_encode: no padding, no whitespace, unused trailing bits must be zero, so
// every byte string has exactly one accepted encoding.
std::optional<std::string> base64url_decode(std::string_view text) {
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3 + 2);
    std::uint32_t pending = 0;
    int pending_bits = 0;
    for (char c : text) {
        int value = base64url_value(c);
        if (value < 0) return std::nullopt;
        pending = (pending << 6) | static_cast<std::uint32_t>(value);
        pending_bits += 6;
        if (pending_bits >= 8) {
            pending_bits -= 8;
            out.push_back(static_cast<char>((pending >> pending_bits) & 0xffU));
            pending &= (1U << pending_bits) - 1;
        }
    }
    if (pending != 0) return std::nullopt;
    return out;
}

std::string_view as_chars(const std::vector<unsigned char>& bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Consumes `name=<decimal>` from the front of `text`.
std::optional<std::uint64_t> take_parameter(std::string_view& text, std::string_view name) {
    if (!text.starts_with(name) || text.size() <= name.size() || text[name.size()] != '=') return std::nullopt;
    text.remove_prefix(name.size() + 1);
    std::uint64_t value = 0;
    // Short on purpose: the limits are all far below this, and it rules out overflow.
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
        ++digits;
    if (digits == 0 || digits > 6) return std::nullopt;
    std::from_chars(text.data(), text.data() + digits, value);
    text.remove_prefix(digits);
    return value;
}

std::optional<ScryptParameters> parse_parameters(std::string_view text) {
    auto log_n = take_parameter(text, "ln");
    if (!log_n || !text.starts_with(',')) return std::nullopt;
    text.remove_prefix(1);
    auto r = take_parameter(text, "r");
    if (!r || !text.starts_with(',')) return std::nullopt;
    text.remove_prefix(1);
    auto p = take_parameter(text, "p");
    if (!p || !text.empty()) return std::nullopt;
    return ScryptParameters{*log_n, *r, *p};
}

bool parameters_sane(const ScryptParameters& parameters) {
    if (parameters.log_n < 1 || parameters.log_n > kMaxLogN) return false;
    if (parameters.r < 1 || parameters.r > kMaxBlockSize) return false;
    if (parameters.p < 1 || parameters.p > kMaxParallelism) return false;
    if (parameters.r * parameters.p > kMaxBlockTimesParallelism) return false;
    return 128 * parameters.r * (std::uint64_t{1} << parameters.log_n) <= kMaxMemoryBytes;
}

// False when OpenSSL refuses (e.g. parameters outside what scrypt defines) or runs out of memory.
bool derive(std::string_view password, std::string_view salt, const ScryptParameters& parameters, std::string& key) {
    const std::uint64_t n = std::uint64_t{1} << parameters.log_n;
    // OpenSSL's own default cap (32 MiB) is just below what our default cost needs; state the real need.
    const std::uint64_t max_memory = 128 * parameters.r * (n + parameters.p + 2) + (std::uint64_t{1} << 20);
    return EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                          salt.size(), n, parameters.r, parameters.p, max_memory,
                          reinterpret_cast<unsigned char*>(key.data()), key.size()) == 1;
}

}  // namespace

std::string hash_password(std::string_view password) {
    const ScryptParameters parameters{kLogN, kBlockSize, kParallelism};
    auto salt = core::random_bytes(kSaltBytes);
    std::string key(kKeyBytes, '\0');
    if (!derive(password, as_chars(salt), parameters, key)) throw std::runtime_error("scrypt failed");
    std::string encoded(kPrefix);
    encoded += "ln=" + std::to_string(parameters.log_n) + ",r=" + std::to_string(parameters.r) +
               ",p=" + std::to_string(parameters.p) + "$";
    encoded += core::base64url_encode(as_chars(salt));
    encoded += '$';
    encoded += core::base64url_encode(key);
    return encoded;
}

bool verify_password(std::string_view password, std::string_view encoded) {
    if (!encoded.starts_with(kPrefix)) return false;
    encoded.remove_prefix(kPrefix.size());

    auto first = encoded.find('$');
    if (first == std::string_view::npos) return false;
    auto second = encoded.find('$', first + 1);
    if (second == std::string_view::npos || encoded.find('$', second + 1) != std::string_view::npos) return false;

    auto parameters = parse_parameters(encoded.substr(0, first));
    if (!parameters || !parameters_sane(*parameters)) return false;
    auto salt = base64url_decode(encoded.substr(first + 1, second - first - 1));
    auto expected = base64url_decode(encoded.substr(second + 1));
    if (!salt || salt->size() < kMinSaltBytes || salt->size() > kMaxSaltBytes) return false;
    if (!expected || expected->size() < kMinKeyBytes || expected->size() > kMaxKeyBytes) return false;

    std::string key(expected->size(), '\0');
    if (!derive(password, *salt, *parameters, key)) return false;
    return core::constant_time_equal(key, *expected);
}

bool password_acceptable(std::string_view password, std::string& why) {
    if (password.size() < kMinPasswordBytes) {
        why = "the password is too short: use at least " + std::to_string(kMinPasswordBytes) + " characters";
        return false;
    }
    if (password.size() > kMaxPasswordBytes) {
        why = "the password is too long: use at most " + std::to_string(kMaxPasswordBytes) + " bytes";
        return false;
    }
    return true;
}

}  // namespace lifeline::relay::auth
