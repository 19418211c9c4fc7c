// TlsSocketStream: a TLS connection driven straight on its TCP socket, for the WebSockets that carry sessions'
// bulk bytes (and the clients' other WebSockets, which share their connect code). asio's ssl::stream passes every
// byte through a 17 KiB BIO pair (two copies each way) and sends each 16 KiB TLS record with a write(2) of its
// own; here all the records of one write go out in one send, one receive takes in up to 66 KiB of records, and
// each byte is copied once fewer each way. Clients handshake on it; the relay hands over an asio stream after
// its handshake and the upgrade request (adopt()).
//
// Threads: like a socket. One read and one write may be in flight at once, started and completed on one strand.
#pragma once

#include <openssl/ssl.h>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace lifeline::net {

class TlsSocketStream;

namespace detail {

// What a read or write step found it must do next.
enum class TlsNext { complete, receive, send };

struct TlsProgress {
    TlsNext next = TlsNext::complete;
    boost::system::error_code error;
    std::size_t bytes = 0;
};

// At most this many buffers of a sequence are taken by one read or write (fewer bytes is allowed).
inline constexpr std::size_t kMaxBuffers = 8;

// The connection's state: the SSL object, which reads from and writes to the buffers below through a BIO of our
// own, and those buffers. Not movable (the BIO points at it).
class TlsCore {
public:
    TlsCore(boost::asio::ip::tcp::socket socket, SSL* ssl);
    ~TlsCore();
    TlsCore(const TlsCore&) = delete;
    TlsCore& operator=(const TlsCore&) = delete;

    // Decrypts into `into` what the records received so far hold; asks for a receive when there is none (or for a
    // send first, when the TLS layer has something of its own to say and no write is sending).
    TlsProgress read_step(std::span<const boost::asio::mutable_buffer> into);
    // Encrypts `from` into records for the socket; the caller then sends while send_pending().
    TlsProgress write_step(std::span<const boost::asio::const_buffer> from);
    // Drives a client handshake: what it must do next.
    TlsProgress handshake_step();
    // The close_notify alert, queued for sending.
    void queue_close_notify();

    boost::asio::mutable_buffer receive_space();
    void drop_received() { incoming_begin_ = incoming_end_ = 0; }
    // Closes the socket if the peer has not closed its side within kLinger; close() ends the wait.
    void start_linger();
    void close();
    void received(std::size_t bytes);
    void receive_ended() { peer_closed_ = true; }

    bool send_pending() const { return !outgoing_.empty(); }
    bool sending() const { return sending_; }
    // Moves what is queued into the buffer the socket sends from; finish_send() when that send completed.
    boost::asio::const_buffer start_send();
    void finish_send();

    boost::asio::ip::tcp::socket socket;
    // Cancelled whenever a send finishes: a write waits on it while a read is sending.
    boost::asio::steady_timer send_done;
    boost::asio::steady_timer linger;

private:
    friend struct TlsBio;
    friend class lifeline::net::TlsSocketStream;
    SSL* ssl_;
    std::unique_ptr<char[]> incoming_;
    std::size_t incoming_begin_ = 0, incoming_end_ = 0;
    bool peer_closed_ = false;
    boost::system::error_code handshake_error_;
    std::vector<char> outgoing_;   // records not yet handed to the socket
    std::vector<char> in_flight_;  // records the socket is sending
    bool sending_ = false;
    std::unique_ptr<char[]> first_record_;  // a frame's small header and the start of its payload, for one record
};

template <class Sequence, class Buffer>
std::size_t gather(const Sequence& sequence, std::array<Buffer, kMaxBuffers>& out) {
    std::size_t count = 0;
    for (auto it = boost::asio::buffer_sequence_begin(sequence);
         it != boost::asio::buffer_sequence_end(sequence) && count < kMaxBuffers; ++it) {
        if (Buffer(*it).size() > 0) out[count++] = Buffer(*it);
    }
    return count;
}

// Every operation finishes through a post when it finds its answer at once: a completion handler never runs
// inside the call that started it.

// A read or a handshake: a step of the TLS layer, then the receive or send it asks for, until it completes.
template <class Step>
struct TlsSteppedOp {
    TlsCore& core;
    Step step;
    enum class State { stepping, receiving, sending, finishing } state = State::stepping;
    TlsProgress result{};

