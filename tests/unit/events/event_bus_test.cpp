// The staff event bus: every subscriber gets every event once, in order; a subscriber that falls
// behind is cut off (overflowed) instead of growing memory; a dropped subscriber costs nothing.
#include "relay/events/event_bus.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace lifeline::relay::events {
namespace {

v1::StaffEvent chat(std::int64_t id) {
    v1::StaffEvent event;
    event.mutable_chat()->set_id(id);
    return event;
}

std::vector<std::int64_t> ids(const std::vector<Frame>& frames) {
    std::vector<std::int64_t> out;
    for (const auto& frame : frames) {
        v1::StaffEvent event;
        EXPECT_TRUE(event.ParseFromString(*frame));
        out.push_back(event.chat().id());
    }
    return out;
}

TEST(EventBus, EverySubscriberGetsEachEventOnceInOrder) {
    EventBus bus;
    int woken_a = 0, woken_b = 0;
    auto a = bus.subscribe(16, [&] { ++woken_a; });
    auto b = bus.subscribe(16, [&] { ++woken_b; });
    for (int i = 1; i <= 3; ++i)
        bus.publish(chat(i));
    EXPECT_EQ(ids(a->take()), (std::vector<std::int64_t>{1, 2, 3}));
    EXPECT_EQ(ids(b->take()), (std::vector<std::int64_t>{1, 2, 3}));
    EXPECT_TRUE(a->take().empty()) << "taken frames are gone";
    EXPECT_EQ(woken_a, 3);
    EXPECT_EQ(woken_b, 3);
    EXPECT_EQ(bus.subscribers(), 2u);
}

TEST(EventBus, ASubscriberThatFallsBehindIsCutOffNotBuffered) {
    EventBus bus;
    auto slow = bus.subscribe(4, [] {});
    auto fast = bus.subscribe(4, [] {});
    for (int i = 1; i <= 4; ++i)
        bus.publish(chat(i));
    EXPECT_EQ(fast->take().size(), 4u);
    EXPECT_FALSE(slow->overflowed());
    bus.publish(chat(5));  // the fifth does not fit into the slow one's queue
    EXPECT_TRUE(slow->overflowed());
    EXPECT_TRUE(slow->take().empty()) << "what it missed is dropped: it must re-read anyway";
    bus.publish(chat(6));
    EXPECT_TRUE(slow->take().empty());
    EXPECT_FALSE(fast->overflowed());
    EXPECT_EQ(ids(fast->take()), (std::vector<std::int64_t>{5, 6}));
}

TEST(EventBus, DroppedSubscribersAreForgotten) {
    EventBus bus;
    auto kept = bus.subscribe(8, [] {});
    {
        auto gone = bus.subscribe(8, [] {});
    }
    EXPECT_EQ(bus.subscribers(), 1u);
    bus.publish(chat(1));
    EXPECT_EQ(kept->take().size(), 1u);
}

TEST(EventBus, PublishersOnManyThreadsLoseNothing) {
    EventBus bus;
    std::atomic<int> wakes{0};
    auto subscription = bus.subscribe(100'000, [&] { ++wakes; });
    std::vector<std::thread> publishers;
    for (int t = 0; t < 4; ++t) {
        publishers.emplace_back([&bus, t] {
            for (int i = 0; i < 1000; ++i)
                bus.publish(chat(t * 1000 + i));
        });
    }
    std::size_t received = 0;
    for (auto& p : publishers)
        p.join();
    received += subscription->take().size();
    EXPECT_EQ(received, 4000u);
    EXPECT_EQ(wakes.load(), 4000);
}

}  // namespace
}  // namespace lifeline::relay::events
