#include "viewer/ui/lead_window.hpp"

#include "viewer/ui/dashboard_view.hpp"
#include "viewer/ui/playback_window.hpp"

#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace lifeline::viewer::ui {

namespace {

constexpr int kAuditPage = 200;
constexpr int kSessionPage = 100;

// "Since" choices of the audit filter, in hours back from now (0: any time).
const std::pair<const char*, int> kSince[] = {
    {QT_TRANSLATE_NOOP("LeadWindow", "Any time"), 0},
    {QT_TRANSLATE_NOOP("LeadWindow", "Last 24 hours"), 24},
    {QT_TRANSLATE_NOOP("LeadWindow", "Last 7 days"), 7 * 24},
    {QT_TRANSLATE_NOOP("LeadWindow", "Last 30 days"), 30 * 24},
};

// The session list's state filter: the relay's names.
const std::pair<const char*, const char*> kStates[] = {
    {QT_TRANSLATE_NOOP("LeadWindow", "Any state"), ""},
    {QT_TRANSLATE_NOOP("LeadWindow", "Active"), "active"},
    {QT_TRANSLATE_NOOP("LeadWindow", "Ended"), "ended"},
    {QT_TRANSLATE_NOOP("LeadWindow", "Denied"), "denied"},
    {QT_TRANSLATE_NOOP("LeadWindow", "Failed"), "failed"},
    {QT_TRANSLATE_NOOP("LeadWindow", "Waiting for consent"), "requested"},
};

QString q(const std::string& s) { return QString::fromStdString(s); }

QTableView* make_table(QAbstractItemModel* model, int stretch_column) {
    auto* table = new QTableView;
    table->setModel(model);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setAlternatingRowColors(true);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setSectionResizeMode(stretch_column, QHeaderView::Stretch);
    table->setWordWrap(false);
    return table;
}

QLineEdit* filter_field(const QString& placeholder) {
    auto* field = new QLineEdit;
    field->setPlaceholderText(placeholder);
    field->setClearButtonEnabled(true);
    field->setMaxLength(200);
    return field;
}

}  // namespace

LeadWindow::LeadWindow(RelayClient& client, bool lead, QWidget* parent) : QMainWindow(parent), client_(client) {
    setAttribute(Qt::WA_DeleteOnClose);
    setWindowTitle(lead ? tr("Lifeline — audit log, sessions and reports") : tr("Lifeline — my sessions"));
    tabs_ = new QTabWidget;
    if (lead) {
        audit_tab_ = build_audit_tab();
        tabs_->addTab(audit_tab_, tr("&Audit log"));
    }
    sessions_tab_ = build_sessions_tab();
    tabs_->addTab(sessions_tab_, lead ? tr("&Sessions") : tr("My &sessions"));
    if (lead) {
        dashboard_ = new DashboardView(client_);
        tabs_->addTab(dashboard_, tr("&Dashboard"));
    }
    setCentralWidget(tabs_);
    status_ = new QLabel;
    status_->setTextFormat(Qt::PlainText);
    statusBar()->addWidget(status_, 1);
    connect(tabs_, &QTabWidget::currentChanged, this, &LeadWindow::show_current_tab_status);

    QSettings settings;
    restoreGeometry(settings.value("review/geometry").toByteArray());
    if (geometry().width() < 400) resize(1300, 760);
    if (lead) search_audit();
    search_sessions();
    if (dashboard_) dashboard_->refresh();
}

LeadWindow::~LeadWindow() {
    for (auto* window : playback_windows())
        delete window;
}

void LeadWindow::closeEvent(QCloseEvent* event) {
    QSettings().setValue("review/geometry", saveGeometry());
    QMainWindow::closeEvent(event);
}

