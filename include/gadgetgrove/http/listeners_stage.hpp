#pragma once
// The `listeners` stage: the public listener (in serve: shop, ingest) and the admin listener
// (metrics, health, dashboard), both on the shared Beast plumbing and the scheduler's io_context.
// The routes are the caller's; this stage owns the servers and their lifecycle.

#include <gadgetgrove/core/stage.hpp>
#include <gadgetgrove/http/admin_access.hpp>
#include <gadgetgrove/http/connection_budget.hpp>
#include <gadgetgrove/http/router.hpp>
#include <gadgetgrove/http/server.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace gg::http {

/// Starts after every pipeline stage it depends on, so no request arrives before the pipeline
/// can take it; stops first, so in-flight requests finish while the pipeline is still there.
/// start()/request_stop()/drain() run on the control thread; health() is thread-safe.
/// An empty `public_address` opens no public listener (a node without the ingest role);
/// public_endpoint() is then empty.
///
/// The admin listener is guarded by an http::admin_access built from `admin`: credentials on
/// every route but /healthz when configured, CSRF on every state-changing route, and
/// GET /api/csrf (added to `admin_routes` here) for the pages' tokens. start() refuses an
/// admin address beyond loopback without a token or password (errc::config).
///
/// Both listeners register their metrics with `metrics` (null: the process-wide
/// metrics::global()), which must outlive the stage and its connections.
class listeners_stage final : public gg::stage {
 public:
  listeners_stage(boost::asio::io_context& ioc, std::string public_address,
                  std::string admin_address, std::shared_ptr<http::router> public_routes,
                  std::shared_ptr<http::router> admin_routes, std::vector<std::string> depends,
                  http::admin_access_options admin = {}, metrics::registry* metrics = nullptr);

  std::string_view name() const noexcept override { return "listeners"; }
  std::vector<std::string> depends_on() const override { return depends_; }
  gg::status start() override;
  void request_stop() override;
  gg::status drain(gg::deadline until) override;
  gg::health health() const override;

  /// "host:port" actually bound (port 0 resolved), valid after start().
  /// Connection caps of the public and admin listeners (see http::plan_connection_budget);
  /// call before start().
  void set_connection_caps(std::pair<std::size_t, std::size_t> caps) { caps_ = caps; }

  std::string public_endpoint() const;
  std::string admin_endpoint() const;

 private:
  boost::asio::io_context& ioc_;
  std::string public_address_, admin_address_;
  std::pair<std::size_t, std::size_t> caps_{http::default_max_connections, 128};
  std::shared_ptr<http::router> public_routes_, admin_routes_;
  std::vector<std::string> depends_;
  std::shared_ptr<const http::admin_access> admin_access_;
  std::unique_ptr<http::server> public_, admin_;
  metrics::registry* metrics_;
  std::atomic<bool> stopping_{false};
};

/// Security headers every response of a listener carries unless the handler sets them.
std::vector<http::header> default_security_headers();

/// errc::config when the admin listener at `admin_address` (HOST:PORT) is reachable from other
/// machines (its host is not loopback, see gg::is_loopback_host) and neither a token nor a
/// password is configured; the message says which options fix it.
gg::status check_admin_exposure(std::string_view admin_address,
                                const http::admin_access_options& admin);

}  // namespace gg::http
