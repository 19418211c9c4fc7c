// A remote session end to end, every part real: the relay, the agent on an Xvfb display with its
// screen server, and the technician's viewer core (and the headless viewer program) decoding the
// screen through the relay. Pixels, view-only enforcement at the agent, the upgrade to control,
// pointer input reaching X, and the user ending it.
#include "tests/support/agent_process.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/png_reader.hpp"
#include "tests/support/xvfb_process.hpp"
#include "viewer/core/session_client.hpp"

#include <gtest/gtest.h>

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/Xrandr.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <thread>

namespace lifeline::testing {
namespace {

constexpr const char* kTechPassword = "tech-password-1";
constexpr std::uint32_t kTeal = 0x008080;
constexpr std::uint32_t kOrange = 0xff8000;

// A full-screen window on the test's X server whose colour the test sets: what the user "has on screen".
class Desktop {
public:
    explicit Desktop(const std::string& display) : display_(XOpenDisplay(display.c_str())) {
        if (!display_) throw std::runtime_error("cannot open " + display);
        XSetWindowAttributes attributes{};
        attributes.override_redirect = True;
        attributes.event_mask = KeyPressMask | ButtonPressMask;
        window_ = XCreateWindow(display_, DefaultRootWindow(display_), 0, 0, 1024, 768, 0, CopyFromParent, InputOutput,
                                CopyFromParent, CWOverrideRedirect | CWEventMask, &attributes);
        XMapRaised(display_, window_);
        XSync(display_, False);
        XSetInputFocus(display_, window_, RevertToParent, CurrentTime);
        // The pointer starts in the middle and libvncserver draws it into the picture: park it in a corner.
        XWarpPointer(display_, None, DefaultRootWindow(display_), 0, 0, 0, 0, 1023, 767);
        XSync(display_, False);
    }
    // A pattern of coloured blocks over the background, to compare pixel for pixel.
    void paint_pattern() {
        GC gc = XCreateGC(display_, window_, 0, nullptr);
        const std::uint32_t colours[] = {0xff0000, 0x00ff00, 0x0000ff, 0xffff00, 0x00ffff, 0xff00ff, 0x123456};
        for (int i = 0; i < 7; ++i) {
            XSetForeground(display_, gc, colours[i]);
            XFillRectangle(display_, window_, gc, 37 + i * 131, 29 + i * 97, 101, 67);
        }
        XFreeGC(display_, gc);
        XSync(display_, False);
    }
    // The X server's own picture of the screen, 0x00RRGGBB.
    std::vector<std::uint32_t> image() {
        XImage* shot = XGetImage(display_, DefaultRootWindow(display_), 0, 0, 1024, 768, AllPlanes, ZPixmap);
        std::vector<std::uint32_t> pixels(1024u * 768u);
        for (int y = 0; y < 768; ++y)
            for (int x = 0; x < 1024; ++x)
                pixels[static_cast<std::size_t>(y) * 1024u + static_cast<std::size_t>(x)] =
                    static_cast<std::uint32_t>(XGetPixel(shot, x, y)) & 0xffffff;
        XDestroyImage(shot);
        return pixels;
    }
    // What the test's window received: "click@X,Y " for a button press, the typed characters for keys.
    std::string events(std::chrono::milliseconds wait, std::size_t want) {
        std::string seen;
        auto deadline = std::chrono::steady_clock::now() + wait;
        while (seen.size() < want && std::chrono::steady_clock::now() < deadline) {
            if (XPending(display_) == 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
                continue;
            }
            XEvent event;
            XNextEvent(display_, &event);
            if (event.type == ButtonPress) {
                seen += "click@" + std::to_string(event.xbutton.x) + "," + std::to_string(event.xbutton.y) + " ";
            } else if (event.type == KeyPress) {
                char text[8] = {};
                KeySym keysym = 0;
                int n = XLookupString(&event.xkey, text, sizeof text, &keysym, nullptr);
                seen.append(text, static_cast<std::size_t>(std::max(n, 0)));
            }
        }
        return seen;
    }
    ~Desktop() { XCloseDisplay(display_); }
    void paint(std::uint32_t rgb) {
        XSetWindowBackground(display_, window_, rgb);
        XClearWindow(display_, window_);
        XSync(display_, False);
    }
    // Adds a RandR 1.5 monitor over the top right quarter (no real output needed); answers its index in
    // XRRGetMonitors order, the index a session's `monitor` picks.
    int add_monitor_top_right() {
        XRRMonitorInfo* monitor = XRRAllocateMonitor(display_, 0);
        monitor->name = XInternAtom(display_, "RIGHT", False);
        monitor->x = 512;
        monitor->y = 0;
        monitor->width = 512;
        monitor->height = 384;
        monitor->mwidth = 135;
        monitor->mheight = 101;
        XRRSetMonitor(display_, DefaultRootWindow(display_), monitor);
        XFree(monitor);
        XSync(display_, False);
        int count = 0, index = -1;
        XRRMonitorInfo* monitors = XRRGetMonitors(display_, DefaultRootWindow(display_), True, &count);
        for (int i = 0; i < count; ++i)
            if (monitors[i].name == XInternAtom(display_, "RIGHT", False)) index = i;
        XRRFreeMonitors(monitors);
        return index;
    }
    std::pair<int, int> pointer() {
        Window root, child;
        int x = 0, y = 0, wx = 0, wy = 0;
        unsigned mask = 0;
        XQueryPointer(display_, DefaultRootWindow(display_), &root, &child, &x, &y, &wx, &wy, &mask);
        return {x, y};
    }

private:
    Display* display_;
    Window window_ = 0;
};

class SessionEndToEndTest : public ::testing::Test {
protected:
    void SetUp() override {
        relay_.start();
        ApiClient admin(relay_.client());
        admin.login("admin", relay_.admin_password());
        admin.create_user("tina", v1::TECHNICIAN, kTechPassword, 1);
        tina_.emplace(relay_.client());
        tina_->login("tina", kTechPassword);
        desktop_.emplace(xvfb_.display());
        desktop_->paint(kTeal);
    }

