// The relay's PKI and TLS trust modes, down to real handshakes over loopback between our own contexts.
#include "shared/net/pki.hpp"
#include "shared/net/https_client.hpp"
#include "shared/net/openssl_handles.hpp"
#include "shared/net/tls.hpp"

#include "shared/core/ids.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <thread>

namespace lifeline::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;

using StorePtr = OpensslPtr<X509_STORE, X509_STORE_free>;
using StoreCtxPtr = OpensslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using GeneralNamesPtr = OpensslPtr<GENERAL_NAMES, GENERAL_NAMES_free>;
using BasicConstraintsPtr = OpensslPtr<BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free>;

X509Ptr parse(const std::string& pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!certificate) throw std::runtime_error("test: bad PEM");
    return certificate;
}

// X509_verify_cert as a TLS client would run it, with `ca` as the only trust anchor.
bool verifies_against(const std::string& leaf_pem, const std::string& ca_pem) {
    auto leaf = parse(leaf_pem);
    auto ca = parse(ca_pem);
    StorePtr store(X509_STORE_new());
    StoreCtxPtr context(X509_STORE_CTX_new());
    X509_STORE_add_cert(store.get(), ca.get());
    X509_STORE_CTX_init(context.get(), store.get(), leaf.get(), nullptr);
    X509_STORE_CTX_set_purpose(context.get(), X509_PURPOSE_SSL_SERVER);
    return X509_verify_cert(context.get()) == 1;
}

std::vector<std::string> subject_alt_names(X509* certificate) {
    GeneralNamesPtr names(
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)));
    std::vector<std::string> out;
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
        if (name->type == GEN_DNS) {
            const auto* data = reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName));
            out.push_back("DNS:" + std::string(data, static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName))));
        } else if (name->type == GEN_IPADD) {
            const unsigned char* data = ASN1_STRING_get0_data(name->d.iPAddress);
            int length = ASN1_STRING_length(name->d.iPAddress);
            if (length == 4) {
                asio::ip::address_v4::bytes_type bytes;
                std::copy_n(data, 4, bytes.begin());
                out.push_back("IP:" + asio::ip::address_v4(bytes).to_string());
            } else if (length == 16) {
                asio::ip::address_v6::bytes_type bytes;
                std::copy_n(data, 16, bytes.begin());
                out.push_back("IP:" + asio::ip::address_v6(bytes).to_string());
            }
        } else {
            out.push_back("other");
        }
    }
    return out;
}

class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "lifeline-pki-test-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("test: mkdtemp failed");
        path_ = pattern;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }

    std::string write(const std::string& name, const std::string& content) const {
        auto file = path_ / name;
        std::ofstream(file, std::ios::binary) << content;
        return file.string();
    }

private:
    fs::path path_;
};

// A tiny HTTPS server on 127.0.0.1 that answers every request with 200 "ok", on its own thread.
class TestServer {
public:
    // `close_after_response`: drop the connection after each answer, without telling the client.
    TestServer(const std::string& chain_file, const std::string& key_file, bool close_after_response = false)
        : tls_(make_server_tls_context(chain_file, key_file)),
          acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
          close_after_response_(close_after_response) {
        asio::co_spawn(io_, accept_loop(), asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;
    ~TestServer() {
        io_.stop();
        thread_.join();
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    int connections() const { return connections_; }
    int closed() const { return closed_; }

private:
    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto socket = co_await acceptor_.async_accept(asio::use_awaitable);
            socket.set_option(tcp::no_delay(true));
            ++connections_;
            asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
        }
    }

    asio::awaitable<void> serve(tcp::socket socket) {
        constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
        asio::ssl::stream<beast::tcp_stream> stream(std::move(socket), tls_);
        auto [handshake_error] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
        beast::flat_buffer buffer;
        while (!handshake_error) {
            http::request<http::string_body> request;
            auto [read_error, read] = co_await http::async_read(stream, buffer, request, kTuple);
            if (read_error) break;
            if (request.target() == "/silent") {
                // Never answers: waits for the client to give up (it sends nothing more).
                co_await http::async_read(stream, buffer, request, kTuple);
                break;
            }
            http::response<http::string_body> response{http::status::ok, 11};
            response.set(http::field::content_type, "text/plain");
            response.set("X-Method", request.method_string());
            response.body() = "ok";
            response.keep_alive(request.keep_alive());
            response.prepare_payload();
            auto [write_error, written] = co_await http::async_write(stream, response, kTuple);
            if (write_error || !response.keep_alive() || close_after_response_) break;
        }
        if (!handshake_error && !close_after_response_) co_await stream.async_shutdown(kTuple);
        beast::error_code ignored;
        beast::get_lowest_layer(stream).socket().close(ignored);
        ++closed_;
    }

    asio::io_context io_{1};
    asio::ssl::context tls_;
    tcp::acceptor acceptor_;
    bool close_after_response_;
    std::atomic<int> connections_{0};
    std::atomic<int> closed_{0};
    std::thread thread_;
};

const std::vector<std::string> kHostnames = {"localhost", "127.0.0.1", "::1", "relay.example.test"};

// A CA, a server certificate from it, and the server's files; the chain file carries the CA like `init` writes.
struct Pki {
    explicit Pki(const std::vector<std::string>& hostnames = kHostnames, bool chain_includes_ca = true)
        : ca(create_ca("Test CA")), server(create_server_certificate(ca, "relay.example.test", hostnames)) {
        chain_file = dir.write("server.pem", server.certificate_pem + (chain_includes_ca ? ca.certificate_pem : ""));
        key_file = dir.write("server.key", server.private_key_pem);
    }

