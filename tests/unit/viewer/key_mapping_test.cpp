// The technician's keys as X keysyms, and mouse buttons as RFB's mask.
#include "viewer/models/key_mapping.hpp"

#include <gtest/gtest.h>

namespace lifeline::viewer::models {
namespace {

TEST(KeyMapping, NamedKeysByTheirKeyCode) {
    EXPECT_EQ(keysym_for_key(Qt::Key_Return, "\r"), 0xff0du);
    EXPECT_EQ(keysym_for_key(Qt::Key_Escape, "\x1b"), 0xff1bu);
    EXPECT_EQ(keysym_for_key(Qt::Key_Left, {}), 0xff51u);
    EXPECT_EQ(keysym_for_key(Qt::Key_F1, {}), 0xffbeu);
    EXPECT_EQ(keysym_for_key(Qt::Key_F12, {}), 0xffc9u);
    EXPECT_EQ(keysym_for_key(Qt::Key_Shift, {}), 0xffe1u);
    EXPECT_EQ(keysym_for_key(Qt::Key_Tab, "\t"), 0xff09u);
}

TEST(KeyMapping, CharactersByWhatTheyTyped) {
    EXPECT_EQ(keysym_for_key(Qt::Key_A, "a"), 0x61u);
    EXPECT_EQ(keysym_for_key(Qt::Key_A, "A"), 0x41u);
    EXPECT_EQ(keysym_for_key(Qt::Key_Exclam, "!"), 0x21u);
    EXPECT_EQ(keysym_for_key(Qt::Key_Adiaeresis, QString::fromUtf8("ä")), 0xe4u);
    EXPECT_EQ(keysym_for_key(Qt::Key_unknown, QString::fromUtf8("€")), 0x010020acu);
    // Ctrl+C types a control character: the key's own letter goes out, the remote side holds Ctrl.
    EXPECT_EQ(keysym_for_key(Qt::Key_C, "\x03"), 0x63u);
    EXPECT_FALSE(keysym_for_key(Qt::Key_unknown, {}).has_value());
}

TEST(KeyMapping, MouseButtons) {
    EXPECT_EQ(rfb_buttons(Qt::LeftButton), 1);
    EXPECT_EQ(rfb_buttons(Qt::MiddleButton), 2);
    EXPECT_EQ(rfb_buttons(Qt::LeftButton | Qt::RightButton), 5);
    EXPECT_EQ(rfb_buttons(Qt::NoButton), 0);
}

}  // namespace
}  // namespace lifeline::viewer::models
