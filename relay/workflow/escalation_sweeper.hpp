// The escalation sweep: every interval it looks at the tickets whose attention_at has come
// (an escalation timer ran out, an SLA target reached 80 % or its end) and lets the workflow move
// them on. Only due tickets are read, through an index, however many are open.
#pragma once

#include "relay/store/group_store.hpp"
#include "relay/workflow/workflow_tickets.hpp"
#include "shared/core/clock.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>

namespace lifeline::relay::workflow {

struct SweepResult {
    int attended = 0;  // due tickets looked at
    int failed = 0;    // could not be changed (logged)
};

// One sweep at `now`, blocking: at most `max_tickets`, in batches of `batch`.
SweepResult sweep_due_tickets(WorkflowTicketStore& tickets, store::GroupStore& groups, core::SystemTime now,
                              int batch = 500, int max_tickets = 5000);

class EscalationSweeper {
public:
    EscalationSweeper(boost::asio::any_io_executor executor, boost::asio::thread_pool& pool,
                      WorkflowTicketStore& tickets, store::GroupStore& groups, const core::Clock& clock,
                      std::chrono::seconds interval);

    void start();
    void stop();  // any thread

private:
    boost::asio::awaitable<void> run();

    boost::asio::strand<boost::asio::any_io_executor> strand_;
    boost::asio::thread_pool& pool_;
    WorkflowTicketStore& tickets_;
    store::GroupStore& groups_;
    const core::Clock& clock_;
    std::chrono::seconds interval_;
    boost::asio::steady_timer timer_;
    std::atomic<bool> stopped_{false};
};

}  // namespace lifeline::relay::workflow