    TempDir dir;
    PemPair ca;
    PemPair server;
    std::string chain_file;
    std::string key_file;
};

TlsClientOptions trust_ca(const std::string& pem) {
    TlsClientOptions options;
    options.ca_pem = pem;
    return options;
}

TlsClientOptions trust_pin(const std::string& fingerprint) {
    TlsClientOptions options;
    options.pinned_ca_fingerprint = fingerprint;
    return options;
}

// One GET over a fresh connection; throws what HttpsClient throws.
HttpResponse get_root(std::uint16_t port, const TlsClientOptions& tls) {
    HttpsClient client("127.0.0.1", port, tls);
    return client.request("GET", "/");
}

// The handshake must fail because the client refused the certificate, not for some incidental reason.
void expect_certificate_rejected(std::uint16_t port, const TlsClientOptions& tls) {
    try {
        get_root(port, tls);
        ADD_FAILURE() << "the handshake succeeded";
    } catch (const boost::system::system_error& e) {
        EXPECT_NE(std::string(e.what()).find("server certificate"), std::string::npos) << e.what();
    }
}

TEST(Pki, ca_is_a_self_signed_p256_ca_limited_to_end_entities) {
    auto ca = parse(create_ca("Lifeline relay CA").certificate_pem);
    EXPECT_EQ(X509_self_signed(ca.get(), 1), 1);
    EXPECT_NE(X509_check_ca(ca.get()), 0);

    int critical = 0;
    BasicConstraintsPtr constraints(
        static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(ca.get(), NID_basic_constraints, &critical, nullptr)));
    ASSERT_TRUE(constraints);
    EXPECT_EQ(critical, 1);
    EXPECT_NE(constraints->ca, 0);
    ASSERT_NE(constraints->pathlen, nullptr);
    EXPECT_EQ(ASN1_INTEGER_get(constraints->pathlen), 0);

    EXPECT_EQ(X509_get_key_usage(ca.get()), static_cast<std::uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
    EXPECT_NE(X509_get0_subject_key_id(ca.get()), nullptr);
    EXPECT_EQ(X509_get_signature_nid(ca.get()), NID_ecdsa_with_SHA256);
    EVP_PKEY* key = X509_get0_pubkey(ca.get());
    ASSERT_NE(key, nullptr);
    std::array<char, 64> group{};
    ASSERT_EQ(EVP_PKEY_get_group_name(key, group.data(), group.size(), nullptr), 1);
    EXPECT_STREQ(group.data(), "prime256v1");

    int days = 0;
    int seconds = 0;
    ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(ca.get()), X509_get0_notAfter(ca.get())), 1);
    EXPECT_GE(days, 3650);
    EXPECT_LE(days, 3651);
}

