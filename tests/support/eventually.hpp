#pragma once
// The one bounded poll of the test suite: wait for something another thread or process does,
// without a fixed sleep that is too long on a fast machine and too short on a loaded one.

#include <chrono>
#include <iostream>
#include <source_location>
#include <string_view>
#include <thread>

namespace gg::test {

/// Calls `pred` every `poll` until it returns true or `timeout` (real time) has passed; `pred`
/// is asked once more at the deadline, so an answer that arrives just then still counts.
/// Returns whether it held. On a timeout it prints, on stderr, what it waited for (`what`, or
/// "a condition") and where the wait was written, so a failing REQUIRE(eventually(...)) says
/// which wait gave up. Blocks the calling thread; `pred` runs on it.
template <class Pred>
bool eventually(Pred&& pred, std::chrono::milliseconds timeout = std::chrono::seconds(5),
                std::chrono::milliseconds poll = std::chrono::milliseconds(2),
                std::string_view what = {},
                std::source_location where = std::source_location::current()) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(poll);
  }
  if (pred()) return true;
  std::cerr << "eventually: gave up after " << timeout.count() << " ms waiting for "
            << (what.empty() ? std::string_view("a condition") : what) << " at "
            << where.file_name() << ":" << where.line() << std::endl;
  return false;
}

}  // namespace gg::test
