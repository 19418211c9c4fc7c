#include "viewer/ui/sign_in_dialog.hpp"

#include "shared/net/tls.hpp"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

namespace lifeline::viewer::ui {

namespace {

QString pin_key(const QString& url) { return "pins/" + QString::fromLatin1(url.toUtf8().toHex()); }

}  // namespace

SignInDialog::SignInDialog(RelayClient& client, QWidget* parent) : QDialog(parent), client_(client) {
    setWindowTitle(tr("Sign in to Lifeline"));
    QSettings settings;
    url_ = new QLineEdit(settings.value("server/url").toString());
    url_->setPlaceholderText("https://relay.example.com:8443");
    user_ = new QLineEdit(settings.value("server/user").toString());
    password_ = new QLineEdit;
    password_->setEchoMode(QLineEdit::Password);
    status_ = new QLabel;
    status_->setTextFormat(Qt::PlainText);
    status_->setWordWrap(true);
    status_->setStyleSheet("color: #b00020");

    auto* form = new QFormLayout;
    form->addRow(tr("&Relay"), url_);
    form->addRow(tr("&Username"), user_);
    form->addRow(tr("&Password"), password_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    sign_in_ = buttons->addButton(tr("&Sign in"), QDialogButtonBox::AcceptRole);
    sign_in_->setDefault(true);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(sign_in_, &QPushButton::clicked, this, &SignInDialog::start);

    auto* layout = new QVBoxLayout(this);
    auto* title = new QLabel(tr("Lifeline helpdesk"));
    QFont big = title->font();
    big.setPointSizeF(big.pointSizeF() * 1.4);
    big.setBold(true);
    title->setFont(big);
    layout->addWidget(title);
    layout->addLayout(form);
    layout->addWidget(status_);
    layout->addWidget(buttons);
    setMinimumWidth(420);
    (url_->text().isEmpty() ? url_ : user_->text().isEmpty() ? user_ : password_)->setFocus();
}

void SignInDialog::set_busy(bool busy) {
    for (QWidget* w : {static_cast<QWidget*>(url_), static_cast<QWidget*>(user_), static_cast<QWidget*>(password_),
                       static_cast<QWidget*>(sign_in_)})
        w->setEnabled(!busy);
    if (busy) status_->setStyleSheet("color: palette(text)");
    if (busy) status_->setText(tr("Signing in…"));
}

void SignInDialog::fail(const QString& message) {
    set_busy(false);
    status_->setStyleSheet("color: #b00020");
    status_->setText(message);
    password_->setFocus();
}

void SignInDialog::start() {
    const QString url = url_->text().trimmed();
    auto relay = parse_relay_url(url.toStdString());
    if (!relay) return fail(tr("The relay address must look like https://relay.example.com:8443"));
    if (user_->text().trimmed().isEmpty() || password_->text().isEmpty()) {
        return fail(tr("Enter your username and password."));
    }
    set_busy(true);
    const QString pinned = QSettings().value(pin_key(url)).toString();
    if (!pinned.isEmpty()) return with_pin(*relay, pinned);

    // First use of this relay: show what it presents and let the person decide before any secret goes out.
    const std::string host = relay->host;
    const std::uint16_t port = relay->port;
    client_.run<core::Result<std::string>>(
        this,
        [host, port]() -> core::Result<std::string> {
            try {
                return net::probe_ca_fingerprint(host, port, std::chrono::seconds(10));
            } catch (const std::exception& e) {
                return core::make_error(core::Errc::unavailable, e.what());
            }
        },
        [this, relay = *relay, url](core::Result<std::string> fingerprint) {
            if (!fingerprint)
                return fail(tr("Cannot reach the relay: %1").arg(QString::fromStdString(fingerprint.error().message)));
            QMessageBox ask(QMessageBox::Question, tr("Trust this relay?"),
                            tr("This is the first connection to %1.\n\nIts certificate authority has the "
                               "fingerprint\n\n%2\n\nCompare it with the one your administrator gave you "
                               "(lifeline-relay init prints it). Trust it from now on?")
                                .arg(url, QString::fromStdString(*fingerprint)),
                            QMessageBox::Yes | QMessageBox::No, this);
            ask.setObjectName("trust-prompt");
            ask.setTextFormat(Qt::PlainText);
            ask.setDefaultButton(QMessageBox::No);
            if (ask.exec() != QMessageBox::Yes) return fail(tr("Not signed in: the relay was not trusted."));
            QSettings().setValue(pin_key(url), QString::fromStdString(*fingerprint));
            with_pin(relay, QString::fromStdString(*fingerprint));
        });
}

void SignInDialog::with_pin(RelayEndpoint relay, const QString& fingerprint) {
    relay.tls.pinned_ca_fingerprint = fingerprint.toStdString();
    const std::string user = user_->text().trimmed().toStdString();
    const std::string password = password_->text().toStdString();
    password_->clear();
    client_.run<core::Result<v1::LoginResponse>>(
        this,
        [this, relay, user, password]() -> core::Result<v1::LoginResponse> {
            auto api = RelayApi::create(relay);
            if (!api) return api.error();
            auto login = api->sign_in(user, password);
            if (login) client_.adopt(std::move(*api));
            return login;
        },
        [this, relay](core::Result<v1::LoginResponse> login) {
            if (!login) return fail(QString::fromStdString(login.error().message));
            QSettings settings;
            settings.setValue("server/url", url_->text().trimmed());
            settings.setValue("server/user", user_->text().trimmed());
            signed_in_ = {relay, std::move(*login)};
            accept();
        });
}

}  // namespace lifeline::viewer::ui
