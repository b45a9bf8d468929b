#pragma once
// The `traffic` stage of `serve`: synthetic shoppers visiting the shop's own public listener
// over loopback HTTP, and GET /simulate, which plays one such session on demand.

#include <gadgetgrove/core/result.hpp>
#include <gadgetgrove/core/stage.hpp>
#include <gadgetgrove/traffic/load_report.hpp>
#include <gadgetgrove/traffic/session_profile.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}
namespace gg::http {
class router;
}
namespace gg::metrics {
class registry;
}  // namespace gg::metrics

namespace gg::traffic {

/// Everything an operator can set about serve's synthetic traffic; src/app fills it.
struct traffic_config {
  /// false (`--traffic off`): no background sessions; GET /simulate still works.
  bool enabled = true;
  /// > 0 (`--traffic-rate R`): a steady, clock-driven stream of R sessions per second.
  /// 0: a batch of batch_min..batch_max sessions every batch_interval (docs/reference/behaviour.md
  /// §7).
  double sessions_per_second = 0;
  std::chrono::milliseconds batch_interval{60'000};
  unsigned batch_min = 1;
  unsigned batch_max = 5;
  /// Sessions playing at once, each on its own keep-alive connection; a session due beyond it
  /// is skipped and counted (gadgetgrove_traffic_sessions_total{outcome="skipped"}).
  std::size_t max_sessions = 256;
  /// Real pause between a session's steps = the model's think time (2-45 s) * think_scale.
  double think_scale = 1.0;
  /// Seed of the session model; 0 draws one at start.
  std::uint64_t seed = 0;
  /// A request unanswered this long fails.
  std::chrono::milliseconds request_timeout{10'000};
  session_profile profile;
  /// Returns the public listener's "host:port"; called by start(), after the listeners
  /// started (hence depends_on), so a port chosen at bind time is known.
  std::function<std::string()> public_address;
  /// Where the stage exposes its counters (gadgetgrove_traffic_*); null: the process-wide
  /// metrics::global(). Must outlive the stage.
  metrics::registry* metrics = nullptr;
};

/// The stage's counters since it was made (the same values as its metrics), read at one
/// moment; each counter is read on its own, so the set is not one atomic snapshot.
struct traffic_figures {
  std::uint64_t sessions_started = 0;
  std::uint64_t sessions_completed = 0;
  std::uint64_t sessions_cut = 0;
  std::uint64_t sessions_skipped = 0;  // due beyond max_sessions
  std::uint64_t sessions_active = 0;
  std::uint64_t requests_sent = 0;
  std::uint64_t requests_failed = 0;
  std::array<std::uint64_t, error_kind_count> errors{};  // by error_kind
  std::uint64_t events_sent = 0;
  std::uint64_t events_acknowledged = 0;
  std::uint64_t events_rejected = 0;
};

/// Plays synthetic sessions against the public listener through the real HTTP path, on the
/// scheduler's io_context: one connection and one strand per session, never blocking an I/O
/// thread. Sessions start on the clock (open loop): a batch every interval, or a steady rate.
///
/// Thread safety: lifecycle calls come from the scheduler's control thread; simulate_once()
/// and health() are safe from any thread. The stage must outlive the router its route was
/// added to; drain() waits for sessions in flight (and GET /simulate answers).
///
/// Metrics: gadgetgrove_traffic_sessions_total{outcome="completed|cut|skipped"},
/// gadgetgrove_traffic_sessions_active, gadgetgrove_traffic_requests_total,
/// gadgetgrove_traffic_request_errors_total{kind}, gadgetgrove_traffic_events_sent_total,
/// gadgetgrove_traffic_events_acknowledged_total.
class traffic_stage final : public gg::stage {
 public:
  /// `ioc` must outlive the stage (the scheduler's io_context).
  traffic_stage(boost::asio::io_context& ioc, traffic_config config,
                std::vector<std::string> depends_on = {"listeners"});
  ~traffic_stage() override;
  traffic_stage(const traffic_stage&) = delete;
  traffic_stage& operator=(const traffic_stage&) = delete;

  std::string_view name() const noexcept override { return "traffic"; }
  std::vector<std::string> depends_on() const override { return depends_on_; }
  /// Resolves the public address, starts fetching the catalog and arms the schedule. Errors:
  /// config when the address cannot be used.
  status start() override;
  /// No new sessions or steps; waiting steps are dropped, requests in flight finish.
  void request_stop() override;
  /// Waits for the sessions in flight; at `until` aborts what is left (timeout error).
  status drain(deadline until) override;
  gg::health health() const override;

  /// Plays one session at once (no think time) and calls `done` once, from an io thread,
  /// with the POST /simulate answer body {"status":"simulated","session_id",...,"events":[...]}
  /// or an error (unavailable: not started, stopping, at max_sessions, or no catalog).
  void simulate_once(std::function<void(gg::result<std::string>)> done);

  /// The counters now (background sessions and POST /simulate alike). Any thread.
  traffic_figures figures() const;

 private:
  struct state;
  std::shared_ptr<state> state_;
  std::vector<std::string> depends_on_;
};

/// Adds POST /simulate to `r`: 200 with simulate_once's body, 503 with Retry-After when it
/// fails. `r` must be the admin router (behind its token and CSRF check): one request plays a
/// whole session with orders, so it must not be reachable, or triggerable cross-site, from the
/// public listener. `stage` is kept alive by the route.
void add_simulate_route(http::router& r, std::shared_ptr<traffic_stage> stage);

}  // namespace gg::traffic
