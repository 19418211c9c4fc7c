// Ticket storage: numbering under concurrent writers, group-commit isolation, queue order and paging.
#include "relay/store/sqlite/sqlite_store.hpp"
#include "store_fixture.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace lifeline::relay::store::sqlite {
namespace {

NewTicket make_ticket(const std::string& subject, v1::Priority priority = v1::P3) {
    NewTicket t;
    t.ticket.set_subject(subject);
    t.ticket.set_description("details of " + subject);
    t.ticket.set_priority(priority);
    t.ticket.set_urgency(v1::MEDIUM);
    t.ticket.set_impact(v1::MEDIUM);
    t.ticket.set_channel("api");
    t.created_by = "tech";
    return t;
}

core::SystemTime at(std::int64_t seconds) { return core::from_unix_ms(1'700'000'000'000 + seconds * 1000); }

class TicketStoreTest : public ::testing::Test {
protected:
    TempDir dir;
    Database db{dir.file("t.db"), true};
    SqliteTicketStore tickets{db};
};

TEST_F(TicketStoreTest, concurrent_creators_get_distinct_gap_free_numbers) {
    constexpr int kThreads = 8, kEach = 50;
    std::vector<std::thread> threads;
    std::mutex mutex;
    std::set<std::string> numbers;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                auto ticket = tickets.create_ticket(make_ticket("t" + std::to_string(t)), at(i));
                std::lock_guard lock(mutex);
                numbers.insert(ticket.number());
            }
        });
    }
    for (auto& th : threads)
        th.join();
    ASSERT_EQ(numbers.size(), static_cast<std::size_t>(kThreads * kEach));
    EXPECT_EQ(*numbers.begin(), "LL-000001");
    EXPECT_EQ(*numbers.rbegin(), "LL-000400");
}

TEST_F(TicketStoreTest, a_failed_change_rolls_back_alone_and_leaves_no_history) {
    auto created = tickets.create_ticket(make_ticket("printer"), at(0));
    auto failed = tickets.modify_ticket(created.number(), "tech", at(1), [](v1::Ticket& t, auto& events) {
        t.set_subject("changed");
        events.push_back({"subject", "printer", "changed", ""});
        return core::Result<void>(core::make_error(core::Errc::conflict, "no"));
    });
    ASSERT_TRUE(failed.has_error());
    EXPECT_EQ(failed.error().code, core::Errc::conflict);
    EXPECT_EQ(tickets.get_ticket(created.number())->subject(), "printer");
    EXPECT_EQ(tickets.ticket_history(created.number())->events_size(), 1);  // only "created"

    auto ok = tickets.modify_ticket(created.number(), "tech", at(2), [](v1::Ticket& t, auto& events) {
        events.push_back({"status", "new", "open", ""});
        t.set_status(v1::Ticket::OPEN);
        return core::Result<void>();
    });
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status(), v1::Ticket::OPEN);
    auto history = *tickets.ticket_history(created.number());
    ASSERT_EQ(history.events_size(), 2);
    EXPECT_EQ(history.events(1).action(), "status");
    EXPECT_EQ(history.events(1).actor(), "tech");
}

TEST_F(TicketStoreTest, a_throwing_change_does_not_poison_its_group) {
    auto created = tickets.create_ticket(make_ticket("vpn"), at(0));
    EXPECT_THROW(
        tickets.modify_ticket(created.number(), "tech", at(1),
                              [](v1::Ticket&, auto&) -> core::Result<void> { throw std::runtime_error("bug"); }),
        std::runtime_error);
    EXPECT_EQ(tickets.create_ticket(make_ticket("next"), at(2)).number(), "LL-000002");
}

TEST_F(TicketStoreTest, queue_is_ordered_by_priority_then_age_and_pages_without_overlap) {
    for (int i = 0; i < 30; ++i) {
        tickets.create_ticket(make_ticket("t" + std::to_string(i), static_cast<v1::Priority>(1 + i % 4)), at(i));
    }
    TicketQuery query;
    query.limit = 7;
    std::vector<v1::Ticket> all;
    for (int pages = 0; pages < 10; ++pages) {
        auto page = tickets.list_tickets(query);
        ASSERT_TRUE(page);
        for (const auto& t : page->tickets())
            all.push_back(t);
        if (page->next_cursor().empty()) break;
        query.cursor = page->next_cursor();
    }
    ASSERT_EQ(all.size(), 30u);
    for (std::size_t i = 1; i < all.size(); ++i) {
        auto a = std::make_pair(all[i - 1].priority(), all[i - 1].created_at().seconds());
        auto b = std::make_pair(all[i].priority(), all[i].created_at().seconds());
        EXPECT_LE(a, b) << "row " << i;
    }
    EXPECT_EQ(all.front().priority(), v1::P1);
    EXPECT_EQ(all.back().priority(), v1::P4);
}

TEST_F(TicketStoreTest, filters_combine_and_text_search_escapes_wildcards) {
    tickets.create_ticket(make_ticket("printer jams", v1::P2), at(0));
    tickets.create_ticket(make_ticket("100% CPU", v1::P2), at(1));
    tickets.create_ticket(make_ticket("printer offline", v1::P4), at(2));
    TicketQuery query;
    query.text = "printer";
    EXPECT_EQ(tickets.list_tickets(query)->tickets_size(), 2);
    query.priority = v1::P2;
    EXPECT_EQ(tickets.list_tickets(query)->tickets_size(), 1);
    TicketQuery percent;
    percent.text = "%";
    auto found = tickets.list_tickets(percent);
    ASSERT_EQ(found->tickets_size(), 1);
    EXPECT_EQ(found->tickets(0).subject(), "100% CPU");
    TicketQuery unassigned;
    unassigned.assignee = "";
    EXPECT_EQ(tickets.list_tickets(unassigned)->tickets_size(), 3);
}

TEST_F(TicketStoreTest, a_forged_cursor_is_invalid_input) {
    TicketQuery query;
    query.cursor = "3.abc.1";
    auto page = tickets.list_tickets(query);
    ASSERT_TRUE(page.has_error());
    EXPECT_EQ(page.error().code, core::Errc::invalid_argument);
}

TEST_F(TicketStoreTest, unknown_and_malformed_numbers_are_not_found) {
    EXPECT_EQ(tickets.get_ticket("LL-000999").error().code, core::Errc::not_found);
    EXPECT_EQ(tickets.get_ticket("nonsense").error().code, core::Errc::not_found);
    EXPECT_EQ(tickets.add_comment("LL-000999", "a", "b", false, at(0)).error().code, core::Errc::not_found);
}

TEST_F(TicketStoreTest, internal_notes_are_listed_only_when_asked) {
    auto t = tickets.create_ticket(make_ticket("mail"), at(0));
    ASSERT_TRUE(tickets.add_comment(t.number(), "tech", "restart Outlook", false, at(1)));
    ASSERT_TRUE(tickets.add_comment(t.number(), "tech", "user is VIP", true, at(2)));
    EXPECT_EQ(tickets.list_comments(t.number(), true)->comments_size(), 2);
    auto public_only = *tickets.list_comments(t.number(), false);
    ASSERT_EQ(public_only.comments_size(), 1);
    EXPECT_EQ(public_only.comments(0).body(), "restart Outlook");
}

}  // namespace
}  // namespace lifeline::relay::store::sqlite
