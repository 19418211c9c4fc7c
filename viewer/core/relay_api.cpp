// RelayApi: the relay's session, ticket and helpdesk routes as blocking JSON calls, with the relay's error messages
// passed through.
#include "viewer/core/session_client.hpp"

#include "shared/net/ws_client.hpp"

#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <boost/system/system_error.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <exception>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

namespace lifeline::viewer {

namespace {

using core::Errc;

constexpr std::size_t kMaxQuotedBody = 200;

core::Error invalid(std::string message) { return core::make_error(Errc::invalid_argument, std::move(message)); }

Errc errc_for_status(unsigned status) {
    switch (status) {
        case 400: return Errc::invalid_argument;
        case 401: return Errc::unauthenticated;
        case 403: return Errc::permission_denied;
        case 404: return Errc::not_found;
        case 409: return Errc::conflict;
        case 413: return Errc::payload_too_large;
        case 429: return Errc::too_many_requests;
        default: return Errc::unavailable;
    }
}

// The relay's {"error":{"code","message"}} as our error; any other body is quoted (shortened).
core::Error relay_error(unsigned status, const std::string& body) {
    v1::ErrorResponse parsed;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    if (google::protobuf::util::JsonStringToMessage(body, &parsed, options).ok() && parsed.has_error() &&
        !parsed.error().message().empty()) {
        Errc code = errc_for_status(status);
        for (Errc candidate :
             {Errc::invalid_argument, Errc::unauthenticated, Errc::permission_denied, Errc::not_found, Errc::conflict,
              Errc::already_exists, Errc::too_many_requests, Errc::payload_too_large, Errc::unavailable}) {
            if (core::errc_name(candidate) == parsed.error().code()) code = candidate;
        }
        return core::make_error(code, parsed.error().message());
    }
    std::string quoted = body.substr(0, kMaxQuotedBody);
    return core::make_error(errc_for_status(status), "the relay answered " + std::to_string(status) +
                                                         (quoted.empty() ? std::string() : ": " + quoted));
}

std::string to_json(const google::protobuf::Message& message) {
    std::string out;
    if (!google::protobuf::util::MessageToJsonString(message, &out).ok()) {
        throw std::logic_error("cannot encode " + message.GetTypeName() + " as JSON");
    }
    return out;
}

template <class Message>
core::Result<Message> parse_answer(const std::string& body) {
    Message message;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;  // a newer relay may add fields
    if (!google::protobuf::util::JsonStringToMessage(body, &message, options).ok()) {
        return core::make_error(Errc::unavailable, "the relay's answer is not a " + message.GetTypeName() + ": " +
                                                       body.substr(0, kMaxQuotedBody));
    }
    return message;
}

// `path` with URL parameters the caller encoded; nothing that could end the request line or start a fragment.
core::Result<std::string> with_query(const std::string& path, const std::string& query) {
    if (query.find_first_of("#\r\n ") != std::string::npos) return invalid("not a query: \"" + query + "\"");
    return query.empty() ? path : path + "?" + query;
}

// A call's answer, parsed; the call's error as it is.
template <class Message>
core::Result<Message> parsed(const core::Result<std::string>& answer) {
    if (!answer) return answer.error();
    return parse_answer<Message>(*answer);
}

}  // namespace

bool is_path_token(const std::string& text) {
    return !text.empty() && text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

core::Result<RelayEndpoint> parse_relay_url(std::string_view url) {
    auto bad = [&] {
        return invalid("the relay URL must look like https://HOST:PORT, got \"" + std::string(url) + "\"");
    };
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed || parsed->scheme() != "https" || !parsed->has_authority() || parsed->encoded_host().empty() ||
        parsed->has_userinfo() || parsed->has_query() || parsed->has_fragment() ||
        (!parsed->encoded_path().empty() && parsed->encoded_path() != "/")) {
        return bad();
    }
    RelayEndpoint endpoint;
    endpoint.host = std::string(parsed->encoded_host_address());
    if (parsed->has_port()) {
        std::string_view port = parsed->port();
        unsigned value = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) return bad();
        endpoint.port = static_cast<std::uint16_t>(value);
    }
    return endpoint;
}

RelayApi::RelayApi(RelayEndpoint relay, net::HttpsClient http) : relay_(std::move(relay)), http_(std::move(http)) {}

core::Result<RelayApi> RelayApi::create(RelayEndpoint relay) {
    try {
        net::HttpsClient http(relay.host, relay.port, relay.tls);
        return RelayApi(std::move(relay), std::move(http));
    } catch (const std::exception& error) {
        return invalid(std::string("cannot use the relay's trust settings: ") + error.what());
    }
}

