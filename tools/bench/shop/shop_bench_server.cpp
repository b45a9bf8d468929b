// Serves the shop stage on the shared HTTP plumbing, for benchmarks and for looking at the
// storefront without the rest of the pipeline. No database is used. Without --data-dir, order
// and analytics events are acknowledged at once (and optionally printed); with it, the real
// ingest and event log stages take them into <dir>/log as `serve` would.
//
//   shop_bench_server [--port N] [--threads N] [--catalog-seed N] [--checkout-failure-rate R]
//                     [--print-events] [--data-dir DIR]
//
// Prints "listening <port>" on stdout once it accepts connections; stops on SIGINT/SIGTERM.

#include <gadgetgrove/core/uuid.hpp>
#include <gadgetgrove/eventlog/event_log.hpp>
#include <gadgetgrove/http/router.hpp>
#include <gadgetgrove/http/server.hpp>
#include <gadgetgrove/ingest/ingest_service.hpp>
#include <gadgetgrove/shop/shop_service.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  unsigned short port = 0;
  unsigned threads = 1;
  bool print_events = false;
  std::string data_dir;
  gg::shop::shop_config config;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "missing value for " << arg << '\n';
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--port") {
      port = static_cast<unsigned short>(std::stoul(value()));
    } else if (arg == "--threads") {
      threads = static_cast<unsigned>(std::stoul(value()));
    } else if (arg == "--catalog-seed") {
      config.catalog_seed = std::stoull(value());
    } else if (arg == "--checkout-failure-rate") {
      config.checkout_failure_rate = std::stod(value());
    } else if (arg == "--print-events") {
      print_events = true;
    } else if (arg == "--data-dir") {
      data_dir = value();
    } else {
      std::cerr << "usage: shop_bench_server [--port N] [--threads N] [--catalog-seed N] "
                   "[--checkout-failure-rate R] [--print-events] [--data-dir DIR]\n";
      return 2;
    }
  }

  std::mutex out_mutex;
  std::unique_ptr<gg::eventlog::event_log> log;
  std::unique_ptr<gg::ingest::ingest_service> ingest;
  if (!data_dir.empty()) {
    gg::eventlog::event_log_config log_config;
    log_config.log_dir = data_dir + "/log";
    log = std::make_unique<gg::eventlog::event_log>(log_config);
    ingest = std::make_unique<gg::ingest::ingest_service>(gg::ingest::ingest_config{}, *log);
    if (auto st = log->start(); !st) {
      std::cerr << "event log: " << st.error().message << '\n';
      return 1;
    }
    if (auto st = ingest->start(); !st) return 1;
  }

  auto submit = [&](const gg::ingest::server_event& event, gg::ingest::server_event_callback done) {
    if (ingest) {
      ingest->submit_server_event(event, std::move(done));
      return;
    }
    if (print_events) {
      std::lock_guard lock(out_mutex);
      std::cout << "event " << event.event << ' ' << event.properties_json << std::endl;
    }
    done(gg::uuid_v7());
  };
  gg::shop::shop_service shop(config, submit, nullptr);
  auto routes = std::make_shared<gg::http::router>();
  shop.add_routes(*routes);
  if (ingest) {
    ingest->add_routes(*routes);
  } else {
    // The ingest routes the storefront posts to, answered like a healthy ingest would.
    const auto accept = [&](gg::http::request&& req, gg::http::responder res) {
      if (print_events) {
        std::lock_guard lock(out_mutex);
        std::cout << "analytics " << req.body << std::endl;
      }
      std::move(res).send(gg::http::response::json(200, R"({"status":"ok"})"));
    };
    routes->add(gg::http::verb::post, "/api/analytics", accept);
    routes->add(gg::http::verb::post, "/api/analytics/batch", accept,
                gg::http::route_options{512 * 1024});
  }

  boost::asio::io_context ioc;
  gg::http::server_options options;
  options.name = "shop-bench";
  options.port = port;
  gg::http::server server(ioc, options, routes);
  auto bound = server.listen();
  if (!bound) {
    std::cerr << "listen: " << bound.error().message << '\n';
    return 1;
  }
  if (auto st = shop.start(); !st) return 1;
  server.start();
  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    server.stop();
    ioc.stop();
  });
  std::cout << "listening " << bound->port << std::endl;

  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds{5};
  shop.request_stop();
  (void)shop.drain(until);
  if (ingest) {
    ingest->request_stop();
    (void)ingest->drain(until);
    log->request_stop();
    (void)log->drain(until);
  }
  return 0;
}
