// TLS policy for both ends, and the pinned-CA verification that replaces OpenSSL's default chain check.
#include "shared/net/tls.hpp"
#include "shared/net/openssl_handles.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/system_error.hpp>

#include <array>
#include <cctype>
#include <memory>
#include <optional>
#include <stdexcept>

namespace lifeline::net {

namespace asio = boost::asio;

namespace {

// Only consulted for TLS 1.2; TLS 1.3 suites are all AEAD with forward secrecy already.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kGroups = "X25519:P-256:P-384";

using Sha256 = std::array<unsigned char, 32>;

using StorePtr = OpensslPtr<X509_STORE, X509_STORE_free>;
using StoreCtxPtr = OpensslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;

[[noreturn]] void throw_ssl_error(const std::string& what) {
    unsigned long code = ERR_peek_last_error();
    ERR_clear_error();
    boost::system::error_code ec =
        code != 0 ? boost::system::error_code(static_cast<int>(code), asio::error::get_ssl_category())
                  : make_error_code(boost::system::errc::invalid_argument);
    throw boost::system::system_error(ec, what);
}

void apply_common_policy(SSL_CTX* ctx) {
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 || SSL_CTX_set_max_proto_version(ctx, 0) != 1 ||
        SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 || SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
        throw std::runtime_error("cannot apply the TLS policy: " + openssl_errors());
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Sha256 parse_fingerprint(const std::string& text) {
    constexpr std::string_view kPrefix = "sha256:";
    auto invalid = [&] {
        return std::invalid_argument("pinned CA fingerprint must be \"sha256:\" followed by 64 hex digits, got \"" +
                                     text + "\"");
    };
    if (text.size() < kPrefix.size()) throw invalid();
    for (std::size_t i = 0; i < kPrefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[i])) != kPrefix[i]) throw invalid();
    }
    Sha256 digest{};
    std::size_t nibbles = 0;
    for (std::size_t i = kPrefix.size(); i < text.size(); ++i) {
        // Colon-separated hex is what `openssl x509 -fingerprint` prints; accept it as pasted.
        if (text[i] == ':') continue;
        int value = hex_value(text[i]);
        if (value < 0 || nibbles == 2 * digest.size()) throw invalid();
        digest[nibbles / 2] = static_cast<unsigned char>(digest[nibbles / 2] << 4 | value);
        ++nibbles;
    }
    if (nibbles != 2 * digest.size()) throw invalid();
    return digest;
}

bool has_fingerprint(X509* certificate, const Sha256& expected) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    return X509_digest(certificate, EVP_sha256(), digest.data(), &length) == 1 && length == expected.size() &&
           CRYPTO_memcmp(digest.data(), expected.data(), expected.size()) == 0;
}

struct PinnedAnchor {
    Sha256 fingerprint;
    bool also_require_ca;  // a CA was configured too: normal verification, and the pin must be in the chain
};

// Owns the PinnedAnchor attached to an SSL_CTX, so it lives exactly as long as the context.
void free_pinned_anchor(void* /*parent*/, void* pointer, CRYPTO_EX_DATA* /*data*/, int /*index*/, long /*argl*/,
                        void* /*argp*/) {
    delete static_cast<PinnedAnchor*>(pointer);
}

int pinned_anchor_index() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, &free_pinned_anchor);
    return index;
}

