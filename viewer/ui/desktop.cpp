#include "viewer/ui/desktop.hpp"

#include "viewer/ui/main_window.hpp"
#include "viewer/ui/sign_in_dialog.hpp"
#include "viewer/ui/tour.hpp"

#include <QApplication>
#include <QCommandLineParser>
#include <QLibraryInfo>
#include <QLineEdit>
#include <QLocale>
#include <QSettings>
#include <QTemporaryDir>
#include <QTranslator>

#include <csignal>
#include <iostream>
#include <string>

namespace lifeline::viewer::ui {

namespace {

// --tour: the passwords come from standard input, and the tour's settings (the pinned CA, window places) from a
// directory of its own, so it starts from first use every time and leaves the technician's settings alone.
int run_tour_from_command_line(TourOptions walk) {
    if (walk.relay_url.isEmpty() || walk.technician.isEmpty() || walk.ca_fingerprint.isEmpty() ||
        walk.ticket.isEmpty()) {
        std::cerr << "lifeline-viewer: --tour needs --relay, --user, --ca-fingerprint and --ticket\n";
        return 2;
    }
    std::string password;
    std::getline(std::cin, password);
    walk.technician_password = QString::fromStdString(password);
    if (!walk.lead.isEmpty()) {
        std::getline(std::cin, password);
        walk.lead_password = QString::fromStdString(password);
    }
    QTemporaryDir settings;
    if (!settings.isValid()) {
        std::cerr << "lifeline-viewer: no temporary directory for the tour's settings\n";
        return 1;
    }
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, settings.path());
    const TourResult result =
        run_tour(walk, [](const QString& step) { std::cout << "tour: " << step.toStdString() << std::endl; });
    for (const auto& path : result.screenshots)
        std::cout << "tour: saved " << path.toStdString() << "\n";
    if (!result.failure.isEmpty()) {
        std::cerr << "lifeline-viewer: the tour stopped: " << result.failure.toStdString() << "\n";
        return 1;
    }
    std::cout << "tour: done" << std::endl;
    return 0;
}

}  // namespace

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
    const QCommandLineOption tour(
        QStringList{"tour"},
        QApplication::translate("Desktop",
                                "walk through a whole session by itself and save screenshots into DIR (passwords "
                                "on standard input: the technician's, then the lead's)"),
        "DIR");
    const QCommandLineOption lead(QStringList{"lead"},
                                  QApplication::translate("Desktop", "with --tour: the lead who reviews it"), "NAME");
    const QCommandLineOption fingerprint(
        QStringList{"ca-fingerprint"},
        QApplication::translate("Desktop", "with --tour: the relay CA's sha256:HEX, the only one to trust"),
        "FINGERPRINT");
    const QCommandLineOption ticket(QStringList{"ticket"},
                                    QApplication::translate("Desktop", "with --tour: the machine's ticket"), "TICKET");
    options.addOptions({tour, lead, fingerprint, ticket});
    options.process(app);
    if (options.isSet(tour)) {
        TourOptions walk;
        walk.directory = options.value(tour);
        walk.relay_url = options.value(relay);
        walk.technician = options.value(user);
        walk.lead = options.value(lead);
        walk.ca_fingerprint = options.value(fingerprint);
        walk.ticket = options.value(ticket);
        return run_tour_from_command_line(walk);
    }

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
