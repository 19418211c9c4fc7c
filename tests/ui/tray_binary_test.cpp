// The real lifeline-tray program under Xvfb, against the real agent daemon and relay: nothing of the tray
// runs in this process. The test sees the tray only as the user would, through the X server: a session
// request brings up the consent window (found by its title), the keyboard denies it; Alt+A allows the
// next once the prompt is armed, the sharing banner appears, and ending the session takes it away; in
// Persian the prompt's title is the translated one. Screenshots of the whole screen go to
// tests/screenshots/tray-binary-*.png in the build directory.
#include "agent/machine/screenshot.hpp"
#include "tests/support/agent_process.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"
#include "tests/support/xvfb_process.hpp"

#include <gtest/gtest.h>

#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <thread>

namespace lifeline::testing {
namespace {

namespace fs = std::filesystem;

// What the user's X server shows: top-level windows by title, and keys typed as if on the keyboard.
class Screen {
public:
    explicit Screen(const std::string& display) : display_(XOpenDisplay(display.c_str())) {
        if (display_ == nullptr) throw std::runtime_error("cannot open " + display);
    }
    ~Screen() { XCloseDisplay(display_); }
    Screen(const Screen&) = delete;
    Screen& operator=(const Screen&) = delete;

    // The mapped top-level window titled `title` (_NET_WM_NAME, UTF-8), if there is one.
    std::optional<Window> find(const std::string& title) {
        Window root_return = 0, parent = 0;
        Window* children = nullptr;
        unsigned count = 0;
        std::optional<Window> found;
        if (!XQueryTree(display_, DefaultRootWindow(display_), &root_return, &parent, &children, &count)) return found;
        for (unsigned i = 0; i < count && !found; ++i) {
            XWindowAttributes attributes;
            if (!XGetWindowAttributes(display_, children[i], &attributes) || attributes.map_state != IsViewable)
                continue;
            if (name_of(children[i]) == title) found = children[i];
        }
        if (children != nullptr) XFree(children);
        return found;
    }

    // Gives `window` the keyboard, then presses `key` (with Alt when asked) and lets go.
    void type(Window window, KeySym key, bool alt = false) {
        XSetInputFocus(display_, window, RevertToParent, CurrentTime);
        const KeyCode alt_code = XKeysymToKeycode(display_, XK_Alt_L);
        if (alt) XTestFakeKeyEvent(display_, alt_code, True, CurrentTime);
        const KeyCode code = XKeysymToKeycode(display_, key);
        XTestFakeKeyEvent(display_, code, True, CurrentTime);
        XTestFakeKeyEvent(display_, code, False, CurrentTime);
        if (alt) XTestFakeKeyEvent(display_, alt_code, False, CurrentTime);
        XSync(display_, False);
    }

private:
    std::string name_of(Window window) {
        Atom type = 0;
        int format = 0;
        unsigned long items = 0, after = 0;
        unsigned char* data = nullptr;
        const Atom name = XInternAtom(display_, "_NET_WM_NAME", False);
        const Atom utf8 = XInternAtom(display_, "UTF8_STRING", False);
        std::string out;
        if (XGetWindowProperty(display_, window, name, 0, 1024, False, utf8, &type, &format, &items, &after, &data) ==
                Success &&
            data != nullptr) {
            out.assign(reinterpret_cast<const char*>(data), items);
        }
        if (data != nullptr) XFree(data);
        return out;
    }

    Display* display_;
};

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
}

void save_screen(const std::string& display, const std::string& name) {
    auto png = agent::machine::capture_png(display);
    ASSERT_TRUE(png) << png.error().message;
    fs::create_directories("screenshots");
    std::ofstream out(fs::path("screenshots") / ("tray-binary-" + name + ".png"), std::ios::binary);
    out << *png;
    EXPECT_TRUE(out.good());
}

// lifeline-tray as the desktop's autostart would start it, with its output in a log.
class TrayProgram {
public:
    TrayProgram(const AgentProcess& agent, const std::string& display, const std::string& language)
        : log_(fs::temp_directory_path() / ("lifeline-tray-" + std::to_string(::getpid()) + "-" + language + ".log")) {
        pid_ = spawn_logged({LIFELINE_TRAY_BIN, "--config", agent.config_file(), "--lang", language}, log_.string(),
                            {"DISPLAY=" + display, "QT_QPA_PLATFORM=xcb"});
    }
    ~TrayProgram() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            wait_exit(pid_);
        }
        fs::remove(log_);
    }
    bool running() {
        int status = 0;
        if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) pid_ = -1;
        return pid_ > 0;
    }
    std::string log() const {
        std::ifstream in(log_);
        return {std::istreambuf_iterator<char>(in), {}};
    }

