// What the desktop viewer's Xvfb tests share: screenshots into the build directory, finding a widget
// by its object name, and signing in through the real dialog (saying yes to the relay's CA).
#pragma once

#include "tests/support/relay_process.hpp"
#include "tests/support/xvfb_process.hpp"
#include "viewer/ui/sign_in_dialog.hpp"

#include <gtest/gtest.h>

#include <QApplication>
#include <QWidget>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace lifeline::testing {

// One X server of `width` x `height` and one QApplication for a whole test program (register it with
// ::testing::AddGlobalTestEnvironment); settings go to a temporary XDG_CONFIG_HOME removed at the end.
class ViewerScreen : public ::testing::Environment {
public:
    ViewerScreen(int width, int height, std::string program)
        : width_(width), height_(height), name_(std::move(program)) {}
    void SetUp() override;
    void TearDown() override;

private:
    int width_, height_;
    std::string name_;
    int argc_ = 1;
    char* argv_[2] = {nullptr, nullptr};
    std::optional<XvfbProcess> x_;
    std::filesystem::path config_;
    std::unique_ptr<QApplication> app_;
};

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
