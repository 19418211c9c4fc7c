// scrypt password hashing: round trips, salting, a published test vector, hostile encodings, and the policy.
#include "relay/auth/password.hpp"

#include "shared/core/ids.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lifeline::relay::auth {
namespace {

constexpr std::string_view kPassword = "correct horse battery staple";

std::string from_hex(std::string_view hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

TEST(PasswordHash, verifies_the_password_it_was_made_from) {
    auto encoded = hash_password(kPassword);
    EXPECT_TRUE(encoded.starts_with("$scrypt$ln=15,r=8,p=1$")) << encoded;
    EXPECT_TRUE(verify_password(kPassword, encoded));
}

TEST(PasswordHash, rejects_a_different_password) {
    auto encoded = hash_password(kPassword);
    EXPECT_FALSE(verify_password("correct horse battery stapler", encoded));
    EXPECT_FALSE(verify_password("", encoded));
}

TEST(PasswordHash, salts_every_hash) { EXPECT_NE(hash_password(kPassword), hash_password(kPassword)); }

TEST(PasswordHash, reads_the_cost_from_the_encoding_and_matches_rfc7914) {
    // RFC 7914 section 12, third vector: N=16384, r=8, p=1, 64-byte key.
    const std::string key = from_hex(
        "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
        "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887");
    const std::string encoded =
        "$scrypt$ln=14,r=8,p=1$" + core::base64url_encode("SodiumChloride") + "$" + core::base64url_encode(key);
    EXPECT_TRUE(verify_password("pleaseletmein", encoded));
    EXPECT_FALSE(verify_password("pleaseletmeim", encoded));
}

TEST(PasswordHash, malformed_or_absurd_encodings_are_refused) {
    const std::string good = hash_password(kPassword);
    ASSERT_TRUE(verify_password(kPassword, good));
    const auto tail = good.substr(good.find('$', std::string_view("$scrypt$").size()));  // "$salt$hash"
    const auto salt_and_hash = tail.substr(1);
    const auto hash = good.substr(good.rfind('$') + 1);

    std::vector<std::string> bad = {
        "",
        "$scrypt$",
        "$scrypt$ln=15,r=8,p=1$",
        "$scrypt$ln=15,r=8,p=1$$",
        "scrypt$ln=15,r=8,p=1" + tail,
        "$argon2id$ln=15,r=8,p=1" + tail,
        "$scrypt$ln=15,r=8" + tail,
        "$scrypt$r=8,ln=15,p=1" + tail,
        "$scrypt$ln=15,r=8,p=1,x=1" + tail,
        "$scrypt$ln=15,r=8,p=1 " + tail,
        "$scrypt$ln=,r=8,p=1" + tail,
        "$scrypt$ln=-1,r=8,p=1" + tail,
        "$scrypt$ln=+15,r=8,p=1" + tail,
        "$scrypt$ln=0,r=8,p=1" + tail,
        "$scrypt$ln=21,r=8,p=1" + tail,
        "$scrypt$ln=99999999999999999999999,r=8,p=1" + tail,
        "$scrypt$ln=15,r=0,p=1" + tail,
        "$scrypt$ln=15,r=8,p=0" + tail,
        "$scrypt$ln=15,r=1024,p=1" + tail,
        "$scrypt$ln=15,r=8,p=1000000" + tail,
        "$scrypt$ln=15,r=32,p=16" + tail,  // r*p too big
        "$scrypt$ln=20,r=32,p=1" + tail,   // 4 GiB
        "$scrypt$ln=15,r=8,p=1" + tail + "$",
        "$scrypt$ln=15,r=8,p=1$" + hash,
        "$scrypt$ln=15,r=8,p=1$" + salt_and_hash + "=",
        "$scrypt$ln=15,r=8,p=1$" + salt_and_hash.substr(0, salt_and_hash.size() - 2),  // impossible length
        "$scrypt$ln=15,r=8,p=1$" + salt_and_hash + "AAAA",
        "$scrypt$ln=15,r=8,p=1$c2FsdA$" + hash,                                                 // 4-byte salt
        "$scrypt$ln=15,r=8,p=1$" + salt_and_hash.substr(0, salt_and_hash.find('$')) + "$AAAA",  // 3-byte hash
        "$scrypt$ln=15,r=8,p=1$" + salt_and_hash.substr(0, salt_and_hash.find('$')) + "$" + hash + "!",
        std::string("$scrypt$ln=15,r=8,p=1$\0\0\0\0", 26),
    };
    for (const auto& encoded : bad) {
        EXPECT_FALSE(verify_password(kPassword, encoded)) << encoded;
    }

    // One flipped character in the hash: well-formed, but not this password.
    std::string flipped = good;
    flipped[flipped.size() - 3] = flipped[flipped.size() - 3] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verify_password(kPassword, flipped));
}

TEST(PasswordPolicy, accepts_ten_to_1024_bytes) {
    std::string why;
    EXPECT_TRUE(password_acceptable(std::string(10, 'x'), why));
    EXPECT_TRUE(password_acceptable(std::string(1024, 'x'), why));
    EXPECT_TRUE(why.empty());
}

TEST(PasswordPolicy, rejects_short_passwords_with_a_reason) {
    std::string why;
    EXPECT_FALSE(password_acceptable("", why));
    EXPECT_FALSE(why.empty());
    why.clear();
    EXPECT_FALSE(password_acceptable(std::string(9, 'x'), why));
    EXPECT_NE(why.find("10"), std::string::npos) << why;
}

TEST(PasswordPolicy, rejects_overlong_passwords_with_a_reason) {
    std::string why;
    EXPECT_FALSE(password_acceptable(std::string(1025, 'x'), why));
    EXPECT_NE(why.find("1024"), std::string::npos) << why;
}

}  // namespace
}  // namespace lifeline::relay::auth
