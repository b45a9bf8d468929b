#pragma once
// Plays one session plan as the storefront would in a browser, one HTTP request at a time,
// without doing any I/O itself: it writes each request's bytes and reads each answer. The
// transport (a lane) decides when and over which connection.

#include <gadgetgrove/core/prng.hpp>
#include <gadgetgrove/core/time.hpp>
#include "product_list.hpp"
#include "session_plan.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gg::traffic::detail {

enum class request_kind : std::uint8_t { page, session, products, events, checkout, session_end };

/// Receives the id of every event the server acknowledged.
class ack_sink {
 public:
  virtual ~ack_sink() = default;
  virtual void acknowledged(std::string_view event_id) = 0;
};

/// What every session of a run shares.
struct driver_settings {
  std::string host;    // Host header value, "127.0.0.1:8000"
  std::string origin;  // "http://127.0.0.1:8000": page URLs and the Origin of POSTs
  /// Also GET the pages and the category product lists, as a browser does; off sends only
  /// the API calls the tracker and the checkout make.
  bool page_loads = true;
  /// Keep a copy of every event sent (GET /simulate returns them).
  bool record_events = false;
};

/// Message ids: random version 4 UUIDs from a generator seeded by the kernel's CSPRNG, so they
/// never repeat across runs while costing no system call each. Not thread-safe.
class id_source {
 public:
  id_source();
  void next(char* out36) noexcept;

 private:
  prng rng_;
};

/// The result of one answer, for the caller's counters.
struct reply_outcome {
  bool ok = false;             // 2xx or 3xx
  std::uint32_t acked = 0;     // events the server took
  std::uint32_t rejected = 0;  // events it refused
};

/// Not thread-safe; one per session, used by one lane at a time.
class session_driver {
 public:
  /// `settings` and `ids` must outlive the driver.
  session_driver(const driver_settings& settings, std::shared_ptr<const product_list> products,
                 session_plan plan, id_source& ids);

  const session_plan& plan() const noexcept { return plan_; }
  bool finished() const noexcept { return step_ >= plan_.steps.size(); }
  std::size_t step() const noexcept { return step_; }
  /// True once the current step has sent a request.
  bool in_step() const noexcept { return position_ > 0; }

  /// Sets the client time of the current step's events; call before its first request.
  void begin_step(sys_us client_time);
  /// Writes the next request of the current step to `out` (replacing it). !finished().
  request_kind write_request(std::string& out);
  /// Events carried by the request last written.
  std::uint32_t request_events() const noexcept { return request_events_; }
  /// The answer to the request last written; advances to the next request or step.
  reply_outcome on_reply(unsigned status, std::string_view body,
                         const std::vector<std::string_view>& set_cookies, ack_sink* acks);
  /// The request last written failed in transport; the rest of its step is skipped (a failed
  /// checkout still reports its checkout_error, as the storefront does).
  void on_failure();
  /// Skips what remains of the plan.
  void abandon() noexcept { step_ = plan_.steps.size(); }

  /// The shop's session id (or a local one when the shop gave none).
  const std::string& session_id() const noexcept { return session_id_; }
  /// Every event sent so far as comma-separated JSON objects (record_events only).
  const std::string& recorded_events() const noexcept { return recorded_; }

 private:
  void plan_requests();
  void advance();
  void write_events(std::string& body);
  void write_event_request(std::string& out);
  void write_head(std::string& out, std::string_view method, std::string_view target,
                  std::size_t body_size, bool json_body);
  std::uint32_t acknowledge(unsigned status, std::string_view body, ack_sink* acks,
                            std::uint32_t& rejected);
  std::int64_t cart_total_cents() const noexcept;
  std::int64_t cart_units() const noexcept;
  void take_cookies(const std::vector<std::string_view>& set_cookies);

  const driver_settings& settings_;
  std::shared_ptr<const product_list> products_;
  session_plan plan_;
  id_source& ids_;

  std::size_t step_ = 0;
  std::array<request_kind, 3> requests_{};
  std::size_t request_count_ = 0;
  std::size_t position_ = 0;
  request_kind last_kind_ = request_kind::page;
  std::uint32_t request_events_ = 0;
  sys_us client_time_{};

  std::string session_id_;
  std::string shop_name_, shop_email_;  // the shop session's user, for anonymous checkouts
  std::vector<std::pair<std::string, std::string>> cookies_;
  std::string last_url_;
  std::string path_;                                           // scratch: the current page's path
  std::vector<std::pair<std::uint32_t, std::uint32_t>> cart_;  // product index, quantity
  // The checkout's answer: order id and total on success, the reason otherwise.
  bool checkout_ok_ = false;
  std::string order_id_, order_total_, checkout_reason_;

  std::vector<std::array<char, 36>> message_ids_;  // of the events request last written
  std::string scratch_;
  std::string recorded_;
};

}  // namespace gg::traffic::detail
