// Lifeline's expected-failure vocabulary: an error code plus a human message, and Result<T> built on it.
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace lifeline::core {

// Expected failures. Each maps to one HTTP status and one protocol error code.
enum class Errc {
    invalid_argument,   // malformed or semantically bad input
    unauthenticated,    // missing, wrong or expired credentials
    permission_denied,  // authenticated, but the role does not allow it
    not_found,
    conflict,  // the resource is in a state that forbids the change
    already_exists,
    too_many_requests,  // throttled
    payload_too_large,
    unavailable,  // shutting down, or a dependency is down
};

// Stable snake_case name used in JSON error bodies and protocol error frames.
std::string_view errc_name(Errc code);

struct Error {
    Errc code;
    std::string message;
};

template <class T>
using Result = boost::system::result<T, Error>;

// Thrown by Result<T>::value() on an error: a bug or a boundary that chose not to look.
class ErrorException : public std::runtime_error {
public:
    explicit ErrorException(Error error);
    const Error& error() const noexcept { return error_; }

private:
    Error error_;
};

[[noreturn]] void throw_exception_from_error(const Error& error, const boost::source_location& location);

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace lifeline::core
