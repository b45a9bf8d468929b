#pragma once
// The `shop` stage: catalog, sessions, checkout and the storefront on the public listener.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/stage.hpp>
#include <gadgetgrove/ingest/server_event.hpp>
#include <gadgetgrove/pg/database_source.hpp>
#include <gadgetgrove/shop/catalog.hpp>
#include <gadgetgrove/shop/checkout.hpp>
#include <gadgetgrove/shop/dashboard_redirect.hpp>
#include <gadgetgrove/shop/session_store.hpp>
#include <gadgetgrove/shop/shop_config.hpp>
#include <gadgetgrove/shop/storefront_pages.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

namespace gg::http {
class router;
}
namespace gg::pg {
class pool;
}

namespace gg::shop {

/// Hands one server-made event to event capture, which validates, enriches, routes and stores
/// it like a browser event: normally ingest::ingest_service::submit_server_event. `done` is
/// called exactly once, from any thread, with the event id once the event is durable, or with
/// the reason it could not be recorded. Must not block.
using event_submit =
    std::function<void(const ingest::server_event& event, ingest::server_event_callback done)>;

/// The shop. add_routes() puts its routes on the public router (docs/reference/behaviour.md §1):
/// the storefront
/// (`/`, `/category/{slug}`, `/category/{slug}/product/{id}`, and any other path without a dot
/// outside /api/), `/shop` and `/analytics` redirects, `/static/...`, `/api/products`,
/// `/api/session[/refresh|/end]` and `POST /checkout`; it also installs the router's fallback
/// (SPA or 404 JSON). Every order, approved or declined, is recorded as an `order_completed` /
/// `order_failed` event through `submit` before the client is answered (503 when it cannot be).
///
/// The shop has no thread of its own: its maintenance (writing the catalog to
/// analytics.dim_products, retried with backoff while the database is unreachable, the shop
/// serving meanwhile; sweeping expired sessions) is maintain_once(), which the owner runs as a
/// scheduler job every maintenance_interval() from start() on. Lifecycle calls come from one
/// control thread; handlers, health(), maintain_once() and set_dashboard_url() are thread-safe.
/// The service must outlive the router it was added to, every request in flight and every
/// maintenance pass (drain() waits for pending checkouts and a pass in progress).
///
/// Metrics: gadgetgrove_shop_checkouts_total{outcome="success|declined|invalid|unrecorded"},
/// gadgetgrove_shop_catalog_writes_total{result}, plus those of session_store.
class shop_service final : public gg::stage {
 public:
  /// `pool` may be null (no catalog is written); `depends_on` names the stages to start first
  /// (normally the database and event capture stages).
  shop_service(shop_config config, event_submit submit, pg::pool* pool,
               std::vector<std::string> depends_on = {});
  /// As above, with the pool read from `database` by start() (the database stage creates it
  /// only when it starts); `database` may be null or have no pool, and must outlive the service.
  shop_service(shop_config config, event_submit submit,
               std::shared_ptr<const pg::database_source> database,
               std::vector<std::string> depends_on = {});
  ~shop_service() override;
  shop_service(const shop_service&) = delete;
  shop_service& operator=(const shop_service&) = delete;

  /// Adds the shop's routes and the fallback to `r`. Call once, before the router is shared.
  void add_routes(http::router& r);

  std::string_view name() const noexcept override { return "shop"; }
  std::vector<std::string> depends_on() const override { return depends_on_; }
  status start() override;
  void request_stop() override;
  status drain(deadline until) override;
  gg::health health() const override;

  /// Changes where GET /analytics redirects (e.g. once the admin listener's port is known).
  void set_dashboard_url(std::string url);
  /// As above; with dashboard_redirect::on_request_host, the host the browser asked for on the
  /// admin port (a missing or malformed Host is answered 400).
  void set_dashboard_redirect(dashboard_redirect target);

  const catalog& products() const noexcept { return catalog_; }
  session_store& sessions() noexcept { return sessions_; }
  /// True once the catalog is in analytics.dim_products.
  bool catalog_written() const noexcept { return catalog_written_.load(); }

  /// One maintenance pass: writes the catalog when it is not in the database yet and its
  /// retry time has come (1 s after a failure, doubling up to 30 s), then sweeps expired
  /// sessions when sweep_interval has passed since the last sweep. Blocks on the database for
  /// up to a few seconds. Always succeeds: a failed write is logged, counted, shown by health()
  /// and retried by a later pass. Does nothing before start(), after request_stop() or once
  /// `stop` is requested; passes never overlap (a second caller returns at once).
  status maintain_once(std::stop_token stop = {});
  /// How often maintain_once() should run: often enough for the catalog retry and the sweep.
  std::chrono::milliseconds maintenance_interval() const noexcept;

 private:
  struct routes;
  friend struct routes;

  shop_config config_;
  event_submit submit_;
  std::shared_ptr<const pg::database_source> database_;
  std::atomic<pg::pool*> pool_{nullptr};
  std::vector<std::string> depends_on_;

  /// config_.metrics, or the process-wide registry when none was given.
  metrics::registry& metrics_registry() const noexcept;
  catalog catalog_;
  storefront_pages pages_;
  session_store sessions_;
  payment_simulator payments_;

  mutable std::mutex dashboard_mutex_;
  dashboard_redirect dashboard_;

  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> catalog_written_{false};
  std::atomic<bool> catalog_failed_{false};

  // Checkouts waiting for their order event and the maintenance pass in progress: drain()
  // waits for none of either.
  std::mutex activity_mutex_;
  std::condition_variable activity_idle_;
  std::int64_t checkouts_in_flight_ = 0;
  bool maintaining_ = false;

  // Touched by the maintenance pass only (passes never overlap).
  std::chrono::steady_clock::time_point next_catalog_write_{};
  std::chrono::steady_clock::duration catalog_backoff_{};
  std::chrono::steady_clock::time_point next_sweep_{};

  std::shared_ptr<routes> routes_;
};

}  // namespace gg::shop
