// Group-committing writer thread and read pool over SQLite in WAL mode.
#include "relay/store/sqlite/database.hpp"

#include "relay/store/sqlite/migrations.hpp"

#include <spdlog/spdlog.h>

namespace lifeline::relay::store::sqlite {

namespace {
// A bound on one transaction keeps commit latency predictable under a flood of writes.
constexpr std::size_t kMaxBatch = 512;
constexpr std::size_t kMaxIdleReaders = 16;
}  // namespace

Database::Database(std::string path, bool create) : path_(std::move(path)) {
    writer_ = std::make_unique<Connection>(path_,
                                           create ? Connection::Mode::read_write_create : Connection::Mode::read_write);
    writer_->exec("PRAGMA journal_mode=WAL");
    writer_->exec("PRAGMA synchronous=FULL");
    writer_->exec("PRAGMA foreign_keys=ON");
    apply_migrations(*writer_);
    writer_thread_ = std::thread([this] { writer_loop(); });
}

Database::~Database() {
    {
        std::lock_guard lock(queue_mutex_);
        stopping_ = true;
    }
    queue_ready_.notify_all();
    writer_thread_.join();
    idle_readers_.clear();
    // A clean close checkpoints the WAL into the main file.
    writer_.reset();
}

int Database::schema_version() {
    return read([](Connection& c) {
        auto& stmt = c.cached("PRAGMA user_version");
        stmt.step();
        return static_cast<int>(stmt.column_int(0));
    });
}

void Database::enqueue(Job job) {
    {
        std::lock_guard lock(queue_mutex_);
        if (stopping_) throw std::runtime_error("database is closing");
        queue_.push_back(std::move(job));
    }
    queue_ready_.notify_one();
}

void Database::writer_loop() {
    std::vector<Job> batch;
    for (;;) {
        {
            std::unique_lock lock(queue_mutex_);
            queue_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and everything queued is done
            while (!queue_.empty() && batch.size() < kMaxBatch) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        commit_batch(batch);
        batch.clear();
    }
}

void Database::commit_batch(std::vector<Job>& batch) {
    std::exception_ptr commit_error;
    try {
        writer_->exec("BEGIN IMMEDIATE");
        for (auto& job : batch) {
            writer_->exec("SAVEPOINT job");
            bool keep = job.run(*writer_);
            if (!keep) writer_->exec("ROLLBACK TO job");
            writer_->exec("RELEASE job");
        }
        writer_->exec("COMMIT");
    } catch (const std::exception& e) {
        spdlog::error("store: group commit of {} writes failed: {}", batch.size(), e.what());
        commit_error = std::current_exception();
        try {
            writer_->exec("ROLLBACK");
        } catch (...) {
            // No transaction left to roll back.
        }
    }
    for (auto& job : batch)
        job.finish(commit_error);
}

std::unique_ptr<Connection> Database::acquire_reader() {
    {
        std::lock_guard lock(readers_mutex_);
        if (!idle_readers_.empty()) {
            auto connection = std::move(idle_readers_.back());
            idle_readers_.pop_back();
            return connection;
        }
    }
    auto connection = std::make_unique<Connection>(path_, Connection::Mode::read_only);
    return connection;
}

void Database::release_reader(std::unique_ptr<Connection> connection) {
    std::lock_guard lock(readers_mutex_);
    if (idle_readers_.size() < kMaxIdleReaders) idle_readers_.push_back(std::move(connection));
}

}  // namespace lifeline::relay::store::sqlite
