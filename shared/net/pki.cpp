// Certificate issuance with OpenSSL 3: P-256 keys, X.509 v3 extensions, PEM in and out.
#include "shared/net/pki.hpp"
#include "shared/net/openssl_handles.hpp"

#include "shared/core/ids.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>

namespace lifeline::net {

namespace {

constexpr long kCaValidityDays = 3650;
constexpr long kServerValidityDays = 825;  // the most browsers and Apple platforms accept for a leaf
// Backdated so a peer whose clock runs a little behind does not see a not-yet-valid certificate.
constexpr long kBackdateSeconds = 60 * 60;
constexpr std::size_t kSerialBytes = 16;
constexpr std::size_t kMaxCommonNameBytes = 64;  // ub-common-name in RFC 5280
constexpr std::size_t kMaxDnsNameBytes = 253;

using KeyPtr = OpensslPtr<EVP_PKEY, EVP_PKEY_free>;
using BignumPtr = OpensslPtr<BIGNUM, BN_free>;
using ExtensionPtr = OpensslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using GeneralNamesPtr = OpensslPtr<GENERAL_NAMES, GENERAL_NAMES_free>;
using GeneralNamePtr = OpensslPtr<GENERAL_NAME, GENERAL_NAME_free>;
using Asn1StringPtr = OpensslPtr<ASN1_STRING, ASN1_STRING_free>;

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + openssl_errors()); }

void check(int result, const char* what) {
    if (result != 1) fail(what);
}

KeyPtr generate_p256_key() {
    KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!key) fail("cannot generate a P-256 key");
    return key;
}

void set_random_serial(X509* certificate) {
    auto bytes = core::random_bytes(kSerialBytes);
    // RFC 5280 wants a positive, non-zero serial; a zero from 128 random bits is a theoretical case only.
    if (std::all_of(bytes.begin(), bytes.end(), [](unsigned char b) { return b == 0; })) bytes.back() = 1;
    BignumPtr serial(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
    if (!serial || BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate)) == nullptr) {
        fail("cannot set the certificate serial number");
    }
}

void set_common_name(X509* certificate, std::string_view common_name) {
    if (common_name.empty() || common_name.size() > kMaxCommonNameBytes) {
        throw std::invalid_argument("a certificate common name must be 1 to 64 bytes long");
    }
    X509_NAME* name = X509_get_subject_name(certificate);
    check(X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(common_name.data()),
                                     static_cast<int>(common_name.size()), -1, 0),
          "cannot set the certificate common name");
}

// The parts every certificate we issue shares; extensions and the signature are up to the caller.
X509Ptr new_certificate(std::string_view common_name, EVP_PKEY* key, long validity_days) {
    X509Ptr certificate(X509_new());
    if (!certificate) fail("cannot allocate a certificate");
    check(X509_set_version(certificate.get(), X509_VERSION_3), "cannot set the certificate version");
    set_random_serial(certificate.get());
    set_common_name(certificate.get(), common_name);
    if (X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -kBackdateSeconds) == nullptr ||
        X509_time_adj_ex(X509_getm_notAfter(certificate.get()), static_cast<int>(validity_days), 0, nullptr) ==
            nullptr) {
        fail("cannot set the certificate validity");
    }
    check(X509_set_pubkey(certificate.get(), key), "cannot set the certificate public key");
    return certificate;
}

// `value` uses openssl.cnf syntax; `issuer` matters for authorityKeyIdentifier, `subject` for the key id.
void add_extension(X509* subject, X509* issuer, int nid, const char* value) {
    X509V3_CTX context{};
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, subject, nullptr, nullptr, 0);
    ExtensionPtr extension(X509V3_EXT_nconf_nid(nullptr, &context, nid, value));
    if (!extension || X509_add_ext(subject, extension.get(), -1) != 1) {
        fail(std::string("cannot add certificate extension ") + OBJ_nid2sn(nid) + "=" + value);
    }
}

bool is_dns_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxDnsNameBytes) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
               c == '_' || c == '*';
    });
}

