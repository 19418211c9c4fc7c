// XTest injection with keysym-to-keycode placement from the server's own XKB keymap.
#include "agent/screen/x11_input.hpp"

#include <X11/Xutil.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace lifeline::agent::screen {

namespace {

constexpr int kFirstWheelBit = 3;  // buttons 4-7: up, down, left, right
constexpr int kLastWheelBit = 6;

bool is_modifier_keysym(KeySym keysym) {
    return IsModifierKey(keysym) || keysym == XK_ISO_Level3_Shift || keysym == XK_ISO_Level5_Shift ||
           keysym == XK_ISO_Group_Shift;
}

bool is_shift(KeySym keysym) { return keysym == XK_Shift_L || keysym == XK_Shift_R; }

core::Error unavailable(std::string message) { return core::make_error(core::Errc::unavailable, std::move(message)); }

}  // namespace

core::Result<std::unique_ptr<X11Input>> X11Input::create(Display* display) {
    std::unique_ptr<X11Input> input(new X11Input(display));
    input->screen_ = DefaultScreen(display);
    int event_base = 0, error_base = 0, major = 0, minor = 0;
    if (!::XTestQueryExtension(display, &event_base, &error_base, &major, &minor)) {
        return unavailable("the X server has no XTEST extension");
    }
    int opcode = 0;
    major = XkbMajorVersion;
    minor = XkbMinorVersion;
    if (!::XkbQueryExtension(display, &opcode, &input->xkb_event_base_, &error_base, &major, &minor)) {
        return unavailable("the X server has no XKEYBOARD extension");
    }
    ::XkbSelectEvents(display, XkbUseCoreKbd, XkbNewKeyboardNotifyMask | XkbMapNotifyMask,
                      XkbNewKeyboardNotifyMask | XkbMapNotifyMask);
    input->refresh_keymap();
    if (!input->keymap_) return unavailable("cannot read the X keyboard map");

    // Keycodes that produce nothing can carry keysyms the layout lacks; the highest ones first, as
    // real keyboards rarely send them.
    for (int code = input->keymap_->max_key_code; code >= input->keymap_->min_key_code; --code) {
        if (XkbKeyNumSyms(input->keymap_.get(), code) == 0) input->spare_.push_back(static_cast<KeyCode>(code));
    }
    std::reverse(input->spare_.begin(), input->spare_.end());  // spare_.back() is the highest
    return input;
}

X11Input::~X11Input() {
    release_all();
    // Removing the borrowed symbols right after their last use could race the focused client's
    // lookup of that event, which is why they stay lent until now.
    for (const Borrowed& borrowed : borrowed_) {
        KeySym none = NoSymbol;
        ::XChangeKeyboardMapping(display_, borrowed.code, 1, &none, 1);
    }
    ::XFlush(display_);
}

void X11Input::refresh_keymap() {
    keymap_.reset(::XkbGetMap(display_, XkbKeyTypesMask | XkbKeySymsMask | XkbModifierMapMask, XkbUseCoreKbd));
    keymap_stale_ = false;
}

bool X11Input::handle_event(XEvent& event) {
    if (event.type == MappingNotify) {
        ::XRefreshKeyboardMapping(&event.xmapping);
        if (event.xmapping.request != MappingPointer) keymap_stale_ = true;
        return true;
    }
    if (event.type == xkb_event_base_) {
        keymap_stale_ = true;
        return true;
    }
    return false;
}

KeySym X11Input::produces(KeyCode code, unsigned mods, int group) const {
    unsigned consumed = 0;
    KeySym keysym = NoSymbol;
    if (!::XkbTranslateKeyCode(keymap_.get(), code, XkbBuildCoreState(mods, group), &consumed, &keysym)) {
        return NoSymbol;
    }
    return keysym;
}

bool X11Input::has_symbol(KeyCode code, KeySym keysym) const {
    const int count = XkbKeyNumSyms(keymap_.get(), code);
    const KeySym* syms = XkbKeySymsPtr(keymap_.get(), code);
    return std::find(syms, syms + count, keysym) != syms + count;
}

KeyCode X11Input::any_keycode_for(KeySym keysym) const {
    for (int code = keymap_->min_key_code; code <= keymap_->max_key_code; ++code) {
        if (has_symbol(static_cast<KeyCode>(code), keysym)) return static_cast<KeyCode>(code);
    }
    return 0;
}

std::optional<X11Input::Placement> X11Input::place(KeySym keysym, unsigned mods, int group) const {
    std::optional<Placement> with_shift_toggled;
    for (int code = keymap_->min_key_code; code <= keymap_->max_key_code; ++code) {
        const auto key = static_cast<KeyCode>(code);
        if (!has_symbol(key, keysym)) continue;
        if (produces(key, mods, group) == keysym) return Placement{key, false};
        if (!with_shift_toggled && produces(key, mods ^ ShiftMask, group) == keysym) {
            with_shift_toggled = Placement{key, true};
        }
    }
    return with_shift_toggled;
}

