// Runs a blocking call (database, password hashing, file or X11 work) on a thread pool from a
// coroutine, and resumes the caller on its own executor.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <type_traits>
#include <utility>

namespace lifeline::core {

namespace detail {
template <class F>
boost::asio::awaitable<std::invoke_result_t<F>> invoke_as_coroutine(F work) {
    co_return work();
}
}  // namespace detail

// GCC 12 destroys a closure with captures twice when it is a temporary inside a co_await
// expression (GCC PR 100611), so call sites pass lambdas that capture only references, and no
// capturing closure is created in the co_await expression here.
template <class F>
boost::asio::awaitable<std::invoke_result_t<F>> offload(boost::asio::thread_pool& pool, F work) {
    co_return co_await boost::asio::co_spawn(pool, detail::invoke_as_coroutine(std::move(work)),
                                             boost::asio::use_awaitable);
}

}  // namespace lifeline::core
