#include "viewer/models/key_mapping.hpp"

#include "viewer/core/keysyms.hpp"

#include <QList>

#include <unordered_map>

namespace lifeline::viewer::models {

std::optional<std::uint32_t> keysym_for_key(int key, const QString& text) {
    static const std::unordered_map<int, std::uint32_t> named{
        {Qt::Key_Backspace, 0xff08}, {Qt::Key_Tab, 0xff09},     {Qt::Key_Backtab, 0xff09}, {Qt::Key_Return, 0xff0d},
        {Qt::Key_Enter, 0xff8d},     {Qt::Key_Escape, 0xff1b},  {Qt::Key_Delete, 0xffff},  {Qt::Key_Insert, 0xff63},
        {Qt::Key_Home, 0xff50},      {Qt::Key_End, 0xff57},     {Qt::Key_PageUp, 0xff55},  {Qt::Key_PageDown, 0xff56},
        {Qt::Key_Left, 0xff51},      {Qt::Key_Up, 0xff52},      {Qt::Key_Right, 0xff53},   {Qt::Key_Down, 0xff54},
        {Qt::Key_Shift, 0xffe1},     {Qt::Key_Control, 0xffe3}, {Qt::Key_Alt, 0xffe9},     {Qt::Key_AltGr, 0xfe03},
        {Qt::Key_Meta, 0xffeb},      {Qt::Key_Super_L, 0xffeb}, {Qt::Key_Super_R, 0xffec}, {Qt::Key_CapsLock, 0xffe5},
        {Qt::Key_NumLock, 0xff7f},   {Qt::Key_Print, 0xff61},   {Qt::Key_Pause, 0xff13},   {Qt::Key_Menu, 0xff67},
        {Qt::Key_Space, 0x0020},
    };
    if (auto it = named.find(key); it != named.end()) return it->second;
    if (key >= Qt::Key_F1 && key <= Qt::Key_F24) return 0xffbe + static_cast<std::uint32_t>(key - Qt::Key_F1);
    // With Ctrl held the event's text is a control character: send the key's own letter instead.
    if (key >= Qt::Key_A && key <= Qt::Key_Z && (text.isEmpty() || text.at(0).unicode() < 0x20)) {
        return static_cast<std::uint32_t>('a' + (key - Qt::Key_A));
    }
    const auto code_points = text.toUcs4();
    if (code_points.size() == 1 && code_points.front() >= 0x20) {
        if (auto keysym = keysym_for_code_point(static_cast<char32_t>(code_points.front()))) return *keysym;
    }
    if (key >= 0x20 && key < 0x7f) return static_cast<std::uint32_t>(QChar(key).toLower().unicode());
    return std::nullopt;
}

int rfb_buttons(Qt::MouseButtons buttons) {
    return (buttons & Qt::LeftButton ? 1 : 0) | (buttons & Qt::MiddleButton ? 2 : 0) |
           (buttons & Qt::RightButton ? 4 : 0);
}

}  // namespace lifeline::viewer::models
