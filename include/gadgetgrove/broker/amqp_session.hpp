#pragma once
// One AMQP 0-9-1 connection with one channel, over the packaged rabbitmq-c client. Every call
// blocks (rabbitmq-c is a blocking library), so a session lives on one thread of its own: the
// shipper's or the stream loader's broker thread, never an io or scheduler thread.
//
// Thread safety: none; one thread at a time. After any error the session is broken (the channel
// or connection is closed by the broker on most errors): drop it and connect again.

#include <gadgetgrove/broker/broker_url.hpp>
#include <gadgetgrove/broker/stream_queue.hpp>
#include <gadgetgrove/core/result.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gg::broker {

/// A message taken off a stream by a consumer.
struct delivery {
  std::uint64_t tag = 0;            // for ack(); valid on this session only
  std::int64_t stream_offset = -1;  // x-stream-offset header; -1 when absent (not a stream)
  std::string message_id;
  std::string body;
};

/// Where a new stream consumer starts.
struct stream_start {
  /// The first offset to read; nullopt = the stream's first message still kept ("first").
  std::optional<std::int64_t> offset;
};

class amqp_session {
 public:
  /// Opens a connection (TCP, login, channel 1). Blocks up to `timeout` for each step. Errors:
  /// unavailable (retriable) when the broker cannot be reached or refuses, config for a login
  /// the broker rejects.
  static gg::result<amqp_session> connect(const broker_url& url, std::chrono::milliseconds timeout);

  amqp_session(amqp_session&&) noexcept;
  amqp_session& operator=(amqp_session&&) noexcept;
  ~amqp_session();

  /// Declares `name` durable with x-queue-type=stream and `retention`. Idempotent while the
  /// arguments stay the same; a queue of that name with other arguments is a conflict error.
  gg::status declare_stream(const std::string& name, const stream_retention& retention);

  /// Puts the channel in confirm mode (publisher confirms); publish() then returns the delivery
  /// tag the broker will confirm.
  gg::status enable_confirms();

  /// Publishes `body` persistently to queue `queue` through the default exchange; `message_id`
  /// travels as the message-id property. Returns this channel's delivery tag (1, 2, ...).
  gg::result<std::uint64_t> publish(const std::string& queue, std::string_view message_id,
                                    std::string_view body);

  /// Waits up to `timeout` for the broker's confirms and returns the highest tag up to which
  /// every message is confirmed (0 when none yet). A basic.nack is an unavailable error: the
  /// broker did not take the message and it must be published again.
  gg::result<std::uint64_t> wait_confirms(std::uint64_t up_to, std::chrono::milliseconds timeout);

  /// Starts consuming stream `queue` from `start` with manual acks and at most `prefetch`
  /// unacknowledged deliveries (basic.qos, which streams require).
  gg::status consume(const std::string& queue, stream_start start, std::uint16_t prefetch);

  /// The next delivery, or nullopt when none arrived within `timeout`.
  gg::result<std::optional<delivery>> next(std::chrono::milliseconds timeout);

  /// Acknowledges `tag` (and every earlier one with `multiple`).
  gg::status ack(std::uint64_t tag, bool multiple);

  /// Closes the channel and connection politely (also done by the destructor).
  void close() noexcept;

  struct state;

 private:
  explicit amqp_session(std::unique_ptr<state> s) noexcept;
  std::unique_ptr<state> s_;
};

}  // namespace gg::broker
