#pragma once
// Everything an operator can set about the shop; src/app fills it from the CLI and config.

#include <gadgetgrove/core/time.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace gg::metrics {
class registry;
}  // namespace gg::metrics

namespace gg::shop {

struct shop_config {
  /// Seed of the generated catalog: the same seed gives the same products in every run.
  std::uint64_t catalog_seed = 42;
  /// Share of checkouts the simulated payment provider declines, 0.0 .. 1.0.
  double checkout_failure_rate = 0.10;
  /// Seed of the payment outcomes; 0 draws one from the kernel's CSPRNG at start.
  std::uint64_t checkout_seed = 0;
  /// Most sessions held at once; at the cap the oldest session never used again is evicted,
  /// else the one closest to expiry.
  std::size_t session_cap = 100'000;
  /// Sliding lifetime of a session: each use extends it by this much.
  std::chrono::seconds session_ttl{30 * 60};
  /// Most sessions one client address holds that its visitor never used again (see
  /// session_store_options::fresh_per_address); past it GET /api/session answers 429.
  std::size_t session_fresh_per_address = 256;
  /// Applies that limit to loopback addresses too. Off by default: the in-process synthetic
  /// shoppers, `gadgetgrove simulate` and a reverse proxy on the same machine all come from
  /// there (they are still protected by fresh sessions being evicted first).
  bool session_limit_loopback = false;
  /// How often expired sessions are swept from memory.
  std::chrono::milliseconds sweep_interval{30'000};
  /// Where GET /analytics redirects (the dashboard on the admin listener).
  std::string dashboard_url = "http://127.0.0.1:8050/dashboard";
  /// Adds `Secure` to the session cookie (set it when the shop is served over HTTPS).
  bool cookie_secure = false;
  /// max-age of the `Cache-Control` of /static/ assets; they also carry a content-hash ETag.
  std::chrono::seconds static_max_age{3600};
  /// Time source of session expiry; empty means gg::now_us. Tests inject their own.
  std::function<sys_us()> clock;
  /// Where the shop's metrics are registered (it must outlive the shop); null means
  /// gg::metrics::global().
  metrics::registry* metrics = nullptr;
};

}  // namespace gg::shop