// Replaces X509_verify_cert for the whole chain. `context` arrives initialised by libssl with the leaf, the
// presented chain as untrusted certificates, and the connection's parameters (purpose, host or IP, depth).
int verify_with_pin(X509_STORE_CTX* context, void* argument) noexcept {
    const auto& pin = *static_cast<const PinnedAnchor*>(argument);

    if (pin.also_require_ca) {
        if (X509_verify_cert(context) <= 0) return 0;
        STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(context);
        for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
            if (has_fingerprint(sk_X509_value(chain, i), pin.fingerprint)) return 1;
        }
        X509_STORE_CTX_set_error(context, X509_V_ERR_CERT_UNTRUSTED);
        return 0;
    }

    X509* leaf = X509_STORE_CTX_get0_cert(context);
    STACK_OF(X509)* presented = X509_STORE_CTX_get0_untrusted(context);
    X509* anchor = nullptr;
    if (leaf != nullptr && has_fingerprint(leaf, pin.fingerprint)) anchor = leaf;
    for (int i = 0; anchor == nullptr && presented != nullptr && i < sk_X509_num(presented); ++i) {
        if (has_fingerprint(sk_X509_value(presented, i), pin.fingerprint)) anchor = sk_X509_value(presented, i);
    }
    if (leaf == nullptr || anchor == nullptr) {
        X509_STORE_CTX_set_error(context, X509_V_ERR_CERT_UNTRUSTED);
        return 0;
    }

    // A store holding only the pinned certificate: being presented by the peer proves nothing about the others.
    StorePtr store(X509_STORE_new());
    StoreCtxPtr check(X509_STORE_CTX_new());
    if (!store || !check || X509_STORE_add_cert(store.get(), anchor) != 1 ||
        X509_STORE_CTX_init(check.get(), store.get(), leaf, presented) != 1) {
        ERR_clear_error();
        X509_STORE_CTX_set_error(context, X509_V_ERR_OUT_OF_MEM);
        return 0;
    }
    X509_VERIFY_PARAM* parameters = X509_STORE_CTX_get0_param(check.get());
    if (X509_VERIFY_PARAM_set1(parameters, X509_STORE_CTX_get0_param(context)) != 1) {
        ERR_clear_error();
        X509_STORE_CTX_set_error(context, X509_V_ERR_OUT_OF_MEM);
        return 0;
    }
    // The pin may name an intermediate rather than a self-signed root; it is the anchor either way.
    X509_VERIFY_PARAM_set_flags(parameters, X509_V_FLAG_PARTIAL_CHAIN);

    const bool ok = X509_verify_cert(check.get()) > 0;
    X509_STORE_CTX_set_error(context, X509_STORE_CTX_get_error(check.get()));
    X509_STORE_CTX_set_error_depth(context, X509_STORE_CTX_get_error_depth(check.get()));
    X509_STORE_CTX_set_current_cert(context, X509_STORE_CTX_get_current_cert(check.get()));
    if (ok) X509_STORE_CTX_set0_verified_chain(context, X509_STORE_CTX_get1_chain(check.get()));
    return ok ? 1 : 0;
}

void add_ca_pem(SSL_CTX* ctx, const std::string& pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) throw std::runtime_error("cannot read ca_pem: " + openssl_errors());
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    int added = 0;
    ERR_clear_error();
    while (X509Ptr certificate{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
        if (X509_STORE_add_cert(store, certificate.get()) != 1) {
            throw std::runtime_error("cannot add a certificate from ca_pem: " + openssl_errors());
        }
        ++added;
    }
    // Running out of input ends the loop with "no start line"; anything else is a damaged certificate.
    unsigned long last = ERR_peek_last_error();
    if (added == 0 || ERR_GET_LIB(last) != ERR_LIB_PEM || ERR_GET_REASON(last) != PEM_R_NO_START_LINE) {
        throw std::runtime_error("ca_pem does not hold valid PEM certificates: " + openssl_errors());
    }
    ERR_clear_error();
}

}  // namespace

asio::ssl::context make_server_tls_context(const std::string& certificate_chain_file,
                                           const std::string& private_key_file) {
    asio::ssl::context context(asio::ssl::context::tls_server);
    SSL_CTX* ctx = context.native_handle();
    apply_common_policy(ctx);
    SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);

    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(ctx, certificate_chain_file.c_str()) != 1) {
        throw std::runtime_error("cannot load the TLS certificate chain from " + certificate_chain_file + ": " +
                                 openssl_errors());
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, private_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        throw std::runtime_error("cannot load the TLS private key from " + private_key_file + ": " + openssl_errors());
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        throw std::runtime_error("the TLS private key in " + private_key_file +
                                 " does not belong to the certificate in " + certificate_chain_file + ": " +
                                 openssl_errors());
    }
    return context;
}

