// The technician's main window: the live queue (views with counts, status, category, SLA and text
// filters, the SLA column) beside the selected ticket. The relay's event stream keeps it current;
// errors show in the status bar with a retry, never in a blocking dialog.
#pragma once

#include "viewer/core/event_stream.hpp"
#include "viewer/models/queue_model.hpp"
#include "viewer/ui/relay_client.hpp"
#include "viewer/ui/sign_in_dialog.hpp"

#include <QMainWindow>

#include <QPointer>

#include <memory>
#include <vector>

class QButtonGroup;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSplitter;
class QTableView;

namespace lifeline::viewer::ui {

class LeadWindow;
class TicketPanel;
class SessionWindow;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    MainWindow(RelayClient& client, SignedIn session, QWidget* parent = nullptr);
    ~MainWindow() override;

    QTableView* queue_view() const { return table_; }
    models::QueueModel* queue_model() const { return model_; }
    models::QueueFilter* queue_filter() const { return filter_; }
    QComboBox* category_filter() const { return category_; }
    QComboBox* sla_filter() const { return sla_; }
    // True once the relay's groups and categories have been read.
    bool directory_loaded() const { return directory_loaded_; }
    // How often the groups were read again because the relay said one changed.
    int groups_reads() const { return groups_reads_; }
    TicketPanel* ticket_panel() const { return panel_; }
    bool live() const { return live_; }
    // The remote-session windows this window opened and that are still open.
    std::vector<SessionWindow*> session_windows() const;
    // Opens (or raises) the review window: the audit log and sessions for leads, a technician's own sessions.
    LeadWindow* open_review();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void reload_queue();
    void load_directory();
    // A colleague's event stream opened or closed (StaffEventExtra.presence): the assign menu shows it.
    void on_presence(const std::string& username, bool online);
    // A group changed on the relay (StaffEventExtra.group): "my groups" and the workflow's choices follow.
    void reload_groups();
    void set_category_choices(const v1::CategoryList& categories);
    void on_event(const v1::StaffEvent& event);
    void on_stream_state(bool live, const QString& why, bool final);
    void show_error(const QString& message, std::function<void()> retry = {});
    void update_counts();
    void save_settings();
    void open_session(const QString& number, v1::SessionMode mode, int monitor);

    RelayClient& client_;
    SignedIn session_;
    models::QueueModel* model_;
    models::QueueFilter* filter_;
    QTableView* table_;
    TicketPanel* panel_;
    QSplitter* splitter_;
    QButtonGroup* views_;
    QComboBox* status_;
    QComboBox* category_;
    QComboBox* sla_;
    QLineEdit* search_;
    QLabel* connection_;
    QLabel* error_;
    QPushButton* retry_;
    std::function<void()> retry_action_;
    std::unique_ptr<EventStream> events_;
    std::vector<QPointer<SessionWindow>> sessions_;
    QPointer<LeadWindow> review_;
    bool live_ = false;
    bool directory_loaded_ = false;
    bool groups_reading_ = false;
    bool groups_stale_ = false;
    int groups_reads_ = 0;
};

}  // namespace lifeline::viewer::ui
