// TlsSocketStream: the SSL object reads and writes through a BIO of ours, which hands it the received bytes and
// queues what it writes, so one socket call carries many records.
#include "shared/net/tls_socket_stream.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <boost/asio/ssl/error.hpp>

#include <algorithm>
#include <cstring>

namespace lifeline::net {

namespace asio = boost::asio;

namespace detail {

namespace {

// A 64 KiB frame with its WebSocket header is five TLS 1.3 records of at most 16 KiB + 22 bytes.
constexpr std::size_t kIncomingBytes = 65536 + 2048;
constexpr std::size_t kRecordBytes = 16384;  // the most plaintext a TLS record holds
// One write takes at most this much plaintext (the rest of a larger frame goes in the next).
constexpr std::size_t kMaxWriteBytes = 128 * 1024;

boost::system::error_code ssl_error(int result, SSL* ssl, bool peer_closed) {
    const int kind = SSL_get_error(ssl, result);
    if (kind == SSL_ERROR_ZERO_RETURN) return asio::error::eof;  // close_notify: a clean end
    const unsigned long code = ERR_get_error();
    if (code == 0 || peer_closed || ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        return asio::ssl::error::stream_truncated;  // the TCP connection ended without close_notify
    }
    return {static_cast<int>(code), asio::error::get_ssl_category()};
}

}  // namespace

// The BIO between the SSL object and TlsCore's buffers. Reads never block: with nothing received yet they ask to
// be retried, and the read step then receives. Writes always succeed: the write step sends what they queued.
struct TlsBio {
    static TlsCore& core(BIO* bio) { return *static_cast<TlsCore*>(BIO_get_data(bio)); }

    static int write(BIO* bio, const char* data, std::size_t size, std::size_t* written) {
        BIO_clear_retry_flags(bio);
        auto& out = core(bio).outgoing_;
        out.insert(out.end(), data, data + size);
        *written = size;
        return 1;
    }

    static int read(BIO* bio, char* data, std::size_t size, std::size_t* read) {
        BIO_clear_retry_flags(bio);
        TlsCore& c = core(bio);
        const std::size_t available = c.incoming_end_ - c.incoming_begin_;
        if (available == 0) {
            *read = 0;
            if (!c.peer_closed_) BIO_set_retry_read(bio);
            return 0;
        }
        const std::size_t n = std::min(size, available);
        std::memcpy(data, c.incoming_.get() + c.incoming_begin_, n);
        c.incoming_begin_ += n;
        *read = n;
        return 1;
    }

    static long control(BIO* bio, int command, long, void*) {
        TlsCore& c = core(bio);
        switch (command) {
            case BIO_CTRL_FLUSH: return 1;
            case BIO_CTRL_PENDING: return static_cast<long>(c.incoming_end_ - c.incoming_begin_);
            case BIO_CTRL_WPENDING: return static_cast<long>(c.outgoing_.size());
            case BIO_CTRL_EOF: return c.peer_closed_ && c.incoming_end_ == c.incoming_begin_ ? 1 : 0;
            default: return 0;
        }
    }

    static int create(BIO* bio) {
        BIO_set_init(bio, 1);
        return 1;
    }

    static const BIO_METHOD* method() {
        static BIO_METHOD* const kMethod = [] {
            BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "lifeline tunnel");
            BIO_meth_set_write_ex(m, &TlsBio::write);
            BIO_meth_set_read_ex(m, &TlsBio::read);
            BIO_meth_set_ctrl(m, &TlsBio::control);
            BIO_meth_set_create(m, &TlsBio::create);
            return m;
        }();
        return kMethod;
    }
};

TlsCore::TlsCore(asio::ip::tcp::socket s, SSL* ssl)
    : socket(std::move(s)),
      send_done(socket.get_executor(), asio::steady_timer::time_point::max()),
      linger(socket.get_executor()),
      ssl_(ssl),
      incoming_(new char[kIncomingBytes]) {
    // Ciphertext the old BIO still holds for the SSL object (none after an upgrade request) moves over.
    BIO* old = SSL_get_rbio(ssl_);
    while (old != nullptr && BIO_ctrl_pending(old) > 0 && incoming_end_ < kIncomingBytes) {
        const int n = BIO_read(old, incoming_.get() + incoming_end_, static_cast<int>(kIncomingBytes - incoming_end_));
        if (n <= 0) break;
        incoming_end_ += static_cast<std::size_t>(n);
    }
    BIO* bio = BIO_new(TlsBio::method());
    BIO_set_data(bio, this);
    SSL_set_bio(ssl_, bio, bio);
    // The BIO never blocks, so a write is whole; without this OpenSSL would return after every record.
    SSL_clear_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE);
}

TlsCore::~TlsCore() { SSL_free(ssl_); }