asio::ssl::context make_client_tls_context(const TlsClientOptions& options) {
    std::optional<Sha256> pin;
    if (!options.pinned_ca_fingerprint.empty()) pin = parse_fingerprint(options.pinned_ca_fingerprint);

    asio::ssl::context context(asio::ssl::context::tls_client);
    SSL_CTX* ctx = context.native_handle();
    apply_common_policy(ctx);

    ERR_clear_error();
    bool have_ca = false;
    if (!options.ca_file.empty()) {
        if (SSL_CTX_load_verify_file(ctx, options.ca_file.c_str()) != 1) {
            throw std::runtime_error("cannot load CA certificates from " + options.ca_file + ": " + openssl_errors());
        }
        have_ca = true;
    }
    if (!options.ca_pem.empty()) {
        add_ca_pem(ctx, options.ca_pem);
        have_ca = true;
    }
    if (!have_ca && !pin && SSL_CTX_set_default_verify_paths(ctx) != 1) {
        throw std::runtime_error("cannot load the system's CA certificates: " + openssl_errors());
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);

    if (pin) {
        auto anchor = std::make_unique<PinnedAnchor>(PinnedAnchor{*pin, have_ca});
        if (SSL_CTX_set_ex_data(ctx, pinned_anchor_index(), anchor.get()) != 1) {
            throw std::runtime_error("cannot attach the pinned CA: " + openssl_errors());
        }
        SSL_CTX_set_cert_verify_callback(ctx, &verify_with_pin, anchor.release());
    }
    return context;
}

void set_verify_host(SSL* ssl, const std::string& host) {
    std::string name = host;
    if (name.size() >= 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
    if (name.empty()) throw std::invalid_argument("empty host name");

    ERR_clear_error();
    boost::system::error_code not_ip;
    auto address = asio::ip::make_address(name, not_ip);
    if (!not_ip) {
        // Bytes rather than text: an IPv6 scope id ("%eth0") means nothing to a certificate.
        X509_VERIFY_PARAM* parameters = SSL_get0_param(ssl);
        int ok = 0;
        if (address.is_v4()) {
            auto bytes = address.to_v4().to_bytes();
            ok = X509_VERIFY_PARAM_set1_ip(parameters, bytes.data(), bytes.size());
        } else {
            auto bytes = address.to_v6().to_bytes();
            ok = X509_VERIFY_PARAM_set1_ip(parameters, bytes.data(), bytes.size());
        }
        if (ok != 1) throw_ssl_error("cannot require IP address " + name + " in the server certificate");
        return;
    }
    if (SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) throw_ssl_error("cannot send SNI for " + name);
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set1_host(ssl, name.c_str()) != 1) throw_ssl_error("cannot require host name " + name);
}

void set_verify_host(asio::ssl::stream<boost::beast::tcp_stream>& stream, const std::string& host) {
    set_verify_host(stream.native_handle(), host);
}

bool is_certificate_rejection(const boost::system::error_code& error) {
    return error.category() == asio::error::get_ssl_category() &&
           ERR_GET_REASON(static_cast<unsigned long>(error.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

std::string openssl_errors() {
    std::string out;
    while (unsigned long code = ERR_get_error()) {
        std::array<char, 256> text{};
        ERR_error_string_n(code, text.data(), text.size());
        if (!out.empty()) out += "; ";
        out += text.data();
    }
    return out.empty() ? "unknown OpenSSL error" : out;
}

std::string probe_ca_fingerprint(const std::string& host, std::uint16_t port, std::chrono::seconds timeout) {
    asio::io_context io;
    asio::ssl::context context(asio::ssl::context::tls_client);
    context.set_verify_mode(asio::ssl::verify_none);  // the point: see what is presented before trusting it
    asio::ssl::stream<boost::beast::tcp_stream> stream(io, context);
    if (!host.empty() && std::isalpha(static_cast<unsigned char>(host.front())) != 0) {
        SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
    }
    asio::ip::tcp::resolver resolver(io);
    auto& transport = boost::beast::get_lowest_layer(stream);
    transport.expires_after(timeout);
    transport.connect(resolver.resolve(host, std::to_string(port)));
    stream.handshake(asio::ssl::stream_base::client);
    STACK_OF(X509)* chain = SSL_get_peer_cert_chain(stream.native_handle());
    const int count = chain == nullptr ? 0 : sk_X509_num(chain);
    if (count == 0) {
        throw boost::system::system_error(asio::error::no_data, "the server presented no certificate");
    }
    X509* last = sk_X509_value(chain, count - 1);
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (X509_digest(last, EVP_sha256(), digest.data(), &length) != 1) {
        throw boost::system::system_error(asio::error::invalid_argument, "cannot hash the certificate");
    }
    boost::system::error_code ignored;
    transport.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "sha256:";
    for (unsigned int i = 0; i < length; ++i) {
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 0xf];
    }
    return out;
}

}  // namespace lifeline::net
