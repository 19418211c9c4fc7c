// Waiting in a Qt test without blocking the event loop: the widgets and queued results keep running
// while the test waits for what it expects.
#pragma once

#include <QCoreApplication>
#include <QThread>

#include <chrono>
#include <functional>

namespace lifeline::testing {

// True as soon as `done()` is; false once `timeout` has passed without it.
inline bool wait_until(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    return true;
}

}  // namespace lifeline::testing
