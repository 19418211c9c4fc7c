// RelayApi and ViewerSession against the real relay, the machine played by a bare control channel and a
// libvncserver in this process: the picture through the relay, input back, every way a session closes, refusals,
// and tearing the session down in any state.
#include "viewer/core/session_client.hpp"

#include "shared/net/pki.hpp"
#include "tests/unit/viewer/session_test_support.hpp"

#include <gtest/gtest.h>
#include <rfb/keysym.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace lifeline::testing {
namespace {

using namespace std::chrono_literals;
using viewer::Encoding;
using viewer::Framebuffer;
using viewer::RelayApi;
using viewer::RelayEndpoint;
using viewer::RfbOptions;
using viewer::ViewerSession;

constexpr const char* kPassword = "tech-password-1";

bool same_picture(const Framebuffer& a, const Framebuffer& b) {
    return a.width == b.width && a.height == b.height && a.pixels == b.pixels;
}

class ViewerSessionTest : public ::testing::Test {
protected:
    void SetUp() override {
        relay_.start({"--log-level", "info"});
        ApiClient admin(relay_.client());
        admin.login("admin", relay_.admin_password());
        admin.create_user("tina", v1::TECHNICIAN, kPassword, 1);
        admin.create_user("tom", v1::TECHNICIAN, kPassword, 1);
        tina_.emplace(relay_.client());
        tina_->login("tina", kPassword);
        machine_ = machine_with_ticket(relay_, *tina_, "m-viewer");
    }

    RelayEndpoint endpoint() const { return endpoint_of(relay_); }

    RelayApi signed_in(const std::string& user) { return testing::signed_in(relay_, user, kPassword); }

    v1::Session consented(RelayApi& api, v1::SessionMode mode) { return testing::consented(api, machine_, mode); }

    // The machine's screen server joins the session.
    std::unique_ptr<MachineSocket> machine_joins(const std::string& session_id, TestRfbServer& server) {
        auto socket = std::make_unique<MachineSocket>(relay_.port(), relay_.ca_file());
        const std::string failure = socket->connect(session_id, machine_.credential, server.take_client_fd());
        EXPECT_EQ(failure, "");
        return socket;
    }

    std::unique_ptr<ViewerSession> open_viewer(RelayApi& api, const std::string& session_id, RfbOptions options = {}) {
        auto viewer = ViewerSession::open(endpoint(), api.token(), session_id, options);
        EXPECT_TRUE(viewer) << viewer.error().message;
        return viewer ? std::move(*viewer) : nullptr;
    }

    // The session's record once the relay has written its end.
    v1::Session ended(RelayApi& api, const std::string& id) {
        v1::Session last;
        eventually([&] {
            auto now = api.get_session(id);
            if (now) last = *now;
            return now && now->state() != v1::Session::ACTIVE;
        });
        return last;
    }