TlsProgress TlsCore::read_step(std::span<const asio::mutable_buffer> into) {
    std::size_t total = 0;
    for (const auto& buffer : into) {
        auto* at = static_cast<char*>(buffer.data());
        std::size_t left = buffer.size();
        while (left > 0) {
            ERR_clear_error();
            std::size_t got = 0;
            const int result = SSL_read_ex(ssl_, at, left, &got);
            if (result == 1) {
                total += got;
                at += got;
                left -= got;
                continue;
            }
            // Whatever stopped this read shows again on the next one.
            if (total > 0) return {TlsNext::complete, {}, total};
            if (SSL_get_error(ssl_, result) == SSL_ERROR_WANT_READ && !peer_closed_) {
                if (!outgoing_.empty() && !sending_) return {TlsNext::send, {}, 0};
                return {TlsNext::receive, {}, 0};
            }
            return {TlsNext::complete, ssl_error(result, ssl_, peer_closed_), 0};
        }
    }
    return {TlsNext::complete, {}, total};
}

TlsProgress TlsCore::write_step(std::span<const asio::const_buffer> from) {
    std::size_t total = 0;
    const auto encrypt = [&](const char* data, std::size_t size) -> boost::system::error_code {
        while (size > 0) {
            ERR_clear_error();
            std::size_t written = 0;
            const int result = SSL_write_ex(ssl_, data, size, &written);
            if (result != 1) return ssl_error(result, ssl_, false);
            data += written;
            size -= written;
        }
        return {};
    };
    std::size_t index = 0, offset = 0;
    if (from.size() > 1 && from[0].size() < kRecordBytes) {
        if (!first_record_) first_record_.reset(new char[kRecordBytes]);
        std::size_t staged = 0;
        while (index < from.size() && staged < kRecordBytes) {
            const std::size_t n = std::min(from[index].size() - offset, kRecordBytes - staged);
            std::memcpy(first_record_.get() + staged, static_cast<const char*>(from[index].data()) + offset, n);
            staged += n;
            offset += n;
            if (offset == from[index].size()) {
                ++index;
                offset = 0;
            }
        }
        if (auto error = encrypt(first_record_.get(), staged)) return {TlsNext::complete, error, 0};
        total = staged;
    }
    for (; index < from.size() && total < kMaxWriteBytes; ++index, offset = 0) {
        const std::size_t n = std::min(from[index].size() - offset, kMaxWriteBytes - total);
        if (auto error = encrypt(static_cast<const char*>(from[index].data()) + offset, n)) {
            return {TlsNext::complete, error, 0};
        }
        total += n;
    }
    return {TlsNext::complete, {}, total};
}

TlsProgress TlsCore::handshake_step() {
    if (!handshake_error_) {
        ERR_clear_error();
        const int result = SSL_do_handshake(ssl_);
        if (result != 1 && (SSL_get_error(ssl_, result) != SSL_ERROR_WANT_READ || peer_closed_)) {
            handshake_error_ = ssl_error(result, ssl_, peer_closed_);  // the alert saying why goes out first
        }
        if (!outgoing_.empty() && !sending_) return {TlsNext::send, {}, 0};
        if (result != 1 && !handshake_error_) return {TlsNext::receive, {}, 0};
    }
    return {TlsNext::complete, handshake_error_, 0};
}

void TlsCore::queue_close_notify() {
    ERR_clear_error();
    (void)SSL_shutdown(ssl_);
    ERR_clear_error();
}

asio::mutable_buffer TlsCore::receive_space() {
    // A record cut at the end of the last receive moves to the front, so the next one lands behind it.
    if (incoming_begin_ > 0) {
        std::memmove(incoming_.get(), incoming_.get() + incoming_begin_, incoming_end_ - incoming_begin_);
        incoming_end_ -= incoming_begin_;
        incoming_begin_ = 0;
    }
    return asio::buffer(incoming_.get() + incoming_end_, kIncomingBytes - incoming_end_);
}

void TlsCore::received(std::size_t bytes) { incoming_end_ += bytes; }

void TlsCore::start_linger() {
    constexpr auto kLinger = std::chrono::seconds(5);
    linger.expires_after(kLinger);
    linger.async_wait([this](const boost::system::error_code& error) {
        if (!error) close();
    });
}

void TlsCore::close() {
    boost::system::error_code ignored;
    linger.cancel();
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

asio::const_buffer TlsCore::start_send() {
    in_flight_.swap(outgoing_);
    outgoing_.clear();
    sending_ = true;
    return asio::buffer(in_flight_);
}

void TlsCore::finish_send() {
    sending_ = false;
    in_flight_.clear();
    send_done.cancel();
}

}  // namespace detail

TlsSocketStream::TlsSocketStream(const executor_type& executor, asio::ssl::context& context) {
    SSL* ssl = SSL_new(context.native_handle());
    if (ssl == nullptr) throw boost::system::system_error(asio::error::no_memory, "SSL_new");
    SSL_set_connect_state(ssl);
    SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);  // an idle connection keeps no record buffers
    core_ = std::make_unique<detail::TlsCore>(asio::ip::tcp::socket(executor), ssl);
}

TlsSocketStream TlsSocketStream::adopt(boost::beast::ssl_stream<boost::beast::tcp_stream> stream) {
    SSL* ssl = stream.native_handle();
    SSL_up_ref(ssl);  // the old stream frees its reference on return
    auto socket = boost::beast::get_lowest_layer(stream).release_socket();
    return TlsSocketStream(std::make_unique<detail::TlsCore>(std::move(socket), ssl));
}

void teardown(boost::beast::role_type, TlsSocketStream& stream, boost::system::error_code&) { stream.close(); }

}  // namespace lifeline::net
