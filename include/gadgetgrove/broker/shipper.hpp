#pragma once
// The shipper: on an ingest node with a broker, it publishes every event of each sealed segment
// in log/<queue>/ to the stream gadgetgrove.<queue>, oldest segment first, and archives the
// segment only once the broker confirmed every one of its events (publisher confirms). While
// the broker is unreachable, segments wait on disk, health() says so and the backlog gauges
// grow; once it is back, shipping resumes where it stopped, in order. A segment cut off half-way
// is published again from its start: the stream may then hold an event twice (same message id,
// same event_id), which the stream loader's event_id guard drops.
//
// Thread safety: the stage lifecycle belongs to one control thread; health() and stats() may be
// called from any thread. The work runs on a thread of its own, since rabbitmq-c blocks.

#include <gadgetgrove/broker/broker_url.hpp>
#include <gadgetgrove/broker/stream_queue.hpp>
#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/stage.hpp>
#include <gadgetgrove/sched/job.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace gg::broker {

struct shipper_options {
  broker_url url;
  std::filesystem::path data_dir;  // the event log's directory (log/<queue>, archive/<queue>)
  std::vector<std::string> queues;
  /// This node's id (--node-id): a message's id is "<queue>/<node_id>/<segment>:<line>", so two
  /// ingest nodes' segments of the same name never share ids. Empty: "<queue>/<segment>:<line>".
  std::string node_id;
  stream_retention retention;
  /// How often log/ is looked at when nothing is waiting.
  std::chrono::milliseconds poll = std::chrono::milliseconds(200);
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(5);
  /// How long one segment's confirms may take before the connection is deemed broken.
  std::chrono::milliseconds confirm_timeout = std::chrono::seconds(30);
  /// The waits between reconnection attempts (sched::retry_delay; `retries` is not used: the
  /// shipper never gives up).
  sched::retry_policy reconnect{0, std::chrono::milliseconds(500), true, 0.2,
                                std::chrono::seconds(10)};
  /// Shipped segments in archive/ older than this are deleted (0 keeps them): with a broker
  /// no local loader runs, so its cleanup does not either. Checked every archive_check.
  std::chrono::milliseconds archive_retention{0};
  std::chrono::milliseconds archive_check = std::chrono::minutes(1);
  /// Null: metrics::global().
  metrics::registry* metrics = nullptr;
};

/// What the shipper did so far and what waits.
struct shipper_stats {
  std::uint64_t segments_shipped = 0;
  std::uint64_t events_published = 0;  // confirmed by the broker, republished ones included
  std::uint64_t backlog_segments = 0;  // sealed segments in log/ at the last look
  std::uint64_t backlog_bytes = 0;
  bool connected = false;
  std::string last_error;  // empty while shipping works
};

class shipper final : public gg::stage {
 public:
  explicit shipper(shipper_options options);
  ~shipper() override;

  std::string_view name() const noexcept override { return "shipper"; }
  std::vector<std::string> depends_on() const override { return {"eventlog"}; }
  /// Creates the segment directories and starts the shipping thread; does not wait for the
  /// broker (an ingest node takes events while the broker is down).
  gg::status start() override;
  void request_stop() override;
  /// Waits for the thread to finish the segment it is publishing (or `until`).
  gg::status drain(deadline until) override;
  /// up while connected, degraded while the broker is unreachable; the detail names the
  /// broker (password masked) and the backlog either way.
  gg::health health() const override;

  shipper_stats stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace gg::broker