KeyCode X11Input::borrow_keycode(KeySym keysym) {
    for (Borrowed& borrowed : borrowed_) {
        if (borrowed.keysym == keysym) {
            borrowed.last_use = ++use_counter_;
            return borrowed.code;
        }
    }
    KeyCode code = 0;
    if (!spare_.empty()) {
        code = spare_.back();
        spare_.pop_back();
    } else {
        // All lent out: take back the least recently used one that is not held down.
        auto victim = borrowed_.end();
        for (auto it = borrowed_.begin(); it != borrowed_.end(); ++it) {
            const bool held = std::any_of(pressed_.begin(), pressed_.end(),
                                          [&](const auto& entry) { return entry.second == it->code; });
            if (!held && (victim == borrowed_.end() || it->last_use < victim->last_use)) victim = it;
        }
        if (victim == borrowed_.end()) return 0;
        code = victim->code;
        borrowed_.erase(victim);
    }
    // The same symbol on both levels, so Shift (held by the viewer or not) cannot change it.
    KeySym syms[2] = {keysym, keysym};
    ::XChangeKeyboardMapping(display_, code, 2, syms, 1);
    borrowed_.push_back(Borrowed{keysym, code, ++use_counter_});
    keymap_stale_ = true;
    return code;
}

void X11Input::fake_key(KeyCode code, bool down) { ::XTestFakeKeyEvent(display_, code, down ? True : False, 0); }

void X11Input::key(bool down, KeySym keysym) {
    if (keymap_stale_) refresh_keymap();
    if (!keymap_) return;

    if (!down) {
        auto held = pressed_.find(keysym);
        if (held == pressed_.end()) {
            // Some viewers lift a different keysym than they pressed ('A' down, Shift up, 'a' up):
            // lift the held key that carries this one.
            held = std::find_if(pressed_.begin(), pressed_.end(),
                                [&](const auto& entry) { return has_symbol(entry.second, keysym); });
        }
        if (held == pressed_.end()) return;
        fake_key(held->second, false);
        pressed_.erase(held);
        ::XFlush(display_);
        return;
    }

    if (auto repeat = pressed_.find(keysym); repeat != pressed_.end()) {
        fake_key(repeat->second, true);  // auto-repeat from the viewer
        ::XFlush(display_);
        return;
    }

    if (is_modifier_keysym(keysym)) {
        // Modifiers go on their own key as they are; the state they make is the viewer's business.
        KeyCode code = any_keycode_for(keysym);
        if (code == 0) code = borrow_keycode(keysym);
        if (code == 0) return;
        fake_key(code, true);
        pressed_[keysym] = code;
        ::XFlush(display_);
        return;
    }

    XkbStateRec state{};
    ::XkbGetState(display_, XkbUseCoreKbd, &state);
    auto placement = place(keysym, state.mods, state.group);
    if (!placement) {
        const KeyCode code = borrow_keycode(keysym);
        if (code == 0) {
            spdlog::debug("agent: screen: no keycode left for keysym {:#x}", keysym);
            return;
        }
        placement = Placement{code, false};
    }

    if (!placement->toggle_shift) {
        fake_key(placement->code, true);
    } else if (state.mods & ShiftMask) {
        // The viewer holds Shift but wants the unshifted symbol: lift our Shift keys around the press.
        std::vector<KeyCode> shifts;
        for (const auto& [held_keysym, code] : pressed_) {
            if (is_shift(held_keysym)) shifts.push_back(code);
        }
        for (KeyCode code : shifts)
            fake_key(code, false);
        fake_key(placement->code, true);
        for (KeyCode code : shifts)
            fake_key(code, true);
    } else {
        const KeyCode shift = any_keycode_for(XK_Shift_L);
        if (shift != 0) fake_key(shift, true);
        fake_key(placement->code, true);
        if (shift != 0) fake_key(shift, false);
    }
    pressed_[keysym] = placement->code;
    ::XFlush(display_);
}

void X11Input::pointer(int button_mask, int x, int y) {
    if (x != last_x_ || y != last_y_) {
        ::XTestFakeMotionEvent(display_, screen_, x, y, 0);
        last_x_ = x;
        last_y_ = y;
    }
    for (int bit = 0; bit < 8; ++bit) {
        const bool now = (button_mask & (1 << bit)) != 0;
        const bool before = (buttons_ & (1 << bit)) != 0;
        const auto button = static_cast<unsigned>(bit + 1);
        if (bit >= kFirstWheelBit && bit <= kLastWheelBit) {
            // A wheel step is a press and release; viewers differ in when they clear the bit.
            if (now && !before) {
                ::XTestFakeButtonEvent(display_, button, True, 0);
                ::XTestFakeButtonEvent(display_, button, False, 0);
            }
        } else if (now != before) {
            ::XTestFakeButtonEvent(display_, button, now ? True : False, 0);
        }
    }
    buttons_ = button_mask;
    ::XFlush(display_);
}

void X11Input::release_all() {
    for (const auto& [keysym, code] : pressed_)
        fake_key(code, false);
    pressed_.clear();
    for (int bit = 0; bit < 8; ++bit) {
        const bool wheel = bit >= kFirstWheelBit && bit <= kLastWheelBit;
        if (!wheel && (buttons_ & (1 << bit))) {
            ::XTestFakeButtonEvent(display_, static_cast<unsigned>(bit + 1), False, 0);
        }
    }
    buttons_ = 0;
    ::XFlush(display_);
}

}  // namespace lifeline::agent::screen
