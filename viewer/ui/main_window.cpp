#include "viewer/ui/main_window.hpp"

#include "viewer/models/workflow_text.hpp"
#include "viewer/ui/lead_window.hpp"
#include "viewer/ui/session_window.hpp"
#include "viewer/ui/ticket_panel.hpp"

#include <QButtonGroup>
#include <QCloseEvent>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace lifeline::viewer::ui {

namespace {

using View = models::QueueFilter::View;
constexpr int kQueuePage = 200;
constexpr int kMaxQueuePages = 25;

// The status filter's choices: "open work" (all but closed) first.
const std::vector<std::pair<const char*, std::set<v1::Ticket::Status>>>& status_choices() {
    static const std::vector<std::pair<const char*, std::set<v1::Ticket::Status>>> choices{
        {QT_TRANSLATE_NOOP("MainWindow", "Open work"), {}},
        {QT_TRANSLATE_NOOP("MainWindow", "New"), {v1::Ticket::NEW}},
        {QT_TRANSLATE_NOOP("MainWindow", "Open"), {v1::Ticket::OPEN}},
        {QT_TRANSLATE_NOOP("MainWindow", "Pending"), {v1::Ticket::PENDING}},
        {QT_TRANSLATE_NOOP("MainWindow", "Resolved"), {v1::Ticket::RESOLVED}},
        {QT_TRANSLATE_NOOP("MainWindow", "Closed"), {v1::Ticket::CLOSED}},
    };
    return choices;
}

// The SLA filter's choices, by the state the SLA column shows (a late first reply counts).
const std::vector<std::pair<const char*, std::set<v1::SlaState>>>& sla_choices() {
    static const std::vector<std::pair<const char*, std::set<v1::SlaState>>> choices{
        {QT_TRANSLATE_NOOP("MainWindow", "Any"), {}},
        {QT_TRANSLATE_NOOP("MainWindow", "At risk or overdue"), {v1::SLA_AT_RISK, v1::SLA_BREACHED}},
        {QT_TRANSLATE_NOOP("MainWindow", "Overdue"), {v1::SLA_BREACHED}},
    };
    return choices;
}

}  // namespace