    RelayProcess relay_;
    std::optional<ApiClient> tina_;
    TestMachine machine_;
};

// ---- the picture -------------------------------------------------------------------------------------------

class ViewerSessionPictureTest : public ViewerSessionTest, public ::testing::WithParamInterface<EncodingCase> {};

TEST_P(ViewerSessionPictureTest, DecodesTheServedPictureExactlyThroughTheRelay) {
    Framebuffer picture = busy_picture(320, 200);
    TestRfbServer server(picture);
    RelayApi api = signed_in("tina");
    const v1::Session session = consented(api, v1::VIEW);
    auto machine = machine_joins(session.id(), server);
    RfbOptions options;
    options.encoding = GetParam().encoding;
    options.quality = GetParam().quality;
    auto viewer = open_viewer(api, session.id(), options);
    ASSERT_TRUE(viewer);

    ASSERT_TRUE(viewer->rfb().wait_for_updates(1, 10s));
    EXPECT_TRUE(eventually([&] { return same_picture(viewer->rfb().framebuffer(), picture); }));
    // A change on the machine follows, incrementally.
    server.draw(100, 50, 40, 30, 0x00ABCDEFu);
    for (int y = 50; y < 80; ++y) {
        for (int x = 100; x < 140; ++x)
            picture.pixels[static_cast<std::size_t>(y) * 320 + x] = 0x00ABCDEFu;
    }
    EXPECT_TRUE(eventually([&] { return same_picture(viewer->rfb().framebuffer(), picture); }));
    EXPECT_GT(viewer->counters().to_local.load(), 1000u);
    EXPECT_GT(viewer->counters().to_remote.load(), 0u);
    EXPECT_FALSE(viewer->closed());
    EXPECT_EQ(viewer->close_reason(), "");
    EXPECT_EQ(viewer->session_id(), session.id());
}

INSTANTIATE_TEST_SUITE_P(Encodings, ViewerSessionPictureTest, exact_encodings(), encoding_case_name);

// ---- input -------------------------------------------------------------------------------------------------

TEST_F(ViewerSessionTest, InputAndClipboardTravelBothWaysInAControlSession) {
    TestRfbServer server(busy_picture(200, 120));
    RelayApi api = signed_in("tina");
    const v1::Session session = consented(api, v1::CONTROL);
    auto machine = machine_joins(session.id(), server);
    auto viewer = open_viewer(api, session.id());
    ASSERT_TRUE(viewer);
    ASSERT_TRUE(viewer->rfb().wait_for_updates(1, 10s));
    std::mutex mutex;
    std::string from_machine;
    viewer->rfb().set_on_clipboard([&](std::string text) {
        std::lock_guard lock(mutex);
        from_machine = std::move(text);
    });

    ASSERT_TRUE(viewer->rfb().send_pointer(12, 34, 1));
    ASSERT_TRUE(viewer->rfb().send_pointer(12, 34, 0));
    ASSERT_TRUE(viewer->rfb().send_key(XK_Return, true));
    ASSERT_TRUE(viewer->rfb().send_key(XK_Return, false));
    ASSERT_TRUE(viewer->rfb().send_clipboard("caf\xe9"));  // Latin-1, as RFB carries it
    EXPECT_TRUE(eventually([&] { return server.pointers().size() >= 2 && server.clipboards().size() == 1; }));
    const auto pointers = server.pointers();
    ASSERT_GE(pointers.size(), 2u);
    EXPECT_EQ(pointers[pointers.size() - 2].mask, 1);
    EXPECT_EQ(pointers.back().x, 12);
    EXPECT_EQ(pointers.back().y, 34);
    EXPECT_EQ(pointers.back().mask, 0);
    const auto keys = server.keys();
    ASSERT_EQ(keys.size(), 2u);
    EXPECT_EQ(keys[0].keysym, static_cast<std::uint32_t>(XK_Return));
    EXPECT_TRUE(keys[0].down);
    EXPECT_FALSE(keys[1].down);
    EXPECT_EQ(server.clipboards().at(0), "caf\xe9");

    server.send_clipboard("from the machine");
    EXPECT_TRUE(eventually([&] {
        std::lock_guard lock(mutex);
        return from_machine == "from the machine";
    }));
}

TEST_F(ViewerSessionTest, AViewSessionRefusesInputLocally) {
    TestRfbServer server(busy_picture(64, 48));
    RelayApi api = signed_in("tina");
    const v1::Session session = consented(api, v1::VIEW);
    auto machine = machine_joins(session.id(), server);
    RfbOptions options;
    options.view_only = session.mode() == v1::VIEW;
    auto viewer = open_viewer(api, session.id(), options);
    ASSERT_TRUE(viewer);
    auto refused = viewer->rfb().send_pointer(1, 1, 1);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, core::Errc::permission_denied);
}

// ---- how it ends -------------------------------------------------------------------------------------------

TEST_F(ViewerSessionTest, ClosingTheViewerEndsTheSessionAsTheTechnician) {
    TestRfbServer server(busy_picture(160, 100));
    RelayApi api = signed_in("tina");
    const v1::Session session = consented(api, v1::VIEW);
    auto machine = machine_joins(session.id(), server);
    auto viewer = open_viewer(api, session.id());
    ASSERT_TRUE(viewer);
    ASSERT_TRUE(viewer->rfb().wait_for_updates(1, 10s));
    std::atomic<int> callbacks{0};
    viewer->set_on_closed([&](std::string) { ++callbacks; });

    const auto started = std::chrono::steady_clock::now();
    viewer->close();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s) << "the relay answered the close at once";
    EXPECT_TRUE(viewer->closed());
    EXPECT_EQ(viewer->close_reason(), "closed by the viewer");
    EXPECT_FALSE(viewer->rfb().connected());
    viewer->close();  // idempotent
    EXPECT_TRUE(machine->wait_done(5s)) << "the relay closes the machine's socket too";

    const v1::Session record = ended(api, session.id());
    EXPECT_EQ(record.state(), v1::Session::ENDED);
    EXPECT_EQ(record.ended_by(), "technician:tina");
    EXPECT_EQ(record.end_reason(), "the technician closed the viewer");
    EXPECT_GT(record.bytes_to_viewer(), 0);
    auto told = machine_.channel->receive();
    ASSERT_TRUE(told.has_session_ended()) << told.DebugString();
    EXPECT_EQ(told.session_ended().session_id(), session.id());
    viewer.reset();
    EXPECT_EQ(callbacks, 0) << "closing on purpose is not news";
}