TEST(Pki, serials_are_random_and_about_128_bits) {
    auto a = parse(create_ca("A").certificate_pem);
    auto b = parse(create_ca("A").certificate_pem);
    EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(a.get()), X509_get0_serialNumber(b.get())), 0);
    OpensslPtr<BIGNUM, BN_free> serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(a.get()), nullptr));
    EXPECT_GT(BN_num_bits(serial.get()), 96);
    EXPECT_LE(BN_num_bits(serial.get()), 128);
}

TEST(Pki, server_certificate_verifies_against_its_ca_and_no_other) {
    auto ca = create_ca("Test CA");
    auto other_ca = create_ca("Test CA");  // same name, different key
    auto server = create_server_certificate(ca, "relay", kHostnames);
    EXPECT_TRUE(verifies_against(server.certificate_pem, ca.certificate_pem));
    EXPECT_FALSE(verifies_against(server.certificate_pem, other_ca.certificate_pem));

    auto leaf = parse(server.certificate_pem);
    EXPECT_EQ(X509_check_ca(leaf.get()), 0);
    EXPECT_EQ(X509_check_purpose(leaf.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
    EXPECT_EQ(X509_get_key_usage(leaf.get()), static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE));
    EXPECT_EQ(X509_get_extended_key_usage(leaf.get()), static_cast<std::uint32_t>(XKU_SSL_SERVER));
    EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(leaf.get()),
                                    X509_get0_subject_key_id(parse(ca.certificate_pem).get())),
              0);
    int days = 0;
    int seconds = 0;
    ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(leaf.get()), X509_get0_notAfter(leaf.get())), 1);
    EXPECT_EQ(days, 825);
}

TEST(Pki, server_certificate_names_each_host_as_dns_or_ip) {
    auto ca = create_ca("Test CA");
    auto leaf = parse(create_server_certificate(ca, "relay", kHostnames).certificate_pem);
    EXPECT_EQ(subject_alt_names(leaf.get()),
              (std::vector<std::string>{"DNS:localhost", "IP:127.0.0.1", "IP:::1", "DNS:relay.example.test"}));
}

TEST(Pki, server_certificate_refuses_names_that_are_neither_host_nor_ip) {
    auto ca = create_ca("Test CA");
    EXPECT_THROW(create_server_certificate(ca, "relay", {"relay.example.test,DNS:evil.example"}),
                 std::invalid_argument);
    EXPECT_THROW(create_server_certificate(ca, "relay", {""}), std::invalid_argument);
    EXPECT_THROW(create_server_certificate(ca, "relay", {}), std::invalid_argument);
}

TEST(Pki, server_certificate_needs_a_matching_ca_key) {
    auto ca = create_ca("Test CA");
    auto other = create_ca("Other CA");
    EXPECT_THROW(create_server_certificate({ca.certificate_pem, other.private_key_pem}, "relay", kHostnames),
                 std::invalid_argument);
    EXPECT_THROW(create_server_certificate({"garbage", ca.private_key_pem}, "relay", kHostnames),
                 std::invalid_argument);
}

