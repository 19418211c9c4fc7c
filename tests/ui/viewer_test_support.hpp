// What the desktop viewer's Xvfb tests share: screenshots into the build directory, finding a widget
// by its object name, and signing in through the real dialog (saying yes to the relay's CA).
#pragma once

#include "tests/support/relay_process.hpp"
#include "viewer/ui/sign_in_dialog.hpp"

#include <gtest/gtest.h>

#include <QWidget>

#include <filesystem>
#include <string>

namespace lifeline::testing {

// Saves `widget` as screenshots/viewer-NAME.png (relative to the test's working directory, the build's
// tests/ directory) and answers the file's absolute path.
std::filesystem::path screenshot(QWidget& widget, const std::string& name);

// The child widget (of type T, named `name` if given); a test failure when there is none.
template <class T>
T* child(QWidget& parent, const char* name = nullptr) {
    auto* found = name ? parent.findChild<T*>(name) : parent.findChild<T*>();
    EXPECT_NE(found, nullptr) << (name ? name : "child");
    return found;
}

// Signs in through the dialog, saying yes to the relay's CA when asked; answers the prompt's text.
std::string sign_in(viewer::ui::SignInDialog& dialog, const RelayProcess& relay, const std::string& user,
                    const std::string& password, bool screenshots);

}  // namespace lifeline::testing