TEST_F(ViewerSessionTest, EndingTheSessionThroughTheApiClosesTheViewer) {
    TestRfbServer server(busy_picture(160, 100));
    RelayApi api = signed_in("tina");
    const v1::Session session = consented(api, v1::VIEW);
    auto machine = machine_joins(session.id(), server);
    auto viewer = open_viewer(api, session.id());
    ASSERT_TRUE(viewer);
    ASSERT_TRUE(viewer->rfb().wait_for_updates(1, 10s));
    std::mutex mutex;
    std::vector<std::string> reasons;
    viewer->set_on_closed([&](std::string reason) {
        std::lock_guard lock(mutex);
        reasons.push_back(std::move(reason));
    });

    auto ended_now = api.end_session(session.id(), "fixed, thanks");
    ASSERT_TRUE(ended_now) << ended_now.error().message;
    EXPECT_EQ(ended_now->state(), v1::Session::ENDED);
    EXPECT_EQ(ended_now->ended_by(), "technician:tina");
    EXPECT_EQ(ended_now->end_reason(), "fixed, thanks");
    ASSERT_TRUE(viewer->wait_closed(5s));
    EXPECT_NE(viewer->close_reason(), "");
    EXPECT_NE(viewer->close_reason(), "closed by the viewer");
    EXPECT_TRUE(eventually([&] {
        std::lock_guard lock(mutex);
        return reasons.size() == 1;
    }));
    // Once only: a listener set afterwards is not told again.
    std::atomic<int> replaced{0};
    viewer->set_on_closed([&](std::string) { ++replaced; });
    EXPECT_EQ(replaced, 0);
    auto again = api.end_session(session.id());
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, core::Errc::conflict);
}

TEST_F(ViewerSessionTest, TheMachineGoingAwayClosesTheViewer) {
    TestRfbServer server(busy_picture(160, 100));
    RelayApi api = signed_in("tina");
    const v1::Session session = consented(api, v1::VIEW);
    auto machine = machine_joins(session.id(), server);
    auto viewer = open_viewer(api, session.id());
    ASSERT_TRUE(viewer);
    ASSERT_TRUE(viewer->rfb().wait_for_updates(1, 10s));
    machine.reset();
    ASSERT_TRUE(viewer->wait_closed(5s));
    EXPECT_FALSE(viewer->rfb().connected());
    // Nobody was listening when it closed: a listener set now hears about it at once.
    std::string told;
    viewer->set_on_closed([&](std::string reason) { told = std::move(reason); });
    EXPECT_NE(told, "");
    EXPECT_EQ(told, viewer->close_reason());
    const v1::Session record = ended(api, session.id());
    EXPECT_EQ(record.state(), v1::Session::ENDED);
    EXPECT_EQ(record.ended_by(), "agent");
}

// ---- refusals ----------------------------------------------------------------------------------------------

TEST_F(ViewerSessionTest, ARefusedSocketSaysWhyInTheRelaysWords) {
    RelayApi tina = signed_in("tina");
    RelayApi tom = signed_in("tom");
    auto requested = tina.request_session(machine_.ticket, v1::VIEW);
    ASSERT_TRUE(requested) << requested.error().message;
    RfbOptions options;
    options.handshake_timeout = 2s;

    auto early = ViewerSession::open(endpoint(), tina.token(), requested->id(), options);
    ASSERT_FALSE(early);
    EXPECT_EQ(early.error().code, core::Errc::conflict) << early.error().message;
    EXPECT_NE(early.error().message.find("refused the viewer socket (409)"), std::string::npos)
        << early.error().message;

    machine_.answer_next_request(true);
    ASSERT_EQ(tina.wait_for_answer(requested->id(), 10s)->state(), v1::Session::ACTIVE);
    auto stranger = ViewerSession::open(endpoint(), tom.token(), requested->id(), options);
    ASSERT_FALSE(stranger);
    EXPECT_EQ(stranger.error().code, core::Errc::permission_denied) << stranger.error().message;
    EXPECT_NE(stranger.error().message.find("(403)"), std::string::npos) << stranger.error().message;

    auto bad_token = ViewerSession::open(endpoint(), "not-a-token", requested->id(), options);
    ASSERT_FALSE(bad_token);
    EXPECT_EQ(bad_token.error().code, core::Errc::unauthenticated) << bad_token.error().message;

    auto unknown = ViewerSession::open(endpoint(), tina.token(), "s-0000000000", options);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, core::Errc::not_found) << unknown.error().message;

    auto malformed = ViewerSession::open(endpoint(), tina.token(), "../../api", options);
    ASSERT_FALSE(malformed);
    EXPECT_EQ(malformed.error().code, core::Errc::invalid_argument);
}

