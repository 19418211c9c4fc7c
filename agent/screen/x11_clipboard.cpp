// ICCCM selection owner and requestor for text, with XFixes telling us when CLIPBOARD changes hands.
#include "agent/screen/x11_clipboard.hpp"

#include "agent/screen/x11_handles.hpp"

#include <X11/Xatom.h>
#include <X11/extensions/Xfixes.h>
#include <spdlog/spdlog.h>

#include <array>

namespace lifeline::agent::screen {

std::string latin1_to_utf8(std::string_view latin1) {
    std::string out;
    out.reserve(latin1.size());
    for (char c : latin1) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x80) {
            out.push_back(c);
        } else {
            out.push_back(static_cast<char>(0xc0 | (byte >> 6)));
            out.push_back(static_cast<char>(0x80 | (byte & 0x3f)));
        }
    }
    return out;
}

std::string utf8_to_latin1(std::string_view utf8) {
    std::string out;
    out.reserve(utf8.size());
    std::size_t i = 0;
    while (i < utf8.size()) {
        const auto lead = static_cast<unsigned char>(utf8[i]);
        std::size_t length = lead < 0x80           ? 1
                             : (lead >> 5) == 0x6  ? 2
                             : (lead >> 4) == 0xe  ? 3
                             : (lead >> 3) == 0x1e ? 4
                                                   : 0;
        if (length == 0 || i + length > utf8.size()) {
            out.push_back('?');
            ++i;
            continue;
        }
        std::uint32_t code = length == 1 ? lead : lead & (0x7f >> length);
        bool valid = true;
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(utf8[i + k]);
            if ((next & 0xc0) != 0x80) {
                valid = false;
                break;
            }
            code = (code << 6) | (next & 0x3f);
        }
        if (!valid) {
            out.push_back('?');
            ++i;
            continue;
        }
        out.push_back(code < 0x100 ? static_cast<char>(code) : '?');
        i += length;
    }
    return out;
}

core::Result<std::unique_ptr<X11Clipboard>> X11Clipboard::create(Display* display) {
    std::unique_ptr<X11Clipboard> clipboard(new X11Clipboard(display));
    int error_base = 0;
    if (!::XFixesQueryExtension(display, &clipboard->fixes_event_base_, &error_base)) {
        return core::make_error(core::Errc::unavailable, "the X server has no XFIXES extension");
    }
    int major = 5, minor = 0;
    ::XFixesQueryVersion(display, &major, &minor);

    clipboard->clipboard_ = ::XInternAtom(display, "CLIPBOARD", False);
    clipboard->utf8_string_ = ::XInternAtom(display, "UTF8_STRING", False);
    clipboard->text_plain_utf8_ = ::XInternAtom(display, "text/plain;charset=utf-8", False);
    clipboard->text_ = ::XInternAtom(display, "TEXT", False);
    clipboard->targets_ = ::XInternAtom(display, "TARGETS", False);
    clipboard->incr_ = ::XInternAtom(display, "INCR", False);
    clipboard->property_ = ::XInternAtom(display, "LIFELINE_SELECTION", False);
    // Without INCR, what we put on a requestor's window must fit into one request.
    long max_request = ::XExtendedMaxRequestSize(display);
    if (max_request == 0) max_request = ::XMaxRequestSize(display);
    clipboard->max_property_bytes_ = static_cast<std::size_t>(max_request) * 4 - 64;

    // Never mapped: it exists to own selections and receive their conversions.
    clipboard->window_ = ::XCreateSimpleWindow(display, DefaultRootWindow(display), -10, -10, 1, 1, 0, 0, 0);
    ::XFixesSelectSelectionInput(display, clipboard->window_, clipboard->clipboard_, XFixesSetSelectionOwnerNotifyMask);
    return clipboard;
}

X11Clipboard::~X11Clipboard() {
    if (window_ != None) {
        ::XFixesSelectSelectionInput(display_, window_, clipboard_, 0);
        ::XDestroyWindow(display_, window_);
        ::XFlush(display_);
    }
}

void X11Clipboard::set_text(std::string utf8) {
    if (utf8.size() > kMaxText) return;
    offered_ = std::move(utf8);
    ::XSetSelectionOwner(display_, clipboard_, window_, CurrentTime);
    ::XSetSelectionOwner(display_, XA_PRIMARY, window_, CurrentTime);
    own_clipboard_ = ::XGetSelectionOwner(display_, clipboard_) == window_;
    own_primary_ = ::XGetSelectionOwner(display_, XA_PRIMARY) == window_;
}

