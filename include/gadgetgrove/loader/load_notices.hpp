#pragma once
// Load notices: how a committed load tells every node that rows arrived.
//
// Each load that added rows sends, inside its own transaction, `NOTIFY gadgetgrove_loaded` with
// the payload "<queue> <rows>" (PostgreSQL delivers it to every listener when, and only when,
// the transaction commits). Whichever process loaded the rows — the loader stage, the stream
// loader of another node, `gadgetgrove load`, a reject replay — the node that runs the
// transform hears of it through the warehouse it already shares, with no broker and no address
// of the loader.
//
// A notice is a hint, never the record: the ledger (pipeline.loaded_segments) is. A listener
// that was disconnected may have missed notices, so after reconnecting it reports every queue
// once (a transform run over sources with no new rows skips its models and costs little).

#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/stage.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace gg::pg {
class connection;
}

namespace gg::loader {

/// The channel every load notice goes to.
inline constexpr std::string_view load_notice_channel = "gadgetgrove_loaded";

struct load_notice {
  std::string queue;
  std::uint64_t rows = 0;
};

/// The payload of a notice: "<queue> <rows>", e.g. "page_views 1200".
std::string format_load_notice(std::string_view queue, std::uint64_t rows);

/// The notice in `payload`; nullopt unless it is exactly a known queue name, one space and a
/// decimal row count (notices from another version of the binary are ignored, not guessed at).
std::optional<load_notice> parse_load_notice(std::string_view payload);

/// Sends the notice of `rows` added to `queue` on `conn`, inside the load's open transaction:
/// PostgreSQL delivers it when that transaction commits and drops it when it rolls back. Sends
/// nothing for 0 rows. Errors: those of the statement (the caller's transaction is then failed).
gg::status send_load_notice(pg::connection& conn, std::string_view queue, std::uint64_t rows);

struct load_notice_options {
  /// Read at start() (the database stage resolves it only then).
  std::function<std::string()> conninfo;
  /// Called on the listener's thread with the queues that got rows, notices arriving within
  /// `gather` of each other handed over together. Must not block for long.
  std::function<void(const std::set<std::string>&)> on_loaded;
  /// How long to wait for more notices after one arrived, so a burst of loads is one call.
  std::chrono::milliseconds gather{20};
  /// Waits between attempts to (re)connect: doubling from `retry_min` up to `retry_max`.
  std::chrono::milliseconds retry_min{500};
  std::chrono::milliseconds retry_max{30'000};
  /// gadgetgrove_load_notices_received_total{queue} and gadgetgrove_load_notices_reconnects_total
  /// (null: metrics::global()).
  metrics::registry* metrics = nullptr;
};

/// The "load-notices" stage: one connection LISTENing on load_notice_channel, on a thread of its
/// own (waiting on a socket is blocking work), that hands the queues named by notices to
/// on_loaded. After a lost connection it reconnects with backoff and reports every queue once.
///
/// Thread safety: the stage lifecycle belongs to one control thread; health() may be called from
/// any thread.
class load_notice_stage final : public gg::stage {
 public:
  explicit load_notice_stage(load_notice_options options);
  ~load_notice_stage() override;

  std::string_view name() const noexcept override { return "load-notices"; }
  std::vector<std::string> depends_on() const override { return {"pg"}; }
  /// Connects and subscribes before returning, so no load committed after start() is missed.
  /// Errors: the database cannot be reached (start-up stops, as for every stage needing it).
  gg::status start() override;
  void request_stop() override;
  gg::status drain(deadline until) override;
  /// up while listening; degraded, with the last error, while reconnecting.
  gg::health health() const override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace gg::loader