TEST_F(ViewerSessionTest, ARelayWithTheWrongCertificateIsRefusedBeforeAnythingIsSent) {
    RelayApi tina = signed_in("tina");
    const v1::Session session = consented(tina, v1::VIEW);
    RelayEndpoint impostor_pin = endpoint();
    impostor_pin.tls = {"", "", net::certificate_fingerprint(net::create_ca("Someone Else").certificate_pem)};

    auto viewer = ViewerSession::open(impostor_pin, tina.token(), session.id(), {});
    ASSERT_FALSE(viewer);
    EXPECT_EQ(viewer.error().code, core::Errc::unauthenticated);
    EXPECT_NE(viewer.error().message.find("certificate"), std::string::npos) << viewer.error().message;

    auto api = RelayApi::create(impostor_pin);
    ASSERT_TRUE(api);
    auto login = api->sign_in("tina", kPassword);
    ASSERT_FALSE(login);
    EXPECT_EQ(login.error().code, core::Errc::unauthenticated);
    EXPECT_NE(login.error().message.find("certificate"), std::string::npos) << login.error().message;

    // The right pin works.
    std::ifstream ca_file(relay_.ca_file());
    std::stringstream ca_pem;
    ca_pem << ca_file.rdbuf();
    RelayEndpoint pinned = endpoint();
    pinned.tls = {"", "", net::certificate_fingerprint(ca_pem.str())};
    auto right = RelayApi::create(pinned);
    ASSERT_TRUE(right);
    EXPECT_TRUE(right->sign_in("tina", kPassword));

    RelayEndpoint malformed = endpoint();
    malformed.tls = {"", "", "sha256:nothex"};
    auto bad = RelayApi::create(malformed);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, core::Errc::invalid_argument);
    auto bad_viewer = ViewerSession::open(malformed, tina.token(), session.id(), {});
    ASSERT_FALSE(bad_viewer);
    EXPECT_EQ(bad_viewer.error().code, core::Errc::invalid_argument);
}

TEST_F(ViewerSessionTest, NoMachineSocketEndsOpenWithTheHandshakeTimeout) {
    RelayApi api = signed_in("tina");
    const v1::Session session = consented(api, v1::VIEW);
    RfbOptions options;
    options.handshake_timeout = 1s;
    const auto started = std::chrono::steady_clock::now();
    auto viewer = ViewerSession::open(endpoint(), api.token(), session.id(), options);
    ASSERT_FALSE(viewer);
    EXPECT_EQ(viewer.error().code, core::Errc::unavailable);
    EXPECT_NE(viewer.error().message.find("timed out"), std::string::npos) << viewer.error().message;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

// ---- RelayApi ----------------------------------------------------------------------------------------------

TEST_F(ViewerSessionTest, RelayApiPassesTheRelaysErrorsThrough) {
    auto api = RelayApi::create(endpoint());
    ASSERT_TRUE(api);
    auto wrong = api->sign_in("tina", "not the password");
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, core::Errc::unauthenticated);
    EXPECT_FALSE(wrong.error().message.empty());
    EXPECT_EQ(api->token(), "");

    RelayApi tom = signed_in("tom");
    auto not_his = tom.request_session(machine_.ticket, v1::VIEW);
    ASSERT_FALSE(not_his);
    EXPECT_EQ(not_his.error().code, core::Errc::permission_denied);
    auto unknown = tom.request_session("LL-999999", v1::VIEW);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, core::Errc::not_found);
    auto bad_ticket = tom.request_session("LL-1/../x", v1::VIEW);
    ASSERT_FALSE(bad_ticket);
    EXPECT_EQ(bad_ticket.error().code, core::Errc::invalid_argument);

    auto unreachable_endpoint = endpoint();
    unreachable_endpoint.port = 1;
    auto unreachable = RelayApi::create(unreachable_endpoint);
    ASSERT_TRUE(unreachable);
    auto down = unreachable->sign_in("tina", kPassword);
    ASSERT_FALSE(down);
    EXPECT_EQ(down.error().code, core::Errc::unavailable);
}

