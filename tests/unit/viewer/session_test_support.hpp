// The machine's side of a remote session for the viewer's session tests: a libvncserver in this process serving a
// known picture over a socketpair, that socketpair tunnelled to the relay's agent socket, and a machine with a
// ticket on its control channel, all without the agent program or a display.
#pragma once

#include "lifeline.pb.h"
#include "shared/net/tls.hpp"
#include "shared/net/ws_client.hpp"
#include "shared/net/ws_tunnel.hpp"
#include "tests/support/agent_channel_client.hpp"
#include "tests/support/agent_process.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/png_reader.hpp"
#include "tests/support/relay_process.hpp"
#include "tests/support/test_rfb_server.hpp"
#include "viewer/core/rfb_client.hpp"
#include "viewer/core/session_client.hpp"

#include <gtest/gtest.h>
#include <rfb/rfb.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace lifeline::testing {

// The machine's session socket (wss://RELAY/v1/sessions/ID/agent with the device credential) tunnelled to a local
// fd with net::run_tunnel, on an io thread of its own.
class MachineSocket {
public:
    MachineSocket(std::uint16_t port, const std::string& ca_file)
        : tls_(net::make_client_tls_context({ca_file, "", ""})),
          ws_(io_, tls_),
          local_(io_),
          work_(io_.get_executor()),
          port_(port) {
        thread_ = std::thread([this] { io_.run(); });
    }
    ~MachineSocket() {
        boost::asio::post(io_, [this] {
            boost::system::error_code ignored;
            local_.close(ignored);
            boost::beast::get_lowest_layer(ws_).close(ignored);
        });
        if (started_) wait_done(std::chrono::seconds(5));
        work_.reset();
        io_.stop();
        thread_.join();
    }
    MachineSocket(const MachineSocket&) = delete;
    MachineSocket& operator=(const MachineSocket&) = delete;

    // Connects and starts tunnelling `local_fd` (taken). Answers the connect error, empty on success.
    std::string connect(const std::string& session_id, const v1::EnrollResponse& device, int local_fd) {
        boost::system::error_code ec;
        local_.assign(boost::asio::local::stream_protocol(), local_fd, ec);
        if (ec) return "assign: " + ec.message();
        net::WsTarget target;
        target.host = "127.0.0.1";
        target.port = port_;
        target.path = "/v1/sessions/" + session_id + "/agent";
        target.authorization = "Bearer " + device.device_id() + "." + device.device_secret();
        target.user_agent = "lifeline-session-test";
        auto failure = boost::asio::co_spawn(io_, net::connect_websocket(ws_, target), boost::asio::use_future).get();
        if (failure) return failure->message;
        started_ = true;
        boost::asio::co_spawn(io_, net::run_tunnel(ws_, local_, counters_),
                              [this](const std::exception_ptr&, std::string reason) {
                                  {
                                      std::lock_guard lock(mutex_);
                                      done_ = true;
                                      reason_ = std::move(reason);
                                  }
                                  changed_.notify_all();
                              });
        return {};
    }
    bool wait_done(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return done_; });
    }
    std::string reason() {
        std::lock_guard lock(mutex_);
        return reason_;
    }

private:
    boost::asio::io_context io_;
    boost::asio::ssl::context tls_;
    net::WsStream ws_;
    boost::asio::local::stream_protocol::socket local_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::uint16_t port_;
    std::thread thread_;
    net::TunnelCounters counters_;
    bool started_ = false;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool done_ = false;
    std::string reason_;
};

// A machine on its control channel with a ticket it opened, claimed by `technician`.
struct TestMachine {
    v1::EnrollResponse credential;
    std::unique_ptr<AgentChannelClient> channel;
    std::string ticket;

    // Receives the next session request and answers it.
    v1::SessionRequest answer_next_request(bool allow, const std::string& reason = {}) {
        auto request = channel->receive(std::chrono::seconds(20));
        while (request.has_session_ended())
            request = channel->receive(std::chrono::seconds(20));  // earlier sessions'
        if (!request.has_session_request())
            throw std::runtime_error("expected a SessionRequest: " + request.DebugString());
        v1::AgentToRelay answer;
        answer.mutable_session_answer()->set_session_id(request.session_request().session_id());
        answer.mutable_session_answer()->set_allow(allow);
        answer.mutable_session_answer()->set_reason(reason);
        channel->send(answer);
        return request.session_request();
    }
};

inline TestMachine machine_with_ticket(const RelayProcess& relay, ApiClient& technician,
                                       const std::string& machine_id) {
    TestMachine m;
    m.credential = enroll_device(relay, machine_id);
    m.channel = std::make_unique<AgentChannelClient>(relay.port(), relay.ca_file());
    if (m.channel->connect(m.credential.device_id(), m.credential.device_secret()) != 101) {
        throw std::runtime_error("the machine's control channel was refused");
    }
    v1::AgentToRelay hello;
    hello.mutable_hello()->mutable_system_info()->set_hostname("pc-" + machine_id);
    m.channel->send(hello);
    v1::AgentToRelay open;
    open.mutable_open_ticket()->set_idempotency_key("key-" + machine_id);
    open.mutable_open_ticket()->set_subject("Screen looks wrong");
    m.channel->send(open);
    auto opened = m.channel->receive();
    if (!opened.has_ticket_opened()) throw std::runtime_error("expected TicketOpened: " + opened.DebugString());
    m.ticket = opened.ticket_opened().number();
    auto claimed = technician.call("POST", "/api/v1/tickets/" + m.ticket + "/claim");
    if (claimed.status != 200) throw std::runtime_error("claim failed: " + claimed.body);
    return m;
}

inline viewer::RelayEndpoint endpoint_of(const RelayProcess& relay) {
    return {"127.0.0.1", relay.port(), {relay.ca_file(), "", ""}};
}

// The viewer core's REST client, signed in as `user`.
inline viewer::RelayApi signed_in(const RelayProcess& relay, const std::string& user, const std::string& password) {
    auto api = viewer::RelayApi::create(endpoint_of(relay));
    EXPECT_TRUE(api) << api.error().message;
    auto login = api->sign_in(user, password);
    EXPECT_TRUE(login) << login.error().message;
    return std::move(*api);
}

// Asks as `api` for a session on the machine's ticket, lets the machine say yes, waits for ACTIVE.
inline v1::Session consented(viewer::RelayApi& api, TestMachine& machine, v1::SessionMode mode) {
    auto requested = api.request_session(machine.ticket, mode);
    EXPECT_TRUE(requested) << requested.error().message;
    EXPECT_EQ(requested->state(), v1::Session::REQUESTED);
    machine.answer_next_request(true);
    auto active = api.wait_for_answer(requested->id(), std::chrono::seconds(10));
    EXPECT_TRUE(active) << active.error().message;
    EXPECT_EQ(active->state(), v1::Session::ACTIVE);
    return *active;
}

// An encoding the viewer offers, for parameterised tests.
struct EncodingCase {
    const char* name;
    viewer::Encoding encoding;
    int quality;  // -1: tight without JPEG
};

// The encodings whose picture is the server's exactly: raw, zrle and tight without JPEG.
inline auto exact_encodings() {
    return ::testing::Values(EncodingCase{"raw", viewer::Encoding::raw, 6},
                             EncodingCase{"zrle", viewer::Encoding::zrle, 6},
                             EncodingCase{"tight_lossless", viewer::Encoding::tight, -1});
}
inline std::string encoding_case_name(const ::testing::TestParamInfo<EncodingCase>& test) { return test.param.name; }

// Polls `predicate` until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& predicate,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (predicate()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return predicate();
}

}  // namespace lifeline::testing
