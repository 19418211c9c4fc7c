// unique_ptr ownership for OpenSSL handles, and OpenSSL's error queue as one readable line.
#pragma once

#include <openssl/bio.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace lifeline::net {

template <auto Free>
struct OpensslDeleter {
    template <class T>
    void operator()(T* handle) const noexcept {
        Free(handle);
    }
};
template <class T, auto Free>
using OpensslPtr = std::unique_ptr<T, OpensslDeleter<Free>>;

using X509Ptr = OpensslPtr<X509, X509_free>;
using BioPtr = OpensslPtr<BIO, BIO_free>;

// Drains OpenSSL's thread-local error queue into one line, so the next call starts clean.
std::string openssl_errors();

}  // namespace lifeline::net