QWidget* LeadWindow::build_audit_tab() {
    audit_ = new models::AuditModel(this);
    actor_ = filter_field(tr("user:NAME, device:ID, system"));
    action_ = filter_field(tr("session. or auth.login_failed"));
    audit_ticket_ = filter_field(tr("LL-000042"));
    since_ = new QComboBox;
    for (const auto& [label, hours] : kSince)
        since_->addItem(tr(label));
    auto* search = new QPushButton(tr("Sea&rch"));
    search->setDefault(true);
    auto* verify = new QPushButton(tr("&Verify chain"));
    auto* export_csv = new QPushButton(tr("E&xport CSV…"));
    chain_ = new QLabel(tr("Chain not checked yet"));
    chain_->setObjectName("chain-status");
    chain_->setTextFormat(Qt::PlainText);

    auto* filters = new QHBoxLayout;
    filters->addWidget(new QLabel(tr("Who:")));
    filters->addWidget(actor_, 2);
    filters->addWidget(new QLabel(tr("What:")));
    filters->addWidget(action_, 2);
    filters->addWidget(new QLabel(tr("Ticket:")));
    filters->addWidget(audit_ticket_, 1);
    filters->addWidget(since_);
    filters->addWidget(search);

    audit_view_ = make_table(audit_, models::AuditModel::Details);
    audit_more_ = new QPushButton(tr("Load &more"));
    audit_more_->setEnabled(false);
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(chain_, 1);
    bottom->addWidget(verify);
    bottom->addWidget(export_csv);
    bottom->addWidget(audit_more_);

    auto* tab = new QWidget;
    auto* layout = new QVBoxLayout(tab);
    layout->addLayout(filters);
    layout->addWidget(audit_view_, 1);
    layout->addLayout(bottom);

    for (auto* field : {actor_, action_, audit_ticket_})
        connect(field, &QLineEdit::returnPressed, this, &LeadWindow::search_audit);
    connect(search, &QPushButton::clicked, this, &LeadWindow::search_audit);
    connect(since_, &QComboBox::currentIndexChanged, this, &LeadWindow::search_audit);
    connect(verify, &QPushButton::clicked, this, &LeadWindow::verify_audit);
    connect(audit_more_, &QPushButton::clicked, this, [this] { load_audit(audit_->next_cursor()); });
    connect(export_csv, &QPushButton::clicked, this, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, tr("Export the audit log"), "audit.csv", tr("CSV files (*.csv)"));
        if (!path.isEmpty()) export_audit(path);
    });
    return tab;
}

QWidget* LeadWindow::build_sessions_tab() {
    sessions_ = new models::SessionListModel(this);
    technician_ = filter_field(tr("username"));
    session_ticket_ = filter_field(tr("LL-000042"));
    state_ = new QComboBox;
    for (const auto& [label, name] : kStates)
        state_->addItem(tr(label), QString(name));
    auto* search = new QPushButton(tr("Sea&rch"));
    play_ = new QPushButton(tr("&Play recording"));
    play_->setEnabled(false);
    sessions_more_ = new QPushButton(tr("Load &more"));
    sessions_more_->setEnabled(false);

    auto* filters = new QHBoxLayout;
    filters->addWidget(new QLabel(tr("Technician:")));
    filters->addWidget(technician_, 1);
    filters->addWidget(new QLabel(tr("Ticket:")));
    filters->addWidget(session_ticket_, 1);
    filters->addWidget(state_);
    filters->addWidget(search);

    sessions_view_ = make_table(sessions_, models::SessionListModel::EndedBy);
    auto* bottom = new QHBoxLayout;
    bottom->addStretch(1);
    bottom->addWidget(play_);
    bottom->addWidget(sessions_more_);

    auto* tab = new QWidget;
    auto* layout = new QVBoxLayout(tab);
    layout->addLayout(filters);
    layout->addWidget(sessions_view_, 1);
    layout->addLayout(bottom);

    for (auto* field : {technician_, session_ticket_})
        connect(field, &QLineEdit::returnPressed, this, &LeadWindow::search_sessions);
    connect(search, &QPushButton::clicked, this, &LeadWindow::search_sessions);
    connect(state_, &QComboBox::currentIndexChanged, this, &LeadWindow::search_sessions);
    connect(sessions_more_, &QPushButton::clicked, this, [this] { load_sessions(sessions_->next_cursor()); });
    connect(play_, &QPushButton::clicked, this, &LeadWindow::play_selected);
    connect(sessions_view_, &QTableView::activated, this, &LeadWindow::play_selected);
    connect(sessions_view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                const auto* s = sessions_->session(current.row());
                play_->setEnabled(s != nullptr && !s->recording().empty());
            });
    return tab;
}

std::string LeadWindow::audit_query(const QString& cursor) const {
    QString from;
    const int hours = kSince[std::clamp(since_->currentIndex(), 0, static_cast<int>(std::size(kSince)) - 1)].second;
    if (hours > 0) from = QDateTime::currentDateTimeUtc().addSecs(-3600LL * hours).toString(Qt::ISODate);
    return models::url_query({{"actor", actor_->text().trimmed()},
                              {"action", action_->text().trimmed()},
                              {"ticket", audit_ticket_->text().trimmed()},
                              {"from", from},
                              {"limit", QString::number(kAuditPage)},
                              {"cursor", cursor}});
}

std::string LeadWindow::sessions_query(const QString& cursor) const {
    return models::url_query({{"technician", technician_->text().trimmed()},
                              {"ticket", session_ticket_->text().trimmed()},
                              {"state", state_->currentData().toString()},
                              {"limit", QString::number(kSessionPage)},
                              {"cursor", cursor}});
}

void LeadWindow::search_audit() { load_audit({}); }

