// The review window: for helpdesk leads and admins the audit log (filters, the chain's verification,
// CSV export), every remote session with its recording and the reports' dashboard; for a technician
// their own sessions.
// All relay calls run on the RelayClient's worker; errors show in the window, never in a modal box.
#pragma once

#include "viewer/models/lead_models.hpp"
#include "viewer/ui/relay_client.hpp"

#include <QMainWindow>
#include <QPointer>

#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTabWidget;
class QTableView;

namespace lifeline::viewer::ui {

class DashboardView;
class PlaybackWindow;

class LeadWindow : public QMainWindow {
    Q_OBJECT
public:
    // `lead`: the signed-in person is a lead or an admin (the audit log is theirs only).
    LeadWindow(RelayClient& client, bool lead, QWidget* parent = nullptr);
    ~LeadWindow() override;  // closes the playback windows it opened: they use its RelayClient

    void search_audit();
    void verify_audit();
    // Writes the audit rows the filters select, as CSV, to `path`; the status line says how it went.
    void export_audit(const QString& path);
    void search_sessions();
    // Opens the recording of the selected session.
    void play_selected();

    QTabWidget* tabs() const { return tabs_; }
    QTableView* audit_view() const { return audit_view_; }
    QTableView* sessions_view() const { return sessions_view_; }
    models::AuditModel* audit_model() const { return audit_; }
    models::SessionListModel* session_model() const { return sessions_; }
    QLabel* chain_label() const { return chain_; }
    QLabel* status_label() const { return status_; }
    QLineEdit* audit_action_filter() const { return action_; }
    QLineEdit* session_ticket_filter() const { return session_ticket_; }
    DashboardView* dashboard() const { return dashboard_; }  // nullptr for a technician
    std::vector<PlaybackWindow*> playback_windows() const;

protected:
    void closeEvent(QCloseEvent* event) override;

signals:
    // A call finished (for tests and for people watching the status line).
    void audit_loaded();
    void chain_checked();
    void exported(bool ok);
    void sessions_loaded();

private:
    QWidget* build_audit_tab();
    QWidget* build_sessions_tab();
    std::string audit_query(const QString& cursor) const;
    std::string sessions_query(const QString& cursor) const;
    void load_audit(const QString& cursor);
    void load_sessions(const QString& cursor);
    // Each tab keeps its own status line: the audit count must not sit under the sessions list.
    void show_status(QWidget* tab, const QString& message, bool error);
    void show_current_tab_status();

    RelayClient& client_;
    models::AuditModel* audit_ = nullptr;
    models::SessionListModel* sessions_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    QWidget* audit_tab_ = nullptr;
    QWidget* sessions_tab_ = nullptr;
    QTableView* audit_view_ = nullptr;
    QTableView* sessions_view_ = nullptr;
    QLineEdit* actor_ = nullptr;
    QLineEdit* action_ = nullptr;
    QLineEdit* audit_ticket_ = nullptr;
    QComboBox* since_ = nullptr;
    QLabel* chain_ = nullptr;
    QPushButton* audit_more_ = nullptr;
    QLineEdit* technician_ = nullptr;
    QLineEdit* session_ticket_ = nullptr;
    QComboBox* state_ = nullptr;
    QPushButton* sessions_more_ = nullptr;
    QPushButton* play_ = nullptr;
    QLabel* status_ = nullptr;
    DashboardView* dashboard_ = nullptr;
    std::vector<QPointer<PlaybackWindow>> playbacks_;
};

}  // namespace lifeline::viewer::ui