MainWindow::MainWindow(RelayClient& client, SignedIn session, QWidget* parent)
    : QMainWindow(parent), client_(client), session_(std::move(session)) {
    const auto& user = session_.login.user();
    setWindowTitle(tr("Lifeline — %1").arg(QString::fromStdString(user.display_name())));
    model_ = new models::QueueModel(this);
    filter_ = new models::QueueFilter(this);
    filter_->setSourceModel(model_);
    filter_->set_user(QString::fromStdString(user.username()));

    views_ = new QButtonGroup(this);
    auto* bar = new QHBoxLayout;
    for (auto [view, name] : {std::pair{View::Mine, "mine"}, std::pair{View::MyGroups, "groups"},
                              std::pair{View::Unassigned, "unassigned"}, std::pair{View::All, "all"}}) {
        auto* button = new QToolButton;
        button->setObjectName(QString("view-") + name);
        button->setCheckable(true);
        button->setToolButtonStyle(Qt::ToolButtonTextOnly);
        views_->addButton(button, static_cast<int>(view));
        bar->addWidget(button);
    }
    status_ = new QComboBox;
    for (const auto& [label, statuses] : status_choices())
        status_->addItem(tr(label));
    category_ = new QComboBox;
    category_->setObjectName("category-filter");
    category_->addItem(tr("All categories"), QString());
    category_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    sla_ = new QComboBox;
    sla_->setObjectName("sla-filter");
    for (const auto& [label, states] : sla_choices())
        sla_->addItem(tr(label));
    search_ = new QLineEdit;
    search_->setPlaceholderText(tr("Search subject, requester, number…"));
    search_->setClearButtonEnabled(true);
    search_->setMinimumWidth(160);
    bar->addSpacing(12);
    bar->addWidget(search_, 1);
    auto* filters = new QHBoxLayout;
    auto* status_label = new QLabel(tr("Stat&us:"));
    status_label->setBuddy(status_);
    filters->addWidget(status_label);
    filters->addWidget(status_);
    auto* category_label = new QLabel(tr("Category:"));
    category_label->setBuddy(category_);
    filters->addWidget(category_label);
    filters->addWidget(category_);
    auto* sla_label = new QLabel(tr("S&LA:"));
    sla_label->setBuddy(sla_);
    filters->addWidget(sla_label);
    filters->addWidget(sla_);
    filters->addStretch();

    table_ = new QTableView;
    table_->setModel(filter_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setSortingEnabled(true);
    table_->sortByColumn(models::QueueModel::Priority, Qt::AscendingOrder);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(models::QueueModel::Subject, QHeaderView::Stretch);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setAlternatingRowColors(true);

    auto* left = new QWidget;
    auto* left_layout = new QVBoxLayout(left);
    left_layout->setContentsMargins(0, 0, 0, 0);
    left_layout->addLayout(bar);
    left_layout->addLayout(filters);
    left_layout->addWidget(table_, 1);

    panel_ = new TicketPanel(client_);
    splitter_ = new QSplitter;
    splitter_->addWidget(left);
    splitter_->addWidget(panel_);
    splitter_->setStretchFactor(0, 3);
    splitter_->setStretchFactor(1, 2);
    setCentralWidget(splitter_);

    const bool lead = user.role() == v1::LEAD || user.role() == v1::ADMIN;
    panel_->set_user(QString::fromStdString(user.username()), lead);
    auto* review = menuBar()->addMenu(tr("&Review"));
    review->addAction(lead ? tr("&Audit log and sessions…") : tr("My &sessions…"), QKeySequence(tr("Ctrl+L")), this,
                      [this] { open_review(); });

    connection_ = new QLabel;
    error_ = new QLabel;
    error_->setTextFormat(Qt::PlainText);
    error_->setStyleSheet("color: #b00020");
    retry_ = new QPushButton(tr("Retry"));
    retry_->hide();
    statusBar()->addWidget(error_, 1);
    statusBar()->addPermanentWidget(retry_);
    statusBar()->addPermanentWidget(connection_);
    statusBar()->addPermanentWidget(
        new QLabel(tr("Signed in as %1 at %2")
                       .arg(QString::fromStdString(user.username()), QString::fromStdString(session_.relay.host))));

    connect(views_, &QButtonGroup::idClicked, this, [this](int id) { filter_->set_view(static_cast<View>(id)); });
    // Status and category also choose what is read from the relay (closed tickets only when asked for).
    connect(status_, &QComboBox::activated, this, [this](int index) {
        filter_->set_statuses(status_choices().at(static_cast<std::size_t>(index)).second);
        reload_queue();
    });
    connect(category_, &QComboBox::activated, this, [this](int index) {
        filter_->set_category(category_->itemData(index).toString());
        reload_queue();
    });
    connect(sla_, &QComboBox::activated, this, [this](int index) {
        filter_->set_sla_states(sla_choices().at(static_cast<std::size_t>(index)).second);
        reload_queue();
    });
    connect(search_, &QLineEdit::textChanged, filter_, &models::QueueFilter::set_text);
    connect(filter_, &models::QueueFilter::counts_changed, this, &MainWindow::update_counts);
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                const auto* ticket = model_->ticket(filter_->mapToSource(current).row());
                if (ticket != nullptr && QString::fromStdString(ticket->number()) != panel_->number()) {
                    panel_->show_ticket(QString::fromStdString(ticket->number()));
                }
            });
    connect(panel_, &TicketPanel::error, this, [this](const QString& message) { show_error(message); });
    connect(panel_, &TicketPanel::failed, this, &MainWindow::show_error);
    connect(panel_, &TicketPanel::session_requested, this, &MainWindow::open_session);
    connect(retry_, &QPushButton::clicked, this, [this] {
        auto action = std::move(retry_action_);
        error_->clear();
        retry_->hide();
        if (action) action();
    });
    auto* ticker = new QTimer(this);  // the age and SLA columns move on
    connect(ticker, &QTimer::timeout, this, [this] { model_->set_now({}); });
    ticker->start(20'000);

    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    if (!splitter_->restoreState(settings.value("window/splitter").toByteArray())) {
        // The queue's columns need the room more than the panel, which wraps; Qt keeps the panel's minimum.
        splitter_->setSizes({600, 400});
    }
    const int view = settings.value("queue/view", static_cast<int>(View::All)).toInt();
    if (auto* button = views_->button(view)) {
        button->setChecked(true);
        filter_->set_view(static_cast<View>(view));
    }
    status_->setCurrentIndex(std::clamp(settings.value("queue/status", 0).toInt(), 0, status_->count() - 1));
    filter_->set_statuses(status_choices().at(static_cast<std::size_t>(status_->currentIndex())).second);
    filter_->set_category(settings.value("queue/category").toString());  // checked once the categories are read
    sla_->setCurrentIndex(std::clamp(settings.value("queue/sla", 0).toInt(), 0, sla_->count() - 1));
    filter_->set_sla_states(sla_choices().at(static_cast<std::size_t>(sla_->currentIndex())).second);
    update_counts();
    on_stream_state(false, tr("connecting"), false);

    // The stream first, then the queue: a change between the two is not lost (on_stream_state reloads).
    EventStreamCallbacks callbacks;
    callbacks.event = [this](const v1::StaffEvent& event) {
        QMetaObject::invokeMethod(
            this, [this, event] { on_event(event); }, Qt::QueuedConnection);
    };
    callbacks.extra = [this](const v1::StaffEventExtra& event) {
        if (event.has_group()) QMetaObject::invokeMethod(this, &MainWindow::reload_groups, Qt::QueuedConnection);
        if (event.has_presence()) {
            QMetaObject::invokeMethod(
                this, [this, presence = event.presence()] { on_presence(presence.username(), presence.online()); },
                Qt::QueuedConnection);
        }
    };
    callbacks.state = [this](bool live, const std::string& why, bool final) {
        QMetaObject::invokeMethod(
            this, [this, live, why = QString::fromStdString(why), final] { on_stream_state(live, why, final); },
            Qt::QueuedConnection);
    };
    events_ = std::make_unique<EventStream>(session_.relay, session_.login.token(), std::move(callbacks));
    events_->start();
}

