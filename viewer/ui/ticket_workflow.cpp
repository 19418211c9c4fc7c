#include "viewer/ui/ticket_workflow.hpp"

#include "viewer/ui/workflow_dialogs.hpp"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace lifeline::viewer::ui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

// A menu entry's text is taken for a mnemonic at each '&': a display name keeps its own.
QString menu_text(QString text) { return text.replace('&', "&&"); }

// The SLA chip: the same colours as the queue's SLA cell, a neutral frame otherwise.
QString chip_style(v1::SlaState state) {
    const QString shape = "padding: 2px 6px; border-radius: 3px;";
    if (auto colours = models::sla_colours(state)) {
        return QString("QLabel { %1 background: %2; color: %3; font-weight: bold; }")
            .arg(shape, colours->background.name(), colours->foreground.name());
    }
    return QString("QLabel { %1 border: 1px solid palette(mid); }").arg(shape);
}

QLabel* plain(const char* name) {
    auto* label = new QLabel;
    label->setObjectName(name);
    label->setTextFormat(Qt::PlainText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

}  // namespace

TicketWorkflow::TicketWorkflow(RelayClient& client, QWidget* parent) : QWidget(parent), client_(client) {
    response_ = plain("sla-response");
    resolution_ = plain("sla-resolution");
    for (auto* chip : {response_, resolution_})
        chip->setWordWrap(true);  // a narrow panel wraps the words rather than cutting them off
    facts_ = plain("workflow-facts");
    facts_->setWordWrap(true);

    assign_ = new QToolButton;
    assign_->setObjectName("assign");
    assign_->setText(tr("&Assign"));
    assign_->setPopupMode(QToolButton::InstantPopup);
    assign_->setToolButtonStyle(Qt::ToolButtonTextOnly);
    assign_menu_ = new QMenu(assign_);
    assign_->setMenu(assign_menu_);
    category_ = new QComboBox;
    category_->setObjectName("category");
    category_->setToolTip(tr("Category"));
    group_ = new QComboBox;
    group_->setObjectName("group");
    group_->setToolTip(tr("Group"));
    escalate_ = new QPushButton(tr("&Escalate…"));
    escalate_->setObjectName("escalate");
    rate_ = new QPushButton(tr("Record rati&ng…"));
    rate_->setObjectName("record-rating");
    rate_->setToolTip(tr("The user's rating, given on the phone or another way"));

    auto* sla_row = new QHBoxLayout;
    sla_row->addWidget(response_, 1);
    sla_row->addWidget(resolution_, 1);
    auto* actions = new QHBoxLayout;
    actions->addWidget(assign_);
    auto* category_label = new QLabel(tr("Categor&y:"));
    category_label->setBuddy(category_);
    actions->addWidget(category_label);
    actions->addWidget(category_, 1);
    auto* group_label = new QLabel(tr("&Group:"));
    group_label->setBuddy(group_);
    actions->addWidget(group_label);
    actions->addWidget(group_, 1);
    actions->addWidget(escalate_);
    actions->addWidget(rate_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(sla_row);
    layout->addWidget(facts_);
    layout->addLayout(actions);

    connect(category_, &QComboBox::activated, this, [this](int index) {
        const std::string category = category_->itemData(index).toString().toStdString();
        if (category == ticket_.category()) return;
        v1::UpdateTicketRequest patch;
        patch.set_category(category);
        change(tr("the category"),
               [n = ticket_.number(), patch](RelayApi& api) { return api.update_ticket(n, patch); });
    });
    connect(group_, &QComboBox::activated, this, [this](int index) {
        const std::string group = group_->itemData(index).toString().toStdString();
        if (group == ticket_.group()) return;
        v1::UpdateTicketRequest patch;
        patch.set_group(group);
        change(tr("the group"), [n = ticket_.number(), patch](RelayApi& api) { return api.update_ticket(n, patch); });
    });
    connect(escalate_, &QPushButton::clicked, this, [this] { open_escalation(); });
    connect(rate_, &QPushButton::clicked, this, [this] { open_rating(); });
    auto* ticker = new QTimer(this);  // due times move on between the relay's changes
    connect(ticker, &QTimer::timeout, this, &TicketWorkflow::render_sla);
    ticker->start(20'000);
    render();
}

void TicketWorkflow::set_user(const QString& username, bool lead) {
    username_ = username;
    lead_ = lead;
    render();
}

void TicketWorkflow::set_directory(models::HelpdeskDirectory directory) {
    directory_ = std::move(directory);
    render();
}

void TicketWorkflow::show_ticket(const v1::Ticket& ticket) {
    ticket_ = ticket;
    render();
}

void TicketWorkflow::render_sla() {
    const auto lines = models::sla_lines(ticket_, QDateTime::currentSecsSinceEpoch());
    for (int i = 0; i < 2; ++i) {
        QLabel* label = i == 0 ? response_ : resolution_;
        const bool shown = static_cast<int>(lines.size()) > i;
        label->setVisible(shown);
        if (!shown) continue;
        label->setText(lines[static_cast<std::size_t>(i)].text);
        label->setStyleSheet(chip_style(lines[static_cast<std::size_t>(i)].state));
    }
}

void TicketWorkflow::render() {
    render_sla();
    QStringList facts;
    if (!ticket_.number().empty()) {
        facts << (ticket_.has_sla() ? models::sla_policy_text(ticket_.sla()) : tr("No SLA applies"));
        facts << tr("Group: %1")
                     .arg(ticket_.group().empty() ? tr("none (tier %1)").arg(std::max(1, ticket_.tier()))
                                                  : directory_.group_label(ticket_.group()) + " · " +
                                                        tr("tier %1").arg(std::max(1, ticket_.tier())));
        facts << tr("Escalations: %1").arg(ticket_.escalations());
        if (ticket_.reopens() > 0) facts << tr("Reopened: %1").arg(ticket_.reopens());
        if (ticket_.has_satisfaction())
            facts << tr("Rating: %1").arg(models::satisfaction_text(ticket_.satisfaction()));
    }
    facts_->setText(facts.join("   ·   "));
    fill_choices();
    rebuild_assign_menu();

    const bool done = ticket_.status() == v1::Ticket::RESOLVED || ticket_.status() == v1::Ticket::CLOSED;
    const bool known = !ticket_.number().empty();
    const bool changeable = known && ticket_.status() != v1::Ticket::CLOSED;
    category_->setEnabled(changeable);
    group_->setEnabled(changeable);
    assign_->setVisible(lead_);
    assign_->setEnabled(changeable);
    const bool mine_or_free = ticket_.assignee().empty() || q(ticket_.assignee()) == username_;
    escalate_->setEnabled(known && !done && (lead_ || mine_or_free));
    rate_->setVisible(known && done);  // the relay takes a rating only then
    escalate_->setToolTip(done ? tr("A resolved or closed ticket is not escalated")
                          : !(lead_ || mine_or_free)
                              ? tr("Only %1 or a lead may escalate it").arg(q(ticket_.assignee()))
                              : tr("Hand the ticket to the next tier or another group"));
}

void TicketWorkflow::fill_choices() {
    category_->clear();
    category_->addItem(tr("(none)"), QString());
    bool listed = ticket_.category().empty();
    for (const auto& c : directory_.categories.categories()) {
        category_->addItem(q(c.name()), q(c.name()));
        listed = listed || c.name() == ticket_.category();
    }
    if (!listed) category_->addItem(q(ticket_.category()), q(ticket_.category()));  // kept from before a config change
    category_->setCurrentIndex(std::max(0, category_->findData(q(ticket_.category()))));

    group_->clear();
    group_->addItem(tr("(none)"), QString());
    listed = ticket_.group().empty();
    for (const auto& g : directory_.groups.groups()) {
        group_->addItem(directory_.group_label(g.name()), q(g.name()));
        listed = listed || g.name() == ticket_.group();
    }
    if (!listed) group_->addItem(q(ticket_.group()), q(ticket_.group()));
    group_->setCurrentIndex(std::max(0, group_->findData(q(ticket_.group()))));
}

void TicketWorkflow::rebuild_assign_menu() {
    assign_menu_->clear();
    auto add_members = [this](QMenu* menu, const v1::Group& group) {
        std::vector<const v1::GroupMember*> members;
        for (const auto& m : group.members())
            members.push_back(&m);
        std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
            return std::pair(a->tier(), a->username()) < std::pair(b->tier(), b->username());
        });
        for (const auto* m : members) {
            const QString who = m->display_name().empty()
                                    ? q(m->username())
                                    : QString("%1 (%2)").arg(q(m->display_name()), q(m->username()));
            const QString text =
                tr("%1 · tier %2 · %3").arg(who).arg(m->tier()).arg(m->online() ? tr("online") : tr("offline"));
            auto* action = menu->addAction(menu_text(text));
            action->setCheckable(true);
            action->setChecked(m->username() == ticket_.assignee());
            action->setData(q(m->username()));
            connect(action, &QAction::triggered, this, [this, username = m->username()] {
                if (username == ticket_.assignee()) return;
                change(tr("the assignee"),
                       [n = ticket_.number(), username](RelayApi& api) { return api.assign(n, username); });
            });
        }
        if (members.empty()) menu->addAction(tr("No members"))->setEnabled(false);
    };
    if (const v1::Group* own = directory_.group(ticket_.group())) {
        assign_menu_->addSection(menu_text(directory_.group_label(own->name())));
        add_members(assign_menu_, *own);
    }
    bool others = false;
    for (const auto& g : directory_.groups.groups()) {
        if (g.name() == ticket_.group()) continue;
        if (!others) assign_menu_->addSeparator();
        others = true;
        add_members(assign_menu_->addMenu(menu_text(directory_.group_label(g.name()))), g);
    }
    if (directory_.groups.groups_size() == 0) assign_menu_->addAction(tr("No groups on this relay"))->setEnabled(false);
    assign_menu_->addSeparator();
    auto* unassign = assign_menu_->addAction(tr("&Unassign"));
    unassign->setObjectName("unassign");
    unassign->setEnabled(!ticket_.assignee().empty());
    connect(unassign, &QAction::triggered, this, [this] {
        change(tr("the assignee"), [n = ticket_.number()](RelayApi& api) { return api.assign(n, {}); });
    });
}

void TicketWorkflow::change(const QString& what, std::function<core::Result<v1::Ticket>(RelayApi&)> work) {
    QPointer<TicketWorkflow> self(this);
    client_.call<v1::Ticket>(
        this, work, [this, self, what, work, number = ticket_.number()](core::Result<v1::Ticket> t) {
            if (!t) {
                render();  // the choices go back to what the relay has
                return emit failed(tr("Could not change %1 of %2: %3").arg(what, q(number), q(t.error().message)),
                                   [self, what, work] {
                                       if (self) self->change(what, work);
                                   });
            }
            if (t->number() == ticket_.number()) emit changed(*t);
        });
}

RatingDialog* TicketWorkflow::open_rating() {
    if (ticket_.number().empty()) return nullptr;
    if (auto* open = rating_dialog()) {
        open->raise();
        return open;
    }
    rating_dialog_ = new RatingDialog(ticket_, window());
    auto* dialog = rating_dialog_.data();
    connect(dialog, &NoteDialog::submitted, this, [this, dialog] {
        dialog->set_busy(true);
        QPointer<RatingDialog> alive(dialog);
        client_.call<v1::Ticket>(
            this,
            [number = ticket_.number(), rating = dialog->rating(), comment = dialog->note().toStdString()](
                RelayApi& api) { return api.record_rating(number, rating, comment); },
            [this, alive, number = ticket_.number()](core::Result<v1::Ticket> t) {
                if (!t) {
                    if (alive) return alive->show_error(q(t.error().message));
                    return emit failed(tr("Could not record the rating of %1: %2").arg(q(number), q(t.error().message)),
                                       {});
                }
                if (alive) alive->accept();
                if (t->number() == ticket_.number()) emit changed(*t);
            });
    });
    dialog->show();
    return dialog;
}

EscalateDialog* TicketWorkflow::open_escalation() {
    if (ticket_.number().empty()) return nullptr;
    if (auto* open = escalate_dialog()) {
        open->raise();
        return open;
    }
    dialog_ = new EscalateDialog(ticket_, directory_, window());
    auto* dialog = dialog_.data();
    connect(dialog, &NoteDialog::submitted, this, [this, dialog] {
        dialog->set_busy(true);
        const std::string number = ticket_.number();
        QPointer<EscalateDialog> alive(dialog);
        client_.call<v1::Ticket>(
            this,
            [number, group = dialog->target_group(), reason = dialog->note().toStdString()](RelayApi& api) {
                return api.escalate(number, group, reason);
            },
            [this, alive, number](core::Result<v1::Ticket> t) {
                if (!t) {
                    if (alive) return alive->show_error(q(t.error().message));
                    return emit failed(tr("Could not escalate %1: %2").arg(q(number), q(t.error().message)), {});
                }
                if (alive) alive->accept();
                if (t->number() == ticket_.number()) emit changed(*t);
            });
    });
    dialog->show();
    return dialog;
}

}  // namespace lifeline::viewer::ui
