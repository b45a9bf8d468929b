#pragma once
// One GET over a fresh connection with a deadline: how the client learns the catalog before
// it plans sessions.

#include <gadgetgrove/core/result.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace gg::traffic::detail {

struct fetch_reply {
  unsigned status = 0;
  std::string body;
};

using fetch_callback = std::function<void(gg::result<fetch_reply>)>;

/// GETs `target` from `ep` (Host: `host`) and calls `done` once, on `ex`, with the answer or
/// an error (unavailable: refused, closed, timed out after `timeout`; invalid_input: not HTTP).
void async_fetch(boost::asio::any_io_executor ex, boost::asio::ip::tcp::endpoint ep,
                 std::string host, std::string target, std::chrono::milliseconds timeout,
                 fetch_callback done);

/// As async_fetch, blocking the calling thread on a private io_context.
gg::result<fetch_reply> fetch(boost::asio::ip::tcp::endpoint ep, std::string host,
                              std::string target, std::chrono::milliseconds timeout);

}  // namespace gg::traffic::detail