// Built by hand rather than from a "DNS:a,IP:b" string, so a name can never be read as more than one entry.
void add_subject_alt_names(X509* certificate, const std::vector<std::string>& hostnames) {
    GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
    if (!names) fail("cannot allocate subjectAltName");
    for (const auto& host : hostnames) {
        boost::system::error_code not_ip;
        auto address = boost::asio::ip::make_address(host, not_ip);
        Asn1StringPtr value;
        int type = 0;
        if (!not_ip) {
            type = GEN_IPADD;
            std::vector<unsigned char> bytes;
            if (address.is_v4()) {
                auto v4 = address.to_v4().to_bytes();
                bytes.assign(v4.begin(), v4.end());
            } else {
                auto v6 = address.to_v6().to_bytes();
                bytes.assign(v6.begin(), v6.end());
            }
            value.reset(ASN1_OCTET_STRING_new());
            if (!value || ASN1_OCTET_STRING_set(value.get(), bytes.data(), static_cast<int>(bytes.size())) != 1) {
                fail("cannot set an IP subjectAltName");
            }
        } else {
            if (!is_dns_name(host)) throw std::invalid_argument("not a host name or IP address: \"" + host + "\"");
            type = GEN_DNS;
            value.reset(ASN1_IA5STRING_new());
            if (!value || ASN1_STRING_set(value.get(), host.data(), static_cast<int>(host.size())) != 1) {
                fail("cannot set a DNS subjectAltName");
            }
        }
        GeneralNamePtr name(GENERAL_NAME_new());
        if (!name) fail("cannot allocate subjectAltName");
        GENERAL_NAME_set0_value(name.get(), type, value.release());
        if (sk_GENERAL_NAME_push(names.get(), name.get()) == 0) fail("cannot allocate subjectAltName");
        name.release();
    }
    check(X509_add1_ext_i2d(certificate, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT),
          "cannot add subjectAltName");
}

void sign(X509* certificate, EVP_PKEY* issuer_key) {
    if (X509_sign(certificate, issuer_key, EVP_sha256()) <= 0) fail("cannot sign the certificate");
}

std::string drain(BIO* bio) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

BioPtr memory_bio() {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio) fail("cannot allocate a memory BIO");
    return bio;
}

BioPtr read_only_bio(std::string_view pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) fail("cannot allocate a memory BIO");
    return bio;
}

PemPair to_pem(X509* certificate, EVP_PKEY* key) {
    auto certificate_bio = memory_bio();
    auto key_bio = memory_bio();
    check(PEM_write_bio_X509(certificate_bio.get(), certificate), "cannot write the certificate as PEM");
    check(PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
          "cannot write the private key as PEM");
    return PemPair{drain(certificate_bio.get()), drain(key_bio.get())};
}

X509Ptr parse_certificate(std::string_view pem) {
    auto bio = read_only_bio(pem);
    X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!certificate) {
        ERR_clear_error();
        throw std::invalid_argument("not a PEM certificate");
    }
    return certificate;
}

KeyPtr parse_private_key(std::string_view pem) {
    auto bio = read_only_bio(pem);
    KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) {
        ERR_clear_error();
        throw std::invalid_argument("not an unencrypted PEM private key");
    }
    return key;
}

}  // namespace

PemPair create_ca(std::string_view common_name) {
    auto key = generate_p256_key();
    auto certificate = new_certificate(common_name, key.get(), kCaValidityDays);
    X509* ca = certificate.get();
    check(X509_set_issuer_name(ca, X509_get_subject_name(ca)), "cannot set the CA issuer");
    add_extension(ca, ca, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_extension(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(ca, ca, NID_subject_key_identifier, "hash");
    sign(ca, key.get());
    return to_pem(ca, key.get());
}

PemPair create_server_certificate(const PemPair& ca, std::string_view common_name,
                                  const std::vector<std::string>& hostnames) {
    if (hostnames.empty()) throw std::invalid_argument("a server certificate needs at least one host name");
    auto ca_certificate = parse_certificate(ca.certificate_pem);
    auto ca_key = parse_private_key(ca.private_key_pem);
    if (X509_check_private_key(ca_certificate.get(), ca_key.get()) != 1) {
        ERR_clear_error();
        throw std::invalid_argument("the CA private key does not belong to the CA certificate");
    }
    if (X509_check_ca(ca_certificate.get()) == 0) {
        throw std::invalid_argument("the CA certificate is not allowed to sign certificates");
    }

    auto key = generate_p256_key();
    auto certificate = new_certificate(common_name, key.get(), kServerValidityDays);
    X509* leaf = certificate.get();
    check(X509_set_issuer_name(leaf, X509_get_subject_name(ca_certificate.get())), "cannot set the issuer");
    add_extension(leaf, ca_certificate.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_extension(leaf, ca_certificate.get(), NID_key_usage, "critical,digitalSignature");
    add_extension(leaf, ca_certificate.get(), NID_ext_key_usage, "serverAuth");
    add_extension(leaf, ca_certificate.get(), NID_subject_key_identifier, "hash");
    add_extension(leaf, ca_certificate.get(), NID_authority_key_identifier, "keyid:always");
    add_subject_alt_names(leaf, hostnames);
    sign(leaf, ca_key.get());
    return to_pem(leaf, key.get());
}

std::string certificate_fingerprint(std::string_view certificate_pem) {
    auto certificate = parse_certificate(certificate_pem);
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (X509_digest(certificate.get(), EVP_sha256(), digest.data(), &length) != 1) fail("cannot hash the certificate");
    return "sha256:" + core::to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

}  // namespace lifeline::net
