#include "viewer/ui/desktop.hpp"

#include "viewer/ui/main_window.hpp"
#include "viewer/ui/sign_in_dialog.hpp"

#include <QApplication>
#include <QCommandLineParser>
#include <QLibraryInfo>
#include <QLineEdit>
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
    QCommandLineParser options;
    options.setApplicationDescription(QApplication::translate("Desktop", "Lifeline: the technician's desktop"));
    options.addHelpOption();
    const QCommandLineOption relay(QStringList{"relay"},
                                   QApplication::translate("Desktop", "the relay, https://HOST:PORT"), "URL");
    const QCommandLineOption user(QStringList{"user", "username"}, QApplication::translate("Desktop", "your username"),
                                  "NAME");
    options.addOption(relay);
    options.addOption(user);
    options.process(app);

    RelayClient client;
    SignInDialog sign_in(client);
    // Only where to sign in and as whom: a password never comes from the command line.
    if (options.isSet(relay)) sign_in.url_field()->setText(options.value(relay));
    if (options.isSet(user)) sign_in.user_field()->setText(options.value(user));
    if (options.isSet(relay) && options.isSet(user)) sign_in.password_field()->setFocus();
    if (sign_in.exec() != QDialog::Accepted) return 1;
    MainWindow window(client, sign_in.signed_in());
    window.show();
    return QApplication::exec();
}

}  // namespace lifeline::viewer::ui
