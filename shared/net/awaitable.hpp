// The completion token of coroutines that take errors as values: `auto [ec, n] = co_await op(kTuple);`.
// One definition for every file, so files compiled together (unity builds) do not collide.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace lifeline::net {

inline constexpr auto kTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace lifeline::net