void LeadWindow::load_audit(const QString& cursor) {
    const bool first = cursor.isEmpty();
    client_.call<v1::AuditPage>(
        this, [query = audit_query(cursor)](RelayApi& api) { return api.audit(query); },
        [this, first](core::Result<v1::AuditPage> page) {
            if (!page) {
                show_status(audit_tab_, tr("Could not read the audit log: %1").arg(q(page.error().message)), true);
            } else {
                first ? audit_->reset(std::move(*page)) : audit_->append(std::move(*page));
                audit_more_->setEnabled(!audit_->next_cursor().isEmpty());
                show_status(audit_tab_, tr("%n audit row(s) shown", "", audit_->rowCount()), false);
            }
            emit audit_loaded();
        });
}

void LeadWindow::verify_audit() {
    chain_->setText(tr("Checking the chain…"));
    client_.call<v1::AuditVerification>(
        this, [](RelayApi& api) { return api.verify_audit(); },
        [this](core::Result<v1::AuditVerification> check) {
            if (!check) {
                chain_->setText(tr("Could not check the chain: %1").arg(q(check.error().message)));
                chain_->setStyleSheet("color: #b00020");
            } else if (check->intact()) {
                chain_->setText(tr("✔ Chain intact: %1 rows, last #%2").arg(check->rows()).arg(check->head_seq()));
                chain_->setStyleSheet("color: #1b7f3b; font-weight: bold");
            } else {
                chain_->setText(tr("✘ Chain broken at row #%1: %2 (intact up to #%3)")
                                    .arg(check->broken_at())
                                    .arg(q(check->problem()))
                                    .arg(check->head_seq()));
                chain_->setStyleSheet("color: #b00020; font-weight: bold");
            }
            emit chain_checked();
        });
}

void LeadWindow::export_audit(const QString& path) {
    client_.call<std::string>(
        this, [query = audit_query({})](RelayApi& api) { return api.audit_csv(query); },
        [this, path](core::Result<std::string> csv) {
            if (!csv) {
                show_status(audit_tab_, tr("Could not export the audit log: %1").arg(q(csv.error().message)), true);
                return emit exported(false);
            }
            // Written whole or not at all: an interrupted export never leaves half a file behind.
            QSaveFile file(path);
            const bool ok =
                file.open(QIODevice::WriteOnly) &&
                file.write(csv->data(), static_cast<qint64>(csv->size())) == static_cast<qint64>(csv->size()) &&
                file.commit();
            show_status(audit_tab_, ok ? tr("Exported to %1").arg(path) : tr("Could not write %1").arg(path), !ok);
            emit exported(ok);
        });
}

void LeadWindow::search_sessions() { load_sessions({}); }

void LeadWindow::load_sessions(const QString& cursor) {
    const bool first = cursor.isEmpty();
    client_.call<v1::SessionList>(
        this, [query = sessions_query(cursor)](RelayApi& api) { return api.list_sessions(query); },
        [this, first](core::Result<v1::SessionList> list) {
            if (!list) {
                show_status(sessions_tab_, tr("Could not read the sessions: %1").arg(q(list.error().message)), true);
            } else {
                first ? sessions_->reset(std::move(*list)) : sessions_->append(std::move(*list));
                sessions_more_->setEnabled(!sessions_->next_cursor().isEmpty());
                play_->setEnabled(false);
                show_status(sessions_tab_, tr("%n session(s) shown", "", sessions_->rowCount()), false);
            }
            emit sessions_loaded();
        });
}

void LeadWindow::play_selected() {
    const auto* s = sessions_->session(sessions_view_->currentIndex().row());
    if (s == nullptr) return;
    if (s->recording().empty()) return show_status(sessions_tab_, tr("This session has no recording."), true);
    std::erase_if(playbacks_, [](const auto& window) { return window.isNull(); });
    auto* window = new PlaybackWindow(client_, *s);
    playbacks_.push_back(window);
    window->show();
}

std::vector<PlaybackWindow*> LeadWindow::playback_windows() const {
    std::vector<PlaybackWindow*> open;
    for (const auto& window : playbacks_) {
        if (window) open.push_back(window.data());
    }
    return open;
}

void LeadWindow::show_status(QWidget* tab, const QString& message, bool error) {
    tab->setProperty("lifeline_status", message);
    tab->setProperty("lifeline_status_error", error);
    if (tabs_->currentWidget() == tab) show_current_tab_status();
}

void LeadWindow::show_current_tab_status() {
    const QWidget* tab = tabs_->currentWidget();
    const bool error = tab != nullptr && tab->property("lifeline_status_error").toBool();
    status_->setText(tab != nullptr ? tab->property("lifeline_status").toString() : QString());
    status_->setStyleSheet(error ? "color: #b00020" : "");
}

}  // namespace lifeline::viewer::ui
