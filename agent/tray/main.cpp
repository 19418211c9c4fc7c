// lifeline-tray: the end user's tray program (Get help, My tickets, consent, the sharing banner, chat),
// talking only to the agent daemon's local socket.
#include "agent/core/config.hpp"
#include "agent/tray/tray_app.hpp"

#include <QApplication>
#include <QCommandLineParser>
#include <QLibraryInfo>
#include <QLocale>
#include <QSystemTrayIcon>
#include <QTranslator>

#include <csignal>
#include <iostream>

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    QApplication app(argc, argv);
    QApplication::setOrganizationName("Lifeline");
    QApplication::setApplicationName("lifeline-tray");
    QApplication::setQuitOnLastWindowClosed(false);

    // --lang must be known before any translated text, so it is read ahead of the full parse.
    QString language;
    const QStringList arguments = QApplication::arguments();
    for (int i = 1; i < arguments.size(); ++i) {
        if (arguments[i] == "--lang" && i + 1 < arguments.size()) language = arguments[i + 1];
        if (arguments[i].startsWith("--lang=")) language = arguments[i].mid(7);
    }
    if (!language.isEmpty()) QLocale::setDefault(QLocale(language));
    QTranslator qt_translations;
    if (qt_translations.load(QLocale(), "qtbase", "_", QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        QApplication::installTranslator(&qt_translations);
    }
    auto translation = lifeline::agent::tray::install_translation(language);

    QCommandLineParser options;
    options.setApplicationDescription(QApplication::translate("Main", "Lifeline: get help from your helpdesk"));
    options.addHelpOption();
    const QCommandLineOption config(QStringList{"config"}, QApplication::translate("Main", "the agent's config file"),
                                    "FILE");
    const QCommandLineOption lang(QStringList{"lang"},
                                  QApplication::translate("Main", "the language to use, e.g. de or fa"), "LANGUAGE");
    options.addOption(config);
    options.addOption(lang);
    options.process(app);

    const std::string config_file =
        options.isSet(config) ? options.value(config).toStdString() : lifeline::agent::default_paths().config;
    auto loaded = lifeline::agent::load_config(config_file);
    if (!loaded) {
        std::cerr << "lifeline-tray: " << loaded.error().message << "\n";
        return 2;
    }
    if (!QSystemTrayIcon::isSystemTrayAvailable()) {
        // Consent prompts and the banner work without a tray; only the menu needs one.
        std::cerr << "lifeline-tray: this desktop shows no tray icons; session requests still appear as windows\n";
    }
    lifeline::agent::tray::TrayApp tray(QString::fromStdString(loaded->socket_path));
    tray.start();
    return app.exec();
}
