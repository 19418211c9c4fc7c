// Names and exception plumbing for core::Error.
#include "shared/core/error.hpp"

namespace lifeline::core {

std::string_view errc_name(Errc code) {
    switch (code) {
        case Errc::invalid_argument: return "invalid_argument";
        case Errc::unauthenticated: return "unauthenticated";
        case Errc::permission_denied: return "permission_denied";
        case Errc::not_found: return "not_found";
        case Errc::conflict: return "conflict";
        case Errc::already_exists: return "already_exists";
        case Errc::too_many_requests: return "too_many_requests";
        case Errc::payload_too_large: return "payload_too_large";
        case Errc::unavailable: return "unavailable";
    }
    return "unknown";
}

ErrorException::ErrorException(Error error)
    : std::runtime_error(std::string(errc_name(error.code)) + ": " + error.message), error_(std::move(error)) {}

void throw_exception_from_error(const Error& error, const boost::source_location&) { throw ErrorException(error); }

}  // namespace lifeline::core
