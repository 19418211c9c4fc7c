// The desktop viewer's way to the relay without freezing: every blocking RelayApi call runs on one
// worker thread (RelayApi is not thread-safe, so calls run one at a time, in order) and its result
// comes back to the UI thread through the event loop. A result for a receiver that is gone is dropped.
#pragma once

#include "viewer/core/session_client.hpp"

#include <QObject>
#include <QPointer>
#include <QThread>

#include <functional>
#include <memory>
#include <optional>

namespace lifeline::viewer::ui {

class RelayClient : public QObject {
    Q_OBJECT
public:
    explicit RelayClient(QObject* parent = nullptr) : QObject(parent) {
        worker_ = new QObject;
        worker_->moveToThread(&thread_);
        connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
        thread_.setObjectName("relay-worker");
        thread_.start();
    }
    ~RelayClient() override {
        thread_.quit();
        thread_.wait();
    }

    // Runs `work` off the UI thread, then `done` with its result on `receiver`'s thread.
    template <class T>
    void run(QObject* receiver, std::function<T()> work, std::function<void(T)> done) {
        QPointer<QObject> guard(receiver);
        QMetaObject::invokeMethod(
            worker_,
            [guard, work = std::move(work), done = std::move(done)]() mutable {
                auto result = std::make_shared<T>(work());
                if (!guard) return;
                QMetaObject::invokeMethod(
                    guard.data(),
                    [guard, result, done = std::move(done)]() {
                        if (guard) done(std::move(*result));
                    },
                    Qt::QueuedConnection);
            },
            Qt::QueuedConnection);
    }

    // run() with the signed-in RelayApi. Before sign-in the call answers `unauthenticated`.
    template <class T>
    void call(QObject* receiver, std::function<core::Result<T>(RelayApi&)> work,
              std::function<void(core::Result<T>)> done) {
        run<core::Result<T>>(
            receiver,
            [this, work = std::move(work)]() -> core::Result<T> {
                if (!api_) return core::make_error(core::Errc::unauthenticated, "not signed in");
                return work(*api_);
            },
            std::move(done));
    }

    // Only from work running on the worker thread (the sign-in): the API later calls use.
    void adopt(RelayApi api) { api_.emplace(std::move(api)); }

private:
    QThread thread_;
    QObject* worker_ = nullptr;
    std::optional<RelayApi> api_;  // touched on the worker thread only
};

}  // namespace lifeline::viewer::ui