namespace {

core::Error relay_unreachable(const RelayEndpoint& relay, const boost::system::system_error& error) {
    const std::string where = net::host_and_port(relay.host, relay.port);
    if (net::is_certificate_rejection(error.code())) {
        return core::make_error(Errc::unauthenticated,
                                "the relay at " + where +
                                    " presented a certificate that does not match the configured CA; refusing "
                                    "to talk to it");
    }
    return core::make_error(Errc::unavailable, "cannot reach the relay at " + where + ": " + error.what());
}

}  // namespace

core::Result<std::string> RelayApi::call(std::string_view method, const std::string& target, const std::string& body,
                                         unsigned expected_status) {
    net::HttpResponse response;
    try {
        response = http_.request(method, "/api/v1" + target, body, token_);
    } catch (const boost::system::system_error& error) {
        return relay_unreachable(relay_, error);
    }
    if (response.status != expected_status) return relay_error(response.status, response.body);
    return std::move(response.body);
}

core::Result<v1::Session> RelayApi::session_call(std::string_view method, const std::string& target,
                                                 const std::string& body, unsigned expected_status) {
    return parsed<v1::Session>(call(method, target, body, expected_status));
}

core::Result<v1::LoginResponse> RelayApi::sign_in(const std::string& username, const std::string& password) {
    v1::LoginRequest request;
    request.set_username(username);
    request.set_password(password);
    const std::string saved = std::exchange(token_, std::string());  // a stale token must not ride along
    auto answer = call("POST", "/auth/login", to_json(request), 200);
    if (!answer) {
        token_ = saved;
        return answer.error();
    }
    auto login = parse_answer<v1::LoginResponse>(*answer);
    if (!login) {
        token_ = saved;
        return login.error();
    }
    token_ = login->token();
    return login;
}

core::Result<v1::Session> RelayApi::request_session(const std::string& ticket_number, v1::SessionMode mode,
                                                    std::optional<int> monitor) {
    if (!is_path_token(ticket_number)) return invalid("not a ticket number: \"" + ticket_number + "\"");
    if (mode != v1::VIEW && mode != v1::CONTROL) return invalid("a session is VIEW or CONTROL");
    if (monitor && *monitor < 0) return invalid("a monitor is an index from 0");
    v1::CreateSessionRequest request;
    request.set_mode(mode);
    if (monitor) request.set_monitor(*monitor);
    return session_call("POST", "/tickets/" + ticket_number + "/sessions", to_json(request), 201);
}

core::Result<v1::Session> RelayApi::get_session(const std::string& session_id) {
    if (!is_path_token(session_id)) return invalid("not a session id: \"" + session_id + "\"");
    return session_call("GET", "/sessions/" + session_id, {}, 200);
}

core::Result<v1::Session> RelayApi::wait_for_answer(const std::string& session_id, std::chrono::milliseconds timeout,
                                                    std::chrono::milliseconds interval) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto session = get_session(session_id);
        if (!session || session->state() != v1::Session::REQUESTED) return session;
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return session;
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(interval, deadline - now));
    }
}

core::Result<v1::Session> RelayApi::end_session(const std::string& session_id, const std::string& reason) {
    if (!is_path_token(session_id)) return invalid("not a session id: \"" + session_id + "\"");
    v1::EndSessionRequest request;
    request.set_reason(reason);
    return session_call("POST", "/sessions/" + session_id + "/end", reason.empty() ? std::string() : to_json(request),
                        200);
}

core::Result<v1::Session> RelayApi::request_upgrade(const std::string& session_id) {
    if (!is_path_token(session_id)) return invalid("not a session id: \"" + session_id + "\"");
    return session_call("POST", "/sessions/" + session_id + "/upgrade", {}, 202);
}

core::Result<std::string> RelayApi::ticket_call(std::string_view method, const std::string& number,
                                                const std::string& suffix, const std::string& body,
                                                unsigned expected_status) {
    if (!is_path_token(number)) return invalid("not a ticket number: \"" + number + "\"");
    return call(method, "/tickets/" + number + suffix, body, expected_status);
}

core::Result<v1::TicketPage> RelayApi::list_tickets(const std::string& query) {
    auto target = with_query("/tickets", query);
    if (!target) return target.error();
    return parsed<v1::TicketPage>(call("GET", *target, {}, 200));
}