    template <class Self>
    void operator()(Self& self, boost::system::error_code error = {}, std::size_t bytes = 0) {
        switch (state) {
            case State::finishing: Step::complete(self, result.error, result.bytes); return;
            case State::receiving:
                if (error == boost::asio::error::eof) {
                    core.receive_ended();
                } else if (error) {
                    Step::complete(self, error, 0);
                    return;
                } else {
                    core.received(bytes);
                }
                break;
            case State::sending:
                core.finish_send();
                if (error) {
                    Step::complete(self, error, 0);
                    return;
                }
                break;
            case State::stepping: break;
        }
        result = step(core);
        switch (result.next) {
            case TlsNext::receive:
                state = State::receiving;
                core.socket.async_read_some(core.receive_space(), std::move(self));
                return;
            case TlsNext::send:
                state = State::sending;
                boost::asio::async_write(core.socket, core.start_send(), std::move(self));
                return;
            case TlsNext::complete:
                state = State::finishing;
                boost::asio::post(core.socket.get_executor(), std::move(self));
                return;
        }
    }
};

template <class MutableBufferSequence>
struct TlsReadStep {
    MutableBufferSequence buffers;
    TlsProgress operator()(TlsCore& core) const {
        std::array<boost::asio::mutable_buffer, kMaxBuffers> into;
        const std::size_t count = gather(buffers, into);
        return core.read_step(std::span(into.data(), count));
    }
    template <class Self>
    static void complete(Self& self, boost::system::error_code error, std::size_t bytes) {
        self.complete(error, bytes);
    }
};

struct TlsHandshakeStep {
    TlsProgress operator()(TlsCore& core) const { return core.handshake_step(); }
    template <class Self>
    static void complete(Self& self, boost::system::error_code error, std::size_t) {
        self.complete(error);
    }
};

template <class ConstBufferSequence>
struct TlsWriteOp {
    TlsCore& core;
    ConstBufferSequence buffers;
    enum class State { starting, waiting, sending, finishing } state = State::starting;
    TlsProgress result{};

    template <class Self>
    void operator()(Self& self, boost::system::error_code error = {}, std::size_t = 0) {
        switch (state) {
            case State::finishing: self.complete(result.error, result.bytes); return;
            case State::starting:
            case State::waiting:
                if (core.sending()) {  // a read is sending the TLS layer's own records
                    state = State::waiting;
                    core.send_done.async_wait(std::move(self));
                    return;
                }
                {
                    std::array<boost::asio::const_buffer, kMaxBuffers> from;
                    const std::size_t count = gather(buffers, from);
                    result = core.write_step(std::span(from.data(), count));
                }
                break;
            case State::sending:
                core.finish_send();
                if (error) {
                    self.complete(error, 0);
                    return;
                }
                break;
        }
        if (!result.error && core.send_pending()) {
            state = State::sending;
            boost::asio::async_write(core.socket, core.start_send(), std::move(self));
            return;
        }
        state = State::finishing;
        boost::asio::post(core.socket.get_executor(), std::move(self));
    }
};

// close_notify, then (as Beast does for TCP) the send side shut, and what the peer still sends read and dropped
// until it closes too, for at most kLinger; then the socket closes.
struct TlsShutdownOp {
    TlsCore& core;
    enum class State { starting, sending, draining, finishing } state = State::starting;