TEST_F(ViewerSessionTest, RelayApiWaitsForTheAnswerAndAsksForControl) {
    RelayApi api = signed_in("tina");
    auto requested = api.request_session(machine_.ticket, v1::VIEW);
    ASSERT_TRUE(requested);
    auto unanswered = api.wait_for_answer(requested->id(), 300ms);
    ASSERT_TRUE(unanswered);
    EXPECT_EQ(unanswered->state(), v1::Session::REQUESTED) << "the timeout answers the last state seen";
    machine_.answer_next_request(false, "not now");
    auto denied = api.wait_for_answer(requested->id(), 10s);
    ASSERT_TRUE(denied);
    EXPECT_EQ(denied->state(), v1::Session::DENIED);
    EXPECT_EQ(denied->ended_by(), "user");
    EXPECT_EQ(denied->end_reason(), "not now");

    const v1::Session active = consented(api, v1::VIEW);
    auto upgrade = api.request_upgrade(active.id());
    ASSERT_TRUE(upgrade) << upgrade.error().message;
    EXPECT_TRUE(upgrade->upgrade_pending());
    auto asked = machine_.answer_next_request(true);
    EXPECT_TRUE(asked.upgrade());
    EXPECT_TRUE(eventually([&] { return api.get_session(active.id())->mode() == v1::CONTROL; }));
}

// ---- teardown ----------------------------------------------------------------------------------------------

TEST_F(ViewerSessionTest, DestroyingTheSessionIsSafeInEveryState) {
    RelayApi api = signed_in("tina");
    const auto time_to_destroy = [](std::unique_ptr<ViewerSession>& viewer) {
        const auto started = std::chrono::steady_clock::now();
        viewer.reset();
        return std::chrono::steady_clock::now() - started;
    };

    {  // While the machine streams changes as fast as it can.
        TestRfbServer server(busy_picture(320, 200));
        const v1::Session session = consented(api, v1::VIEW);
        auto machine = machine_joins(session.id(), server);
        auto viewer = open_viewer(api, session.id());
        ASSERT_TRUE(viewer);
        std::atomic<bool> drawing{true};
        std::thread painter([&] {
            for (std::uint32_t i = 0; drawing; ++i)
                server.draw(static_cast<int>(i % 280), static_cast<int>(i % 160), 40, 40,
                            (i * 2654435761u) & 0xFFFFFFu);
        });
        ASSERT_TRUE(viewer->rfb().wait_for_updates(5, 10s));
        EXPECT_LT(time_to_destroy(viewer), 3s);
        drawing = false;
        painter.join();
        EXPECT_EQ(ended(api, session.id()).ended_by(), "technician:tina");
    }
    {  // Right after open, before anything was looked at.
        TestRfbServer server(busy_picture(64, 48));
        const v1::Session session = consented(api, v1::VIEW);
        auto machine = machine_joins(session.id(), server);
        auto viewer = open_viewer(api, session.id());
        ASSERT_TRUE(viewer);
        EXPECT_LT(time_to_destroy(viewer), 3s);
        EXPECT_EQ(ended(api, session.id()).state(), v1::Session::ENDED);
    }
    {  // After the relay ended it, with the RFB client still holding its picture.
        TestRfbServer server(busy_picture(64, 48));
        const v1::Session session = consented(api, v1::VIEW);
        auto machine = machine_joins(session.id(), server);
        auto viewer = open_viewer(api, session.id());
        ASSERT_TRUE(viewer);
        ASSERT_TRUE(viewer->rfb().wait_for_updates(1, 10s));
        ASSERT_TRUE(api.end_session(session.id()));
        ASSERT_TRUE(viewer->wait_closed(5s));
        EXPECT_EQ(viewer->rfb().framebuffer().width, 64) << "the last picture stays readable";
        EXPECT_LT(time_to_destroy(viewer), 1s);
    }
}

}  // namespace
}  // namespace lifeline::testing
