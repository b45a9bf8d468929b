#pragma once
// The `listeners` stage: the public listener (shop, ingest) and the admin listener (metrics,
// health, dashboard), both on the shared Beast plumbing and the scheduler's io_context.

#include <gadgetgrove/core/stage.hpp>
#include <gadgetgrove/http/router.hpp>
#include <gadgetgrove/http/server.hpp>

#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace gg::app {

/// Starts after every pipeline stage it depends on, so no request arrives before the pipeline
/// can take it; stops first, so in-flight requests finish while the pipeline is still there.
/// start()/request_stop()/drain() run on the control thread; health() is thread-safe.
class listeners_stage final : public gg::stage {
 public:
  listeners_stage(boost::asio::io_context& ioc, std::string public_address,
                  std::string admin_address, std::shared_ptr<http::router> public_routes,
                  std::shared_ptr<http::router> admin_routes, std::vector<std::string> depends);

  std::string_view name() const noexcept override { return "listeners"; }
  std::vector<std::string> depends_on() const override { return depends_; }
  gg::status start() override;
  void request_stop() override;
  gg::status drain(gg::deadline until) override;
  gg::health health() const override;

  /// "host:port" actually bound (port 0 resolved), valid after start().
  std::string public_endpoint() const;
  std::string admin_endpoint() const;

 private:
  boost::asio::io_context& ioc_;
  std::string public_address_, admin_address_;
  std::shared_ptr<http::router> public_routes_, admin_routes_;
  std::vector<std::string> depends_;
  std::unique_ptr<http::server> public_, admin_;
  std::atomic<bool> stopping_{false};
};

/// Security headers every response of a listener carries unless the handler sets them.
std::vector<http::header> default_security_headers();

}  // namespace gg::app
