// What survives a crash and a shutdown, and the relay's command line: init, user, serve's config.
#include "shared/net/tls.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

namespace lifeline::testing {
namespace {

namespace fs = std::filesystem;

// Creates tickets from `clients` threads until told to stop; remembers every acknowledged one.
class CreationStorm {
public:
    CreationStorm(const RelayProcess& relay, const std::string& token, int clients) {
        for (int c = 0; c < clients; ++c) {
            threads_.emplace_back([this, &relay, token, c] {
                ApiClient client(relay.client());
                client.set_token(token);
                for (int i = 0; !stop_; ++i) {
                    std::string subject = "storm " + std::to_string(c) + "/" + std::to_string(i);
                    try {
                        auto ticket = client.create_ticket(subject);
                        std::lock_guard lock(mutex_);
                        acknowledged_[ticket.number()] = subject;
                    } catch (const std::exception&) {
                        return;  // the relay went away mid-request: not acknowledged
                    }
                }
            });
        }
    }
    ~CreationStorm() { join(); }
    void join() {
        stop_ = true;
        for (auto& t : threads_) {
            if (t.joinable()) t.join();
        }
    }
    std::size_t count() {
        std::lock_guard lock(mutex_);
        return acknowledged_.size();
    }
    std::map<std::string, std::string> acknowledged() {
        std::lock_guard lock(mutex_);
        return acknowledged_;
    }

private:
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::map<std::string, std::string> acknowledged_;
    std::vector<std::thread> threads_;
};

void wait_for(CreationStorm& storm, std::size_t tickets) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (storm.count() < tickets && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_GE(storm.count(), tickets) << "the storm did not get going";
}

// Every acknowledged ticket is there with its subject, and the numbers run 1..N without a gap.
void expect_all_present(RelayProcess& relay, const std::map<std::string, std::string>& acknowledged) {
    ApiClient client(relay.client());
    client.login("admin", relay.admin_password());
    for (const auto& [number, subject] : acknowledged) {
        auto response = client.call("GET", "/api/v1/tickets/" + number);
        ASSERT_EQ(response.status, 200u) << number << " was acknowledged but is gone";
        v1::Ticket ticket;
        from_json(response.body, ticket);
        EXPECT_EQ(ticket.subject(), subject);
        EXPECT_EQ(ticket.description(), "Description of " + subject);
    }
    std::int64_t count = 0;
    std::string cursor;
    std::set<std::int64_t> numbers;
    for (int guard = 0; guard < 10'000; ++guard) {
        auto page_response =
            client.call("GET", "/api/v1/tickets?limit=200" + (cursor.empty() ? "" : "&cursor=" + cursor));
        ASSERT_EQ(page_response.status, 200u);
        v1::TicketPage page;
        from_json(page_response.body, page);
        for (const auto& t : page.tickets())
            numbers.insert(std::stoll(t.number().substr(3)));
        count += page.tickets_size();
        cursor = page.next_cursor();
        if (cursor.empty()) break;
    }
    ASSERT_FALSE(numbers.empty());
    EXPECT_EQ(*numbers.begin(), 1);
    EXPECT_EQ(*numbers.rbegin(), count) << "ticket numbers have a gap";
}

TEST(RelayDurability, sigkill_during_a_creation_storm_loses_no_acknowledged_ticket) {
    RelayProcess relay;
    relay.start();
    ApiClient admin(relay.client());
    admin.login("admin", relay.admin_password());
    CreationStorm storm(relay, admin.token(), 6);
    wait_for(storm, 300);
    relay.kill();
    storm.join();
    auto acknowledged = storm.acknowledged();
    relay.start();
    expect_all_present(relay, acknowledged);
    EXPECT_EQ(relay.stop(), 0);
}

TEST(RelayDurability, sigterm_finishes_in_flight_requests_and_stops_cleanly) {
    RelayProcess relay;
    relay.start();
    ApiClient admin(relay.client());
    admin.login("admin", relay.admin_password());
    CreationStorm storm(relay, admin.token(), 6);
    wait_for(storm, 200);
    EXPECT_EQ(relay.stop(), 0) << relay.log();
    storm.join();
    EXPECT_NE(relay.log().find("stopped cleanly"), std::string::npos) << relay.log();
    auto acknowledged = storm.acknowledged();
    relay.start();
    expect_all_present(relay, acknowledged);
    EXPECT_EQ(relay.stop(), 0);
}

TEST(RelayCommandLine, init_prints_the_ca_and_refuses_an_existing_dir_changing_nothing) {
    RelayProcess relay;
    EXPECT_NE(relay.init_output().find("CA fingerprint:  sha256:"), std::string::npos) << relay.init_output();
    EXPECT_EQ(fs::status(relay.data_dir() + "/server.key").permissions() & fs::perms::group_all, fs::perms::none);
    auto before = fs::last_write_time(relay.data_dir() + "/lifeline.db");
    auto again = run_relay_command({"init", "--data", relay.data_dir()});
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
    EXPECT_EQ(fs::last_write_time(relay.data_dir() + "/lifeline.db"), before);
    relay.start();
    ApiClient admin(relay.client());
    EXPECT_NO_THROW(admin.login("admin", relay.admin_password()));  // the first password still works
}

TEST(RelayCommandLine, user_commands_manage_accounts_while_the_relay_runs) {
    RelayProcess relay;
    relay.start();
    auto add = run_relay_command({"user", "add", "--data", relay.data_dir(), "--username", "carl", "--role",
                                  "technician", "--tier", "2", "--display-name", "Carl Tech", "--password-stdin"},
                                 "carl-password-1\n");
    ASSERT_EQ(add.exit_code, 0) << add.err;
    auto list = run_relay_command({"user", "list", "--data", relay.data_dir()});
    EXPECT_NE(list.out.find("carl\tTECHNICIAN\ttier 2\tactive\tCarl Tech"), std::string::npos) << list.out;

    ApiClient carl(relay.client());
    auto login = carl.login("carl", "carl-password-1");
    EXPECT_EQ(login.user().display_name(), "Carl Tech");
    ASSERT_EQ(run_relay_command({"user", "disable", "--data", relay.data_dir(), "--username", "carl"}).exit_code, 0);
    EXPECT_EQ(carl.call("GET", "/api/v1/tickets").status, 401u);

    ASSERT_EQ(run_relay_command({"user", "enable", "--data", relay.data_dir(), "--username", "carl"}).exit_code, 0);
    auto passwd = run_relay_command(
        {"user", "passwd", "--data", relay.data_dir(), "--username", "carl", "--password-stdin"}, "carl-password-2\n");
    ASSERT_EQ(passwd.exit_code, 0) << passwd.err;
    EXPECT_THROW(carl.login("carl", "carl-password-1"), std::runtime_error);
    EXPECT_NO_THROW(carl.login("carl", "carl-password-2"));

    auto bad_role = run_relay_command(
        {"user", "add", "--data", relay.data_dir(), "--username", "x", "--role", "boss", "--password-stdin"},
        "0123456789ab\n");
    EXPECT_EQ(bad_role.exit_code, 2);
    auto dup = run_relay_command(
        {"user", "add", "--data", relay.data_dir(), "--username", "carl", "--role", "lead", "--password-stdin"},
        "0123456789ab\n");
    EXPECT_EQ(dup.exit_code, 1);
    EXPECT_NE(dup.err.find("already exists"), std::string::npos);
    auto weak = run_relay_command(
        {"user", "add", "--data", relay.data_dir(), "--username", "weak", "--role", "lead", "--password-stdin"},
        "short\n");
    EXPECT_EQ(weak.exit_code, 2);
}

TEST(RelayCommandLine, an_invalid_config_names_the_key_and_exits_non_zero) {
    RelayProcess relay;
    std::ofstream(relay.data_dir() + "/relay.toml") << "[http]\nmax_body_bytes = \"lots\"\n";
    auto serve = run_relay_command({"serve", "--data", relay.data_dir(), "--listen", "127.0.0.1:0"});
    EXPECT_EQ(serve.exit_code, 2);
    EXPECT_NE(serve.err.find("http.max_body_bytes"), std::string::npos) << serve.err;
    auto missing = run_relay_command({"serve", "--data", relay.data_dir() + "-nope"});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("lifeline-relay init"), std::string::npos) << missing.err;
}

TEST(RelayAuth, repeated_failures_throttle_the_account_and_address_pair) {
    RelayProcess relay;
    relay.start();
    ApiClient client(relay.client());
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(client.call("POST", "/api/v1/auth/login", R"({"username":"admin","password":"guess-guess"})").status,
                  401u);
    }
    auto locked = client.call("POST", "/api/v1/auth/login",
                              R"({"username":"admin","password":")" + relay.admin_password() + "\"}");
    EXPECT_EQ(locked.status, 429u);
    EXPECT_EQ(error_code(locked), "too_many_requests");
    EXPECT_FALSE(locked.header("Retry-After").empty());
    EXPECT_NE(relay.log().find("login refused (throttled) user=admin"), std::string::npos);
    EXPECT_NE(relay.log().find("login failed user=admin"), std::string::npos);
    EXPECT_EQ(relay.log().find(relay.admin_password()), std::string::npos) << "a password reached the log";
}

