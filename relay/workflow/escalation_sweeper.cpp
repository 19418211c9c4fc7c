// The periodic sweep over due tickets.
#include "relay/workflow/escalation_sweeper.hpp"

#include "shared/core/offload.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace lifeline::relay::workflow {

namespace asio = boost::asio;

namespace {
constexpr std::size_t kSweepParallelism = 32;
}  // namespace

SweepResult sweep_due_tickets(WorkflowTicketStore& tickets, store::GroupStore& groups, core::SystemTime now, int batch,
                              int max_tickets) {
    SweepResult result;
    // A ticket whose change failed stays due; it is not tried again in the same sweep.
    std::set<std::string> seen;
    while (result.attended < max_tickets) {
        const int requested = batch + static_cast<int>(seen.size());
        auto due = groups.due_tickets(now, requested);
        std::vector<std::string> fresh;
        for (auto& number : due) {
            if (static_cast<int>(fresh.size()) + result.attended >= max_tickets) break;
            if (seen.insert(number).second) fresh.push_back(std::move(number));
        }
        if (fresh.empty()) break;
        // Each ticket is its own transaction; several in flight let the store commit them together
        // (one fsync for many) instead of one after the other.
        std::atomic<std::size_t> next{0};
        std::atomic<int> failed{0};
        const auto work = [&] {
            for (std::size_t i = next++; i < fresh.size(); i = next++) {
                if (auto attended = tickets.attend(fresh[i], now); !attended) {
                    ++failed;
                    spdlog::warn("workflow: the sweep could not attend {}: {}", fresh[i], attended.error().message);
                }
            }
        };
        std::vector<std::thread> workers;
        std::size_t parallel = std::min<std::size_t>(kSweepParallelism, fresh.size());
        for (std::size_t i = 1; i < parallel; ++i)
            workers.emplace_back(work);
        work();
        for (auto& worker : workers)
            worker.join();
        result.attended += static_cast<int>(fresh.size());
        result.failed += failed;
        if (static_cast<int>(due.size()) < requested) break;  // that was the last of them
    }
    return result;
}

EscalationSweeper::EscalationSweeper(asio::any_io_executor executor, asio::thread_pool& pool,
                                     WorkflowTicketStore& tickets, store::GroupStore& groups, const core::Clock& clock,
                                     std::chrono::seconds interval)
    : strand_(asio::make_strand(std::move(executor))),
      pool_(pool),
      tickets_(tickets),
      groups_(groups),
      clock_(clock),
      interval_(interval),
      timer_(strand_) {}

void EscalationSweeper::start() { asio::co_spawn(strand_, run(), asio::detached); }

void EscalationSweeper::stop() {
    stopped_ = true;
    asio::post(strand_, [this] { timer_.cancel(); });
}

asio::awaitable<void> EscalationSweeper::run() {
    const auto sweep = [this] {
        try {
            auto result = sweep_due_tickets(tickets_, groups_, clock_.now());
            if (result.attended > 0) {
                spdlog::debug("workflow: swept {} due tickets ({} failed)", result.attended, result.failed);
            }
        } catch (const std::exception& e) {
            spdlog::error("workflow: the escalation sweep failed: {}", e.what());
        }
    };
    while (!stopped_) {
        co_await core::offload(pool_, sweep);
        if (stopped_) break;
        timer_.expires_after(interval_);
        auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec) break;
    }
}

}  // namespace lifeline::relay::workflow