core::Result<v1::Ticket> RelayApi::get_ticket(const std::string& number) {
    return parsed<v1::Ticket>(ticket_call("GET", number, {}, {}, 200));
}

core::Result<v1::Timeline> RelayApi::timeline(const std::string& number) {
    return parsed<v1::Timeline>(ticket_call("GET", number, "/timeline", {}, 200));
}

core::Result<v1::Ticket> RelayApi::claim(const std::string& number) {
    return parsed<v1::Ticket>(ticket_call("POST", number, "/claim", {}, 200));
}

core::Result<v1::Ticket> RelayApi::change_status(const std::string& number, v1::Ticket::Status status,
                                                 const std::string& note) {
    v1::ChangeStatusRequest request;
    request.set_status(status);
    request.set_note(note);
    return parsed<v1::Ticket>(ticket_call("POST", number, "/status", to_json(request), 200));
}

core::Result<v1::Comment> RelayApi::add_comment(const std::string& number, const std::string& body, bool internal) {
    v1::AddCommentRequest request;
    request.set_body(body);
    request.set_internal(internal);
    return parsed<v1::Comment>(ticket_call("POST", number, "/comments", to_json(request), 201));
}

core::Result<v1::Ticket> RelayApi::update_ticket(const std::string& number, const v1::UpdateTicketRequest& change) {
    return parsed<v1::Ticket>(ticket_call("PATCH", number, {}, to_json(change), 200));
}

core::Result<v1::AttachmentList> RelayApi::attachments(const std::string& number) {
    return parsed<v1::AttachmentList>(ticket_call("GET", number, "/attachments", {}, 200));
}

core::Result<std::string> RelayApi::download_attachment(const std::string& number, std::int64_t id) {
    if (id <= 0) return invalid("not an attachment id: " + std::to_string(id));
    return ticket_call("GET", number, "/attachments/" + std::to_string(id), {}, 200);
}

core::Result<v1::ChatList> RelayApi::chat(const std::string& number) {
    return parsed<v1::ChatList>(ticket_call("GET", number, "/chat", {}, 200));
}

core::Result<v1::ChatMessage> RelayApi::send_chat(const std::string& number, const std::string& text) {
    v1::SendChatRequest request;
    request.set_text(text);
    return parsed<v1::ChatMessage>(ticket_call("POST", number, "/chat", to_json(request), 201));
}

core::Result<v1::GroupList> RelayApi::groups() { return parsed<v1::GroupList>(call("GET", "/groups", {}, 200)); }

core::Result<v1::CategoryList> RelayApi::categories() {
    return parsed<v1::CategoryList>(call("GET", "/categories", {}, 200));
}

core::Result<v1::Ticket> RelayApi::assign(const std::string& number, const std::string& assignee) {
    v1::AssignRequest request;
    request.set_assignee(assignee);
    return parsed<v1::Ticket>(ticket_call("POST", number, "/assign", to_json(request), 200));
}

core::Result<v1::Ticket> RelayApi::escalate(const std::string& number, const std::string& group,
                                            const std::string& reason) {
    v1::EscalateRequest request;
    request.set_group(group);
    request.set_reason(reason);
    return parsed<v1::Ticket>(ticket_call("POST", number, "/escalate", to_json(request), 200));
}

core::Result<v1::Ticket> RelayApi::record_rating(const std::string& number, int rating, const std::string& comment) {
    v1::SatisfactionRequest request;
    request.set_rating(rating);
    request.set_comment(comment);
    return parsed<v1::Ticket>(ticket_call("POST", number, "/satisfaction", to_json(request), 200));
}

core::Result<v1::Device> RelayApi::get_device(const std::string& device_id) {
    if (!is_path_token(device_id)) return invalid("not a device id: \"" + device_id + "\"");
    return parsed<v1::Device>(call("GET", "/agents/" + device_id, {}, 200));
}

core::Result<v1::SessionList> RelayApi::list_sessions(const std::string& query) {
    auto target = with_query("/sessions", query);
    if (!target) return target.error();
    return parsed<v1::SessionList>(call("GET", *target, {}, 200));
}

core::Result<v1::AuditPage> RelayApi::audit(const std::string& query) {
    auto target = with_query("/audit", query);
    if (!target) return target.error();
    return parsed<v1::AuditPage>(call("GET", *target, {}, 200));
}

core::Result<std::string> RelayApi::audit_csv(const std::string& query) {
    auto target = with_query("/audit", query.empty() ? "format=csv" : query + "&format=csv");
    if (!target) return target.error();
    return call("GET", *target, {}, 200);
}