TEST(RelayAuth, an_expired_token_is_refused) {
    RelayProcess relay;
    std::ofstream(relay.data_dir() + "/relay.toml") << "[auth]\ntoken_ttl = 1\n";
    relay.start();
    ApiClient client(relay.client());
    client.login("admin", relay.admin_password());
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    auto response = client.call("GET", "/api/v1/tickets");
    EXPECT_EQ(response.status, 401u);
    EXPECT_EQ(error_code(response), "unauthenticated");
}

TEST(RelayServer, garbage_on_the_socket_does_not_disturb_other_clients) {
    RelayProcess relay;
    relay.start();
    ApiClient good(relay.client());
    good.login("admin", relay.admin_password());

    // Not HTTP at all, inside a valid TLS session: the relay answers 400 and closes that connection.
    namespace asio = boost::asio;
    asio::io_context io;
    auto tls = net::make_client_tls_context({relay.ca_file(), "", ""});
    asio::ssl::stream<boost::beast::tcp_stream> stream(io, tls);
    boost::beast::get_lowest_layer(stream).connect({asio::ip::make_address("127.0.0.1"), relay.port()});
    net::set_verify_host(stream, "127.0.0.1");
    stream.handshake(asio::ssl::stream_base::client);
    std::string junk = "\x16\x03 this is not a request \x01\x02\r\n\r\n";
    asio::write(stream, asio::buffer(junk));
    std::string answer;
    boost::system::error_code ec;
    char buffer[4096];
    for (;;) {
        std::size_t n = stream.read_some(asio::buffer(buffer), ec);
        answer.append(buffer, n);
        if (ec) break;
    }
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
    EXPECT_NE(answer.find("invalid_argument"), std::string::npos) << answer;

    EXPECT_EQ(good.call("GET", "/api/v1/tickets").status, 200u);
}

}  // namespace
}  // namespace lifeline::testing