    template <class Self>
    void operator()(Self& self, boost::system::error_code error = {}, std::size_t = 0) {
        switch (state) {
            case State::starting:
                // When a write is still sending, the peer learns of the end from the TCP close alone.
                if (!core.sending() && core.socket.is_open()) {
                    core.queue_close_notify();
                    if (core.send_pending()) {
                        state = State::sending;
                        boost::asio::async_write(core.socket, core.start_send(), std::move(self));
                        return;
                    }
                }
                break;
            case State::sending: core.finish_send(); break;
            case State::draining:
                if (!error) {
                    core.drop_received();
                    core.socket.async_read_some(core.receive_space(), std::move(self));
                    return;
                }
                core.close();
                self.complete(boost::system::error_code{});
                return;
            case State::finishing: self.complete(boost::system::error_code{}); return;
        }
        if (!core.socket.is_open()) {
            state = State::finishing;
            boost::asio::post(core.socket.get_executor(), std::move(self));
            return;
        }
        boost::system::error_code ignored;
        core.socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
        core.start_linger();
        state = State::draining;
        core.drop_received();
        core.socket.async_read_some(core.receive_space(), std::move(self));
    }
};

}  // namespace detail

class TlsSocketStream {
public:
    using executor_type = boost::asio::any_io_executor;
    using next_layer_type = boost::asio::ip::tcp::socket;

    // A client connection to be: connect next_layer(), then async_handshake().
    TlsSocketStream(const executor_type& executor, boost::asio::ssl::context& context);
    TlsSocketStream(boost::asio::io_context& io, boost::asio::ssl::context& context)
        : TlsSocketStream(io.get_executor(), context) {}

    // Takes over `stream` after its handshake, with nothing of the peer's left unread in it (an upgrade request
    // whose answer the peer waits for is the last thing read), keeping its SSL session.
    static TlsSocketStream adopt(boost::beast::ssl_stream<boost::beast::tcp_stream> stream);

    TlsSocketStream(TlsSocketStream&&) noexcept = default;
    TlsSocketStream& operator=(TlsSocketStream&&) noexcept = default;

    executor_type get_executor() { return core_->socket.get_executor(); }
    next_layer_type& next_layer() { return core_->socket; }
    SSL* native_handle() { return core_->ssl_; }

    // The client's handshake (the server's is asio's, before adopt()).
    template <class Token>
    auto async_handshake(Token&& token) {
        return boost::asio::async_compose<Token, void(boost::system::error_code)>(
            detail::TlsSteppedOp<detail::TlsHandshakeStep>{*core_, {}}, token, core_->socket);
    }

    template <class MutableBufferSequence, class Token>
    auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
        return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            detail::TlsSteppedOp<detail::TlsReadStep<MutableBufferSequence>>{*core_, {buffers}}, token, core_->socket);
    }

    template <class ConstBufferSequence, class Token>
    auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
        return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            detail::TlsWriteOp<ConstBufferSequence>{*core_, buffers}, token, core_->socket);
    }

    // Shuts the socket both ways and closes it at once (no close_notify): pending operations end with an error.
    void close() { core_->close(); }

    // Sends close_notify and closes the socket.
    template <class Token>
    auto async_shutdown(Token&& token) {
        return boost::asio::async_compose<Token, void(boost::system::error_code)>(detail::TlsShutdownOp{*core_}, token,
                                                                                  core_->socket);
    }

private:
    explicit TlsSocketStream(std::unique_ptr<detail::TlsCore> core) : core_(std::move(core)) {}
    std::unique_ptr<detail::TlsCore> core_;
};

// What a WebSocket on this stream does once the close handshake is over (Beast finds these by ADL).
void teardown(boost::beast::role_type role, TlsSocketStream& stream, boost::system::error_code& error);

template <class TeardownHandler>
void async_teardown(boost::beast::role_type, TlsSocketStream& stream, TeardownHandler&& handler) {
    stream.async_shutdown(std::forward<TeardownHandler>(handler));
}

}  // namespace lifeline::net
