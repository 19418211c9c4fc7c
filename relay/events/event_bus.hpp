// Fan-out of StaffEvents to the relay's event streams (wss://RELAY/v1/events). Each subscriber has
// a bounded queue: a subscriber that falls behind is marked overflowed and dropped by its stream,
// never allowed to grow relay memory. Any thread may publish; frames are serialized once.
#pragma once

#include "helpdesk.pb.h"
#include "lifeline.pb.h"

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace lifeline::relay::events {

using Frame = std::shared_ptr<const std::string>;

class Subscription {
public:
    Subscription(std::size_t capacity, std::function<void()> wake) : capacity_(capacity), wake_(std::move(wake)) {}

    // The frames queued since the last call, oldest first.
    std::vector<Frame> take();
    // More was published than the queue holds: frames were lost, so the consumer must start over.
    bool overflowed() const;

private:
    friend class EventBus;
    void offer(const Frame& frame);

    const std::size_t capacity_;
    const std::function<void()> wake_;  // called without any lock held; must not block
    mutable std::mutex mutex_;
    std::deque<Frame> queue_;
    bool overflowed_ = false;
};

class EventBus {
public:
    // `wake` runs on the publisher's thread after each new frame (or the overflow).
    std::shared_ptr<Subscription> subscribe(std::size_t capacity, std::function<void()> wake);
    void publish(const v1::StaffEvent& event);
    // The same stream's later frames (helpdesk.proto says how they stay readable as a StaffEvent).
    void publish(const v1::StaffEventExtra& event);
    std::size_t subscribers();

private:
    void fan_out(const google::protobuf::MessageLite& event);

    std::mutex mutex_;
    std::vector<std::weak_ptr<Subscription>> subscriptions_;
};

}  // namespace lifeline::relay::events
