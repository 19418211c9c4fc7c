#include "viewer/ui/desktop.hpp"

#include "viewer/ui/main_window.hpp"
#include "viewer/ui/sign_in_dialog.hpp"

#include <QApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

#include <csignal>

namespace lifeline::viewer::ui {

int run_desktop(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    QApplication app(argc, argv);
    QApplication::setOrganizationName("Lifeline");
    QApplication::setApplicationName("lifeline-viewer");
    QTranslator qt_translations;
    if (qt_translations.load(QLocale(), "qtbase", "_", QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        QApplication::installTranslator(&qt_translations);
    }
    RelayClient client;
    SignInDialog sign_in(client);
    if (sign_in.exec() != QDialog::Accepted) return 1;
    MainWindow window(client, sign_in.signed_in());
    window.show();
    return QApplication::exec();
}

}  // namespace lifeline::viewer::ui
