#pragma once
// A real ingest stack for tests: an event log (on the in-memory fault-injecting file system or
// on a real directory), the ingest service, and an HTTP server on 127.0.0.1:0 run by two I/O
// threads. Everything is stopped and drained on destruction.

#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/eventlog/event_log.hpp>
#include <gadgetgrove/eventlog/segment_format.hpp>
#include <gadgetgrove/http/server.hpp>
#include <gadgetgrove/ingest/ingest_service.hpp>
#include "fault_file_system.hpp"

#include "http_client.hpp"
#include "temp_dir.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace gg::test {

/// How an ingest_fixture is set up.
struct ingest_fixture_options {
  ingest::ingest_config ingest;
  /// Adjusts the event log's configuration before it starts.
  std::function<void(eventlog::event_log_config&)> log_tweak;
  /// Use the real file system under a temporary directory instead of the in-memory one.
  bool real_files = false;
};

class ingest_fixture {
 public:
  using options = ingest_fixture_options;

  explicit ingest_fixture(options opts = {}) : dir_("gg-ingest") {
    eventlog::event_log_config lc;
    if (opts.real_files) {
      lc.log_dir = (dir_.path() / "log").string();
    } else {
      fs_ = std::make_shared<eventlog::fault_file_system>();
      lc.log_dir = "/data/log";
      lc.fs = fs_;
    }
    lc.metrics = &registry_;
    lc.rotate_age = std::chrono::hours{1};
    if (opts.log_tweak) opts.log_tweak(lc);
    log_dir_ = lc.log_dir;
    log_ = std::make_unique<eventlog::event_log>(std::move(lc));
    REQUIRE(log_->start());
    service_ = std::make_unique<ingest::ingest_service>(opts.ingest, *log_, &registry_);
    REQUIRE(service_->start());

    http::router routes;
    service_->add_routes(routes);
    service_->add_admin_routes(routes, blocking_.get_executor());
    http::server_options so;
    so.name = "ingest-test";
    so.metrics = &registry_;
    server_.emplace(ioc_, so, std::make_shared<http::router>(std::move(routes)));
    auto ep = server_->listen();
    REQUIRE(ep.has_value());
    port_ = ep->port;
    server_->start();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }

  ~ingest_fixture() {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds{10};
    server_->stop();
    (void)server_->drain(until);
    (void)service_->drain(until);
    (void)log_->drain(until);
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }

  ingest_fixture(const ingest_fixture&) = delete;
  ingest_fixture& operator=(const ingest_fixture&) = delete;

  http_client client() const { return http_client{port_}; }
  unsigned short port() const noexcept { return port_; }
  ingest::ingest_service& service() { return *service_; }
  eventlog::event_log& log() { return *log_; }
  eventlog::fault_file_system& fs() { return *fs_; }
  metrics::registry& registry() { return registry_; }

  std::uint64_t counter(const std::string& name, const metrics::labels& l) {
    return registry_.get_counter(name, "", l).value();
  }

  /// The raw bytes of every segment of `queue`, in file-name order.
  std::vector<std::string> segment_files(std::string_view queue) const {
    std::vector<std::string> out;
    const std::string dir = log_dir_ + "/" + std::string{queue};
    if (fs_) {
      for (const std::string& f : fs_->files()) {
        if (f.rfind(dir + "/", 0) == 0) out.push_back(fs_->contents(f).value_or(""));
      }
      return out;
    }
    if (!std::filesystem::exists(dir)) return out;
    std::vector<std::filesystem::path> paths;
    for (const auto& e : std::filesystem::directory_iterator(dir)) paths.push_back(e.path());
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) out.push_back(read_file(p));
    return out;
  }

  /// Every framed line of `queue`, checked and unframed: the enriched objects.
  std::vector<std::string> objects(std::string_view queue) const {
    std::vector<std::string> out;
    for (const std::string& data : segment_files(queue)) {
      std::size_t start = 0;
      while (start < data.size()) {
        const std::size_t nl = data.find('\n', start);
        REQUIRE(nl != std::string::npos);
        std::string line = data.substr(start, nl + 1 - start);
        INFO(line);
        REQUIRE(eventlog::verify_line(line));
        eventlog::unframe_in_place(line);
        out.push_back(std::move(line));
        start = nl + 1;
      }
    }
    return out;
  }

  /// The enriched object of `queue` whose event_id is `id`; nullopt when there is none.
  std::optional<std::string> object_with_id(std::string_view queue, std::string_view id) const {
    const std::string needle = "\"event_id\":\"" + std::string{id} + "\"";
    for (std::string& o : objects(queue)) {
      if (o.find(needle) != std::string::npos) return std::move(o);
    }
    return std::nullopt;
  }

 private:
  temp_dir dir_;
  std::shared_ptr<eventlog::fault_file_system> fs_;
  std::string log_dir_;
  metrics::registry registry_;
  std::unique_ptr<eventlog::event_log> log_;
  boost::asio::thread_pool blocking_{1};  // the stats route lists directories there
  std::unique_ptr<ingest::ingest_service> service_;
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      ioc_.get_executor()};
  std::optional<http::server> server_;
  std::vector<std::thread> threads_;
  unsigned short port_ = 0;
};

}  // namespace gg::test