core::Result<v1::AuditVerification> RelayApi::verify_audit() {
    return parsed<v1::AuditVerification>(call("GET", "/audit/verify", {}, 200));
}

core::Result<v1::Report> RelayApi::report(const std::string& name, const std::string& query) {
    if (!is_path_token(name)) return invalid("not a report name: \"" + name + "\"");
    auto target = with_query("/reports/" + name, query);
    if (!target) return target.error();
    return parsed<v1::Report>(call("GET", *target, {}, 200));
}

namespace {

// The file a recording streams into, with the digest of what went in; removed unless kept.
class RecordingFile {
public:
    explicit RecordingFile(std::string path) : path_(std::move(path)), digest_(EVP_MD_CTX_new()) {}
    RecordingFile(const RecordingFile&) = delete;
    RecordingFile& operator=(const RecordingFile&) = delete;
    ~RecordingFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!kept_) ::unlink(path_.c_str());
        EVP_MD_CTX_free(digest_);
    }

    core::Result<void> open() {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd_ < 0) return failed("cannot create");
        if (digest_ == nullptr || EVP_DigestInit_ex(digest_, EVP_sha256(), nullptr) != 1) {
            return core::make_error(Errc::unavailable, "SHA-256 is not available");
        }
        return {};
    }
    core::Result<void> write(std::string_view bytes) {
        EVP_DigestUpdate(digest_, bytes.data(), bytes.size());
        while (!bytes.empty()) {
            const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return failed("cannot write");
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return {};
    }
    core::Result<void> close() {
        const int fd = std::exchange(fd_, -1);
        if (::close(fd) != 0) return failed("cannot write");
        return {};
    }
    std::string sha256_hex() {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        EVP_DigestFinal_ex(digest_, digest, &length);
        static constexpr char kHex[] = "0123456789abcdef";
        std::string hex;
        for (unsigned int i = 0; i < length; ++i) {
            hex += kHex[digest[i] >> 4];
            hex += kHex[digest[i] & 0xF];
        }
        return hex;
    }
    void keep() { kept_ = true; }

private:
    core::Error failed(const char* what) const {
        return core::make_error(Errc::unavailable,
                                std::string(what) + " " + path_ + ": " + std::system_category().message(errno));
    }

    std::string path_;
    int fd_ = -1;
    EVP_MD_CTX* digest_;
    bool kept_ = false;
};

std::string lower_case(std::string text) {
    for (char& c : text)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

}  // namespace

core::Result<std::uint64_t> RelayApi::download_recording(const std::string& session_id, const std::string& path,
                                                         const DownloadProgress& progress, std::uint64_t max_bytes) {
    if (!is_path_token(session_id)) return invalid("not a session id: \"" + session_id + "\"");
    RecordingFile file(path);
    if (auto opened = file.open(); !opened) return opened.error();
    std::optional<core::Error> write_error;
    std::uint64_t received = 0;
    net::HttpDownload download;
    try {
        download = http_.download("/api/v1/sessions/" + session_id + "/recording", token_, max_bytes,
                                  [&](std::string_view piece, std::uint64_t length) {
                                      if (auto written = file.write(piece); !written) {
                                          write_error = written.error();
                                          return false;
                                      }
                                      received += piece.size();
                                      return !progress || progress(received, length);
                                  });
    } catch (const boost::system::system_error& error) {
        return relay_unreachable(relay_, error);
    }
    if (download.response.status != 200) return relay_error(download.response.status, download.response.body);
    if (write_error) return *write_error;
    if (download.too_large) {
        return core::make_error(Errc::payload_too_large, "the recording is larger than the viewer downloads (" +
                                                             std::to_string(max_bytes >> 20) +
                                                             " MiB); copy it from the relay's data folder");
    }
    if (download.stopped) return core::make_error(Errc::unavailable, "the download was cancelled");
    if (download.length != 0 && download.bytes != download.length) {
        return core::make_error(Errc::unavailable, "the download broke off after " + std::to_string(download.bytes) +
                                                       " of " + std::to_string(download.length) + " bytes");
    }
    if (auto closed = file.close(); !closed) return closed.error();
    const std::string expected = lower_case(download.response.header("X-Checksum-SHA256"));
    if (!expected.empty() && file.sha256_hex() != expected) {
        return core::make_error(Errc::unavailable, "the downloaded recording does not match its SHA-256: damaged");
    }
    file.keep();
    return download.bytes;
}

}  // namespace lifeline::viewer
