#pragma once
// The stream loader: on a loader node with a broker, it consumes gadgetgrove.<queue> from the
// offset committed in pipeline.stream_offsets (basic.qos, manual acks, x-stream-offset) and
// loads each batch through the loader's unit of work (loader::segment_unit: COPY, rejects,
// event_id guard), storing the stream offset after the batch in the same transaction as its
// rows. One node at a time loads a queue: it holds the queue's PostgreSQL advisory lock on a
// connection of its own, which the server drops with the node's session, so another node takes
// the queue over where the dead one committed. Every loader node also holds a shared "member"
// lock, so each can count the nodes and keep only its fair part of the queues, giving the rest
// up between batches for a newcomer to take.
//
// Thread safety: none; one thread drives it (rabbitmq-c and libpq both block).

#include <gadgetgrove/broker/broker_url.hpp>
#include <gadgetgrove/broker/stream_queue.hpp>
#include <gadgetgrove/core/metrics.hpp>
#include <gadgetgrove/core/result.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace gg::broker {

struct stream_loader_options {
  broker_url url;
  std::string conninfo;             // the warehouse
  std::filesystem::path spool_dir;  // where a batch is written before it is loaded
  std::string node_id = "node";     // recorded with each committed offset
  stream_retention retention;       // used when this node declares a stream first
  std::size_t batch_events = 5000;  // the most events one transaction loads
  /// How many queues the loader nodes share: a node holds at most its fair part of them,
  /// ceil(queue_count / loader nodes running), so several nodes split the queues.
  std::size_t queue_count = 5;
  /// A batch is loaded once this passes without a new message, once its first message is
  /// batch_max_age old, or once it is full. The shipper publishes a segment's events back to
  /// back, so a short gap ends a batch with the segment instead of adding its length to every
  /// event's freshness.
  std::chrono::milliseconds batch_wait = std::chrono::milliseconds(100);
  std::chrono::milliseconds batch_max_age = std::chrono::seconds(1);
  /// How long a call waits for a first message: a consumer kept from an earlier call has in its
  /// socket whatever the broker pushed meanwhile (idle_wait); a new one waits for the broker to
  /// read the stream from the offset (at least first_delivery_wait, and batch_wait).
  std::chrono::milliseconds idle_wait = std::chrono::milliseconds(20);
  std::chrono::milliseconds first_delivery_wait = std::chrono::seconds(1);
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  metrics::registry* metrics = nullptr;  // null: metrics::global()
  /// Told (on the loading thread) whenever this node takes or loses a queue's lock.
  std::function<void(const std::string& queue, bool held)> on_lock;
};

/// What one load_available() call did.
struct stream_load_result {
  bool lock_held_elsewhere = false;  // another node loads this queue: nothing was done
  bool over_share = false;           // this node holds its fair part of the queues: left to others
  std::uint64_t batches = 0;
  std::uint64_t events = 0;  // messages consumed and committed (rows + rejects)
  std::uint64_t rows = 0;
  std::uint64_t rejected = 0;
  std::int64_t next_offset = 0;  // committed position after the call
};

class stream_loader {
 public:
  explicit stream_loader(stream_loader_options options);
  ~stream_loader();
  stream_loader(const stream_loader&) = delete;
  stream_loader& operator=(const stream_loader&) = delete;

  /// Takes (or keeps) `queue`'s advisory lock, then loads its stream from the committed offset
  /// in batches until no message is waiting. The queue's consumer (connection, channel, stream
  /// consumer) is kept for the next call while it works and while its position is the committed
  /// offset; a kept one whose connection broke is started again once. Blocks. Errors: the
  /// broker's or the database's (a batch not committed is consumed again by the next call, from
  /// the committed offset, on a new consumer).
  gg::result<stream_load_result> load_available(const std::string& queue);

  /// Gives up every queue's lock and consumer (also done by the destructor).
  void release() noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace gg::broker
