// Sign-in: relay URL, username, password. The first time a relay is used, its CA fingerprint is
// shown and must be confirmed before anything is sent to it; the pin is remembered with the server
// (QSettings), the password never is.
#pragma once

#include "viewer/ui/relay_client.hpp"

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;

namespace lifeline::viewer::ui {

struct SignedIn {
    RelayEndpoint relay;  // with the pinned CA
    v1::LoginResponse login;
};

class SignInDialog : public QDialog {
    Q_OBJECT
public:
    SignInDialog(RelayClient& client, QWidget* parent = nullptr);
    const SignedIn& signed_in() const { return signed_in_; }

    // For tests and scripted starts.
    QLineEdit* url_field() const { return url_; }
    QLineEdit* user_field() const { return user_; }
    QLineEdit* password_field() const { return password_; }
    QPushButton* sign_in_button() const { return sign_in_; }
    QLabel* status_label() const { return status_; }  // what went wrong, or "Signing in…"

private:
    void start();
    void with_pin(RelayEndpoint relay, const QString& fingerprint);
    void fail(const QString& message);
    void set_busy(bool busy);

    RelayClient& client_;
    QLineEdit* url_;
    QLineEdit* user_;
    QLineEdit* password_;
    QLabel* status_;
    QPushButton* sign_in_;
    SignedIn signed_in_;
};

}  // namespace lifeline::viewer::ui
