// The daemon's local socket with real Unix sockets: request/response framing, mode 0600, one daemon
// per socket, stale socket files, bad frames, and peers of another user.
#include "agent/local/local_server.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <future>
#include <thread>

namespace lifeline::agent {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

// A LocalServer on its own I/O thread that answers a status request with the subject it last saw.
class LocalSocketTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("lifeline-sock-" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        path_ = (dir_ / "run" / "agent.sock").string();
    }
    void TearDown() override {
        stop_server();
        fs::remove_all(dir_);
    }

    core::Result<void> start_server() {
        server_ = std::make_unique<LocalServer>(io_.get_executor(), path_,
                                                [this](const v1::LocalRequest& request) { return answer(request); });
        auto ok = server_->listen();
        if (ok) thread_ = std::thread([this] { io_.run(); });
        return ok;
    }
    void stop_server() {
        if (!server_) return;
        asio::post(io_, [this] { server_->close(); });
        if (thread_.joinable()) thread_.join();
        server_.reset();
    }
    asio::awaitable<v1::LocalResponse> answer(const v1::LocalRequest& request) {
        v1::LocalResponse response;
        if (request.has_help()) {
            response.mutable_help()->set_number("LL-000042");
            response.mutable_help()->set_idempotency_key(request.help().subject());
        } else {
            response.mutable_status()->set_device_id("d-test");
        }
        co_return response;
    }

    // Sends raw bytes and answers what the server wrote back before closing.
    std::string raw_exchange(const std::string& bytes) {
        int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strcpy(address.sun_path, path_.c_str());
        EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        std::string out;
        char buffer[4096];
        timeval timeout{5, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
            out.append(buffer, static_cast<std::size_t>(n));
        ::close(fd);
        return out;
    }

    fs::path dir_;
    std::string path_;
    asio::io_context io_;
    std::unique_ptr<LocalServer> server_;
    std::thread thread_;
};

TEST_F(LocalSocketTest, a_request_gets_its_answer_over_a_socket_only_the_user_can_open) {
    ASSERT_TRUE(start_server());
    struct stat st {};
    ASSERT_EQ(::stat(path_.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    auto client = LocalClient::connect(path_);
    ASSERT_TRUE(client) << client.error().message;
    for (const char* subject : {"first", "second"}) {  // one connection, several requests
        v1::LocalRequest request;
        request.mutable_help()->set_subject(subject);
        auto response = client->call(request, std::chrono::seconds(5));
        ASSERT_TRUE(response) << response.error().message;
        EXPECT_EQ(response->help().number(), "LL-000042");
        EXPECT_EQ(response->help().idempotency_key(), subject);
    }
}

TEST_F(LocalSocketTest, a_second_daemon_on_the_same_socket_is_refused) {
    ASSERT_TRUE(start_server());
    asio::io_context other_io;
    LocalServer other(
        other_io.get_executor(), path_,
        [](const v1::LocalRequest&) -> asio::awaitable<v1::LocalResponse> { co_return v1::LocalResponse{}; });
    auto refused = other.listen();
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("already running"), std::string::npos);
    // The first daemon still answers.
    v1::LocalRequest status;
    status.mutable_status();
    EXPECT_EQ(LocalClient::connect(path_)->call(status, std::chrono::seconds(5))->status().device_id(), "d-test");
}

TEST_F(LocalSocketTest, a_socket_file_left_by_a_dead_daemon_is_replaced) {
    fs::create_directories(dir_ / "run");
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strcpy(address.sun_path, path_.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ::close(fd);  // bound, never listening: what a crash leaves behind
    ASSERT_TRUE(start_server());
    v1::LocalRequest status;
    status.mutable_status();
    EXPECT_TRUE(LocalClient::connect(path_)->call(status, std::chrono::seconds(5)));
}

TEST_F(LocalSocketTest, bad_frames_get_an_error_and_the_connection_closes) {
    ASSERT_TRUE(start_server());
    auto decode = [](const std::string& bytes) {
        v1::LocalResponse response;
        EXPECT_GE(bytes.size(), 4u);
        if (bytes.size() >= 4) response.ParseFromString(bytes.substr(4));
        return response;
    };
    auto garbage = decode(raw_exchange(std::string("\x00\x00\x00\x03\xff\xff\xff", 7)));
    EXPECT_EQ(garbage.error().code(), "invalid_argument");
    auto oversized = decode(raw_exchange(std::string("\x7f\xff\xff\xff", 4)));
    EXPECT_EQ(oversized.error().code(), "payload_too_large");
    auto empty = decode(raw_exchange(std::string("\x00\x00\x00\x00", 4)));
    EXPECT_EQ(empty.error().code(), "invalid_argument");
    // The server is unharmed.
    v1::LocalRequest status;
    status.mutable_status();
    EXPECT_TRUE(LocalClient::connect(path_)->call(status, std::chrono::seconds(5)));
}

TEST_F(LocalSocketTest, a_process_of_another_user_is_turned_away) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to run a client as another user";
    ASSERT_TRUE(start_server());
    ::chmod(path_.c_str(), 0666);  // even if the file mode were wrong, the peer check holds
    fs::permissions(dir_ / "run", fs::perms::all);
    fs::permissions(dir_, fs::perms::all);
    pid_t child = ::fork();
    if (child == 0) {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(10);
        auto client = LocalClient::connect(path_);
        if (!client) ::_exit(11);
        v1::LocalRequest status;
        status.mutable_status();
        auto response = client->call(status, std::chrono::seconds(5));
        ::_exit(response ? 12 : 0);  // 0: the daemon hung up without answering
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "a process of another user got an answer (or could not try)";
}

TEST(LocalFraming, lengths_are_big_endian) {
    v1::LocalRequest request;
    request.mutable_help()->set_subject(std::string(300, 'x'));
    std::string frame = encode_local_frame(request);
    const auto* header = reinterpret_cast<const unsigned char*>(frame.data());
    EXPECT_EQ(decode_local_length(header), frame.size() - 4);
    EXPECT_EQ(header[0], 0);
    EXPECT_EQ(header[2], 0x01);  // 300+ bytes: the second-lowest byte is 1
}

}  // namespace
}  // namespace lifeline::agent