    std::string start_agent_with_ticket(const std::vector<std::string>& enroll_extra = {}) {
        auto enrolled = agent_.enroll(relay_, "machine-e2e", {}, {}, enroll_extra);
        EXPECT_EQ(enrolled.exit_code, 0) << enrolled.err;
        agent_.start({"DISPLAY=" + xvfb_.display()});
        agent_.wait_connected(true);
        auto help = agent_.command({"help", "--subject", "Spreadsheet shows wrong colours"});
        std::smatch number;
        EXPECT_TRUE(std::regex_search(help.out, number, std::regex("LL-\\d{6}"))) << help.out << help.err;
        EXPECT_EQ(tina_->call("POST", "/api/v1/tickets/" + number.str() + "/claim").status, 200u);
        return number.str();
    }

    viewer::RelayApi api() {
        viewer::RelayEndpoint relay{"127.0.0.1", relay_.port(), {relay_.ca_file(), "", ""}};
        auto created = viewer::RelayApi::create(relay);
        EXPECT_TRUE(created) << created.error().message;
        created->use_token(tina_->token());
        return std::move(*created);
    }

    // The user answers from the terminal once the agent shows the request.
    void user_answers(const std::string& answer) {
        for (int i = 0; i < 100 && agent_.status_json().find("pendingRequest") == std::string::npos; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        auto answered = agent_.command({"consent", answer});
        ASSERT_EQ(answered.exit_code, 0) << answered.err << agent_.log();
    }

    // A pixel away from the pointer (which starts at the centre, and is drawn into the picture).
    static std::uint32_t sample(const viewer::Framebuffer& fb) {
        return fb.pixels[700u * static_cast<std::size_t>(fb.width) + 900u] & 0xffffff;
    }

    // Waits until the viewer's picture shows `rgb` in the middle of the screen.
    static bool wait_for_colour(viewer::ViewerSession& session, std::uint32_t rgb) {
        for (int i = 0; i < 100; ++i) {
            auto fb = session.rfb().framebuffer();
            if (fb.width == 1024 && fb.height == 768 && sample(fb) == rgb) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }

    RelayProcess relay_;
    XvfbProcess xvfb_;
    AgentProcess agent_;
    std::optional<Desktop> desktop_;
    std::optional<ApiClient> tina_;
};

TEST_F(SessionEndToEndTest, the_technician_sees_the_screen_controls_it_after_an_upgrade_and_the_user_ends_it) {
    auto ticket = start_agent_with_ticket();
    auto relay_api = api();
    auto requested = relay_api.request_session(ticket, v1::VIEW);
    ASSERT_TRUE(requested) << requested.error().message;
    user_answers("allow");
    auto answered = relay_api.wait_for_answer(requested->id(), std::chrono::seconds(10));
    ASSERT_TRUE(answered);
    ASSERT_EQ(answered->state(), v1::Session::ACTIVE);

    viewer::RfbOptions options;
    options.encoding = viewer::Encoding::raw;
    options.handshake_timeout = std::chrono::seconds(30);
    auto session = viewer::ViewerSession::open(relay_api.relay(), relay_api.token(), requested->id(), options);
    ASSERT_TRUE(session) << session.error().message << agent_.log();
    auto& viewer = **session;
    ASSERT_TRUE(viewer.rfb().wait_for_updates(1, std::chrono::seconds(10)));
    auto first = viewer.rfb().framebuffer();
    EXPECT_EQ(first.width, 1024);
    EXPECT_EQ(first.height, 768);
    EXPECT_TRUE(wait_for_colour(viewer, kTeal)) << std::hex << sample(viewer.rfb().framebuffer());

    // The user's screen changes: the change arrives, and (raw is lossless) equals the X server's image.
    desktop_->paint(kOrange);
    EXPECT_TRUE(wait_for_colour(viewer, kOrange)) << std::hex << sample(viewer.rfb().framebuffer());
    desktop_->paint_pattern();
    auto truth = desktop_->image();
    std::size_t differing = truth.size();
    for (int i = 0; i < 100 && differing != 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        auto fb = viewer.rfb().framebuffer();
        differing = 0;
        for (int y = 0; y < 768; ++y)
            for (int x = 0; x < 1024; ++x) {
                if (x >= 1000 && y >= 740) continue;  // the pointer, parked in the corner, drawn by the server
                auto at = static_cast<std::size_t>(y) * 1024u + static_cast<std::size_t>(x);
                differing += (fb.pixels[at] & 0xffffff) != truth[at] ? 1 : 0;
            }
    }
    EXPECT_EQ(differing, 0u) << "pixels differ between the viewer and the X server";

    // A view session: the agent drops whatever input the viewer sends.
    auto type = [&](const std::vector<std::uint32_t>& keysyms) {
        for (auto keysym : keysyms) {
            ASSERT_TRUE(viewer.rfb().send_key(keysym, true));
            ASSERT_TRUE(viewer.rfb().send_key(keysym, false));
        }
    };
    auto click = [&](int x, int y) {
        ASSERT_TRUE(viewer.rfb().send_pointer(x, y, 0));
        ASSERT_TRUE(viewer.rfb().send_pointer(x, y, 1));
        ASSERT_TRUE(viewer.rfb().send_pointer(x, y, 0));
    };
    auto before = desktop_->pointer();
    click(321, 234);
    type({'H', 'i', '!'});
    EXPECT_EQ(desktop_->events(std::chrono::milliseconds(700), 1), "") << "input reached X in a view-only session";
    EXPECT_EQ(desktop_->pointer(), before);

    // The technician asks for control; the user agrees; now the pointer moves.
    ASSERT_TRUE(relay_api.request_upgrade(requested->id()));
    user_answers("allow");
    bool moved = false;
    for (int i = 0; i < 100 && !moved; ++i) {
        ASSERT_TRUE(viewer.rfb().send_pointer(321 + i % 2, 234, 0));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        auto [x, y] = desktop_->pointer();
        moved = (x == 321 || x == 322) && y == 234;
    }
    EXPECT_TRUE(moved) << "control was granted but the pointer did not move";
    EXPECT_EQ(relay_api.get_session(requested->id())->mode(), v1::CONTROL);
    // A click, then typed text with shifted symbols, arrive in order.
    desktop_->events(std::chrono::milliseconds(100), 1000);  // drop what the pointer moves caused
    click(400, 300);
    type({'H', 'i', '!', ' ', 'A', '@', '#', '1'});
    EXPECT_EQ(desktop_->events(std::chrono::seconds(5), 22), "click@400,300 Hi! A@#1");

    // Clipboard text the technician sends is in the audit log: direction and size, never the text.
    ASSERT_TRUE(viewer.rfb().send_clipboard("ticket 42"));
    ApiClient admin(relay_.client());
    admin.login("admin", relay_.admin_password());
    const std::string audit_query = "/api/v1/audit?session=" + requested->id() + "&action=session.clipboard";
    net::HttpResponse clipboard_rows;
    for (int i = 0; i < 100; ++i) {
        clipboard_rows = admin.call("GET", audit_query);
        if (clipboard_rows.body.find("session.clipboard") != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    v1::AuditPage page;
    from_json(clipboard_rows.body, page);
    ASSERT_EQ(page.entries_size(), 1) << clipboard_rows.body;
    EXPECT_EQ(page.entries(0).actor(), "device:" + agent_.device_id());
    EXPECT_EQ(page.entries(0).ticket_number(), ticket);
    const auto& details = page.entries(0).details().fields();
    EXPECT_EQ(details.at("direction").string_value(), "to_machine");
    EXPECT_EQ(details.at("bytes").number_value(), 9);
    EXPECT_EQ(clipboard_rows.body.find("ticket 42"), std::string::npos) << "the text itself is not logged";

    // The user stops sharing: the viewer is cut off at once and the relay records it.
    ASSERT_EQ(agent_.command({"session", "end"}).exit_code, 0);
    EXPECT_TRUE(viewer.wait_closed(std::chrono::seconds(10)));
    // The end is recorded at once; the byte counts when the relay's pumps have stopped.
    auto ended = relay_api.get_session(requested->id());
    for (int i = 0; i < 100 && ended && ended->bytes_to_viewer() == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        ended = relay_api.get_session(requested->id());
    }
    ASSERT_TRUE(ended);
    EXPECT_EQ(ended->state(), v1::Session::ENDED);
    EXPECT_EQ(ended->ended_by(), "user");
    EXPECT_GT(ended->bytes_to_viewer(), 1024 * 768) << "at least one full raw frame went through";
}

TEST_F(SessionEndToEndTest, the_technician_picks_one_monitor_of_the_machine) {
    const int right = desktop_->add_monitor_top_right();
    ASSERT_GE(right, 0);
    auto ticket = start_agent_with_ticket({"--consent", "unattended"});
    ApiClient admin(relay_.client());
    admin.login("admin", relay_.admin_password());
    ASSERT_EQ(admin.call("POST", "/api/v1/agents/" + agent_.device_id() + "/unattended", R"({"allowed":true})").status,
              200u);
    // The machine lists its monitors in the order a session picks them.
    auto device = tina_->call("GET", "/api/v1/agents/" + agent_.device_id());
    ASSERT_EQ(device.status, 200u);
    EXPECT_NE(device.body.find("\"name\":\"RIGHT\""), std::string::npos) << device.body;

    std::string token_file = agent_.state_dir() + "/../token";
    { std::ofstream(token_file) << tina_->token(); }
    auto viewer = [&](const std::string& monitor, const std::string& png) {
        return run_program(
            {LIFELINE_VIEWER_BIN, "--headless", "--relay", "https://127.0.0.1:" + std::to_string(relay_.port()),
             "--ca-file", relay_.ca_file(), "--token-file", token_file, "--ticket", ticket, "--monitor", monitor,
             "--screenshot", png, "--end"},
            "", {});
    };
    const std::string png = agent_.state_dir() + "/../monitor-shot.png";
    auto run = viewer(std::to_string(right), png);
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err << agent_.log();
    EXPECT_NE(run.out.find("\"width\":512"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("\"height\":384"), std::string::npos) << run.out;
    const viewer::Framebuffer picture = read_png(png);
    EXPECT_EQ(picture.width, 512);
    EXPECT_EQ(picture.height, 384);
    EXPECT_EQ(picture.pixels[200u * 512u + 100u] & 0xffffff, kTeal);

    // A monitor the machine does not have is refused before anyone is asked.
    auto refused = viewer("9", png);
    EXPECT_NE(refused.exit_code, 0);
    EXPECT_NE(refused.err.find("the machine has 2 monitors"), std::string::npos) << refused.err;
}

TEST_F(SessionEndToEndTest, the_headless_viewer_takes_a_screenshot_of_an_unattended_machine) {
    auto ticket = start_agent_with_ticket({"--consent", "unattended"});
    ApiClient admin(relay_.client());
    admin.login("admin", relay_.admin_password());
    ASSERT_EQ(admin.call("POST", "/api/v1/agents/" + agent_.device_id() + "/unattended", R"({"allowed":true})").status,
              200u);
    std::string png = agent_.state_dir() + "/../viewer-shot.png";
    std::string token_file = agent_.state_dir() + "/../token";
    { std::ofstream(token_file) << tina_->token(); }
    auto run =
        run_program({LIFELINE_VIEWER_BIN, "--headless", "--relay", "https://127.0.0.1:" + std::to_string(relay_.port()),
                     "--ca-file", relay_.ca_file(), "--token-file", token_file, "--ticket", ticket, "--encoding",
                     "zrle", "--screenshot", png, "--end"},
                    "", {});
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err << agent_.log();
    EXPECT_NE(run.out.find("\"width\":1024"), std::string::npos) << run.out;

    const viewer::Framebuffer picture = read_png(png);
    ASSERT_EQ(picture.width, 1024);
    EXPECT_EQ(picture.pixels[700u * 1024u + 900u], kTeal);
}

}  // namespace
}  // namespace lifeline::testing