TEST(Pki, fingerprint_is_sha256_over_the_der) {
    auto ca = create_ca("Test CA");
    auto fingerprint = certificate_fingerprint(ca.certificate_pem);
    ASSERT_EQ(fingerprint.size(), 7u + 64u) << fingerprint;
    EXPECT_TRUE(fingerprint.starts_with("sha256:")) << fingerprint;
    EXPECT_EQ(fingerprint.find_first_not_of("0123456789abcdef", 7), std::string::npos) << fingerprint;

    auto certificate = parse(ca.certificate_pem);
    unsigned char* der = nullptr;
    int length = i2d_X509(certificate.get(), &der);
    ASSERT_GT(length, 0);
    std::string der_bytes(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
    OPENSSL_free(der);
    EXPECT_EQ(fingerprint, "sha256:" + core::sha256_hex(der_bytes));
    EXPECT_NE(fingerprint, certificate_fingerprint(create_ca("Test CA").certificate_pem));
}

TEST(Pki, fingerprint_of_garbage_throws) {
    EXPECT_THROW(certificate_fingerprint("not a certificate"), std::invalid_argument);
    EXPECT_THROW(certificate_fingerprint(""), std::invalid_argument);
}

TEST(TlsHandshake, succeeds_with_the_ca_given_inline) {
    Pki pki;
    TestServer server(pki.chain_file, pki.key_file);
    auto response = get_root(server.port(), trust_ca(pki.ca.certificate_pem));
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(response.body, "ok");
}

TEST(TlsHandshake, succeeds_with_the_ca_file) {
    Pki pki;
    TestServer server(pki.chain_file, pki.key_file);
    auto ca_file = pki.dir.write("ca.pem", pki.ca.certificate_pem);
    EXPECT_EQ(get_root(server.port(), TlsClientOptions{ca_file, "", ""}).status, 200u);
}

TEST(TlsHandshake, succeeds_with_the_pinned_ca_fingerprint) {
    Pki pki;
    TestServer server(pki.chain_file, pki.key_file);
    auto pin = certificate_fingerprint(pki.ca.certificate_pem);
    EXPECT_EQ(get_root(server.port(), trust_pin(pin)).status, 200u);

    // As pasted from `openssl x509 -fingerprint`: upper case with colons.
    std::string pasted = "SHA256:";
    for (std::size_t i = 7; i < pin.size(); i += 2) {
        if (i > 7) pasted += ':';
        pasted += static_cast<char>(std::toupper(static_cast<unsigned char>(pin[i])));
        pasted += static_cast<char>(std::toupper(static_cast<unsigned char>(pin[i + 1])));
    }
    EXPECT_EQ(get_root(server.port(), trust_pin(pasted)).status, 200u);
}

TEST(TlsHandshake, fails_with_a_wrong_fingerprint) {
    Pki pki;
    TestServer server(pki.chain_file, pki.key_file);
    auto wrong = certificate_fingerprint(create_ca("Test CA").certificate_pem);
    expect_certificate_rejected(server.port(), trust_pin(wrong));
    expect_certificate_rejected(server.port(), trust_pin("sha256:" + std::string(64, '0')));
}

TEST(TlsHandshake, fails_with_a_different_ca) {
    Pki pki;
    TestServer server(pki.chain_file, pki.key_file);
    auto other = create_ca("Test CA");
    expect_certificate_rejected(server.port(), trust_ca(other.certificate_pem));
}

TEST(TlsHandshake, pinned_ca_must_have_signed_the_leaf) {
    // An impostor presents its own leaf and appends the genuine CA certificate, which is public.
    Pki genuine;
    auto impostor_ca = create_ca("Test CA");
    auto impostor = create_server_certificate(impostor_ca, "relay.example.test", kHostnames);
    TempDir dir;
    auto chain =
        dir.write("chain.pem", impostor.certificate_pem + impostor_ca.certificate_pem + genuine.ca.certificate_pem);
    auto key = dir.write("key.pem", impostor.private_key_pem);
    TestServer server(chain, key);
    auto pin = certificate_fingerprint(genuine.ca.certificate_pem);
    expect_certificate_rejected(server.port(), trust_pin(pin));
}

TEST(TlsHandshake, pinned_ca_must_be_in_the_presented_chain) {
    Pki pki(kHostnames, false);
    TestServer server(pki.chain_file, pki.key_file);
    auto pin = certificate_fingerprint(pki.ca.certificate_pem);
    expect_certificate_rejected(server.port(), trust_pin(pin));
    // The same server is fine for a client that has the CA itself.
    EXPECT_EQ(get_root(server.port(), trust_ca(pki.ca.certificate_pem)).status, 200u);
}

TEST(TlsHandshake, certificate_must_name_the_address_dialled) {
    Pki pki({"localhost", "relay.example.test"});
    TestServer server(pki.chain_file, pki.key_file);
    expect_certificate_rejected(server.port(), trust_ca(pki.ca.certificate_pem));
    auto pin = certificate_fingerprint(pki.ca.certificate_pem);
    expect_certificate_rejected(server.port(), trust_pin(pin));
}

TEST(TlsHandshake, ca_and_pin_together_must_both_hold) {
    Pki pki;
    TestServer server(pki.chain_file, pki.key_file);
    auto pin = certificate_fingerprint(pki.ca.certificate_pem);
    auto other_pin = certificate_fingerprint(create_ca("Other").certificate_pem);
    EXPECT_EQ(get_root(server.port(), TlsClientOptions{"", pki.ca.certificate_pem, pin}).status, 200u);
    expect_certificate_rejected(server.port(), TlsClientOptions{"", pki.ca.certificate_pem, other_pin});
}

TEST(TlsClientContext, rejects_malformed_fingerprints) {
    const std::vector<std::string> malformed = {"sha256:abc", "md5:" + std::string(64, 'a'), std::string(64, 'a'),
                                                "sha256:" + std::string(63, 'a') + "g",
                                                "sha256:" + std::string(66, 'a')};
    for (const auto& bad : malformed) {
        EXPECT_THROW(make_client_tls_context(trust_pin(bad)), std::invalid_argument) << bad;
    }
}

TEST(TlsServerContext, names_the_file_it_cannot_load) {
    Pki pki;
    try {
        make_server_tls_context(pki.chain_file, "/nonexistent/server.key");
        FAIL() << "expected an exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/server.key"), std::string::npos) << e.what();
    }
    auto wrong_key = pki.dir.write("wrong.key", pki.ca.private_key_pem);
    EXPECT_THROW(make_server_tls_context(pki.chain_file, wrong_key), std::runtime_error);
}

