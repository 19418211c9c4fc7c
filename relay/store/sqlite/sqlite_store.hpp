// SQLite implementations of the store interfaces. All SQL of the embedded backend lives here.
#pragma once

#include "relay/store/group_store.hpp"
#include "relay/store/kb_store.hpp"
#include "relay/store/mail_store.hpp"
#include "relay/store/report_store.hpp"
#include "relay/store/sqlite/database.hpp"
#include "relay/store/store.hpp"

namespace lifeline::relay::store::sqlite {

class SqliteUserStore final : public UserStore {
public:
    explicit SqliteUserStore(Database& db) : db_(db) {}
    core::Result<v1::User> create_user(const NewUser& user, core::SystemTime now, const Actor& actor) override;
    std::optional<UserRecord> find_user(const std::string& username) override;
    std::vector<v1::User> list_users() override;
    core::Result<v1::User> update_user(const std::string& username, const v1::UpdateUserRequest& change,
                                       const Actor& actor) override;
    core::Result<void> set_password_hash(const std::string& username, const std::string& hash,
                                         const Actor& actor) override;
    void store_token(const std::string& token_hash, std::int64_t user_id, core::SystemTime now,
                     core::SystemTime expires_at, const Actor& actor) override;
    std::optional<Principal> find_token(const std::string& token_hash, core::SystemTime now) override;
    void revoke_token(const std::string& token_hash, const Actor& actor) override;

private:
    Database& db_;
};

class SqliteTicketStore final : public TicketStore {
public:
    explicit SqliteTicketStore(Database& db) : db_(db) {}
    v1::Ticket create_ticket(const NewTicket& ticket, core::SystemTime now) override;
    core::Result<v1::Ticket> get_ticket(const std::string& number) override;
    core::Result<v1::TicketPage> list_tickets(const TicketQuery& query) override;
    core::Result<v1::Ticket> modify_ticket(const std::string& number, const std::string& actor, core::SystemTime now,
                                           const TicketMutation& mutation) override;
    core::Result<v1::Comment> add_comment(const std::string& number, const std::string& author, const std::string& body,
                                          bool internal, core::SystemTime now) override;
    core::Result<v1::CommentList> list_comments(const std::string& number, bool include_internal) override;
    core::Result<v1::TicketHistory> ticket_history(const std::string& number) override;
    std::vector<v1::Ticket> device_tickets(const std::string& device_id, int limit) override;
    core::Result<v1::Attachment> add_attachment(const std::string& number, const v1::Attachment& meta,
                                                const std::string& data, core::SystemTime now) override;
    core::Result<v1::AttachmentList> list_attachments(const std::string& number) override;
    core::Result<std::pair<v1::Attachment, std::string>> get_attachment(const std::string& number,
                                                                        std::int64_t id) override;
    core::Result<v1::ChatMessage> add_chat_message(const NewChatMessage& message, core::SystemTime now) override;
    core::Result<std::vector<v1::ChatMessage>> list_chat(const std::string& number, const std::string& device_id,
                                                         int limit) override;
    core::Result<v1::Ticket> rate_ticket(const std::string& number, const v1::Satisfaction& rating,
                                         const std::string& device_id, const std::string& actor,
                                         core::SystemTime now) override;

private:
    Database& db_;
};

class SqliteDeviceStore final : public DeviceStore {
public:
    explicit SqliteDeviceStore(Database& db) : db_(db) {}
    v1::EnrollmentToken create_enrollment_token(const NewEnrollmentToken& token, core::SystemTime now) override;
    std::vector<v1::EnrollmentToken> list_enrollment_tokens() override;
    core::Result<v1::EnrollmentToken> revoke_enrollment_token(std::int64_t id, const Actor& actor) override;
    core::Result<v1::Device> enroll_device(const EnrollmentClaim& claim, core::SystemTime now,
                                           const std::string& address) override;
    std::vector<v1::Device> list_devices() override;
    core::Result<v1::Device> get_device(const std::string& id) override;
    core::Result<v1::Device> revoke_device(const std::string& id, const Actor& actor) override;
    core::Result<v1::Device> set_unattended(const std::string& id, bool allowed, const Actor& actor) override;
    std::optional<v1::Device> authenticate_device(const std::string& id, const std::string& secret_hash) override;
    void record_snapshot(
        const std::string& id, const v1::SystemInfo& info, core::SystemTime now,
        const std::function<std::vector<InventoryChange>(const v1::SystemInfo&, const v1::SystemInfo&)>& diff) override;
    void record_last_seen(const std::string& id, core::SystemTime at) override;
    std::vector<std::pair<core::SystemTime, InventoryChange>> inventory_changes(const std::string& id) override;

private:
    Database& db_;
};

class SqliteSessionStore final : public SessionStore {
public:
    explicit SqliteSessionStore(Database& db) : db_(db) {}
    core::Result<v1::Session> create_session(const v1::Session& session) override;
    core::Result<v1::Session> get_session(const std::string& id) override;
    core::Result<v1::Session> update_session(const std::string& id, const SessionChange& change) override;
    std::vector<v1::Session> open_sessions() override;
    core::Result<v1::SessionList> ticket_sessions(const std::string& number) override;
    core::Result<v1::SessionList> list_sessions(const SessionQuery& query) override;

private:
    Database& db_;
};

class SqliteKbStore final : public KbStore {
public:
    explicit SqliteKbStore(Database& db) : db_(db) {}
    v1::KbArticle create_article(const NewKbArticle& article, core::SystemTime now, const Actor& actor) override;
    core::Result<v1::KbArticle> get_article(std::int64_t id, bool published_only) override;
    core::Result<v1::KbArticlePage> list_articles(const KbArticleQuery& query) override;
    core::Result<v1::KbArticle> update_article(std::int64_t id, const KbArticleChange& change, core::SystemTime now,
                                               const Actor& actor) override;
    core::Result<v1::KbArticle> set_state(std::int64_t id, v1::KbArticle::State state, core::SystemTime now,
                                          const Actor& actor) override;
    core::Result<v1::KbCounters> count(std::int64_t id, KbCounter counter, bool published_only) override;
    core::Result<std::vector<v1::KbSearchHit>> search(const KbSearchQuery& query) override;
    core::Result<v1::KbTicketLink> link_ticket(const std::string& number, std::int64_t article_id,
                                               const std::string& username, core::SystemTime now,
                                               const Actor& actor) override;
    core::Result<v1::KbTicketLinkList> ticket_links(const std::string& number) override;

private:
    Database& db_;
};

class SqliteMailStore final : public MailStore {
public:
    explicit SqliteMailStore(Database& db) : db_(db) {}
    std::int64_t enqueue(const NewMail& mail, core::SystemTime now) override;
    std::vector<OutboxMail> due_mail(core::SystemTime now, int limit) override;
    void mark_sent(std::int64_t id, core::SystemTime now) override;
    std::optional<core::SystemTime> mark_failed(std::int64_t id, const std::string& error, bool permanent,
                                                const MailRetryPolicy& policy, core::SystemTime now) override;
    std::optional<core::SystemTime> next_due() override;
    std::vector<OutboxMail> list_outbox(int limit) override;

private:
    Database& db_;
};

class SqliteAuditStore final : public AuditStore {
public:
    explicit SqliteAuditStore(Database& db) : db_(db) {}
    void record(const Actor& actor, const AuditEvent& event, core::SystemTime now) override;
    v1::AuditPage list(const AuditQuery& query) override;
    v1::AuditVerification verify() override;

private:
    Database& db_;
};

class SqliteGroupStore final : public GroupStore {
public:
    explicit SqliteGroupStore(Database& db) : db_(db) {}
    core::Result<v1::Group> create_group(const v1::CreateGroupRequest& group, core::SystemTime now,
                                         const Actor& actor) override;
    std::vector<v1::Group> list_groups() override;
    core::Result<v1::Group> get_group(const std::string& name) override;
    core::Result<v1::Group> update_group(const std::string& name, const v1::UpdateGroupRequest& change,
                                         const Actor& actor) override;
    core::Result<v1::Group> set_member(const std::string& group, const std::string& username, int tier,
                                       const Actor& actor) override;
    core::Result<v1::Group> remove_member(const std::string& group, const std::string& username,
                                          const Actor& actor) override;
    std::vector<std::string> groups_of(const std::string& username) override;
    std::map<std::string, int> open_ticket_counts(const std::vector<std::string>& usernames) override;
    void set_last_assigned(const std::string& group, int tier, const std::string& username) override;
    std::string last_assigned(const std::string& group, int tier) override;
    std::vector<int> technician_tiers() override;
    std::vector<std::string> due_tickets(core::SystemTime now, int limit) override;

private:
    Database& db_;
};

class SqliteReportStore final : public ReportStore {
public:
    explicit SqliteReportStore(Database& db) : db_(db) {}
    v1::TicketsReport tickets(const ReportFilter& filter) override;
    v1::BacklogReport backlog(const ReportFilter& filter) override;
    v1::DurationReport response_time(const ReportFilter& filter) override;
    v1::DurationReport resolution_time(const ReportFilter& filter) override;
    v1::SlaReport sla(const ReportFilter& filter) override;
    v1::EscalationReport escalations(const ReportFilter& filter) override;
    v1::ReopenReport reopen_rate(const ReportFilter& filter) override;
    v1::SessionReport sessions(const ReportFilter& filter) override;
    v1::SatisfactionReport satisfaction(const ReportFilter& filter) override;
    v1::TopCategoriesReport top_categories(const ReportFilter& filter) override;
    v1::TopDevicesReport top_devices(const ReportFilter& filter) override;
    v1::SummaryReport summary(const ReportFilter& filter) override;

private:
    Database& db_;
};

}  // namespace lifeline::relay::store::sqlite
