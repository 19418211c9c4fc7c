// Input injection on X11 through XTest: pointer motion, buttons and wheel, and keys by keysym. A
// keysym is typed on the key that produces it in the current layout, with Shift pressed or lifted
// around it as that key needs; a keysym no key produces is put on a spare keycode for as long as it
// is needed, the way x11vnc and x0vncserver do it.
//
// Not thread-safe: the screen server's loop thread makes every call, on the Display it passed to
// create(), and feeds it that Display's events through handle_event().
#pragma once

#include "shared/core/error.hpp"

#include <X11/XKBlib.h>
#include <X11/Xlib.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace lifeline::agent::screen {

class X11Input {
public:
    // Errc::unavailable when the X server lacks XTEST or XKB.
    static core::Result<std::unique_ptr<X11Input>> create(Display* display);
    // Lifts whatever is still held and gives the borrowed keycodes back.
    ~X11Input();
    X11Input(const X11Input&) = delete;
    X11Input& operator=(const X11Input&) = delete;

    // x and y in root-window coordinates. `button_mask` is RFB's: bits 0-2 are buttons 1-3, bits 3-6
    // the wheel (buttons 4-7, each press a whole click), bit 7 button 8.
    void pointer(int button_mask, int x, int y);
    void key(bool down, KeySym keysym);
    // Lifts every key and button held down through this class: the viewer left or lost control.
    void release_all();

    // Takes MappingNotify and XKB events (the layout changed). Returns true if the event was one of those.
    bool handle_event(XEvent& event);

    // For tests and logs: keycodes currently lent to keysyms the layout lacks.
    std::size_t borrowed_keycodes() const { return borrowed_.size(); }

private:
    struct KeymapDeleter {
        void operator()(XkbDescPtr keymap) const { ::XkbFreeKeyboard(keymap, 0, True); }
    };
    struct Placement {
        KeyCode code = 0;
        bool toggle_shift = false;  // the key gives the keysym only with Shift in the other state
    };
    struct Borrowed {
        KeySym keysym = NoSymbol;
        KeyCode code = 0;
        std::uint64_t last_use = 0;
    };

    explicit X11Input(Display* display) : display_(display) {}
    void refresh_keymap();
    KeySym produces(KeyCode code, unsigned mods, int group) const;
    bool has_symbol(KeyCode code, KeySym keysym) const;
    KeyCode any_keycode_for(KeySym keysym) const;
    std::optional<Placement> place(KeySym keysym, unsigned mods, int group) const;
    KeyCode borrow_keycode(KeySym keysym);
    void fake_key(KeyCode code, bool down);

    Display* display_;
    int screen_ = 0;
    int xkb_event_base_ = 0;
    std::unique_ptr<XkbDescRec, KeymapDeleter> keymap_;
    bool keymap_stale_ = false;

    int last_x_ = -1;
    int last_y_ = -1;
    int buttons_ = 0;                    // the last RFB button mask
    std::map<KeySym, KeyCode> pressed_;  // held keys, by the keysym the viewer pressed
    std::vector<KeyCode> spare_;         // keycodes without symbols, not yet lent out
    std::vector<Borrowed> borrowed_;
    std::uint64_t use_counter_ = 0;
};

}  // namespace lifeline::agent::screen
