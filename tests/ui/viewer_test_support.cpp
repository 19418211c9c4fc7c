#include "tests/ui/viewer_test_support.hpp"

#include "tests/support/qt_wait.hpp"

#include <QApplication>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QTimer>

namespace lifeline::testing {

namespace fs = std::filesystem;

void ViewerScreen::SetUp() {
    x_.emplace(width_, height_);
    config_ = fs::temp_directory_path() / ("lifeline-" + name_ + "-" + std::to_string(::getpid()));
    fs::remove_all(config_);
    ::setenv("DISPLAY", x_->display().c_str(), 1);
    ::setenv("QT_QPA_PLATFORM", "xcb", 1);
    ::setenv("XDG_CONFIG_HOME", config_.c_str(), 1);
    argv_[0] = name_.data();
    app_ = std::make_unique<QApplication>(argc_, argv_);
    QApplication::setOrganizationName("Lifeline");
    QApplication::setApplicationName("lifeline-viewer");
    QApplication::setStyle("Fusion");
}

void ViewerScreen::TearDown() {
    app_.reset();
    x_.reset();
    fs::remove_all(config_);
}

fs::path screenshot(QWidget& widget, const std::string& name) {
    fs::create_directories("screenshots");
    const fs::path path = fs::absolute(fs::path("screenshots") / ("viewer-" + name + ".png"));
    EXPECT_TRUE(widget.grab().save(QString::fromStdString(path.string()))) << path;
    return path;
}

std::string sign_in(viewer::ui::SignInDialog& dialog, const RelayProcess& relay, const std::string& user,
                    const std::string& password, bool screenshots) {
    dialog.url_field()->setText(QString("https://127.0.0.1:%1").arg(relay.port()));
    dialog.user_field()->setText(QString::fromStdString(user));
    dialog.password_field()->setText(QString::fromStdString(password));
    dialog.show();
    EXPECT_TRUE(wait_until([&] { return dialog.isVisible(); }));
    if (screenshots) screenshot(dialog, "1-sign-in");
    std::string shown_prompt;
    QTimer confirm;
    QObject::connect(&confirm, &QTimer::timeout, [&] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (box == nullptr || box->objectName() != "trust-prompt") return;
        shown_prompt = box->text().toStdString();
        if (screenshots) screenshot(*box, "2-trust-relay");
        box->button(QMessageBox::Yes)->click();
    });
    confirm.start(50);
    dialog.sign_in_button()->click();
    EXPECT_TRUE(wait_until([&] { return dialog.result() == QDialog::Accepted; })) << shown_prompt;
    return shown_prompt;
}

}  // namespace lifeline::testing
