#pragma once
// A stand-in shop for traffic tests: an http::server on 127.0.0.1:0 with the routes synthetic
// sessions use, answering like the real shop and ingest (event ids, per-event batch results,
// sessions with cookies), and recording what it saw.

#include <gadgetgrove/http/router.hpp>
#include <gadgetgrove/http/server.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace gg::traffic::test {

struct fake_shop_options {
  unsigned threads = 1;
  /// Every n-th event (counting from 1) is refused within its batch or answered 400 alone;
  /// 0: none.
  unsigned reject_every = 0;
  /// Extra routes (e.g. GET /simulate) added before the server starts; the io_context is the
  /// one the server runs on.
  std::function<void(http::router&, boost::asio::io_context&)> extra_routes;
};

class fake_shop {
 public:
  explicit fake_shop(fake_shop_options options = {});
  ~fake_shop();
  fake_shop(const fake_shop&) = delete;
  fake_shop& operator=(const fake_shop&) = delete;

  unsigned short port() const noexcept { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  boost::asio::io_context& io() noexcept { return ioc_; }

  /// Stops accepting and closes the connections (requests in flight finish).
  void stop();

  std::uint64_t events() const noexcept { return events_.load(); }
  std::uint64_t requests() const noexcept { return requests_.load(); }
  std::uint64_t malformed_events() const noexcept { return malformed_.load(); }
  std::uint64_t sessions_created() const noexcept { return sessions_.load(); }
  /// Event ids answered with success, in answer order.
  std::vector<std::string> acknowledged() const;
  /// "METHOD target" of every request, in arrival order.
  std::vector<std::string> request_lines() const;
  /// Session ids events carried that the shop never issued.
  std::uint64_t foreign_session_ids() const noexcept { return foreign_sessions_.load(); }
  /// Earliest and latest event `timestamp` seen (ISO 8601 text sorts like time).
  std::string earliest_timestamp() const;
  std::string latest_timestamp() const;

 private:
  struct verdict {
    bool ok = false;
    std::string id;
  };
  verdict check_event(std::string_view json);
  void note(const http::request& req);

  fake_shop_options options_;
  boost::asio::io_context ioc_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::optional<http::server> server_;
  std::vector<std::thread> threads_;
  unsigned short port_ = 0;
  bool stopped_ = false;

  mutable std::mutex mu_;
  std::vector<std::string> acked_;
  std::vector<std::string> lines_;
  std::set<std::string> issued_sessions_;
  std::string earliest_, latest_;
  std::atomic<std::uint64_t> events_{0};
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> malformed_{0};
  std::atomic<std::uint64_t> sessions_{0};
  std::atomic<std::uint64_t> foreign_sessions_{0};
  std::atomic<std::uint64_t> seen_events_{0};
};

}  // namespace gg::traffic::test