MainWindow::~MainWindow() {
    if (events_) events_->stop();  // no callback may reach a half-destroyed window
    for (auto* window : session_windows())
        delete window;
    delete review_.data();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    save_settings();
    QMainWindow::closeEvent(event);
}

void MainWindow::save_settings() {
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/splitter", splitter_->saveState());
    settings.setValue("queue/view", views_->checkedId());
    settings.setValue("queue/status", status_->currentIndex());
    settings.setValue("queue/category", filter_->category());
    settings.setValue("queue/sla", sla_->currentIndex());
}

void MainWindow::update_counts() {
    for (auto [view, label] : {std::pair{View::Mine, tr("Mine")}, std::pair{View::MyGroups, tr("My groups")},
                               std::pair{View::Unassigned, tr("Unassigned")}, std::pair{View::All, tr("All")}}) {
        if (auto* button = views_->button(static_cast<int>(view))) {
            button->setText(QString("%1 (%2)").arg(label).arg(filter_->count(view)));
        }
    }
}

void MainWindow::reload_queue() {
    const auto statuses = status_choices().at(static_cast<std::size_t>(std::max(0, status_->currentIndex()))).second;
    client_.call<std::vector<v1::Ticket>>(
        this,
        [statuses, category = filter_->category(),
         sla = filter_->sla_states()](RelayApi& api) -> core::Result<std::vector<v1::Ticket>> {
            std::vector<v1::Ticket> all;
            std::string cursor;
            for (int page = 0; page < kMaxQueuePages; ++page) {
                auto answer = api.list_tickets(models::queue_query(statuses, category, sla, kQueuePage, cursor));
                if (!answer) return answer.error();
                for (auto& t : *answer->mutable_tickets())
                    all.push_back(std::move(t));
                cursor = answer->next_cursor();
                if (cursor.empty()) break;
            }
            return all;
        },
        [this](core::Result<std::vector<v1::Ticket>> tickets) {
            if (!tickets) {
                return show_error(
                    tr("Could not read the queue: %1").arg(QString::fromStdString(tickets.error().message)),
                    [this] { reload_queue(); });
            }
            const QString selected = panel_->number();
            model_->reset(std::move(*tickets));
            if (const int row = model_->row_of(selected); row >= 0) {
                table_->setCurrentIndex(filter_->mapFromSource(model_->index(row, 0)));
            }
        });
}

void MainWindow::on_event(const v1::StaffEvent& event) {
    switch (event.body_case()) {
        case v1::StaffEvent::kTicket:
            model_->upsert(event.ticket());
            panel_->ticket_changed(event.ticket());
            break;
        case v1::StaffEvent::kChat:
            panel_->chat_received(event.chat());
            for (auto* window : session_windows())
                window->chat_received(event.chat());
            break;
        case v1::StaffEvent::kSession:
            for (auto* window : session_windows())
                window->session_changed(event.session());
            break;
        case v1::StaffEvent::kDevice:
            panel_->set_device_online(event.device().device_id(), event.device().online());
            break;
        default: break;
    }
}