private:
    fs::path log_;
    pid_t pid_ = -1;
};

v1::Session session_of(ApiClient& api, const std::string& id) {
    v1::Session s;
    from_json(api.call("GET", "/api/v1/sessions/" + id).body, s);
    return s;
}

std::string ask_session(ApiClient& api, const std::string& ticket, const std::string& mode) {
    auto response = api.call("POST", "/api/v1/tickets/" + ticket + "/sessions", R"({"mode":")" + mode + R"("})");
    EXPECT_EQ(response.status, 201u) << response.body;
    v1::Session s;
    from_json(response.body, s);
    return s.id();
}

TEST(TrayProgram, the_real_tray_asks_the_user_shows_the_banner_and_speaks_persian) {
    XvfbProcess x(1024, 700);
    Screen screen(x.display());  // also keeps Xvfb from resetting between the programs' connections
    RelayProcess relay;
    relay.start();
    ApiClient admin(relay.client());
    admin.login("admin", relay.admin_password());
    admin.create_user("tina", v1::TECHNICIAN, "tina-password-1", 1);
    ApiClient tina(relay.client());
    tina.login("tina", "tina-password-1");
    AgentProcess agent;
    ASSERT_EQ(agent.enroll(relay, "tray-binary").exit_code, 0);
    agent.start({"DISPLAY=" + x.display()});
    agent.wait_connected(true);
    auto help = agent.command({"help", "--subject", "The screen flickers"});
    ASSERT_EQ(help.exit_code, 0) << help.err;
    v1::TicketPage page;
    from_json(tina.call("GET", "/api/v1/tickets?q=flickers").body, page);
    ASSERT_EQ(page.tickets_size(), 1);
    const std::string number = page.tickets(0).number();
    ASSERT_EQ(tina.call("POST", "/api/v1/tickets/" + number + "/claim").status, 200u);

    const std::string prompt_title = "Someone asks to see your screen";
    {
        TrayProgram tray(agent, x.display(), "en");
        // The tray may still be starting when the request comes: the pushed status brings the prompt anyway.
        const std::string first = ask_session(tina, number, "VIEW");
        std::optional<Window> prompt;
        ASSERT_TRUE(eventually([&] { return (prompt = screen.find(prompt_title)).has_value(); })) << tray.log();
        save_screen(x.display(), "1-consent");
        screen.type(*prompt, XK_Return);  // the default button is Deny
        ASSERT_TRUE(eventually([&] { return session_of(tina, first).state() == v1::Session::DENIED; }));
        EXPECT_EQ(session_of(tina, first).end_reason(), "the user denied the request");
        EXPECT_TRUE(eventually([&] { return !screen.find(prompt_title); }));

        // Alt+A is Allow's key; it does nothing until the prompt is armed, so keep pressing until it takes.
        const std::string second = ask_session(tina, number, "CONTROL");
        ASSERT_TRUE(eventually([&] { return (prompt = screen.find(prompt_title)).has_value(); })) << tray.log();
        ASSERT_TRUE(eventually([&] {
            if (auto still = screen.find(prompt_title)) screen.type(*still, XK_a, true);
            return session_of(tina, second).state() == v1::Session::ACTIVE;
        })) << session_of(tina, second).DebugString()
            << agent.log();
        const std::string banner_title = "Lifeline: screen sharing";
        ASSERT_TRUE(eventually([&] { return screen.find(banner_title).has_value(); })) << tray.log();
        save_screen(x.display(), "2-banner");
        auto ended = agent.command({"session", "end"});
        ASSERT_EQ(ended.exit_code, 0) << ended.err;
        ASSERT_TRUE(eventually([&] { return session_of(tina, second).state() == v1::Session::ENDED; }));
        EXPECT_TRUE(eventually([&] { return !screen.find(banner_title); })) << "the banner goes with the session";
        EXPECT_TRUE(tray.running()) << tray.log();
    }

    // Persian, right to left: the same prompt under its translated title; Escape is no.
    TrayProgram tray(agent, x.display(), "fa");
    const std::string third = ask_session(tina, number, "VIEW");
    const std::string persian_title = "کسی می‌خواهد صفحهٔ شما را ببیند";
    std::optional<Window> prompt;
    ASSERT_TRUE(eventually([&] { return (prompt = screen.find(persian_title)).has_value(); })) << tray.log();
    EXPECT_FALSE(screen.find(prompt_title)) << "no English title left";
    save_screen(x.display(), "3-consent-fa");
    screen.type(*prompt, XK_Escape);
    ASSERT_TRUE(eventually([&] { return session_of(tina, third).state() == v1::Session::DENIED; }));
}

}  // namespace
}  // namespace lifeline::testing