TEST(HttpsClient, reuses_one_connection_for_consecutive_requests) {
    Pki pki;
    TestServer server(pki.chain_file, pki.key_file);
    HttpsClient client("127.0.0.1", server.port(), trust_ca(pki.ca.certificate_pem));
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(client.request("GET", "/").status, 200u);
    EXPECT_EQ(server.connections(), 1);
}

TEST(HttpsClient, reconnects_when_the_server_dropped_the_idle_connection) {
    Pki pki;
    TestServer server(pki.chain_file, pki.key_file, true);
    HttpsClient client("127.0.0.1", server.port(), trust_ca(pki.ca.certificate_pem));
    EXPECT_EQ(client.request("POST", "/", R"({"n":1})").status, 200u);
    for (int i = 0; i < 500 && server.closed() < 1; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(server.closed(), 1);
    EXPECT_EQ(client.request("POST", "/", R"({"n":2})").status, 200u);
    EXPECT_EQ(server.connections(), 2);
}

TEST(HttpsClient, exposes_status_headers_and_body) {
    Pki pki;
    TestServer server(pki.chain_file, pki.key_file);
    HttpsClient client("127.0.0.1", server.port(), trust_ca(pki.ca.certificate_pem));
    auto response = client.request("DELETE", "/thing");
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(response.body, "ok");
    EXPECT_EQ(response.content_type, "text/plain");
    EXPECT_EQ(response.header("x-method"), "DELETE");
    EXPECT_EQ(response.header("Content-Length"), "2");
    EXPECT_EQ(response.header("X-Absent"), "");
}

TEST(HttpsClient, interrupt_from_another_thread_ends_a_wait_on_a_silent_server) {
    Pki pki;
    TestServer server(pki.chain_file, pki.key_file);
    HttpsClient client("127.0.0.1", server.port(), trust_ca(pki.ca.certificate_pem));
    ASSERT_EQ(client.request("GET", "/").status, 200u);
    auto waiting = std::async(std::launch::async, [&] {
        try {
            client.download("/silent", {}, 1 << 20, [](std::string_view, std::uint64_t) { return true; });
            return std::string("answered");
        } catch (const boost::system::system_error& e) {
            return std::string(e.code() == asio::error::operation_aborted ? "aborted" : e.what());
        }
    });
    // Interrupting before the read starts or during it both end it: the step timeout (30 s) is not waited out.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    client.interrupt();
    ASSERT_EQ(waiting.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(waiting.get(), "aborted");
    EXPECT_EQ(client.request("GET", "/").status, 200u) << "the next request reconnects";
}

TEST(HttpsClient, refuses_header_injection) {
    HttpsClient client("127.0.0.1", 9, trust_ca(create_ca("Test CA").certificate_pem));
    EXPECT_THROW(client.request("GET", "/", {}, "token\r\nX-Evil: 1"), std::invalid_argument);
    EXPECT_THROW(client.request("GET", "/", {}, {}, {{"X-Ok", "a\nb"}}), std::invalid_argument);
}

}  // namespace
}  // namespace lifeline::net