std::optional<std::string> X11Clipboard::take_local_text() {
    auto text = std::move(fetched_);
    fetched_.reset();
    return text;
}

bool X11Clipboard::handle_event(XEvent& event) {
    switch (event.type) {
        case SelectionRequest:
            if (event.xselectionrequest.owner != window_) return false;
            answer(event.xselectionrequest);
            return true;
        case SelectionClear:
            if (event.xselectionclear.window != window_) return false;
            if (event.xselectionclear.selection == clipboard_) own_clipboard_ = false;
            if (event.xselectionclear.selection == XA_PRIMARY) own_primary_ = false;
            if (!own_clipboard_ && !own_primary_) offered_.clear();
            return true;
        case SelectionNotify:
            if (event.xselection.requestor != window_) return false;
            receive(event.xselection);
            return true;
        default: break;
    }
    if (event.type == fixes_event_base_ + XFixesSelectionNotify) {
        const auto& notify = reinterpret_cast<const XFixesSelectionNotifyEvent&>(event);
        if (notify.selection != clipboard_ || notify.owner == window_ || notify.owner == None) return true;
        if (watching_) {
            ::XConvertSelection(display_, clipboard_, utf8_string_, property_, window_, notify.selection_timestamp);
        }
        return true;
    }
    return false;
}

void X11Clipboard::answer(const XSelectionRequestEvent& request) {
    XEvent reply{};
    reply.xselection.type = SelectionNotify;
    reply.xselection.display = display_;
    reply.xselection.requestor = request.requestor;
    reply.xselection.selection = request.selection;
    reply.xselection.target = request.target;
    reply.xselection.time = request.time;
    reply.xselection.property = None;  // refused, unless set below
    // ICCCM: obsolete clients leave the property out and mean the target's name.
    const Atom property = request.property != None ? request.property : request.target;
    const bool owned =
        (request.selection == clipboard_ && own_clipboard_) || (request.selection == XA_PRIMARY && own_primary_);

    if (owned && request.target == targets_) {
        const std::array<Atom, 5> targets{targets_, utf8_string_, text_plain_utf8_, XA_STRING, text_};
        ::XChangeProperty(display_, request.requestor, property, XA_ATOM, 32, PropModeReplace,
                          reinterpret_cast<const unsigned char*>(targets.data()), static_cast<int>(targets.size()));
        reply.xselection.property = property;
    } else if (owned && (request.target == utf8_string_ || request.target == text_plain_utf8_ ||
                         request.target == XA_STRING || request.target == text_)) {
        const bool utf8 = request.target == utf8_string_ || request.target == text_plain_utf8_;
        const std::string data = utf8 ? offered_ : utf8_to_latin1(offered_);
        if (data.size() <= max_property_bytes_) {
            ::XChangeProperty(display_, request.requestor, property, utf8 ? request.target : XA_STRING, 8,
                              PropModeReplace, reinterpret_cast<const unsigned char*>(data.data()),
                              static_cast<int>(data.size()));
            reply.xselection.property = property;
        }
    }
    ::XSendEvent(display_, request.requestor, False, NoEventMask, &reply);
    ::XFlush(display_);
}

void X11Clipboard::receive(const XSelectionEvent& notify) {
    if (notify.selection != clipboard_) return;
    if (notify.property == None) {
        // The owner has no UTF-8: older clients may still have Latin-1.
        if (notify.target == utf8_string_) {
            ::XConvertSelection(display_, clipboard_, XA_STRING, property_, window_, notify.time);
        }
        return;
    }
    Atom type = None;
    int format = 0;
    unsigned long count = 0, bytes_after = 0;
    unsigned char* raw = nullptr;
    const int status = ::XGetWindowProperty(display_, window_, notify.property, 0, kMaxText / 4 + 1, True,
                                            AnyPropertyType, &type, &format, &count, &bytes_after, &raw);
    XPtr<unsigned char> data(raw);
    if (status != Success || !data) return;
    if (type == incr_ || bytes_after > 0 || format != 8 || count > kMaxText) {
        // INCR is how owners send large selections; we do not forward those.
        spdlog::info("agent: screen: the local clipboard is too large to forward");
        ::XDeleteProperty(display_, window_, notify.property);
        return;
    }
    std::string text(reinterpret_cast<const char*>(data.get()), count);
    fetched_ = type == XA_STRING ? latin1_to_utf8(text) : std::move(text);
}

}  // namespace lifeline::agent::screen