void MainWindow::on_stream_state(bool live, const QString& why, bool final) {
    live_ = live;
    connection_->setText(live ? tr("● Live") : tr("○ Offline"));
    connection_->setToolTip(why);
    connection_->setStyleSheet(live ? "color: #1b7f3b" : "color: #b00020");
    if (live) {
        reload_queue();
        load_directory();
    } else if (final) {
        show_error(tr("The relay closed the live queue: %1. Sign in again.").arg(why));
    }
}

void MainWindow::load_directory() {
    client_.call<models::HelpdeskDirectory>(
        this,
        [](RelayApi& api) -> core::Result<models::HelpdeskDirectory> {
            models::HelpdeskDirectory directory;
            auto groups = api.groups();
            if (!groups) return groups.error();
            auto categories = api.categories();
            if (!categories) return categories.error();
            directory.groups = std::move(*groups);
            directory.categories = std::move(*categories);
            return directory;
        },
        [this](core::Result<models::HelpdeskDirectory> directory) {
            if (!directory) {
                return show_error(tr("Could not read the groups and categories: %1")
                                      .arg(QString::fromStdString(directory.error().message)),
                                  [this] { load_directory(); });
            }
            filter_->set_groups(directory->groups_of(session_.login.user().username()));
            set_category_choices(directory->categories);
            panel_->set_directory(std::move(*directory));
            directory_loaded_ = true;
        });
}

void MainWindow::reload_groups() {
    // A lead changing several members sends a burst of events: one read at a time, and one more after it.
    if (groups_reading_) {
        groups_stale_ = true;
        return;
    }
    groups_reading_ = true;
    groups_stale_ = false;
    client_.call<v1::GroupList>(
        this, [](RelayApi& api) { return api.groups(); },
        [this](core::Result<v1::GroupList> groups) {
            groups_reading_ = false;
            if (!groups) {
                return show_error(
                    tr("Could not read the groups: %1").arg(QString::fromStdString(groups.error().message)),
                    [this] { reload_groups(); });
            }
            models::HelpdeskDirectory directory = panel_->workflow()->directory();
            directory.groups = std::move(*groups);
            filter_->set_groups(directory.groups_of(session_.login.user().username()));
            panel_->set_directory(std::move(directory));
            ++groups_reads_;
            if (groups_stale_) reload_groups();
        });
}

void MainWindow::on_presence(const std::string& username, bool online) {
    models::HelpdeskDirectory directory = panel_->workflow()->directory();
    if (directory.set_online(username, online)) panel_->set_directory(std::move(directory));
}

void MainWindow::set_category_choices(const v1::CategoryList& categories) {
    const QString wanted = filter_->category();
    category_->clear();
    category_->addItem(tr("All categories"), QString());
    for (const auto& c : categories.categories())
        category_->addItem(QString::fromStdString(c.name()), QString::fromStdString(c.name()));
    int at = category_->findData(wanted);
    if (at < 0) {
        at = 0;
        if (!wanted.isEmpty()) {  // a category the relay no longer has would hide the whole queue
            filter_->set_category({});
            reload_queue();
        }
    }
    category_->setCurrentIndex(at);
}

LeadWindow* MainWindow::open_review() {
    if (!review_) {
        const auto role = session_.login.user().role();
        review_ = new LeadWindow(client_, role == v1::LEAD || role == v1::ADMIN);
    }
    review_->show();
    review_->raise();
    review_->activateWindow();
    return review_;
}

std::vector<SessionWindow*> MainWindow::session_windows() const {
    std::vector<SessionWindow*> open;
    for (const auto& window : sessions_) {
        if (window) open.push_back(window.data());
    }
    return open;
}

void MainWindow::open_session(const QString& number, v1::SessionMode mode, int monitor) {
    std::erase_if(sessions_, [](const auto& window) { return window.isNull(); });
    auto* window = new SessionWindow(session_, number, mode, monitor < 0 ? std::nullopt : std::optional<int>(monitor));
    connect(window, &SessionWindow::end_requested, this, [this](const QString& id) {
        client_.call<v1::Session>(
            this, [id = id.toStdString()](RelayApi& api) { return api.end_session(id, "the technician ended it"); },
            [](core::Result<v1::Session>) {});
    });
    sessions_.push_back(window);
    window->show();
}

void MainWindow::show_error(const QString& message, std::function<void()> retry) {
    error_->setText(message);
    retry_action_ = std::move(retry);
    retry_->setVisible(static_cast<bool>(retry_action_));
}

}  // namespace lifeline::viewer::ui
