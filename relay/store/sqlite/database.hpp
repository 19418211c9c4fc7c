// The SQLite database: one writer thread that commits waiting writes together (group commit), and
// a pool of read-only connections. WAL mode with synchronous=FULL: a write is answered only after
// its transaction is durable.
#pragma once

#include "relay/store/sqlite/connection.hpp"
#include "shared/core/error.hpp"

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

namespace lifeline::relay::store::sqlite {

class Database {
public:
    // Opens (creating if asked) the database and applies pending migrations.
    Database(std::string path, bool create);
    ~Database();  // drains queued writes, then closes
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Runs `work` on the writer thread inside the current group transaction, in a savepoint of its
    // own. A work item that throws or returns an error Result is rolled back alone. Blocks until
    // the group has committed, then returns the work's value (or rethrows). Any thread may call.
    template <class F>
    std::invoke_result_t<F, Connection&> write(F&& work);

    // Runs `work` on a read-only connection from the pool, on the calling thread.
    template <class F>
    std::invoke_result_t<F, Connection&> read(F&& work);

    int schema_version();
    const std::string& path() const { return path_; }

private:
    struct Job {
        std::function<bool(Connection&)> run;  // false: roll this job's savepoint back
        std::function<void(std::exception_ptr)> finish;
    };
    class ReadLease;

    void enqueue(Job job);
    void writer_loop();
    void commit_batch(std::vector<Job>& batch);
    std::unique_ptr<Connection> acquire_reader();
    void release_reader(std::unique_ptr<Connection> connection);

    template <class R>
    static bool keeps(const R& value) {
        if constexpr (requires { value.has_error(); }) {
            return !value.has_error();
        } else {
            return true;
        }
    }

    std::string path_;
    std::unique_ptr<Connection> writer_;
    std::mutex queue_mutex_;
    std::condition_variable queue_ready_;
    std::deque<Job> queue_;
    bool stopping_ = false;
    std::thread writer_thread_;

    std::mutex readers_mutex_;
    std::vector<std::unique_ptr<Connection>> idle_readers_;
};

template <class F>
std::invoke_result_t<F, Connection&> Database::write(F&& work) {
    using R = std::invoke_result_t<F, Connection&>;
    if constexpr (std::is_void_v<R>) {
        write([&](Connection& c) {
            work(c);
            return std::monostate{};
        });
    } else {
        std::promise<void> done;
        auto finished = done.get_future();
        std::exception_ptr work_error;
        std::optional<R> value;
        enqueue(Job{[&](Connection& c) {
                        try {
                            value.emplace(work(c));
                            return keeps(*value);
                        } catch (...) {
                            work_error = std::current_exception();
                            return false;
                        }
                    },
                    [&](std::exception_ptr commit_error) {
                        if (commit_error)
                            done.set_exception(commit_error);
                        else
                            done.set_value();
                    }});
        finished.get();
        if (work_error) std::rethrow_exception(work_error);
        return std::move(*value);
    }
}

template <class F>
std::invoke_result_t<F, Connection&> Database::read(F&& work) {
    auto connection = acquire_reader();
    struct Return {
        Database* db;
        std::unique_ptr<Connection>& c;
        ~Return() { db->release_reader(std::move(c)); }
    } give_back{this, connection};
    return work(*connection);
}

}  // namespace lifeline::relay::store::sqlite
