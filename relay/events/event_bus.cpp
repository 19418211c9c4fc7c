#include "relay/events/event_bus.hpp"

#include <algorithm>

namespace lifeline::relay::events {

std::vector<Frame> Subscription::take() {
    std::lock_guard lock(mutex_);
    std::vector<Frame> frames(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
    return frames;
}

bool Subscription::overflowed() const {
    std::lock_guard lock(mutex_);
    return overflowed_;
}

void Subscription::offer(const Frame& frame) {
    {
        std::lock_guard lock(mutex_);
        if (overflowed_) return;
        if (queue_.size() >= capacity_) {
            overflowed_ = true;
            queue_.clear();
        } else {
            queue_.push_back(frame);
        }
    }
    wake_();
}

std::shared_ptr<Subscription> EventBus::subscribe(std::size_t capacity, std::function<void()> wake) {
    auto subscription = std::make_shared<Subscription>(capacity, std::move(wake));
    std::lock_guard lock(mutex_);
    std::erase_if(subscriptions_, [](const auto& weak) { return weak.expired(); });
    subscriptions_.push_back(subscription);
    return subscription;
}

void EventBus::publish(const v1::StaffEvent& event) { fan_out(event); }

void EventBus::publish(const v1::StaffEventExtra& event) { fan_out(event); }

void EventBus::fan_out(const google::protobuf::MessageLite& event) {
    std::vector<std::shared_ptr<Subscription>> live;
    {
        std::lock_guard lock(mutex_);
        for (const auto& weak : subscriptions_) {
            if (auto s = weak.lock()) live.push_back(std::move(s));
        }
    }
    if (live.empty()) return;
    auto frame = std::make_shared<const std::string>(event.SerializeAsString());
    for (const auto& subscription : live)
        subscription->offer(frame);
}

std::size_t EventBus::subscribers() {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(
        std::count_if(subscriptions_.begin(), subscriptions_.end(), [](const auto& weak) { return !weak.expired(); }));
}

}  // namespace lifeline::relay::events
